import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteLogStore } from '../store/index.js';
import { makeRequestRecord } from '../telemetry/__fixtures__/request-records.js';
import { buildShadowReport } from './shadow-report.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function storeWith(records: ReturnType<typeof makeRequestRecord>[]) {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-shadow-'));
  dirs.push(dir);
  const store = createSqliteLogStore(join(dir, 'log.db'));
  await store.append(records);
  return store;
}

describe('buildShadowReport', () => {
  it('pairs shadow records with their originals and reports both sides like an eval run', async () => {
    const now = Date.now();
    const records = [];
    for (let index = 0; index < 10; index++) {
      records.push(
        makeRequestRecord({
          id: `live-${index}`,
          ts: now + index,
          servedTarget: 'small',
          latencyMs: 100,
          costUsd: 0.001,
          responseText: 'the order shipped today',
          status: 200,
          errorCode: null,
        }),
        makeRequestRecord({
          id: `shadow-${index}`,
          ts: now + index + 1,
          shadow: true,
          shadowOf: `live-${index}`,
          servedTarget: 'big',
          latencyMs: 400,
          costUsd: 0.004,
          responseText: index < 5 ? 'the order shipped today' : 'I cannot find that order',
          status: index === 9 ? 502 : 200,
          errorCode: index === 9 ? 'all_targets_failed' : null,
        }),
      );
    }
    records.push(
      makeRequestRecord({
        id: 'unrelated',
        ts: now,
        servedTarget: 'small',
        status: 200,
        errorCode: null,
      }),
    );
    const store = await storeWith(records);
    const report = await buildShadowReport(store, {}, { simulatedTargets: new Set(['big']) });
    await store.close();
    expect(report.candidates.map((candidate) => candidate.candidate)).toEqual([
      'live',
      'shadow:big',
    ]);
    const [live, shadow] = report.candidates;
    expect(live?.requests).toBe(10);
    expect(shadow?.requests).toBe(10);
    expect(shadow?.errorRate).toBeCloseTo(0.1, 5);
    expect(shadow?.latency.p50).toBeGreaterThan(live?.latency.p50 ?? Number.POSITIVE_INFINITY);
    expect(report.simulated).toBe(true);
    expect(report.diff[0]?.drift).toBeGreaterThan(0.5);
    expect(report.diff.at(-1)?.drift).toBe(0);
  });

  it('says clearly when there is no shadow traffic', async () => {
    const store = await storeWith([makeRequestRecord({ id: 'a' })]);
    await expect(buildShadowReport(store, {})).rejects.toThrow(/no shadow records/);
    await store.close();
  });
});
