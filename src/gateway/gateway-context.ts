import type { Logger } from 'pino';
import type { ChatRequest } from '../core/chat-types.js';
import type { RouteRuntime } from '../routing/route-executor.js';
import type { RoutingRuntime } from '../routing/routing-runtime.js';
import type { GatewayMetrics, LiveTraffic, Redactor, RequestLog } from '../telemetry/index.js';
import type { TrafficControl } from './traffic-control.js';

/** What request handlers share: the policy-derived runtime and the telemetry sinks. */
export interface GatewayContext {
  runtime: RoutingRuntime;
  /** Null when logging is disabled in the policy. */
  log: RequestLog | null;
  metrics: GatewayMetrics;
  /** Rolling per-route, per-target traffic for the Workspace's live page. */
  liveTraffic: LiveTraffic;
  redactor: Redactor;
  logger: Logger;
  /** What the route executor runs against: the runtime, plus the gateway's per-target limits. */
  routeRuntime: RouteRuntime;
  /** Kill-switch, canaries, shadows, budgets, limits, shedding; null until the gateway listens. */
  traffic: TrafficControl | null;
  /** Model-based intent, when the policy configures a classifier target. */
  intentClassifier: { classify(request: ChatRequest): Promise<string | null> } | null;
}
