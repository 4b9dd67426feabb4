/** Built-in slice detectors and length buckets. */
export {
  assessTextNoise,
  JUNK_GIBBERISH_SHARE,
  JUNK_MIN_ALPHANUMERIC_SHARE,
  NOISE_POINTS_PER_WORD,
  type NoiseAssessment,
} from './assess-text-noise.js';
export { detectPromptInjection } from './detect-prompt-injection.js';
export {
  detectSlices,
  LENGTH_BUCKETS,
  LONG_CONTEXT_TOKENS,
  lengthBucket,
  MULTI_TURN_USER_TURNS,
  SHORT_PROMPT_TOKENS,
  SLICE_TAGS,
  type SliceTag,
} from './detect-slices.js';
