import { readFile } from 'node:fs/promises';
import { parse, stringify } from 'yaml';
import { convertSeedPolicy, isSeedPolicy } from '../routing/policy/convert-seed-policy.js';
import type { Policy } from '../routing/policy/policy-types.js';
import type { Candidate } from './eval-types.js';
import { judgeGate } from './evaluate-gates.js';
import type { GateSpec } from './gate.js';
import type { CandidateSummary, PolicyAdvice } from './run-report.js';

/** What proposePolicy weighs. */
export interface ProposePolicyInput {
  runName: string;
  runId: string;
  /** The policy whose targets were evaluated. */
  policy: Policy;
  /** Its file: targets and classification are copied from it as written. */
  policyPath: string;
  candidates: readonly Candidate[];
  baseline: string;
  summaries: ReadonlyMap<string, CandidateSummary>;
  /** Per slice, per candidate (only `intent:` slices are used). */
  slices: ReadonlyMap<string, ReadonlyMap<string, CandidateSummary>>;
  gates: readonly GateSpec[];
}

interface Choice {
  slice: string;
  target: string;
  fallbacks: string[];
  reason: string;
  /** The chosen target's summary on the slice, for timeouts. */
  summary: CandidateSummary | undefined;
}

/** The route every request no intent rule claims goes to. */
const DEFAULT_ROUTE = 'default';

/**
 * Propose the routing policy the evidence supports: for each intent, the cheapest target
 * candidate (by cost per successful response on that intent's requests) that passes every gate
 * on that slice, falling back to the next cheapest passing target and then the baseline. When no
 * target passes, the baseline keeps the intent. Requests of no known intent use the same choice
 * made on the whole run.
 *
 * The YAML is a complete policy that parsePolicyText accepts: the used targets and the
 * classification are copied from the evaluated policy as written, one rule and one route per
 * intent, with timeouts sized from the measured tail (3 × p99, rounded up, never below 1 s for
 * the first token or 10 s in total). Returns null when no candidate is a single target (only
 * targets can be routed to).
 */
export async function proposePolicy(input: ProposePolicyInput): Promise<PolicyAdvice | null> {
  const targets = input.candidates.filter(
    (candidate): candidate is Extract<Candidate, { kind: 'target' }> => candidate.kind === 'target',
  );
  if (targets.length === 0) return null;
  const baselineCandidate = targets.find((candidate) => candidate.name === input.baseline);

  const choose = (slice: string, summaries: ReadonlyMap<string, CandidateSummary>): Choice => {
    const verdicts = targets.map((candidate) => {
      const summary = summaries.get(candidate.name);
      const failed = input.gates
        .filter((gate) => gateApplies(gate, slice))
        .filter((gate) => !judgeGate(gate, summary).pass)
        .map((gate) => gate.text);
      const usable = summary !== undefined && summary.costPerSuccessUsd !== null;
      return { candidate, summary, failed, usable };
    });
    const passing = verdicts
      .filter((verdict) => verdict.usable && verdict.failed.length === 0)
      .sort(
        (a, b) =>
          (a.summary?.costPerSuccessUsd ?? 0) - (b.summary?.costPerSuccessUsd ?? 0) ||
          (a.summary?.latency.p95 ?? 0) - (b.summary?.latency.p95 ?? 0),
      );
    const baselineTarget = baselineCandidate?.target ?? null;
    const best = passing[0];
    if (best) {
      const fallbacks = passing.slice(1, 3).map((verdict) => verdict.candidate.target);
      if (
        baselineTarget &&
        baselineTarget !== best.candidate.target &&
        !fallbacks.includes(baselineTarget)
      ) {
        fallbacks.push(baselineTarget);
      }
      const cost = formatUsd(best.summary?.costPerSuccessUsd ?? null);
      const reason =
        passing.length === 1
          ? `the only target that passed every gate here (${cost} per success)`
          : `cheapest of ${passing.length} targets that passed every gate here (${cost} per success)`;
      return {
        slice,
        target: best.candidate.target,
        fallbacks: unique(fallbacks, best.candidate.target),
        reason,
        summary: best.summary,
      };
    }
    const keep =
      baselineCandidate ?? verdicts.find((verdict) => verdict.usable)?.candidate ?? targets[0];
    const keepVerdict = verdicts.find((verdict) => verdict.candidate === keep);
    const failures = verdicts
      .filter((verdict) => verdict.failed.length > 0)
      .map((verdict) => `${verdict.candidate.name}: ${verdict.failed.join(', ')}`)
      .join('; ');
    return {
      slice,
      target: (keep as Extract<Candidate, { kind: 'target' }>).target,
      fallbacks: [],
      reason: `no target passed every gate here${failures ? ` (${failures})` : ''}; keeping ${baselineCandidate ? 'the baseline' : (keep as Candidate).name}`,
      summary: keepVerdict?.summary,
    };
  };

  const choices: Choice[] = [choose(DEFAULT_ROUTE, input.summaries)];
  for (const [slice, summaries] of input.slices) {
    if (!slice.startsWith('intent:')) continue;
    choices.push(choose(slice, summaries));
  }

  const yaml = await renderPolicyYaml(input, choices);
  return {
    yaml,
    choices: choices.map(({ slice, target, fallbacks, reason }) => ({
      slice,
      target,
      fallbacks,
      reason,
    })),
    whatIf: null,
  };
}

