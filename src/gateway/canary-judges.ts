import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { buildJudgeRequest } from '../checks/build-judge-request.js';
import { parseJudgeScore } from '../checks/index.js';
import type { ChatRequest } from '../core/chat-types.js';
import {
  type CanaryArm,
  type CanaryJudge,
  type CanaryJudgeSettings,
  type CanaryJudgeStats,
  createCanaryJudge,
  resolveCanarySettings,
} from '../rollout/index.js';
import type { Policy } from '../routing/policy/policy-types.js';
import type { RoutingRuntime } from '../routing/routing-runtime.js';

/** One served canary answer offered for grading. */
export interface JudgeSubmission {
  /** The configured route (not the canary arm's). */
  route: string;
  arm: CanaryArm;
  /** The target that served the answer. */
  target: string;
  request: ChatRequest;
  answer: string;
  /** Receives the grade (0..1) when the judge gave one; never called otherwise. */
  onGrade(grade: number): void;
}

/** Every route's canary judge, with their metrics. */
export interface CanaryJudges {
  /** Build, keep or close judges to match the policy (a judge whose config changed is rebuilt). */
  configure(policy: Policy): Promise<void>;
  /** Grade the answer if the route has a judge and samples it; returns at once, never throws. */
  submit(submission: JudgeSubmission): void;
  /** Counters per route, for /admin/state. */
  snapshot(): Record<string, CanaryJudgeStats & { judge: string }>;
  close(): Promise<void>;
}

/** What createCanaryJudges needs from the gateway. */
export interface CanaryJudgesOptions {
  runtime: RoutingRuntime;
  registry: Registry;
  logger: Logger;
}

interface RouteJudge {
  settings: CanaryJudgeSettings;
  key: string;
  judge: CanaryJudge;
}

/**
 * Judges for canaries that configure one: a sampled share of answers on both arms is graded by
 * the judge target, through the same provider code that serves traffic, with the checks
 * module's rubric request (temperature 0) and score parser. Grading happens after the client
 * has its answer, bounded in flight per route; see createCanaryJudge for the load rules.
 */
export function createCanaryJudges(options: CanaryJudgesOptions): CanaryJudges {
  const { runtime, registry, logger } = options;
  const judges = new Map<string, RouteJudge>();
  const outcomes = new Counter({
    name: 'switchyard_canary_judge_total',
    help: 'Canary answers offered to a judge, by outcome (graded, unparsed, failed, timeout, dropped, aborted).',
    labelNames: ['route', 'judge', 'target', 'outcome'],
    registers: [registry],
  });
  const grades = new Histogram({
    name: 'switchyard_canary_judge_grade',
    help: 'Grades (0..1) a canary judge gave, by the target that served the answer.',
    labelNames: ['route', 'target'],
    buckets: [0.2, 0.4, 0.6, 0.8, 1],
    registers: [registry],
  });
  const inFlight: Gauge<'route'> = new Gauge({
    name: 'switchyard_canary_judge_in_flight',
    help: 'Canary grading calls in flight.',
    labelNames: ['route'],
    registers: [registry],
    collect: (): void => {
      inFlight.reset();
      for (const [route, entry] of judges) inFlight.set({ route }, entry.judge.stats().inFlight);
    },
  });

  const ask = async (
    settings: CanaryJudgeSettings,
    submission: JudgeSubmission,
    signal: AbortSignal,
  ): Promise<number | null> => {
    const target = runtime.target(settings.target);
    if (!target) throw new Error(`judge target ${settings.target} is not defined`);
    const request = buildJudgeRequest(
      target.model,
      settings.rubric,
      liveEntry(submission.request),
      submission.answer,
    );
    const { completion } = await runtime.provider(settings.target).doComplete(request, { signal });
    return parseJudgeScore(completion.choices[0]?.message.content ?? '');
  };

  return {
    async configure(policy) {
      const wanted = new Map<string, CanaryJudgeSettings>();
      for (const route of policy.routes.values()) {
        if (!route.canary?.judge) continue;
        const settings = resolveCanarySettings(route.canary).judge;
        if (settings) wanted.set(route.name, settings);
      }
      for (const [route, entry] of [...judges]) {
        const settings = wanted.get(route);
        if (settings && JSON.stringify(settings) === entry.key) continue;
        judges.delete(route);
        await entry.judge.close();
      }
      for (const [route, settings] of wanted) {
        if (judges.has(route)) continue;
        judges.set(route, {
          settings,
          key: JSON.stringify(settings),
          judge: createCanaryJudge({
            sampleRate: settings.sampleRate,
            maxConcurrent: settings.maxConcurrent,
            timeoutMs: settings.timeoutMs,
          }),
        });
      }
    },

    submit(submission) {
      const entry = judges.get(submission.route);
      if (!entry?.judge.shouldSample()) return;
      const { settings, judge } = entry;
      judge.submit(
        (signal) => ask(settings, submission, signal),
        (outcome, grade, error) => {
          outcomes.inc({
            route: submission.route,
            judge: settings.target,
            target: submission.target,
            outcome,
          });
          if (grade !== null) {
            grades.observe({ route: submission.route, target: submission.target }, grade);
            submission.onGrade(grade);
          }
          if (outcome === 'failed') {
            logger.warn(
              { err: error, route: submission.route, judge: settings.target },
              'canary judge call failed; no grade recorded',
            );
          }
        },
      );
    },

    snapshot() {
      return Object.fromEntries(
        [...judges].map(([route, entry]) => [
          route,
          { judge: entry.settings.target, ...entry.judge.stats() },
        ]),
      );
    },

    async close() {
      await Promise.all([...judges.values()].map((entry) => entry.judge.close()));
      judges.clear();
    },
  };
}

/** The eval trace entry the checks module's judge prompt reads. */
type JudgedEntry = Parameters<typeof buildJudgeRequest>[2];

/** A live request in the shape the checks module's judge prompt reads (no reference, no context). */
function liveEntry(request: ChatRequest): JudgedEntry {
  return {
    id: 'live',
    line: 0,
    ts: null,
    sessionId: null,
    userId: null,
    tags: [],
    intent: null,
    request,
    expected: null,
    context: null,
    checks: [],
  };
}
