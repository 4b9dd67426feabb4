import { evaluateCondition } from '../routing/classify/evaluate-condition.js';
import type { Classification } from '../routing/classify/index.js';
import { parsePolicyText } from '../routing/policy/load-policy.js';
import type { Policy, RouteConfig } from '../routing/policy/policy-types.js';
import { createRedactor } from '../telemetry/index.js';
import type { LogStore } from '../telemetry/log-store.js';
import type { RunReport } from './run-report.js';

/** One line of the safety checklist. */
export interface AuditItem {
  id:
    | 'fallbacks-and-timeouts'
    | 'canary-rollback'
    | 'log-retention-pii'
    | 'same-pattern'
    | 'reroutable';
  title: string;
  pass: boolean;
  reason: string;
}

/** What the audit looks at. */
export interface AuditInput {
  policy: Policy;
  /** The request log, or null when there is no log database to read. */
  log: LogStore | null;
  /** Where the log lives, for messages. */
  logPath: string;
  /** The most recent stored evaluation run, or null. */
  lastRun: RunReport | null;
  /** Stored records scanned for raw PII; default 500. */
  sampleSize?: number;
  /** Clock, ms since epoch. */
  now?: number;
}

/** Retention the checklist asks for. */
export const MIN_RETENTION_DAYS = 7;
const DAY_MS = 24 * 3600 * 1000;

/**
 * Check a policy, its request log and the last evaluation run against the safety checklist:
 * every route has a fallback and timeouts; a canary with rollback guards every changed route;
 * logs are kept at least 7 days without raw PII; p95 and cost were measured on the same request
 * pattern; request types can be rerouted without code changes. Each item passes or fails with a
 * reason an operator can act on.
 */
export async function auditPolicy(input: AuditInput): Promise<AuditItem[]> {
  return [
    auditFallbacks(input.policy),
    auditCanary(input.policy, input.lastRun),
    await auditLogs(input),
    auditSamePattern(input.lastRun),
    auditReroutable(input.policy),
  ];
}

function auditFallbacks(policy: Policy): AuditItem {
  const title = 'every route has a fallback and timeouts';
  const problems: string[] = [];
  for (const route of policy.routes.values()) {
    if (route.chain.length < 2) {
      problems.push(
        `route ${route.name} has a single target (${route.chain[0]?.target ?? 'none'}) and no fallback`,
      );
    }
    for (const step of route.chain) {
      const { ttftMs, totalMs } = step.timeouts;
      if (!Number.isFinite(ttftMs) || !Number.isFinite(totalMs) || totalMs <= 0) {
        problems.push(`route ${route.name}: ${step.target} has no finite timeout`);
      }
    }
  }
  if (problems.length > 0)
    return { id: 'fallbacks-and-timeouts', title, pass: false, reason: problems.join('; ') };
  const described = [...policy.routes.values()]
    .map(
      (route) =>
        `${route.name}: ${route.chain.map((step) => step.target).join(' → ')} (first token ${formatSeconds(route.chain[0]?.timeouts.ttftMs)}, total ${formatSeconds(route.chain[0]?.timeouts.totalMs)}, deadline ${formatSeconds(route.deadlineMs)})`,
    )
    .join('; ');
  return { id: 'fallbacks-and-timeouts', title, pass: true, reason: described };
}

/*
 * A "changed route" is one the last run's advice would change: an intent the advice sends to a
 * different first target than the policy does today. Such a change should go out behind a canary
 * on that route, aimed at the advised target, with criteria (the gates that roll it back). With no
 * advice to compare against, every canary must have criteria and at least one must exist.
 */
