import { afterAll, describe, expect, it } from 'vitest';
import { parsePolicyText } from '../routing/policy/load-policy.js';
import { createSqliteLogStore } from '../store/index.js';
import { makeRequestRecord } from '../telemetry/__fixtures__/request-records.js';
import { createWorkspace } from './__fixtures__/eval-workspace.js';
import { type AuditInput, type AuditItem, auditPolicy } from './audit-policy.js';
import type { RunReport } from './run-report.js';

const workspace = createWorkspace({});
afterAll(() => workspace.cleanup());

const NOW = Date.UTC(2025, 0, 20);

const GOOD = `version: 1
log: { retention_days: 14 }
targets:
  cheap: { provider: sim, sim: small-fast }
  pricey: { provider: sim, sim: big-slow }
classification:
  intents:
    - { intent: code, keywords: [function] }
rules:
  - { name: code, when: { intent: [code] }, route: quality }
routes:
  fast:
    targets: [cheap, pricey]
    canary: { target: pricey, percentage: 5, criteria: ["latency<300"] }
  quality: { targets: [pricey, cheap] }
default_route: fast
`;

const policy = (text: string) => parsePolicyText(text, workspace.path('policy.yaml'), {});

function run(adviceYaml: string | null): RunReport {
  const latency = { count: 10, mean: 1, p50: 1, p90: 1, p95: 1, p99: 1, max: 1 };
  return {
    id: 'run-1',
    startedAt: '2025-01-19T00:00:00.000Z',
    trace: { source: 'trace.jsonl', entries: 10, skipped: [] },
    load: { model: 'replay:1x' },
    candidates: [{ candidate: 'cheap', latency, costPerSuccessUsd: 0.001 }],
    advice: adviceYaml === null ? null : { yaml: adviceYaml, choices: [], whatIf: null },
  } as unknown as RunReport;
}

async function audit(overrides: Partial<AuditInput>): Promise<Record<AuditItem['id'], AuditItem>> {
  const items = await auditPolicy({
    policy: policy(GOOD),
    log: null,
    logPath: workspace.path('missing.db'),
    lastRun: run(null),
    now: NOW,
    ...overrides,
  });
  return Object.fromEntries(items.map((item) => [item.id, item])) as Record<
    AuditItem['id'],
    AuditItem
  >;
}

describe('auditPolicy', () => {
  it('passes a policy with fallbacks, a guarded canary, retention, a run and rules', async () => {
    const items = await audit({});
    expect(Object.values(items).map((item) => [item.id, item.pass])).toEqual([
      ['fallbacks-and-timeouts', true],
      ['canary-rollback', true],
      ['log-retention-pii', true],
      ['same-pattern', true],
      ['reroutable', true],
    ]);
    expect(items['fallbacks-and-timeouts'].reason).toMatch(
      /fast: cheap → pricey \(first token 10 s, total 60 s/,
    );
  });

  it('fails a route without a fallback, a policy without canary or rules, and no stored run', async () => {
    const items = await audit({
      policy: policy('targets:\n  only: { provider: sim, sim: small-fast }\n'),
      lastRun: null,
    });
    expect(items['fallbacks-and-timeouts']).toMatchObject({
      pass: false,
      reason: expect.stringMatching(/route only has a single target/),
    });
    expect(items['canary-rollback']).toMatchObject({
      pass: false,
      reason: expect.stringMatching(/^no canary configured/),
    });
    expect(items['same-pattern']).toMatchObject({
      pass: false,
      reason: expect.stringMatching(/no stored evaluation run/),
    });
    expect(items.reroutable).toMatchObject({
      pass: false,
      reason: expect.stringMatching(/^no rules/),
    });
  });

  it('fails a canary without criteria: nothing would roll it back', async () => {
    const items = await audit({
      policy: policy(GOOD.replace('criteria: ["latency<300"]', 'criteria: []')),
      lastRun: run(null),
    });
    expect(items['canary-rollback']).toMatchObject({
      pass: false,
      reason: expect.stringMatching(/has no criteria/),
    });
  });

  it('asks for a canary on every route the last run advises changing', async () => {
    const advice = `targets:
  cheap: { provider: sim, sim: small-fast }
  pricey: { provider: sim, sim: big-slow }
rules:
  - { name: intent-code, when: { intent: [code] }, route: intent-code }
routes:
  default: { targets: [cheap, pricey] }
  intent-code: { targets: [cheap, pricey] }
default_route: default
`;
    const items = await audit({ lastRun: run(advice) });
    expect(items['canary-rollback']).toMatchObject({
      pass: false,
      reason: expect.stringMatching(
        /advises moving intent code from pricey to cheap, but route quality has no canary on cheap/,
      ),
    });
    const guarded = GOOD.replace(
      'quality: { targets: [pricey, cheap] }',
      'quality: { targets: [pricey, cheap], canary: { target: cheap, percentage: 10, criteria: ["error_rate<0.01"] } }',
    );
    const fixed = await audit({ policy: policy(guarded), lastRun: run(advice) });
    expect(fixed['canary-rollback']).toMatchObject({
      pass: true,
      reason: expect.stringMatching(/route quality canaries cheap \(10%\)/),
    });
  });

  it('fails short retention and stored records with raw personal data', async () => {
    const path = workspace.path('log.db');
    const store = createSqliteLogStore(path);
    await store.append([
      makeRequestRecord({
        id: 'clean',
        ts: NOW - 3_600_000,
        request: { messages: [{ role: 'user', content: 'mail [EMAIL]' }] },
        responseText: 'ok',
      }),
      makeRequestRecord({
        id: 'leaky',
        ts: NOW - 3_600_000,
        request: { messages: [{ role: 'user', content: 'mail jane@example.com' }] },
        responseText: 'ok',
      }),
    ]);
    try {
      const items = await audit({
        policy: policy(GOOD.replace('retention_days: 14', 'retention_days: 3')),
        log: store,
        logPath: path,
      });
      expect(items['log-retention-pii'].pass).toBe(false);
      expect(items['log-retention-pii'].reason).toMatch(/retention_days is 3, under 7/);
      expect(items['log-retention-pii'].reason).toMatch(
        /1 of 2 sampled records hold unredacted personal data or keys \(e\.g\. leaky\)/,
      );
    } finally {
      await store.close();
    }
  });
});
