import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { useAuth } from './use-auth.js';

/** The latest polled value, when it arrived, and the last failure (if the newest poll failed). */
export interface PollingState<T> {
  data: T | null;
  /** Date.now() of the last successful poll. */
  updatedAt: number | null;
  /** Set while polls fail; the last good data stays visible next to it. */
  error: Error | null;
  /** Poll again right away (after a change the user made). */
  refresh(): void;
}

/*
 * Polls `load` every `intervalMs`, one request at a time: the next poll is scheduled only after
 * the previous one settled, so a slow gateway is never hit by a pile-up of requests. Polling
 * pauses while the tab is hidden and resumes (with an immediate poll) when it is shown.
 */
export function usePolling<T>(
  load: (signal: AbortSignal) => Promise<T>,
  intervalMs: number,
): PollingState<T> {
  const auth = useAuth();
  const [state, setState] = useState<Omit<PollingState<T>, 'refresh'>>({
    data: null,
    updatedAt: null,
    error: null,
  });
  const kick = useRef<() => void>(() => {});
  const loader = useRef(load);
  loader.current = load;
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let controller: AbortController | null = null;
    const poll = async () => {
      clearTimeout(timer);
      controller?.abort();
      const current = new AbortController();
      controller = current;
      try {
        const data = await loader.current(current.signal);
        if (!current.signal.aborted) setState({ data, updatedAt: Date.now(), error: null });
      } catch (error) {
        if (!current.signal.aborted) {
          setState((previous) => ({
            ...previous,
            error: error instanceof Error ? error : new Error(String(error)),
          }));
        }
      }
      if (!stopped && !current.signal.aborted) {
        timer = setTimeout(() => {
          if (typeof document !== 'undefined' && document.hidden) return;
          void poll();
        }, intervalMs);
      }
    };
    const onVisible = () => {
      if (!document.hidden) void poll();
    };
    kick.current = () => void poll();
    document.addEventListener('visibilitychange', onVisible);
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
      controller?.abort();
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [intervalMs, auth.version]);
  const refresh = useCallback(() => kick.current(), []);
  return { ...state, refresh };
}
