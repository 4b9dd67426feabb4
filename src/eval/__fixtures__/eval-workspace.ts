import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A small, fast simulated model for evaluation tests (a few ms per answer). */
export const FAST_SIM = `{ ttft_ms: { p50: 2, p95: 4 }, inter_token_ms: { p50: 0.1, p95: 0.2 }, output_tokens: { p50: 8, p95: 12 } }`;

/** A policy with a cheap and an expensive fast sim target, an intent rule and a route per intent. */
export const TWO_TARGET_POLICY = `version: 1
log: { path: runs.db, retention_days: 7 }
targets:
  cheap: { provider: sim, price: { per_1k: 0.3 }, sim: ${FAST_SIM} }
  pricey: { provider: sim, price: { per_1k: 1.2 }, sim: ${FAST_SIM} }
classification:
  intents:
    - intent: code
      keywords: [function]
rules:
  - { name: code-to-pricey, when: { intent: [code] }, route: pricey }
routes:
  cheap: { targets: [cheap, pricey] }
  pricey: { targets: [pricey, cheap] }
default_route: cheap
`;

/** `count` trace lines, 10 ms apart; every third is a `code` request. */
export function traceLines(count: number, options: { startMs?: number; gapMs?: number } = {}): string {
  const start = options.startMs ?? Date.UTC(2025, 0, 15, 12);
  const gap = options.gapMs ?? 10;
  const lines: string[] = [];
  for (let index = 0; index < count; index++) {
    const code = index % 3 === 0;
    lines.push(
      JSON.stringify({
        id: `r${index}`,
        ts: new Date(start + index * gap).toISOString(),
        intent: code ? 'code' : 'chat',
        model: 'auto',
        messages: [{ role: 'user', content: code ? `write a function number ${index}` : `hello number ${index}` }],
      }),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** A temporary directory of files for one test file; `cleanup` removes it. */
export function createWorkspace(files: Record<string, string>): { dir: string; path(name: string): string; write(name: string, text: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-eval-'));
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  for (const [name, text] of Object.entries(files)) write(name, text);
  return { dir, path: (name) => join(dir, name), write, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
