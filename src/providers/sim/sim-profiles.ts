import type { SimProfile } from './sim-profile.js';

/**
 * Named sim profiles for examples and the demo, modelled on the figures in DESIGN.md's seeds.
 *
 * - 'small-fast' plays the small, cheap model ("small-precise", "small-chat-v1"): a typical
 *   answer takes about 95 ms end to end at the median and about 220 ms at p95.
 * - 'big-slow' plays the large model ("big-decoder-v2", "candidate-xl"): about 120 ms at the
 *   median but a long tail (p95 about 640 ms end to end, from a heavy TTFT tail), few slots, and 0.8% of requests fail.
 *
 * End-to-end time is TTFT + (output tokens − 1) × inter-token gap; sim-engine.test.ts samples
 * these presets and checks the figures above, so a change here that breaks the story fails there.
 */
export const SIM_PRESETS = {
  'small-fast': {
    ttftMs: { p50: 32, p95: 105 },
    interTokenMs: { p50: 1.1, p95: 2.6 },
    outputTokens: { p50: 48, p95: 100 },
    capacity: { slots: 256, queue: 1024, retryAfterS: 1 },
    faults: { rates: {}, script: [], slowFirstTokenMs: 5000 },
    seed: 1,
  },
  'big-slow': {
    ttftMs: { p50: 35, p95: 520 },
    interTokenMs: { p50: 1.2, p95: 3.5 },
    outputTokens: { p50: 48, p95: 110 },
    capacity: { slots: 64, queue: 128, retryAfterS: 2 },
    faults: {
      rates: {
        server_error: 0.004,
        rate_limited: 0.002,
        cut_mid_stream: 0.001,
        no_response: 0.001,
      },
      script: [],
      slowFirstTokenMs: 5000,
    },
    seed: 2,
  },
} as const satisfies Record<string, SimProfile>;

/** The name of one of SIM_PRESETS. */
export type SimPresetName = keyof typeof SIM_PRESETS;
