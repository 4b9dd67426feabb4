import type { LiveTraffic } from '../../telemetry/live-traffic.js';
import type { GatewayContext } from '../gateway-context.js';
import type { LiveCanary, LiveSnapshot } from './workspace-api-types.js';

/** Canary history entries the live page shows, newest first. */
const HISTORY_SHOWN = 20;

/** `GET /api/live`: the rolling traffic window plus breakers, kill-switch, canaries and budgets. */
export async function buildLiveSnapshot(
  context: GatewayContext,
  liveTraffic: LiveTraffic,
  now = Date.now(),
): Promise<LiveSnapshot> {
  const policy = context.runtime.policy;
  const traffic = liveTraffic.snapshot();
  const control = context.traffic;
  const budgets = (await control?.snapshot())?.budgets ?? [];
  return {
    at: now,
    windowSeconds: traffic.windowSeconds,
    traffic: traffic.rows.map((row) => {
      const target = policy.targets.get(row.target);
      return { ...row, simulated: target !== undefined && context.runtime.isSimulated(target) };
    }),
    breakers: breakerStates(context),
    killSwitch: control?.killSwitch() ?? null,
    safeRoute: policy.safeRoute ?? policy.defaultRoute,
    canaries: (control?.canaryList() ?? []).map((controller): LiveCanary => {
      const snapshot = controller.snapshot();
      const verdict = snapshot.lastVerdict;
      return {
        route: snapshot.route,
        candidate: snapshot.candidate,
        status: snapshot.status,
        percentage: snapshot.percentage,
        steps: snapshot.steps,
        nextPercentage: snapshot.nextPercentage,
        gates: snapshot.gates,
        lastVerdict: verdict
          ? {
              action: verdict.action,
              reason: verdict.reason,
              detail: verdict.detail,
              at: verdict.at,
              gates: verdict.gates.map((gate) => ({
                gate: gate.gate,
                status: gate.status,
                canary: gate.canary,
                baseline: gate.baseline,
                threshold: gate.threshold,
              })),
            }
          : null,
        samples: verdict?.samples ?? {
          canary: snapshot.arms.canary.count,
          baseline: snapshot.arms.baseline.count,
        },
        history: snapshot.history
          .slice(-HISTORY_SHOWN)
          .reverse()
          .map((event) => ({
            type: event.type,
            at: event.at,
            fromPercentage: event.fromPercentage,
            toPercentage: event.toPercentage,
            reason: event.reason,
            manual: event.manual,
          })),
      };
    }),
    budgets: budgets.map((budget) => ({
      id: budget.id,
      limitUsd: budget.limitUsd,
      spentUsd: budget.spentUsd,
      windowMs: budget.windowMs,
      resetsInMs: budget.resetsInMs,
      exceeded: budget.exceeded,
      onExceeded: budget.onExceeded,
      downgradeRoute: budget.downgradeRoute,
    })),
  };
}

/**
 * Every target's breaker. The registry creates a breaker on a target's first call, so a target
 * never called yet (a fallback, the safe route's) is listed as closed, which is what it is.
 */
function breakerStates(context: GatewayContext): LiveSnapshot['breakers'] {
  const states = new Map(
    context.runtime.breakers.snapshot().map((entry) => [entry.target, entry.state] as const),
  );
  return [...context.runtime.policy.targets.keys()].map((target) => ({
    target,
    state: states.get(target) ?? 'closed',
  }));
}
