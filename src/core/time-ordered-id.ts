import { randomUUID } from 'node:crypto';

/**
 * A UUID version 7 (RFC 9562): the first 48 bits are the Unix time in milliseconds, the rest
 * random. Request ids are the primary key of the request log; ids that grow with time land at
 * the end of its unique index instead of on a random page of it, which cut the log writer's
 * cost per record by about a third at 5,000 req/s (docs/benchmarks.md).
 *
 * Built on node:crypto's randomUUID (a version 4 UUID from a pooled entropy cache, ~0.1 µs):
 * its first 48 bits give way to the time and its version digit to 7; the variant bits and the
 * 74 random bits version 7 keeps are the same in both layouts. The `uuid` package's v7 costs
 * ~1.8 µs per id on Node 20, which a gateway pays on every request.
 */
export function timeOrderedId(now: number = Date.now()): string {
  const random = randomUUID();
  const time = Math.max(0, Math.trunc(now)).toString(16).padStart(12, '0').slice(-12);
  // xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx → tttttttt-tttt-7xxx-yxxx-xxxxxxxxxxxx
  return `${time.slice(0, 8)}-${time.slice(8)}-7${random.slice(15)}`;
}
