import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { SwitchyardError } from '../core/switchyard-error.js';
import { timeOrderedId } from '../core/time-ordered-id.js';
import type { RunStore } from '../eval/run-store.js';
import { createIntentClassifier, loadTokenizer } from '../routing/classify/index.js';
import type { Policy } from '../routing/policy/policy-types.js';
import type { RouteRuntime } from '../routing/route-executor.js';
import { RoutingRuntime } from '../routing/routing-runtime.js';
import type { SharedState } from '../state/index.js';
import {
  createGatewayMetrics,
  createLiveTraffic,
  createLogger,
  createRedactor,
  createRequestLog,
  type GatewayMetrics,
  type LogStore,
  type RequestLog,
} from '../telemetry/index.js';
import { handleAdmin, sendJson } from './admin-handler.js';
import { handleChatCompletions } from './chat-completions-handler.js';
import { checkApiKey } from './check-api-key.js';
import type { GatewayContext } from './gateway-context.js';
import { sendError, toSwitchyardError } from './http-error.js';
import { listenServer } from './listen-server.js';
import { TrafficControl } from './traffic-control.js';
import {
  createSuiteWriter,
  createUiAssetHandler,
  createWorkspaceApi,
  UI_PREFIX,
  type WorkspaceApiHandler,
} from './workspace-api/index.js';

/** How to build a gateway. */
export interface GatewayOptions {
  policy: Policy;
  /** Where request records go; null disables the log even if the policy enables it. */
  store?: LogStore | null;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  metrics?: GatewayMetrics;
  /** Re-read the policy from disk; used by POST /admin/reload and SIGHUP. */
  loadPolicy?: () => Promise<Policy>;
  /** Shared state to use instead of the policy's (tests run two replicas on one). */
  state?: SharedState;
  /** How often canary gates are judged; default 2 s. */
  canaryEvaluationMs?: number;
  /** The Workspace (/ui and /api/*); on by default, reading the log store given above. */
  workspace?: WorkspaceOptions | false;
}

/** What the Workspace serves besides live state and the request log. */
export interface WorkspaceOptions {
  /** Stored eval runs for the run pages; null leaves them out. */
  runStore?: RunStore | null;
  /** The suite file the playground saves test cases to; null turns saving off. */
  suitePath?: string | null;
  /** The built app; default the package's dist/ui. */
  uiAssetsDir?: string;
}

/** A running (or ready to run) gateway. */
export interface Gateway {
  readonly server: Server;
  readonly context: GatewayContext;
  /** Start listening; resolves with the bound address. */
  listen(port?: number, host?: string): Promise<{ url: string; port: number }>;
  /** Swap in a validated policy without dropping connections. */
  reload(policy: Policy): Promise<void>;
  /** Re-read the policy via `loadPolicy`; an invalid file leaves the old policy in force. */
  reloadFromSource(): Promise<void>;
  /** Stop accepting, finish in-flight requests (up to `graceMs`), flush the log, close pools. */
  close(graceMs?: number): Promise<void>;
}

