/*
 * The Workspace's API token. It lives in sessionStorage so it survives reloads and in-app
 * navigation but is forgotten when the tab closes; the gateway's API keys are long-lived
 * secrets and should not sit in localStorage. Components subscribe to learn when a call was
 * refused (401) so the app can ask for a token instead of showing a broken page.
 */

const TOKEN_KEY = 'switchyard.workspace.token';

type Listener = () => void;

/** The token (if any) and whether the server has asked for one. */
export interface AuthSnapshot {
  token: string | null;
  /** The last /api or /v1 call answered 401 missing_api_key or invalid_api_key. */
  required: boolean;
  /** The server's message for the refusal, shown above the token form. */
  message: string | null;
  /** Bumped whenever the token changes, so pages can refetch. */
  version: number;
}

function storage(): Storage | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    // Storage access can throw (privacy modes, sandboxed frames); fall back to memory only.
    return null;
  }
}

/** Creates the token store; the app uses the shared `authStore`, tests make their own. */
export function createAuthStore(store: Storage | null = storage()) {
  let snapshot: AuthSnapshot = {
    token: store?.getItem(TOKEN_KEY) ?? null,
    required: false,
    message: null,
    version: 0,
  };
  const listeners = new Set<Listener>();
  const update = (next: Partial<AuthSnapshot>) => {
    snapshot = { ...snapshot, ...next };
    for (const listener of listeners) listener();
  };
  return {
    /** The current state (a new object after every change). */
    get(): AuthSnapshot {
      return snapshot;
    },
    /** Remember a token (or forget it with null) and let pages retry. */
    setToken(token: string | null): void {
      const trimmed = token?.trim() ?? '';
      if (trimmed === '') store?.removeItem(TOKEN_KEY);
      else store?.setItem(TOKEN_KEY, trimmed);
      update({
        token: trimmed === '' ? null : trimmed,
        required: false,
        message: null,
        version: snapshot.version + 1,
      });
    },
    /** A call was refused for want of a valid token. */
    markRequired(message: string): void {
      if (snapshot.required && snapshot.message === message) return;
      update({ required: true, message });
    },
    /** Calls `listener` after every change; returns the unsubscribe function. */
    subscribe(listener: Listener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** The shape of a token store. */
export type AuthStore = ReturnType<typeof createAuthStore>;

/** The one token store the Workspace uses. */
export const authStore: AuthStore = createAuthStore();
