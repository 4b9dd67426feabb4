import { access } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { checkSpecListSchema } from '../checks/index.js';
import { type LoadModel, parseLoadModel } from '../loadgen/index.js';
import { describeZodIssues } from '../routing/policy/describe-zod-issues.js';
import { loadPolicyFile } from '../routing/policy/load-policy.js';
import { formatFieldPath, locateYamlPath } from '../routing/policy/locate-yaml-path.js';
import { AUTO_MODEL } from '../routing/policy/normalize-policy.js';
import { PolicyError } from '../routing/policy/policy-error.js';
import type { Policy } from '../routing/policy/policy-types.js';
import { readConfigText } from '../routing/policy/read-config-text.js';
import { EvalConfigError, type EvalConfigIssue } from './eval-config-error.js';
import type { Candidate, CheckSpec } from './eval-types.js';
import { type GateSpec, GateSyntaxError, parseGate } from './gate.js';

/** Report file formats. */
export type ReportFormat = 'json' | 'md' | 'html';

/** What a request must meet to count toward goodput. */
export interface EvalSlos {
  /** End-to-end latency from the intended send time, at most. */
  latencyMs: number | null;
  /** Time to first token, at most. */
  ttftMs: number | null;
  /** Every check must pass. */
  requireChecks: boolean;
}

/** A validated eval.yaml with every path made absolute. */
export interface EvalConfig {
  name: string;
  /** The eval.yaml itself, or '<inline>'. */
  sourcePath: string;
  /** Policy whose targets are the candidates. */
  policyPath: string;
  tracePath: string;
  /** Name of the candidate the others are compared with. */
  baseline: string;
  candidates: Candidate[];
  load: LoadModel;
  /** Times each request is sent to each candidate (determinism); ≥ 1. */
  repeats: number;
  /** Stream answers (measures TTFT and inter-token latency). */
  stream: boolean;
  checks: CheckSpec[];
  slos: EvalSlos;
  gates: GateSpec[];
  advice: { enabled: boolean; currentPolicyPath: string | null };
  report: { dir: string; formats: ReportFormat[] };
  /** Where the run is stored; null path means the policy's log.path. */
  store: { enabled: boolean; path: string | null };
  /** Hard stop for the whole run. */
  maxDurationS: number;
  /** Requests per month for the cost projection; null means the trace's (or the load's) rate. */
  monthlyRequests: number | null;
  /** Most requests in flight at once, across candidates. */
  maxInFlight: number;
  /** Seed of the load schedule (Poisson arrivals). */
  seed: number;
}

/** Options of loadEvalConfig / parseEvalConfigText. */
export interface LoadEvalConfigOptions {
  /** Where api_key_env variables are read from; process.env by default. */
  env?: NodeJS.ProcessEnv;
}

const positiveNumber = z.number().positive();
const nonEmpty = z.string().min(1);

const candidateSchema = z.union([
  nonEmpty,
  z.object({ name: nonEmpty.optional(), target: nonEmpty }).strict(),
  z
    .object({
      name: nonEmpty,
      policy: nonEmpty.optional(),
      route: nonEmpty.default(AUTO_MODEL),
    })
    .strict(),
]);

const gateSchema = z.union([
  nonEmpty,
  z
    .object({
      gate: nonEmpty,
      slice: nonEmpty.optional(),
      candidates: z.array(nonEmpty).min(1).optional(),
    })
    .strict(),
]);

