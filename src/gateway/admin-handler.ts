import type { IncomingMessage, ServerResponse } from 'node:http';
import { SwitchyardError } from '../core/switchyard-error.js';
import { presentedKey, safeEqual } from './check-api-key.js';
import type { GatewayContext } from './gateway-context.js';
import { sendError } from './http-error.js';

/** Called by POST /admin/reload; resolves once the new policy is in force. */
export type ReloadPolicy = () => Promise<void>;

/**
 * /admin/*: read gateway state and trigger a reload. Served only when an admin token is
 * configured, and only to requests that present it; otherwise the paths do not exist.
 */
export async function handleAdmin(
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  context: GatewayContext,
  reload: ReloadPolicy,
): Promise<void> {
  const token = context.runtime.policy.server.adminToken;
  if (!token) {
    sendError(
      response,
      new SwitchyardError('not_found', `No route for ${request.method} ${path}.`),
    );
    return;
  }
  const presented = presentedKey(request.headers);
  if (presented === null) {
    sendError(
      response,
      new SwitchyardError(
        'missing_api_key',
        'Admin endpoints need the admin token as a Bearer key.',
      ),
    );
    return;
  }
  if (!safeEqual(token, presented)) {
    sendError(response, new SwitchyardError('invalid_api_key', 'The admin token is not valid.'));
    return;
  }
  if (path === '/admin/state' && request.method === 'GET') {
    sendJson(response, 200, adminState(context));
    return;
  }
  if (path === '/admin/reload' && request.method === 'POST') {
    try {
      await reload();
      sendJson(response, 200, { reloaded: true, policy: context.runtime.policy.sourcePath });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      sendError(
        response,
        new SwitchyardError('invalid_request', `The policy was not reloaded: ${message}`),
      );
    }
    return;
  }
  sendError(response, new SwitchyardError('not_found', `No route for ${request.method} ${path}.`));
}

/** The state an operator needs at a glance: routes, targets, breakers and the log queue. */
export function adminState(context: GatewayContext) {
  const policy = context.runtime.policy;
  return {
    policy: policy.sourcePath,
    default_route: policy.defaultRoute,
    routes: [...policy.routes.values()].map((route) => ({
      name: route.name,
      chain: route.chain.map((step) => step.target),
      deadline_ms: route.deadlineMs,
    })),
    targets: [...policy.targets.values()].map((target) => ({
      name: target.name,
      provider: target.provider,
      model: target.model,
      context_window: target.contextWindow,
      simulated: target.provider === 'sim',
    })),
    breakers: context.runtime.breakers.snapshot(),
    request_log: context.log?.stats() ?? null,
  };
}

/** Send a JSON body. */
export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
  });
  response.end(payload);
}
