/** The previous and next turn of every item in its session; -1 where there is none. */
export interface SessionLinks {
  previous: Int32Array;
  next: Int32Array;
}

/**
 * Chain the items of each session in array order (the trace's order), so that turn k + 1 can be
 * held until turn k completes. Items whose session is null are independent.
 */
export function linkSessions<T>(
  items: readonly T[],
  sessionOf: (item: T) => string | null,
): SessionLinks {
  const previous = new Int32Array(items.length).fill(-1);
  const next = new Int32Array(items.length).fill(-1);
  const lastOfSession = new Map<string, number>();
  for (let index = 0; index < items.length; index++) {
    const session = sessionOf(items[index] as T);
    if (session === null) continue;
    const last = lastOfSession.get(session);
    if (last !== undefined) {
      previous[index] = last;
      next[last] = index;
    }
    lastOfSession.set(session, index);
  }
  return { previous, next };
}
