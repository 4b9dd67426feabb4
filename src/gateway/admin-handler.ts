import type { IncomingMessage, ServerResponse } from 'node:http';
import { SwitchyardError } from '../core/switchyard-error.js';
import { presentedKey, safeEqual } from './check-api-key.js';
import type { GatewayContext } from './gateway-context.js';
import { sendError, toSwitchyardError } from './http-error.js';
import { readJsonBody } from './read-json-body.js';
import type { TrafficControl } from './traffic-control.js';

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
  const actor = `admin@${request.socket.remoteAddress ?? 'unknown'}`;
  if (path === '/admin/state' && request.method === 'GET') {
    sendJson(response, 200, await adminState(context));
    return;
  }
  if (path === '/admin/reload' && request.method === 'POST') {
    try {
      await reload();
      await context.traffic?.audit(actor, 'reload', { policy: context.runtime.policy.sourcePath });
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
  const traffic = context.traffic;
  if (traffic && path === '/admin/traffic') {
    if (request.method === 'GET') {
      sendJson(response, 200, trafficState(traffic));
      return;
    }
    if (request.method === 'POST') {
      try {
        await changeTraffic(traffic, await readJsonBody(request, 64 * 1024), actor);
        sendJson(response, 200, trafficState(traffic));
      } catch (error) {
        sendError(response, toSwitchyardError(error));
      }
      return;
    }
  }
  if (traffic && path === '/admin/audit' && request.method === 'GET') {
    sendJson(response, 200, { entries: await traffic.auditLog(200) });
    return;
  }
  sendError(response, new SwitchyardError('not_found', `No route for ${request.method} ${path}.`));
}

/**
 * Apply one traffic change. Accepted bodies:
 * - `{"kill": true, "reason": "..."}` / `{"kill": false}`: the kill-switch;
 * - `{"canary_pct": 0}` (the seed's form), optionally with `"route"`: every (or one) canary's share;
 * - `{"route": "chat", "canary": "pause" | "resume" | "promote" | "abort"}`.
 */
async function changeTraffic(traffic: TrafficControl, body: unknown, actor: string): Promise<void> {
  if (typeof body !== 'object' || body === null) {
    throw new SwitchyardError(
      'invalid_request',
      'Send a JSON object such as {"kill": true} or {"canary_pct": 0}.',
    );
  }
  const change = body as {
    kill?: unknown;
    reason?: unknown;
    canary_pct?: unknown;
    route?: unknown;
    canary?: unknown;
  };
  const reason = typeof change.reason === 'string' ? change.reason : null;
  const route = typeof change.route === 'string' ? change.route : undefined;
  if (change.kill !== undefined) {
    if (typeof change.kill !== 'boolean')
      throw new SwitchyardError('invalid_request', 'kill: expected true or false', {
        param: 'kill',
      });
    await traffic.setKillSwitch(change.kill, actor, reason);
    return;
  }
  if (change.canary_pct !== undefined) {
    const percentage = change.canary_pct;
    if (typeof percentage !== 'number' || percentage < 0 || percentage > 100) {
      throw new SwitchyardError('invalid_request', 'canary_pct: expected a number from 0 to 100', {
        param: 'canary_pct',
      });
    }
    await traffic.setCanaryPercentage(percentage, actor, route);
    return;
  }
  if (change.canary !== undefined) {
    const controller = route ? traffic.canary(route) : undefined;
    if (!controller)
      throw new SwitchyardError('invalid_request', `route: no canary on route "${route ?? ''}"`, {
        param: 'route',
      });
    const action = change.canary;
    if (action === 'pause') await controller.pause();
    else if (action === 'resume') await controller.resume();
    else if (action === 'promote') await controller.promote();
    else if (action === 'abort') await controller.abort(reason ?? `aborted by ${actor}`);
    else
      throw new SwitchyardError(
        'invalid_request',
        'canary: expected pause, resume, promote or abort',
        { param: 'canary' },
      );
    await traffic.audit(actor, `canary-${action}`, { route, reason });
    return;
  }
  throw new SwitchyardError(
    'invalid_request',
    'Nothing to change: send kill, canary_pct, or route with canary.',
  );
}

function trafficState(traffic: TrafficControl) {
  return {
    kill_switch: traffic.killSwitch(),
    canaries: traffic.canaryList().map((controller) => controller.snapshot()),
  };
}

/** The state an operator needs at a glance: routes, targets, breakers, traffic control, the log queue. */
export async function adminState(context: GatewayContext) {
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
      simulated: context.runtime.isSimulated(target),
    })),
    breakers: context.runtime.breakers.snapshot(),
    request_log: context.log?.stats() ?? null,
    traffic: (await context.traffic?.snapshot()) ?? null,
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
