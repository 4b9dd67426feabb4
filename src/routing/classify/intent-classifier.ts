import { createHash } from 'node:crypto';
import type { ChatRequest } from '../../core/chat-types.js';
import type { ClassifierConfig } from '../policy/policy-types.js';
import { lastUserText } from './classify-request.js';

/** Asks the classifier target; resolves to the model's raw answer. */
export type ClassifierComplete = (request: ChatRequest, signal: AbortSignal) => Promise<string>;

/** A model-backed intent classifier. */
export interface IntentClassifier {
  /** One of the configured labels, or null when the model is slow, fails or answers off-list. */
  classify(request: ChatRequest): Promise<string | null>;
}

/** The classifier reads at most this much of the last user turn; the start says what it is about. */
const MAX_CLASSIFIED_CHARS = 4000;

/**
 * Create a classifier that asks a cheap model which label fits the last user turn.
 *
 * Answers are cached by the sha256 of that turn in an LRU bounded by `cacheSize`, and concurrent
 * requests with the same turn share one upstream call. Failures are never cached, so a flaky
 * classifier target costs latency only while it is flaky. The caller falls back to keyword rules
 * on null.
 */
export function createIntentClassifier(
  config: ClassifierConfig,
  complete: ClassifierComplete,
): IntentClassifier {
  const cache = new Map<string, string>();
  const inFlight = new Map<string, Promise<string | null>>();
  const labelsByLowerCase = new Map(config.labels.map((label) => [label.toLowerCase(), label]));
  const systemPrompt = [
    'You classify requests. Reply with exactly one label from this list and nothing else:',
    ...config.labels.map((label) => `- ${label}`),
  ].join('\n');

  const remember = (key: string, label: string): void => {
    if (config.cacheSize <= 0) return;
    cache.delete(key);
    cache.set(key, label);
    if (cache.size > config.cacheSize) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
  };

  const ask = async (text: string): Promise<string | null> => {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => {
        controller.abort(new Error(`intent classifier timed out after ${config.timeoutMs} ms`));
        resolve(null);
      }, config.timeoutMs);
    });
    const request: ChatRequest = {
      model: config.target,
      messages: [
        { role: 'system', content: systemPrompt },
        { role: 'user', content: text.slice(0, MAX_CLASSIFIED_CHARS) },
      ],
      temperature: 0,
      max_tokens: 16,
      stream: false,
    };
    try {
      // Racing the timer, not trusting the provider to honour the signal promptly.
      const answer = await Promise.race([complete(request, controller.signal), timeout]);
      return answer === null ? null : matchLabel(answer, labelsByLowerCase);
    } catch {
      return null;
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    async classify(request) {
      const text = lastUserText(request);
      if (text.trim() === '' || config.labels.length === 0) return null;
      const key = createHash('sha256').update(text).digest('hex');
      const cached = cache.get(key);
      if (cached !== undefined) {
        remember(key, cached);
        return cached;
      }
      let pending = inFlight.get(key);
      if (!pending) {
        pending = ask(text).then((label) => {
          inFlight.delete(key);
          if (label !== null) remember(key, label);
          return label;
        });
        inFlight.set(key, pending);
      }
      return pending;
    },
  };
}

/**
 * Map a model's answer to a label: exact (ignoring case, quotes and trailing punctuation), or
 * the single label the answer mentions. Two labels mentioned is ambiguous, hence null.
 */
export function matchLabel(
  answer: string,
  labelsByLowerCase: ReadonlyMap<string, string>,
): string | null {
  const cleaned = answer
    .trim()
    .replace(/^["'`*\s]+|["'`*.\s]+$/g, '')
    .toLowerCase();
  const exact = labelsByLowerCase.get(cleaned);
  if (exact) return exact;
  const mentioned = [...labelsByLowerCase.keys()].filter((label) =>
    new RegExp(`(^|[^a-z0-9_])${escapeRegExp(label)}($|[^a-z0-9_])`).test(cleaned),
  );
  return mentioned.length === 1 && mentioned[0] !== undefined
    ? (labelsByLowerCase.get(mentioned[0]) ?? null)
    : null;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
