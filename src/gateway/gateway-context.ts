import type { Logger } from 'pino';
import type { ChatRequest } from '../core/chat-types.js';
import type { GatewayMetrics, Redactor, RequestLog } from '../telemetry/index.js';
import type { GatewayRuntime } from './gateway-runtime.js';

/** What request handlers share: the policy-derived runtime and the telemetry sinks. */
export interface GatewayContext {
  runtime: GatewayRuntime;
  /** Null when logging is disabled in the policy. */
  log: RequestLog | null;
  metrics: GatewayMetrics;
  redactor: Redactor;
  logger: Logger;
  /** Model-based intent, when the policy configures a classifier target. */
  intentClassifier: { classify(request: ChatRequest): Promise<string | null> } | null;
}
