import type { RequestRecord } from '../request-record.js';

/** A complete, plausible request record for tests; `overrides` replace fields. */
export function makeRequestRecord(overrides: Partial<RequestRecord> = {}): RequestRecord {
  return {
    id: 'req_0001',
    ts: Date.UTC(2025, 0, 15, 12, 0, 0),
    userId: 'user-1',
    sessionId: 'session-1',
    tenant: 'acme',
    route: 'chat',
    rule: 'default',
    intent: 'chit_chat',
    tags: ['light'],
    stream: false,
    tokensIn: 120,
    tokensOut: 40,
    usageSource: 'upstream',
    servedTarget: 'small-precise',
    attempts: [
      {
        target: 'big-decoder-v2',
        status: 503,
        errorClass: 'server_error',
        latencyMs: 35,
        ttftMs: null,
        startedAt: Date.UTC(2025, 0, 15, 12, 0, 0),
      },
      {
        target: 'small-precise',
        status: 200,
        errorClass: null,
        latencyMs: 80,
        ttftMs: 30,
        startedAt: Date.UTC(2025, 0, 15, 12, 0, 0) + 36,
      },
    ],
    status: 200,
    errorCode: null,
    finishReason: 'stop',
    latencyMs: 118,
    ttftMs: 66,
    overheadMs: 3,
    costUsd: 0.000_32,
    responseSha256: 'a'.repeat(64),
    canary: false,
    shadow: false,
    contextFit: null,
    request: { model: 'auto', messages: [{ role: 'user', content: 'Hi there' }] },
    responseText: 'Hello!',
    ...overrides,
  };
}
