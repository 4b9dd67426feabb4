/**
 * What the gateway records and exposes: request records and their log, redaction, Prometheus
 * metrics, the logger, trace export and cost. Storage backends live in src/store.
 */
export { computeCostUsd, type TokenPrices } from './cost.js';
export {
  createLiveTraffic,
  type LiveTraffic,
  type LiveTrafficOptions,
  type LiveTrafficRow,
} from './live-traffic.js';
export {
  InvalidCursorError,
  type LogStore,
  type RecordPage,
  type RecordPageQuery,
  type RecordQuery,
} from './log-store.js';
export { createLogger, LOG_REDACT_PATHS, LOG_REDACTED, type LoggerOptions } from './logger.js';
export {
  type BreakerStateName,
  type BreakerStateSample,
  createGatewayMetrics,
  type GatewayMetrics,
  type GatewayMetricsOptions,
  type PolicyReloadResult,
} from './metrics.js';
export {
  createRedactor,
  passesLuhn,
  REDACTION_LABELS,
  type Redactor,
  type RedactorOptions,
} from './redact.js';
export {
  createRequestLog,
  type FlushOnSignalsOptions,
  installFlushOnSignals,
  type RequestLog,
  RequestLogDropError,
  type RequestLogDropReason,
  type RequestLogOptions,
  type RequestLogStats,
} from './request-log.js';
export type { AttemptRecord, RequestRecord } from './request-record.js';
export {
  exportTrace,
  parseSince,
  type TraceAttempt,
  type TraceLine,
  toTraceLine,
} from './trace-export.js';