/** Build the gateway: routes HTTP requests to handlers sharing one context. */
export function createGateway(options: GatewayOptions): Gateway {
  const env = options.env ?? process.env;
  const logger = options.logger ?? createLogger({ level: env.SWITCHYARD_LOG_LEVEL ?? 'info' });
  const runtime = new RoutingRuntime(options.policy, env);
  const metrics = options.metrics ?? createGatewayMetrics();
  metrics.setBreakerStates(() => runtime.breakers.snapshot());
  const log: RequestLog | null =
    options.store && options.policy.log.enabled
      ? createRequestLog(options.store, {
          batchSize: options.policy.log.batchSize,
          flushIntervalMs: options.policy.log.flushIntervalMs,
          retentionDays: options.policy.log.retentionDays,
          onError: (error) => logger.error({ err: error }, 'request log write failed'),
        })
      : null;

  if (log) metrics.setRequestLogStats(() => log.stats());

  const context: GatewayContext = {
    runtime,
    log,
    metrics,
    liveTraffic: createLiveTraffic(),
    redactor: createRedactor(options.policy.log.redactPatterns),
    logger,
    intentClassifier: buildClassifier(runtime),
    routeRuntime: runtime,
    traffic: null,
  };

  // Shared state may be remote (Redis), so traffic control starts asynchronously; listen() waits.
  const trafficReady = TrafficControl.create({
    policy: options.policy,
    runtime,
    env,
    logger,
    registry: metrics.registry,
    state: options.state,
    canaryEvaluationMs: options.canaryEvaluationMs,
  }).then((traffic) => {
    context.traffic = traffic;
    context.routeRuntime = routeRuntimeFor(runtime, traffic);
    return traffic;
  });
  // Failures surface from listen(); this only keeps an unobserved rejection from crashing.
  trafficReady.catch(() => {});

  const reload = async (policy: Policy) => {
    await runtime.reload(policy);
    if (context.traffic) {
      await context.traffic.reload(policy);
      context.routeRuntime = routeRuntimeFor(runtime, context.traffic);
    }
    context.redactor = createRedactor(policy.log.redactPatterns);
    context.intentClassifier = buildClassifier(runtime);
    metrics.policyReloaded('ok');
    logger.info({ policy: policy.sourcePath }, 'policy reloaded');
  };
  const reloadFromSource = async () => {
    if (!options.loadPolicy) throw new Error('this gateway was started without a policy file');
    let policy: Policy;
    try {
      policy = await options.loadPolicy();
    } catch (error) {
      metrics.policyReloaded('rejected');
      logger.error({ err: error }, 'policy reload rejected; the previous policy stays in force');
      throw error;
    }
    await reload(policy);
  };

  const workspace = options.workspace === false ? null : (options.workspace ?? {});
  const workspaceApi: WorkspaceApiHandler | null = workspace
    ? createWorkspaceApi({
        logStore: options.store ?? null,
        runStore: workspace.runStore ?? null,
        suite: workspace.suitePath ? createSuiteWriter(workspace.suitePath) : null,
        live: { context, traffic: context.liveTraffic },
      })
    : null;
  const uiAssets = workspace ? createUiAssetHandler(workspace.uiAssetsDir) : null;

  const server = createServer({ keepAliveTimeout: 65_000 }, (request, response) => {
    route(request, response).catch((error: unknown) => {
      logger.error({ err: error }, 'request handler crashed');
      sendError(response, toSwitchyardError(error));
    });
  });
  // A client that sends a broken request line gets a 400 instead of a silent socket close.
  server.on('clientError', (_error, socket) => {
    if (socket.writable)
      socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  });

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const arrivedAt = Date.now();
    const url = request.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const method = request.method ?? 'GET';

    if (path === '/v1/chat/completions') {
      if (method !== 'POST') return methodNotAllowed(response, method, path);
      return handleChatCompletions(request, response, context, timeOrderedId(arrivedAt), arrivedAt);
    }
    if (path === '/v1/models') {
      if (method !== 'GET') return methodNotAllowed(response, method, path);
      checkApiKey(request.headers, runtime.policy.server.apiKeys, runtime.policy.server.adminToken);
      return sendJson(response, 200, listModels(runtime.policy, arrivedAt));
    }
    if (path === '/healthz') return sendJson(response, 200, { status: 'ok' });
    if (path === '/metrics') {
      const text = await metrics.registry.metrics();
      response.writeHead(200, { 'content-type': metrics.registry.contentType });
      response.end(text);
      return;
    }
    if (path.startsWith('/admin/'))
      return handleAdmin(request, response, path, context, reloadFromSource);
    if (workspaceApi && path.startsWith('/api/')) {
      return workspaceApi(request, response, path, queryAt === -1 ? '' : url.slice(queryAt + 1));
    }
    if (uiAssets && (path === UI_PREFIX || path.startsWith(`${UI_PREFIX}/`))) {
      if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(response, method, path);
      return uiAssets(request, response);
    }
    request.resume();
    sendError(response, new SwitchyardError('not_found', `No route for ${method} ${path}.`));
  }

  return {
    server,
    context,
    reload,
    reloadFromSource,
    async listen(port = options.policy.server.port, host = options.policy.server.host) {
      await trafficReady;
      loadTokenizer();
      return listenServer(server, port, host);
    },
    async close(graceMs = 5_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(timer);
      await log?.close();
      await (await trafficReady.catch(() => null))?.close();
      await runtime.close();
    },
  };
}

/** The executor's runtime: the routing runtime, plus per-target limits when any are configured. */
function routeRuntimeFor(runtime: RoutingRuntime, traffic: TrafficControl): RouteRuntime {
  if (!traffic.limitsTargets) return runtime;
  return {
    target: (name) => runtime.target(name),
    provider: (name) => runtime.provider(name),
    breaker: (name) => runtime.breaker(name),
    fitContext: (request, target, route) => runtime.fitContext(request, target, route),
    admitTarget: (name) => traffic.admitTarget(name),
  };
}

function methodNotAllowed(response: ServerResponse, method: string, path: string): void {
  sendError(
    response,
    new SwitchyardError('method_not_allowed', `${method} is not allowed on ${path}.`),
  );
}

/** `GET /v1/models`: `auto`, every route, and every target when the policy exposes them. */
function listModels(policy: Policy, now: number) {
  const created = Math.floor(now / 1000);
  const names = ['auto', ...policy.routes.keys()];
  if (policy.server.exposeTargets) {
    for (const name of policy.targets.keys()) if (!names.includes(name)) names.push(name);
  }
  return {
    object: 'list',
    data: names.map((id) => ({ id, object: 'model', created, owned_by: 'switchyard' })),
  };
}

function buildClassifier(runtime: RoutingRuntime): GatewayContext['intentClassifier'] {
  const config = runtime.policy.classification.classifier;
  if (!config) return null;
  return createIntentClassifier(config, async (request, signal) => {
    const target = runtime.target(config.target);
    if (!target) return '';
    const { completion } = await runtime
      .provider(config.target)
      .doComplete({ ...request, model: target.model }, { signal });
    return completion.choices[0]?.message.content ?? '';
  });
}
