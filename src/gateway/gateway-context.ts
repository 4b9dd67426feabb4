import type { Logger } from 'pino';
import type { ChatRequest } from '../core/chat-types.js';
import type { RoutingRuntime } from '../routing/routing-runtime.js';
import type { GatewayMetrics, Redactor, RequestLog } from '../telemetry/index.js';

/** What request handlers share: the policy-derived runtime and the telemetry sinks. */
export interface GatewayContext {
  runtime: RoutingRuntime;
  /** Null when logging is disabled in the policy. */
  log: RequestLog | null;
  metrics: GatewayMetrics;
  redactor: Redactor;
  logger: Logger;
  /** Model-based intent, when the policy configures a classifier target. */
  intentClassifier: { classify(request: ChatRequest): Promise<string | null> } | null;
}