const evalFileSchema = z
  .object({
    name: nonEmpty.optional(),
    policy: nonEmpty,
    trace: nonEmpty,
    baseline: nonEmpty,
    candidates: z.array(candidateSchema).min(1),
    load: z.union([nonEmpty, z.record(z.string(), z.unknown())]).default('replay'),
    repeats: z.number().int().min(1).max(100).default(1),
    stream: z.boolean().default(true),
    checks: checkSpecListSchema.optional(),
    slos: z
      .object({
        latency_ms: positiveNumber.optional(),
        ttft_ms: positiveNumber.optional(),
        checks: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    gates: z.array(gateSchema).default([]),
    advice: z
      .union([
        z.boolean(),
        z
          .object({ enabled: z.boolean().default(true), current_policy: nonEmpty.optional() })
          .strict(),
      ])
      .default(false),
    report: z
      .object({
        dir: nonEmpty.optional(),
        formats: z
          .array(z.enum(['json', 'md', 'html']))
          .min(1)
          .default(['json', 'md', 'html']),
      })
      .strict()
      .prefault({}),
    store: z
      .union([
        z.boolean(),
        nonEmpty,
        z.object({ path: nonEmpty.optional(), enabled: z.boolean().default(true) }).strict(),
      ])
      .default(true),
    max_duration_s: positiveNumber.default(3600),
    monthly_requests: positiveNumber.optional(),
    max_in_flight: z.number().int().positive().default(10_000),
    seed: z.number().int().default(1),
  })
  .strict();

type EvalFile = z.output<typeof evalFileSchema>;

const KNOWN_FIELDS = [
  'name',
  'policy',
  'trace',
  'baseline',
  'candidates',
  'load',
  'repeats',
  'stream',
  'checks',
  'slos',
  'latency_ms',
  'ttft_ms',
  'gates',
  'gate',
  'slice',
  'advice',
  'enabled',
  'current_policy',
  'report',
  'dir',
  'formats',
  'store',
  'path',
  'max_duration_s',
  'monthly_requests',
  'max_in_flight',
  'seed',
  'kind',
  'value',
  'ignore_case',
  'pattern',
  'flags',
  'negate',
  'schema',
  'on',
  'source',
  'threshold',
  'target',
  'rubric',
  'description',
  'route',
];

/** Read and validate an eval.yaml; throws EvalConfigError (file:line:column field: message). */
export async function loadEvalConfig(
  path: string,
  options: LoadEvalConfigOptions = {},
): Promise<EvalConfig> {
  const text = await readConfigText(
    path,
    'eval config',
    (issue, cause) => new EvalConfigError([issue], { cause }),
  );
  return parseEvalConfigText(text, path, options);
}

/**
 * Validate eval.yaml text. Relative paths (policy, trace, candidate policies, report dir, store)
 * are resolved against the file's directory. Everything that would make the run fail later is
 * checked here, before any load: the shape, gate syntax, that every candidate target and the
 * baseline exist, that each target's api_key_env is set, and that the trace is readable.
 */
export async function parseEvalConfigText(
  text: string,
  sourcePath: string,
  options: LoadEvalConfigOptions = {},
): Promise<EvalConfig> {
  const env = options.env ?? process.env;
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true });
  if (document.errors.length > 0) {
    throw new EvalConfigError(
      document.errors.map((error) => ({
        file: sourcePath,
        line: error.linePos?.[0].line ?? 0,
        column: error.linePos?.[0].col ?? 0,
        field: '',
        message: `YAML syntax error: ${(error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`,
      })),
    );
  }
  const at = (path: PropertyKey[], message: string, atKey = false): EvalConfigIssue => ({
    file: sourcePath,
    ...locateYamlPath(document, lineCounter, path, { atKey }),
    field: formatFieldPath(path),
    message,
  });

  const raw: unknown = document.toJS({ maxAliasCount: 100 });
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new EvalConfigError([
      {
        file: sourcePath,
        line: 1,
        column: 1,
        field: '',
        message: 'expected a mapping with policy, trace, baseline and candidates',
      },
    ]);
  }
  const parsed = evalFileSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    const issues = describeZodIssues(parsed.error.issues, KNOWN_FIELDS).map((issue) =>
      at(issue.path, issue.message, issue.atKey),
    );
    throw new EvalConfigError(sortIssues(issues));
  }
  const file = parsed.data;
  const baseDir = sourcePath === '<inline>' ? process.cwd() : dirname(resolve(sourcePath));
  const fromFile = (path: string) => resolve(baseDir, path);
  return resolveConfig(file, { sourcePath, fromFile, env, at });
}

interface ResolveContext {
  sourcePath: string;
  fromFile(path: string): string;
  env: NodeJS.ProcessEnv;
  at(path: PropertyKey[], message: string, atKey?: boolean): EvalConfigIssue;
}

