import type { IncomingMessage, ServerResponse } from 'node:http';
import { SwitchyardError } from '../../core/switchyard-error.js';
import type { RunStore } from '../../eval/run-store.js';
import type { LiveTraffic } from '../../telemetry/live-traffic.js';
import { InvalidCursorError, type LogStore } from '../../telemetry/log-store.js';
import type { RequestRecord } from '../../telemetry/request-record.js';
import { sendJson } from '../admin-handler.js';
import { checkApiKey, presentedKey, safeEqual } from '../check-api-key.js';
import type { GatewayContext } from '../gateway-context.js';
import { sendError, toSwitchyardError } from '../http-error.js';
import { readJsonBody } from '../read-json-body.js';
import type { SuiteWriter } from './append-suite-case.js';
import { buildLiveSnapshot } from './build-live-snapshot.js';
import { buildGatewayInfo, buildOfflineInfo } from './build-workspace-info.js';
import { parseRequestListQuery } from './parse-request-list-query.js';
import type {
  RequestListResponse,
  RequestSummary,
  RunListResponse,
} from './workspace-api-types.js';

/** The largest suite case accepted: a long chat with a long expected answer. */
const SUITE_CASE_LIMIT_BYTES = 2 * 1024 * 1024;
/** Runs listed at most; the list is a picker, not an archive export. */
const RUN_LIST_LIMIT = 500;

/** What the Workspace API reads from. Any source may be missing; its paths then answer 404. */
export interface WorkspaceApiOptions {
  logStore: LogStore | null;
  runStore: RunStore | null;
  suite: SuiteWriter | null;
  /** The live gateway and its rolling traffic; null for `switchyard ui` on a stored database. */
  live: { context: GatewayContext; traffic: LiveTraffic } | null;
  /** Offline only: a token /api requires (a live gateway uses its policy's credentials). */
  offlineToken?: string | null;
}

/** Serves one /api/* request. */
export type WorkspaceApiHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  search: string,
) => Promise<void>;

/**
 * The Workspace's JSON API (docs/api.md). Access: with an admin token configured, every /api
 * path needs it, since the log holds users' chats; without one but with gateway keys, any
 * gateway key; with neither, /api is as open as the gateway itself. Errors use the gateway's
 * OpenAI-style body.
 */
export function createWorkspaceApi(options: WorkspaceApiOptions): WorkspaceApiHandler {
  const sources = {
    requestLog: options.logStore !== null,
    runs: options.runStore !== null,
    suitePath: options.suite?.path ?? null,
  };

  return async (request, response, path, search) => {
    try {
      authorize(request, options);
      const method = request.method ?? 'GET';
      const segments = path.split('/').filter(Boolean).slice(1).map(decodeURIComponent);
      const [resource, id, extra] = segments;
      if (extra !== undefined) throw notFound(method, path);

      if (resource === 'info' && id === undefined) {
        expectMethod(method, 'GET', path);
        const context = options.live?.context;
        return sendJson(
          response,
          200,
          context
            ? buildGatewayInfo(context.runtime.policy, sources, (target) =>
                context.runtime.isSimulated(target),
              )
            : buildOfflineInfo(sources),
        );
      }

      if (resource === 'runs') {
        expectMethod(method, 'GET', path);
        const runStore = need(options.runStore, 'eval runs', 'this server has no run store');
        if (id === undefined) {
          const body: RunListResponse = { runs: await runStore.list({ limit: RUN_LIST_LIMIT }) };
          return sendJson(response, 200, body);
        }
        const report = await runStore.get(id).catch((error: unknown) => {
          // An ambiguous prefix: the store names the runs it matches.
          throw new SwitchyardError('invalid_request', errorMessage(error), { param: 'id' });
        });
        if (!report) throw new SwitchyardError('not_found', `No stored run "${id}".`);
        return sendJson(response, 200, report);
      }

      if (resource === 'requests') {
        expectMethod(method, 'GET', path);
        const logStore = need(options.logStore, 'request log', 'the request log is disabled');
        if (id === undefined) {
          const query = parseRequestListQuery(new URLSearchParams(search));
          const page = await logStore.page(query).catch((error: unknown) => {
            if (error instanceof InvalidCursorError) {
              throw new SwitchyardError('invalid_request', error.message, { param: 'cursor' });
            }
            throw error;
          });
          const body: RequestListResponse = {
            requests: page.records.map(summarize),
            next: page.next,
          };
          return sendJson(response, 200, body);
        }
        const record = await logStore.get(id);
        if (!record) throw new SwitchyardError('not_found', `No logged request "${id}".`);
        return sendJson(response, 200, record);
      }

      if (resource === 'live' && id === undefined) {
        expectMethod(method, 'GET', path);
        const live = need(
          options.live,
          'live traffic',
          'live traffic needs a running gateway (switchyard serve); this server reads a stored database',
        );
        return sendJson(response, 200, await buildLiveSnapshot(live.context, live.traffic));
      }

      if (resource === 'suite-cases' && id === undefined) {
        expectMethod(method, 'POST', path);
        const suite = need(options.suite, 'suite file', 'saving test cases is off on this server');
        const saved = await suite.append(await readJsonBody(request, SUITE_CASE_LIMIT_BYTES));
        return sendJson(response, 201, saved);
      }

      throw notFound(method, path);
    } catch (error) {
      request.resume();
      sendError(response, toSwitchyardError(error));
    }
  };
}

/** A log row without its bodies: what the log browser lists. */
function summarize(record: RequestRecord): RequestSummary {
  return {
    id: record.id,
    ts: record.ts,
    route: record.route,
    servedTarget: record.servedTarget,
    status: record.status,
    errorCode: record.errorCode,
    userId: record.userId,
    sessionId: record.sessionId,
    intent: record.intent,
    stream: record.stream,
    latencyMs: record.latencyMs,
    ttftMs: record.ttftMs,
    tokensIn: record.tokensIn,
    tokensOut: record.tokensOut,
    costUsd: record.costUsd,
    attempts: record.attempts.length,
    canary: record.canary,
    shadow: record.shadow,
    degraded: record.degraded ?? null,
    hasBody: record.request !== null && record.request !== undefined,
  };
}

function authorize(request: IncomingMessage, options: WorkspaceApiOptions): void {
  const policy = options.live?.context.runtime.policy;
  const adminToken = policy ? policy.server.adminToken : (options.offlineToken ?? null);
  if (adminToken) {
    const presented = presentedKey(request.headers);
    if (presented === null) {
      throw new SwitchyardError(
        'missing_api_key',
        'The Workspace API needs the admin token: send "Authorization: Bearer <token>".',
      );
    }
    if (!safeEqual(adminToken, presented)) {
      throw new SwitchyardError('invalid_api_key', 'The admin token is not valid.');
    }
    return;
  }
  if (policy) checkApiKey(request.headers, policy.server.apiKeys);
}

function expectMethod(method: string, expected: string, path: string): void {
  if (method !== expected) {
    throw new SwitchyardError('method_not_allowed', `${method} is not allowed on ${path}.`);
  }
}

function need<T>(source: T | null, what: string, why: string): T {
  if (source === null) throw new SwitchyardError('not_found', `No ${what}: ${why}.`);
  return source;
}

function notFound(method: string, path: string): SwitchyardError {
  return new SwitchyardError('not_found', `No route for ${method} ${path}.`);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
