import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError } from './api-error.js';
import { useAuth } from './use-auth.js';

/** A loading, failed or loaded API value. */
export type ApiState<T> =
  | { status: 'loading'; data: null; error: null }
  | { status: 'error'; data: null; error: ApiError | Error }
  | { status: 'ready'; data: T; error: null };

/**
 * Loads `load()` when the component mounts, when `key` changes, and when the token changes (so a
 * page retries by itself after the user signs in). A newer load aborts an older one so a slow
 * answer can never overwrite a fresh one.
 */
export function useApi<T>(
  load: (signal: AbortSignal) => Promise<T>,
  key: string,
): ApiState<T> & { reload(): void } {
  const auth = useAuth();
  const [attempt, setAttempt] = useState(0);
  const [state, setState] = useState<ApiState<T>>({ status: 'loading', data: null, error: null });
  useEffect(() => {
    const controller = new AbortController();
    setState({ status: 'loading', data: null, error: null });
    load(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ status: 'ready', data, error: null });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setState({
          status: 'error',
          data: null,
          error: error instanceof Error ? error : new ApiError(0, 'error', String(error)),
        });
      },
    );
    return () => controller.abort();
  }, [key, auth.version, attempt]);
  const reload = useCallback(() => setAttempt((value) => value + 1), []);
  return { ...state, reload };
}