async function resolveConfig(file: EvalFile, context: ResolveContext): Promise<EvalConfig> {
  const { at, fromFile } = context;
  const issues: EvalConfigIssue[] = [];

  let load: LoadModel | null = null;
  try {
    load = parseLoadModel(file.load);
  } catch (error) {
    const field = (error as { field?: string }).field;
    const path: PropertyKey[] =
      typeof file.load === 'object' && field ? ['load', field.split('.')[0] ?? field] : ['load'];
    issues.push(at(path, (error as Error).message));
  }

  const gates: GateSpec[] = [];
  for (const [index, entry] of file.gates.entries()) {
    const text = typeof entry === 'string' ? entry : entry.gate;
    try {
      const parsedGate = parseGate(text);
      gates.push({
        text: text.trim(),
        ...parsedGate,
        slice: typeof entry === 'string' ? null : (entry.slice ?? null),
        candidates: typeof entry === 'string' ? null : (entry.candidates ?? null),
      });
    } catch (error) {
      if (!(error instanceof GateSyntaxError)) throw error;
      issues.push(
        at(typeof entry === 'string' ? ['gates', index] : ['gates', index, 'gate'], error.message),
      );
    }
  }

  const policies = new Map<string, Policy>();
  const loadPolicy = async (path: string, field: PropertyKey[]): Promise<Policy | null> => {
    const cached = policies.get(path);
    if (cached) return cached;
    try {
      const policy = await loadPolicyFile(path, context.env);
      policies.set(path, policy);
      return policy;
    } catch (error) {
      const detail = error instanceof PolicyError ? error.message : (error as Error).message;
      issues.push(at(field, `policy ${path} does not load:\n  ${detail.split('\n').join('\n  ')}`));
      return null;
    }
  };

  const policyPath = fromFile(file.policy);
  const policy = await loadPolicy(policyPath, ['policy']);

  const candidates: Candidate[] = [];
  const names = new Set<string>();
  const needKeys: Array<{ policy: Policy; target: string; field: PropertyKey[] }> = [];
  for (const [index, entry] of file.candidates.entries()) {
    let candidate: Candidate;
    if (typeof entry === 'string' || 'target' in entry) {
      const target = typeof entry === 'string' ? entry : entry.target;
      const name = typeof entry === 'string' ? entry : (entry.name ?? entry.target);
      candidate = { name, kind: 'target', target };
      const field: PropertyKey[] =
        typeof entry === 'string' ? ['candidates', index] : ['candidates', index, 'target'];
      if (policy && !policy.targets.has(target)) {
        issues.push(
          at(
            field,
            `unknown target "${target}"; ${file.policy} defines ${[...policy.targets.keys()].join(', ')}`,
          ),
        );
      } else if (policy) {
        needKeys.push({ policy, target, field });
      }
    } else {
      const candidatePolicyPath = entry.policy ? fromFile(entry.policy) : policyPath;
      candidate = {
        name: entry.name,
        kind: 'policy',
        policyPath: candidatePolicyPath,
        route: entry.route,
      };
      const candidatePolicy = entry.policy
        ? await loadPolicy(candidatePolicyPath, ['candidates', index, 'policy'])
        : policy;
      if (candidatePolicy) {
        if (entry.route !== AUTO_MODEL && !candidatePolicy.routes.has(entry.route)) {
          issues.push(
            at(
              ['candidates', index, 'route'],
              `unknown route "${entry.route}"; the policy defines ${[...candidatePolicy.routes.keys()].join(', ')} (or use auto)`,
            ),
          );
        } else {
          for (const target of reachableTargets(candidatePolicy, entry.route)) {
            needKeys.push({
              policy: candidatePolicy,
              target,
              field: ['candidates', index, entry.policy ? 'policy' : 'name'],
            });
          }
        }
      }
    }
    if (names.has(candidate.name)) {
      issues.push(
        at(['candidates', index], `duplicate candidate name "${candidate.name}"; give it a name:`),
      );
    }
    names.add(candidate.name);
    candidates.push(candidate);
  }

  if (!names.has(file.baseline)) {
    if (policy?.targets.has(file.baseline)) {
      candidates.unshift({ name: file.baseline, kind: 'target', target: file.baseline });
      names.add(file.baseline);
      needKeys.push({ policy, target: file.baseline, field: ['baseline'] });
    } else if (policy) {
      issues.push(
        at(
          ['baseline'],
          `unknown baseline "${file.baseline}"; it must name a candidate (${[...names].join(', ')}) or a target of the policy`,
        ),
      );
    }
  }

  const checks: CheckSpec[] = file.checks ?? [];
  for (const [index, check] of checks.entries()) {
    const judgeTarget = check.kind === 'judge' || check.kind === 'grounding' ? check.target : null;
    if (judgeTarget === null || !policy) continue;
    if (!policy.targets.has(judgeTarget)) {
      issues.push(
        at(
          ['checks', index, 'target'],
          `unknown judge target "${judgeTarget}"; ${file.policy} defines ${[...policy.targets.keys()].join(', ')}`,
        ),
      );
    } else {
      needKeys.push({ policy, target: judgeTarget, field: ['checks', index, 'target'] });
    }
  }

  for (const [index, gate] of gates.entries()) {
    for (const name of gate.candidates ?? []) {
      if (!names.has(name)) {
        issues.push(
          at(
            ['gates', index, 'candidates'],
            `unknown candidate "${name}" (candidates: ${[...names].join(', ')})`,
          ),
        );
      }
    }
    if (gate.slice !== null && !/^(tag|intent|length):.+$/.test(gate.slice)) {
      issues.push(
        at(
          ['gates', index, 'slice'],
          `a slice is tag:<tag>, intent:<intent> or length:<bucket> (or tag:*, intent:*, length:* for every one), got "${gate.slice}"`,
        ),
      );
    }
  }

  const reported = new Set<string>();
  for (const need of needKeys) {
    const target = need.policy.targets.get(need.target);
    if (!target || target.apiKeyEnv === null) continue;
    const value = context.env[target.apiKeyEnv]?.trim();
    const key = `${need.target}:${target.apiKeyEnv}`;
    if ((value === undefined || value === '') && !reported.has(key)) {
      reported.add(key);
      issues.push(
        at(
          need.field,
          `missing key: target "${need.target}" reads its key from ${target.apiKeyEnv}, which is not set`,
        ),
      );
    }
  }

  const tracePath = fromFile(file.trace);
  try {
    await access(tracePath);
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'file not found'
        : (error as Error).message;
    issues.push(at(['trace'], `cannot read trace ${tracePath}: ${reason}`));
  }

  let advice: EvalConfig['advice'] = { enabled: false, currentPolicyPath: null };
  if (file.advice === true) advice = { enabled: true, currentPolicyPath: null };
  else if (typeof file.advice === 'object') {
    const current = file.advice.current_policy ? fromFile(file.advice.current_policy) : null;
    if (current) await loadPolicy(current, ['advice', 'current_policy']);
    advice = { enabled: file.advice.enabled, currentPolicyPath: current };
  }

  let store: EvalConfig['store'];
  if (typeof file.store === 'boolean') store = { enabled: file.store, path: null };
  else if (typeof file.store === 'string') store = { enabled: true, path: fromFile(file.store) };
  else
    store = {
      enabled: file.store.enabled,
      path: file.store.path ? fromFile(file.store.path) : null,
    };

  if (issues.length > 0 || !load) throw new EvalConfigError(sortIssues(issues));

  const defaultName =
    context.sourcePath === '<inline>' ? 'eval' : basenameWithoutExt(context.sourcePath);
  return {
    name: file.name ?? defaultName,
    sourcePath: context.sourcePath === '<inline>' ? '<inline>' : resolve(context.sourcePath),
    policyPath,
    tracePath,
    baseline: file.baseline,
    candidates,
    load,
    repeats: file.repeats,
    stream: file.stream,
    checks,
    slos: {
      latencyMs: file.slos.latency_ms ?? null,
      ttftMs: file.slos.ttft_ms ?? null,
      requireChecks: file.slos.checks,
    },
    gates,
    advice,
    report: {
      dir: file.report.dir ? fromFile(file.report.dir) : resolve('switchyard-report'),
      formats: [...new Set(file.report.formats)],
    },
    store,
    maxDurationS: file.max_duration_s,
    monthlyRequests: file.monthly_requests ?? null,
    maxInFlight: file.max_in_flight,
    seed: file.seed,
  };
}

/** Every target a route (or, for `auto`, any rule's route and the default route) can reach. */
export function reachableTargets(policy: Policy, route: string): string[] {
  const routeNames =
    route === AUTO_MODEL
      ? new Set([...policy.rules.map((rule) => rule.route), policy.defaultRoute])
      : new Set([route]);
  const targets = new Set<string>();
  for (const name of routeNames) {
    const config = policy.routes.get(name);
    if (!config) continue;
    for (const step of config.chain) targets.add(step.target);
    if (config.canary) targets.add(config.canary.target);
  }
  return [...targets];
}

function sortIssues(issues: EvalConfigIssue[]): EvalConfigIssue[] {
  return issues.sort((a, b) => a.line - b.line || a.column - b.column);
}

function basenameWithoutExt(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? path;
  return base.replace(/\.(ya?ml|json)$/i, '');
}