function auditCanary(policy: Policy, lastRun: RunReport | null): AuditItem {
  const title = 'a canary with rollback exists for every changed route';
  const canaries = [...policy.routes.values()].filter((route) => route.canary !== null);
  const withoutCriteria = canaries.filter((route) => (route.canary?.criteria.length ?? 0) === 0);
  const criteriaProblem = withoutCriteria.map(
    (route) => `route ${route.name}'s canary has no criteria, so nothing rolls it back`,
  );

  const changes = lastRun?.advice ? adviceChanges(policy, lastRun.advice.yaml) : null;
  if (changes !== null) {
    const missing = changes
      .filter(
        (change) =>
          !(
            change.route.canary?.target === change.target && change.route.canary.criteria.length > 0
          ),
      )
      .map(
        (change) =>
          `run ${lastRun?.id} advises moving intent ${change.intent} from ${change.current} to ${change.target}, but route ${change.route.name} has no canary on ${change.target} with criteria`,
      );
    const problems = [...missing, ...criteriaProblem];
    if (problems.length > 0)
      return { id: 'canary-rollback', title, pass: false, reason: problems.join('; ') };
    if (changes.length === 0) {
      return {
        id: 'canary-rollback',
        title,
        pass: true,
        reason: `the policy already routes every intent as run ${lastRun?.id} advises; no route needs to change`,
      };
    }
    return {
      id: 'canary-rollback',
      title,
      pass: true,
      reason: changes
        .map(
          (change) =>
            `route ${change.route.name} canaries ${change.target} (${change.route.canary?.percentage}%) with criteria ${change.route.canary?.criteria.join(', ')}`,
        )
        .join('; '),
    };
  }
  if (canaries.length === 0) {
    return {
      id: 'canary-rollback',
      title,
      pass: false,
      reason:
        'no canary configured: a changed route would take all of its traffic at once with no automatic rollback (add routes.<name>.canary with criteria)',
    };
  }
  if (criteriaProblem.length > 0)
    return { id: 'canary-rollback', title, pass: false, reason: criteriaProblem.join('; ') };
  return {
    id: 'canary-rollback',
    title,
    pass: true,
    reason: `${canaries.map((route) => `route ${route.name} canaries ${route.canary?.target} at ${route.canary?.percentage}% (rollback on ${route.canary?.criteria.join(', ')})`).join('; ')}; no stored run with advice to compare against`,
  };
}

interface AdviceChange {
  intent: string;
  route: RouteConfig;
  current: string;
  target: string;
}

function adviceChanges(policy: Policy, adviceYaml: string): AdviceChange[] | null {
  let advised: Policy;
  try {
    advised = parsePolicyText(adviceYaml, '<advice>', {});
  } catch {
    return null;
  }
  const changes: AdviceChange[] = [];
  for (const rule of advised.rules) {
    const intent = rule.when.intent?.[0];
    const advisedRoute = advised.routes.get(rule.route);
    const target = advisedRoute?.chain[0]?.target;
    if (!intent || !target) continue;
    const route = routeForIntent(policy, intent);
    const current = route?.chain[0]?.target;
    if (route && current !== target)
      changes.push({ intent, route, current: current ?? 'nothing', target });
  }
  return changes;
}

/** The route the policy picks for a request of this intent with nothing else special about it. */
function routeForIntent(policy: Policy, intent: string): RouteConfig | undefined {
  const subject: Classification = {
    intent,
    intentSource: 'field',
    promptTokens: 100,
    promptTokensExact: true,
    tags: [],
    tenant: null,
    userId: null,
    sessionId: null,
    metadata: {},
    features: { hasImages: false, hasTools: false, hasResponseFormat: false, turns: 1 },
  };
  for (const rule of policy.rules) {
    if (evaluateCondition(rule.when, subject)) return policy.routes.get(rule.route);
  }
  return policy.routes.get(policy.defaultRoute);
}

