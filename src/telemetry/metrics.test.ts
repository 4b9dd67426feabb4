import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { makeRequestRecord } from './__fixtures__/request-records.js';
import { createGatewayMetrics } from './metrics.js';

const SECRET = 'sk-proj-SECRETVALUE0123456789abcdef';

describe('createGatewayMetrics', () => {
  it('exposes every gateway metric and the default process metrics', async () => {
    const metrics = createGatewayMetrics();
    metrics.observeRequest(makeRequestRecord());
    metrics.setBreakerStates(() => [
      { target: 'small-precise', state: 'closed' },
      { target: 'big-decoder-v2', state: 'open' },
      { target: 'candidate-xl', state: 'half-open' },
    ]);
    metrics.setRequestLogStats(() => ({ queued: 17, written: 100, dropped: 3, failed: 1 }));
    metrics.policyReloaded('ok');
    const text = await metrics.metrics();

    for (const line of [
      'switchyard_requests_total{route="chat",target="small-precise",status="200",code="ok"} 1',
      'switchyard_request_duration_seconds_count{route="chat",target="small-precise"} 1',
      'switchyard_request_duration_seconds_bucket{le="0.25",route="chat",target="small-precise"} 1',
      'switchyard_ttft_seconds_count{route="chat",target="small-precise"} 1',
      'switchyard_gateway_overhead_seconds_count 1',
      'switchyard_attempts_total{target="big-decoder-v2",outcome="server_error"} 1',
      'switchyard_attempts_total{target="small-precise",outcome="ok"} 1',
      'switchyard_tokens_total{target="small-precise",direction="in"} 120',
      'switchyard_tokens_total{target="small-precise",direction="out"} 40',
      'switchyard_cost_usd_total{target="small-precise"} 0.00032',
      'switchyard_breaker_state{target="small-precise"} 0',
      'switchyard_breaker_state{target="candidate-xl"} 1',
      'switchyard_breaker_state{target="big-decoder-v2"} 2',
      'switchyard_request_log_dropped_total 3',
      'switchyard_request_log_queue 17',
      'switchyard_policy_reloads_total{result="ok"} 1',
      'switchyard_policy_reloads_total{result="rejected"} 0',
    ]) {
      expect(text).toContain(line);
    }
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(metrics.contentType).toMatch(/^text\/plain/);
  });

  it('labels a failed request with its status and error code and no served target', async () => {
    const metrics = createGatewayMetrics(new Registry(), { defaultMetrics: false });
    metrics.observeRequest(
      makeRequestRecord({
        status: 502,
        errorCode: 'all_targets_failed',
        servedTarget: null,
        ttftMs: null,
        tokensOut: 0,
        costUsd: 0,
      }),
    );
    const text = await metrics.metrics();
    expect(text).toContain(
      'switchyard_requests_total{route="chat",target="none",status="502",code="all_targets_failed"} 1',
    );
    expect(text).not.toMatch(/switchyard_ttft_seconds_count\{[^}]*\} [1-9]/);
    expect(text).not.toContain('direction="out"');
    expect(text).not.toMatch(/switchyard_cost_usd_total\{/);
  });

  it('never carries a secret from the record into the exposition text', async () => {
    const metrics = createGatewayMetrics(new Registry(), { defaultMetrics: false });
    metrics.observeRequest(
      makeRequestRecord({
        userId: SECRET,
        sessionId: SECRET,
        tenant: SECRET,
        tags: [SECRET],
        request: {
          headers: { authorization: `Bearer ${SECRET}` },
          messages: [{ content: SECRET }],
        },
        responseText: SECRET,
        contextFit: SECRET,
      }),
    );
    metrics.setBreakerStates(() => [{ target: 'small-precise', state: 'closed' }]);
    const text = await metrics.metrics();
    expect(text).toContain('switchyard_requests_total');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('SECRETVALUE');
  });

  it('folds label values past the bound into "other"', async () => {
    const metrics = createGatewayMetrics(new Registry(), {
      defaultMetrics: false,
      maxLabelValues: 3,
    });
    for (let index = 0; index < 50; index += 1) {
      metrics.observeRequest(makeRequestRecord({ route: `route-${index}`, attempts: [] }));
    }
    const text = await metrics.metrics();
    const routes = new Set(
      [...text.matchAll(/switchyard_requests_total\{route="([^"]+)"/g)].map((match) => match[1]),
    );
    expect(routes).toEqual(new Set(['route-0', 'route-1', 'route-2', 'other']));
    expect(text).toContain(
      'switchyard_requests_total{route="other",target="small-precise",status="200",code="ok"} 47',
    );
  });

  it('reads breaker states and log stats at scrape time', async () => {
    const metrics = createGatewayMetrics(new Registry(), { defaultMetrics: false });
    let state: 'closed' | 'open' = 'closed';
    let dropped = 0;
    metrics.setBreakerStates(() => [{ target: 'primary', state }]);
    metrics.setRequestLogStats(() => ({ queued: 0, written: 0, dropped, failed: 0 }));
    expect(await metrics.metrics()).toContain('switchyard_breaker_state{target="primary"} 0');
    state = 'open';
    dropped = 5;
    const text = await metrics.metrics();
    expect(text).toContain('switchyard_breaker_state{target="primary"} 2');
    expect(text).toContain('switchyard_request_log_dropped_total 5');
  });

  it('keeps the dropped total rising when the request log is replaced', async () => {
    const metrics = createGatewayMetrics(new Registry(), { defaultMetrics: false });
    metrics.setRequestLogStats(() => ({ queued: 0, written: 0, dropped: 4, failed: 0 }));
    await metrics.metrics();
    metrics.setRequestLogStats(() => ({ queued: 0, written: 0, dropped: 1, failed: 0 }));
    expect(await metrics.metrics()).toContain('switchyard_request_log_dropped_total 5');
  });

  it('ignores negative or non-finite amounts instead of throwing on the request path', async () => {
    const metrics = createGatewayMetrics(new Registry(), { defaultMetrics: false });
    expect(() =>
      metrics.observeRequest(
        makeRequestRecord({
          tokensIn: -1,
          costUsd: Number.NaN,
          latencyMs: Number.POSITIVE_INFINITY,
        }),
      ),
    ).not.toThrow();
    expect(await metrics.metrics()).not.toContain('direction="in"');
  });
});
