import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';

/*
 * What the gateway spends per prompt on the two scans every request gets: token counting and
 * redaction, on short prompts and on long text of several scripts, against gpt-tokenizer's own
 * encoder for reference. Hot loops in one process (the built package in dist/), so these are
 * best-case figures; the gateway pays more with cold caches (bench/sequential-cost.ts).
 *
 *   npm run build && node --import tsx bench/text-scan.ts
 */

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');

async function loadDist<T>(modulePath: string): Promise<T> {
  const file = join(DIST, modulePath);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
  return (await import(pathToFileURL(file).href)) as T;
}

/** A deterministic generator, so every run scans the same text. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state / 2 ** 32;
  };
}

function randomText(length: number, from: number, span: number, seed: number): string {
  const random = seededRandom(seed);
  return Array.from({ length }, () =>
    String.fromCodePoint(from + Math.floor(random() * span)),
  ).join('');
}

/**
 * Microseconds per call of `work` over `inputs`, each used once per round (prompts do not repeat,
 * and gpt-tokenizer caches the merges of pieces it has seen): the median of three rounds, after
 * a warm-up on a separate input.
 */
function timePerCall(work: (text: string) => unknown, warmUp: string, inputs: string[][]): number {
  for (let index = 0; index < 3; index++) work(warmUp);
  const rounds: number[] = [];
  for (const round of inputs) {
    const started = performance.now();
    for (const text of round) work(text);
    rounds.push(((performance.now() - started) * 1000) / round.length);
  }
  rounds.sort((a, b) => a - b);
  return rounds[1] as number;
}

async function main(): Promise<void> {
  const { countInRuns, loadTokenizer } = await loadDist<
    typeof import('../src/routing/classify/token-counter.js')
  >('routing/classify/token-counter.js');
  const { o200kTokenizer } = await loadDist<
    typeof import('../src/routing/classify/o200k-tokenizer.js')
  >('routing/classify/o200k-tokenizer.js');
  const { createRedactor } =
    await loadDist<typeof import('../src/telemetry/redact.js')>('telemetry/redact.js');
  loadTokenizer();
  const tokenizer = o200kTokenizer();
  const ours = (text: string) => countInRuns(text, (piece) => tokenizer.count(piece));
  const asText = { disallowedSpecial: new Set<string>() };
  const theirs = (text: string) => countInRuns(text, (piece) => countTokens(piece, asText));
  const redactor = createRedactor([]);

  const words =
    'the quick brown fox jumps over lazy dog and then it considers philosophical implications of its actions please summarize following document in three bullet points'.split(
      ' ',
    );
  const prose = (length: number, seed: number) => {
    const random = seededRandom(seed);
    let text = '';
    while (text.length < length) text += `${words[Math.floor(random() * words.length)]} `;
    return text;
  };
  const kinds: Array<{ name: string; make: (seed: number) => string; calls: number }> = [
    { name: 'short prompt (~110 chars)', make: (seed) => prose(110, seed), calls: 20_000 },
    { name: 'prose, 10 KB', make: (seed) => prose(10_240, seed), calls: 200 },
    {
      name: 'random CJK, 30,000 chars',
      make: (seed) => randomText(30_000, 0x4e00, 20_000, seed),
      calls: 10,
    },
    {
      name: 'random emoji, 10,000',
      make: (seed) => randomText(10_000, 0x1f600, 80, seed),
      calls: 10,
    },
  ];

  process.stdout.write(
    '| text | tokens (first input) | count, ours (µs) | count, gpt-tokenizer (µs) | redact (µs) |\n',
  );
  process.stdout.write('| --- | --- | --- | --- | --- |\n');
  let seed = 1;
  for (const { name, make, calls } of kinds) {
    // Through JSON, as the gateway gets its strings: flat, not the rope that `+=` builds (V8
    // scans a rope far more slowly until something flattens it).
    const inputs = () =>
      Array.from({ length: 3 }, () =>
        Array.from({ length: calls }, () => JSON.parse(JSON.stringify(make(seed++))) as string),
      );
    const warmUp = make(seed++);
    const tokens = ours(warmUp);
    const reference = theirs(warmUp);
    if (tokens !== reference) throw new Error(`${name}: ${tokens} tokens, reference ${reference}`);
    const oursUs = timePerCall(ours, warmUp, inputs());
    const theirsUs = timePerCall(theirs, warmUp, inputs());
    const redactUs = timePerCall((text) => redactor.redactText(text), warmUp, inputs());
    process.stdout.write(
      `| ${name} | ${tokens} | ${oursUs.toFixed(2)} | ${theirsUs.toFixed(2)} | ${redactUs.toFixed(2)} |\n`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
