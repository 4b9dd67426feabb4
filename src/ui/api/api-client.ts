import type { RunReport } from '../../eval/run-report.js';
import type {
  LiveSnapshot,
  RequestDetail,
  RequestListResponse,
  RunListResponse,
  SuiteCaseInput,
  SuiteCaseSaved,
  WorkspaceInfo,
} from '../../gateway/workspace-api/workspace-api-types.js';
import { ApiError, errorMessage, toApiError } from './api-error.js';
import { authStore } from './auth-store.js';

/*
 * The Workspace's only way to the server: typed calls to the gateway's JSON API (/api/*) and the
 * admin traffic endpoint. Every /api and /v1 call carries the session's token; a 401 for a
 * missing or invalid key flips the auth store so the app shows its token form.
 */

/** The `Authorization` header for /api and /v1 calls, when a token is set. */
export function authHeaders(): Record<string, string> {
  const token = authStore.get().token;
  return token === null ? {} : { authorization: `Bearer ${token}` };
}

async function readBody(response: Response): Promise<{ json: unknown; text: string }> {
  const text = await response.text();
  try {
    return { json: text === '' ? undefined : JSON.parse(text), text };
  } catch {
    return { json: undefined, text };
  }
}

/** Turns a non-2xx response into an ApiError, raising the token form on an auth refusal. */
export async function failedResponse(response: Response, flagAuth = true): Promise<ApiError> {
  const { json, text } = await readBody(response);
  const error = toApiError(response.status, json, text);
  if (flagAuth && error.isAuthError) authStore.markRequired(error.message);
  return error;
}

/** GET or POST a JSON API path; resolves with the parsed body or throws an ApiError. */
export async function apiFetch<T>(
  path: string,
  init: { method?: 'GET' | 'POST'; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: init.method ?? 'GET',
      headers: {
        accept: 'application/json',
        ...authHeaders(),
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: init.signal,
    });
  } catch (error) {
    if (init.signal?.aborted) throw error;
    throw new ApiError(0, 'network_error', `Could not reach the gateway: ${errorMessage(error)}`);
  }
  if (!response.ok) throw await failedResponse(response);
  const { json, text } = await readBody(response);
  if (json === undefined) {
    throw new ApiError(
      response.status,
      'bad_response',
      `Expected JSON from ${path}, got: ${text.slice(0, 120)}`,
    );
  }
  return json as T;
}

/** What `POST /admin/traffic` answers: the kill-switch and canaries after the change. */
export interface TrafficState {
  kill_switch: {
    active: boolean;
    safeRoute: string;
    since: string;
    actor: string;
    reason: string | null;
  } | null;
  canaries: unknown[];
}

/** Typed calls to every endpoint the Workspace uses. */
export const api = {
  /** `GET /api/info`. */
  info: (signal?: AbortSignal) => apiFetch<WorkspaceInfo>('/api/info', { signal }),
  /** `GET /api/runs`. */
  runs: (signal?: AbortSignal) => apiFetch<RunListResponse>('/api/runs', { signal }),
  /** `GET /api/runs/:id`. */
  run: (id: string, signal?: AbortSignal) =>
    apiFetch<RunReport>(`/api/runs/${encodeURIComponent(id)}`, { signal }),
  /** `GET /api/live`. */
  live: (signal?: AbortSignal) => apiFetch<LiveSnapshot>('/api/live', { signal }),
  /** `GET /api/requests?…` with a query built by requestListQuery. */
  requests: (query: string, signal?: AbortSignal) =>
    apiFetch<RequestListResponse>(`/api/requests${query === '' ? '' : `?${query}`}`, { signal }),
  /** `GET /api/requests/:id`. */
  request: (id: string, signal?: AbortSignal) =>
    apiFetch<RequestDetail>(`/api/requests/${encodeURIComponent(id)}`, { signal }),
  /** `POST /api/suite-cases`. */
  saveSuiteCase: (input: SuiteCaseInput) =>
    apiFetch<SuiteCaseSaved>('/api/suite-cases', { method: 'POST', body: input }),
  /**
   * `POST /admin/traffic` with the admin token (not the Workspace token). A 401 here means the
   * admin token was wrong, so it must not raise the Workspace token form.
   */
  async changeTraffic(
    change: { kill: boolean; reason?: string },
    adminToken: string,
  ): Promise<TrafficState> {
    let response: Response;
    try {
      response = await fetch('/admin/traffic', {
        method: 'POST',
        headers: {
          accept: 'application/json',
          'content-type': 'application/json',
          authorization: `Bearer ${adminToken}`,
        },
        body: JSON.stringify(change),
      });
    } catch (error) {
      throw new ApiError(0, 'network_error', `Could not reach the gateway: ${errorMessage(error)}`);
    }
    if (!response.ok) throw await failedResponse(response, false);
    return (await response.json()) as TrafficState;
  },
};
