/** What a rate or concurrency limit counts: calls to a target, or a tenant's requests. */
export type LimitScope = 'target' | 'tenant';

/**
 * What one rate-limit take() or concurrency acquire() is about. Limits apply to the fields
 * present: pass `{ tenant }` once per client request and `{ target }` once per upstream attempt,
 * so that retries and fallbacks count against targets without counting the tenant twice.
 */
export interface LimitSubject {
  target?: string | null;
  tenant?: string | null;
}

/** A limit bound to the concrete target or tenant it counts for. */
export interface AppliedLimit<Config> {
  config: Config;
  /** `scope:name` with the concrete name, as refusals report it. */
  id: string;
  /** The SharedState key of its counter or semaphore. */
  key: string;
}

/**
 * The limits that apply to a subject, in configuration order. A tenant limit named '*' is the
 * default for tenants without a limit of their own: a named one replaces it for that tenant.
 */
export function applicableLimits<Config extends { scope: LimitScope; name: string }>(
  limits: readonly Config[],
  subject: LimitSubject,
  keyPrefix: string,
): Array<AppliedLimit<Config>> {
  const tenant = subject.tenant ?? null;
  const tenantHasOwn =
    tenant !== null && limits.some((config) => config.scope === 'tenant' && config.name === tenant);
  const applied: Array<AppliedLimit<Config>> = [];
  for (const config of limits) {
    const value = config.scope === 'target' ? subject.target : subject.tenant;
    if (value == null) continue;
    const matches =
      config.name === value || (config.scope === 'tenant' && config.name === '*' && !tenantHasOwn);
    if (!matches) continue;
    applied.push({
      config,
      id: `${config.scope}:${value}`,
      key: `${keyPrefix}:${config.scope}:${encodeURIComponent(value)}`,
    });
  }
  return applied;
}

/** Reject an empty name, and '*' anywhere but a tenant limit. */
export function validateLimitName(limit: { scope: LimitScope; name: string }, label: string): void {
  if (limit.name.length === 0) throw new RangeError(`${label}: name must not be empty`);
  if (limit.name === '*' && limit.scope !== 'tenant') {
    throw new RangeError(`${label}: '*' is only meaningful for tenant limits`);
  }
}