async function auditLogs(input: AuditInput): Promise<AuditItem> {
  const title = `logs are kept for at least ${MIN_RETENTION_DAYS} days without raw PII`;
  const { log: config } = input.policy;
  const problems: string[] = [];
  if (!config.enabled) problems.push('the request log is disabled (log.enabled: false)');
  if (config.retentionDays < MIN_RETENTION_DAYS) {
    problems.push(`log.retention_days is ${config.retentionDays}, under ${MIN_RETENTION_DAYS}`);
  }
  let scanned = 0;
  const leaks: string[] = [];
  if (input.log) {
    const redactor = createRedactor(config.redactPatterns);
    const now = input.now ?? Date.now();
    const limit = input.sampleSize ?? 500;
    for await (const record of input.log.query({
      since: now - MIN_RETENTION_DAYS * DAY_MS,
      limit,
    })) {
      scanned += 1;
      const texts = [
        record.request === null ? '' : JSON.stringify(record.request),
        record.responseText ?? '',
      ];
      if (texts.some((text) => text !== '' && redactor.redactText(text) !== text))
        leaks.push(record.id);
      if (scanned >= limit) break;
    }
  }
  if (leaks.length > 0) {
    problems.push(
      `${leaks.length} of ${scanned} sampled records hold unredacted personal data or keys (e.g. ${leaks.slice(0, 3).join(', ')})`,
    );
  }
  if (problems.length > 0)
    return { id: 'log-retention-pii', title, pass: false, reason: problems.join('; ') };
  const bodies = config.captureBodies
    ? 'bodies are captured with redaction (built-in patterns' +
      (config.redactPatterns.length > 0 ? ` + ${config.redactPatterns.length} custom` : '') +
      ')'
    : 'bodies are not captured';
  const scan = input.log
    ? `${scanned} recent records in ${input.logPath} scanned, none with raw PII`
    : `no log database at ${input.logPath} to scan`;
  return {
    id: 'log-retention-pii',
    title,
    pass: true,
    reason: `retention ${config.retentionDays} days; ${bodies}; ${scan}`,
  };
}

function auditSamePattern(lastRun: RunReport | null): AuditItem {
  const title = 'p95 and cost were measured on the same request pattern';
  if (!lastRun) {
    return {
      id: 'same-pattern',
      title,
      pass: false,
      reason:
        'no stored evaluation run: run `switchyard eval` so latency and cost come from one replay',
    };
  }
  const unmeasured = lastRun.candidates.filter(
    (candidate) => candidate.latency.count === 0 || candidate.costPerSuccessUsd === null,
  );
  if (lastRun.candidates.length === 0 || unmeasured.length > 0) {
    return {
      id: 'same-pattern',
      title,
      pass: false,
      reason: `run ${lastRun.id} has no p95 or no cost per success for ${unmeasured.map((candidate) => candidate.candidate).join(', ') || 'any candidate'}`,
    };
  }
  return {
    id: 'same-pattern',
    title,
    pass: true,
    reason: `run ${lastRun.id} (${lastRun.startedAt}) measured p95 and cost per success for ${lastRun.candidates.map((candidate) => candidate.candidate).join(', ')} on one replay of ${lastRun.trace.source} (${lastRun.trace.entries} entries, ${lastRun.load.model})`,
  };
}

function auditReroutable(policy: Policy): AuditItem {
  const title = 'request types can be rerouted without code changes';
  const classification = policy.classification;
  const labels =
    classification.intentRules.length +
    classification.tagRules.length +
    (classification.classifier ? 1 : 0);
  if (policy.rules.length === 0) {
    return {
      id: 'reroutable',
      title,
      pass: false,
      reason: `no rules: every request goes to route ${policy.defaultRoute}; add classification.intents and rules so a request type can be moved by editing the policy`,
    };
  }
  const routed = policy.rules.map((rule) => `${rule.name} → ${rule.route}`).join(', ');
  const source =
    labels > 0
      ? `${classification.intentRules.length} intent rules, ${classification.tagRules.length} tag rules${classification.classifier ? ', a classifier' : ''}`
      : 'intents stated by clients (metadata.intent or the intent header)';
  return {
    id: 'reroutable',
    title,
    pass: true,
    reason: `${policy.rules.length} rules (${routed}) on ${source}; the policy is hot-reloaded, so moving a request type is a policy edit`,
  };
}

function formatSeconds(ms: number | undefined): string {
  if (ms === undefined) return 'n/a';
  return ms >= 1000 ? `${Number((ms / 1000).toPrecision(3))} s` : `${ms} ms`;
}