function gateApplies(gate: GateSpec, slice: string): boolean {
  if (gate.slice === null) return true;
  if (gate.slice === slice) return true;
  return gate.slice.endsWith(':*') && slice.startsWith(gate.slice.slice(0, -1));
}

async function renderPolicyYaml(input: ProposePolicyInput, choices: Choice[]): Promise<string> {
  const raw = await readRawPolicy(input.policyPath);
  const rawTargets = (raw.targets ?? {}) as Record<string, unknown>;
  const used = new Set<string>();
  for (const choice of choices) {
    used.add(choice.target);
    for (const fallback of choice.fallbacks) used.add(fallback);
  }
  const classifierTarget = input.policy.classification.classifier?.target;
  if (classifierTarget) used.add(classifierTarget);

  const targets: Record<string, unknown> = {};
  for (const name of input.policy.targets.keys()) {
    if (used.has(name))
      targets[name] = rawTargets[name] ?? { provider: input.policy.targets.get(name)?.provider };
  }
  const routes: Record<string, unknown> = {};
  const rules: Array<Record<string, unknown>> = [];
  for (const choice of choices) {
    const routeName = choice.slice === DEFAULT_ROUTE ? DEFAULT_ROUTE : routeNameOf(choice.slice);
    routes[routeName] = {
      targets: [
        { target: choice.target, timeouts: timeoutsFrom(choice.summary) },
        ...choice.fallbacks,
      ],
    };
    if (choice.slice !== DEFAULT_ROUTE) {
      rules.push({
        name: routeName,
        when: { intent: [choice.slice.slice('intent:'.length)] },
        route: routeName,
      });
    }
  }
  const file: Record<string, unknown> = { version: 1 };
  if (raw.log !== undefined) file.log = raw.log;
  if (raw.breaker !== undefined) file.breaker = raw.breaker;
  file.targets = targets;
  if (raw.classification !== undefined) file.classification = raw.classification;
  file.rules = rules;
  file.routes = routes;
  file.default_route = DEFAULT_ROUTE;

  const header = [
    `Proposed by switchyard eval "${input.runName}" (run ${input.runId}).`,
    'For each intent: the cheapest target that passed every gate, then fallbacks.',
    ...choices.map((choice) => `- ${choice.slice}: ${choice.target} (${choice.reason})`),
    'Roll it out behind a canary; `switchyard audit` checks for one.',
  ]
    .map((line) => `# ${line}`)
    .join('\n');
  return `${header}\n${stringify(file, { lineWidth: 100 })}`;
}

/** The policy file as written (snake_case); a seed-format file is converted first. */
async function readRawPolicy(path: string): Promise<Record<string, unknown>> {
  const text = await readFile(path, 'utf8');
  let raw = parse(text) as unknown;
  if (isSeedPolicy(raw)) raw = parse(convertSeedPolicy(raw).yaml) as unknown;
  return typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
}

function routeNameOf(slice: string): string {
  return `intent-${slice.slice('intent:'.length).replace(/[^A-Za-z0-9_-]+/g, '-')}`;
}

function timeoutsFrom(summary: CandidateSummary | undefined): {
  ttft_ms: number;
  total_ms: number;
} {
  const ttftP99 = summary?.ttft?.p99 ?? summary?.latency.p99 ?? 0;
  const totalP99 = summary?.latency.p99 ?? 0;
  return {
    ttft_ms: roundUp(Math.max(1_000, 3 * ttftP99), 100),
    total_ms: roundUp(Math.max(10_000, 3 * totalP99), 1_000),
  };
}

function roundUp(value: number, step: number): number {
  return Math.ceil(value / step) * step;
}

function unique(list: string[], exclude: string): string[] {
  return [...new Set(list)].filter((name) => name !== exclude);
}

function formatUsd(value: number | null): string {
  if (value === null) return 'n/a';
  return `$${value < 0.01 ? value.toPrecision(2) : value.toFixed(4)}`;
}
