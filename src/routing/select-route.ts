import type { Classification } from './classify/classify-request.js';
import { evaluateCondition } from './classify/evaluate-condition.js';
import { AUTO_MODEL } from './policy/normalize-policy.js';
import type { Policy, RouteConfig, TargetConfig } from './policy/policy-types.js';

export { evaluateCondition } from './classify/evaluate-condition.js';

/** Where a request goes: a route (and the rule that chose it), or a bare target. */
export type RouteSelection = { route: RouteConfig; rule: string | null } | { target: TargetConfig };

/**
 * Resolve the client's `model` field against the policy.
 *
 * - `auto`: the first rule whose condition holds picks the route; with no match, the default
 *   route (rule null).
 * - a route name: that route; rules are not consulted.
 * - a target name, when the server exposes targets: that target alone (the caller builds a
 *   one-step route for it).
 * - anything else: null, which the gateway answers with model_not_found.
 *
 * Route names win over target names, so the shorthand policy (one route per target, same name)
 * still applies its route settings.
 */
export function selectRoute(
  policy: Policy,
  requestedModel: string,
  classification: Classification,
): RouteSelection | null {
  if (requestedModel === AUTO_MODEL) {
    for (const rule of policy.rules) {
      if (!evaluateCondition(rule.when, classification)) continue;
      const route = policy.routes.get(rule.route);
      if (route) return { route, rule: rule.name };
    }
    const fallback = policy.routes.get(policy.defaultRoute);
    return fallback ? { route: fallback, rule: null } : null;
  }
  const route = policy.routes.get(requestedModel);
  if (route) return { route, rule: null };
  if (policy.server.exposeTargets) {
    const target = policy.targets.get(requestedModel);
    if (target) return { target };
  }
  return null;
}
