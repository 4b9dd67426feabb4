import { z } from 'zod';

/** Every fault the simulator can inject, by rate or by script. `ok` means none. */
export const SIM_FAULTS = [
  'ok',
  'server_error',
  'rate_limited',
  'rate_limited_no_retry_after',
  'reset_before_headers',
  'no_response',
  'slow_first_token',
  'cut_mid_stream',
  'stall_mid_stream',
  'malformed_chunk',
  'missing_done',
  'context_length_exceeded',
  'content_filter',
] as const;

/** One of SIM_FAULTS. */
export type SimFault = (typeof SIM_FAULTS)[number];

const distribution = z
  .object({ p50: z.number().nonnegative(), p95: z.number().nonnegative() })
  .strict()
  .refine((d) => d.p95 >= d.p50, { message: 'p95 must be >= p50' });

/** Zod schema of a sim profile as written in YAML (snake_case). */
export const simProfileSchema = z
  .object({
    ttft_ms: distribution.default({ p50: 40, p95: 120 }),
    inter_token_ms: distribution.default({ p50: 5, p95: 12 }),
    output_tokens: distribution.default({ p50: 60, p95: 200 }),
    capacity: z
      .object({
        slots: z.number().int().positive().default(64),
        queue: z.number().int().nonnegative().default(256),
        retry_after_s: z.number().nonnegative().default(1),
      })
      .strict()
      .default({ slots: 64, queue: 256, retry_after_s: 1 }),
    faults: z
      .object({
        rates: z.partialRecord(z.enum(SIM_FAULTS), z.number().min(0).max(1)).default({}),
        script: z.array(z.enum(SIM_FAULTS)).default([]),
        slow_first_token_ms: z.number().nonnegative().default(5000),
      })
      .strict()
      .default({ rates: {}, script: [], slow_first_token_ms: 5000 }),
    seed: z.number().int().default(1),
  })
  .strict();

/** A simulated model's behaviour, normalized. */
export interface SimProfile {
  ttftMs: { p50: number; p95: number };
  interTokenMs: { p50: number; p95: number };
  outputTokens: { p50: number; p95: number };
  capacity: { slots: number; queue: number; retryAfterS: number };
  faults: {
    /** Probability per request of each fault (checked in SIM_FAULTS order). */
    rates: Partial<Record<SimFault, number>>;
    /** Faults applied to requests 1, 2, 3… in order, before rates apply. */
    script: SimFault[];
    slowFirstTokenMs: number;
  };
  seed: number;
}

/** Parse and normalize a YAML sim profile (throws ZodError on bad input). */
export function parseSimProfile(input: unknown): SimProfile {
  const raw = simProfileSchema.parse(input ?? {});
  return normalizeSimProfile(raw);
}

/** Convert the snake_case schema output into a SimProfile. */
export function normalizeSimProfile(raw: z.output<typeof simProfileSchema>): SimProfile {
  return {
    ttftMs: raw.ttft_ms,
    interTokenMs: raw.inter_token_ms,
    outputTokens: raw.output_tokens,
    capacity: {
      slots: raw.capacity.slots,
      queue: raw.capacity.queue,
      retryAfterS: raw.capacity.retry_after_s,
    },
    faults: {
      rates: raw.faults.rates,
      script: raw.faults.script,
      slowFirstTokenMs: raw.faults.slow_first_token_ms,
    },
    seed: raw.seed,
  };
}
