import { request } from 'undici';

/** Options shared by `switchyard traffic` and `switchyard canary`. */
export interface AdminCallOptions {
  url?: string;
  token?: string;
  reason?: string;
}

/**
 * Call a running gateway's admin API. The token comes from --token or SWITCHYARD_ADMIN_TOKEN,
 * the address from --url or SWITCHYARD_URL (default http://127.0.0.1:8080).
 */
async function callAdmin(
  options: AdminCallOptions,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
) {
  const base = (options.url ?? process.env.SWITCHYARD_URL ?? 'http://127.0.0.1:8080').replace(
    /\/+$/,
    '',
  );
  const token = options.token ?? process.env.SWITCHYARD_ADMIN_TOKEN;
  if (!token)
    throw new Error('an admin token is needed: pass --token or set SWITCHYARD_ADMIN_TOKEN');
  const response = await request(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.body.text();
  if (response.statusCode >= 400) {
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
    } catch {
      // Not JSON: show it as it came.
    }
    throw new Error(`${method} ${path} failed (${response.statusCode}): ${message}`);
  }
  return JSON.parse(text) as unknown;
}

/** `switchyard traffic kill|restore|status`: the kill-switch of a running gateway. */
export async function trafficCommand(action: string, options: AdminCallOptions): Promise<void> {
  let state: unknown;
  if (action === 'kill')
    state = await callAdmin(options, 'POST', '/admin/traffic', {
      kill: true,
      reason: options.reason ?? null,
    });
  else if (action === 'restore')
    state = await callAdmin(options, 'POST', '/admin/traffic', {
      kill: false,
      reason: options.reason ?? null,
    });
  else if (action === 'status') state = await callAdmin(options, 'GET', '/admin/traffic');
  else throw new Error(`unknown traffic action "${action}": use kill, restore or status`);
  process.stdout.write(`${JSON.stringify(state, null, 2)}\n`);
}

/** `switchyard canary ROUTE pause|resume|promote|abort|set N`: steer a route's canary. */
export async function canaryCommand(
  route: string,
  action: string,
  value: string | undefined,
  options: AdminCallOptions,
): Promise<void> {
  const body =
    action === 'set'
      ? { canary_pct: Number(value), route }
      : { route, canary: action, reason: options.reason ?? null };
  if (action === 'set' && !Number.isFinite(Number(value)))
    throw new Error('canary set needs a percentage, e.g. `canary chat set 25`');
  const state = await callAdmin(options, 'POST', '/admin/traffic', body);
  process.stdout.write(`${JSON.stringify(state, null, 2)}\n`);
}
