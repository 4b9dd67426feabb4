import {
  type ChatRequest,
  contentText,
  type ToolCall,
  type ToolDefinition,
} from '../../core/chat-types.js';
import { countTextTokens } from '../../routing/classify/token-counter.js';
import { SIM_FAULTS, type SimFault, type SimProfile } from './sim-profile.js';
import {
  createLogNormalSampler,
  createRandom,
  hashString,
  mixHash,
  type Random,
} from './sim-random.js';
import { sampleSchemaValue } from './sim-tool-arguments.js';

/** Options of a sim engine. */
export interface SimEngineOptions {
  /** The model name answers carry. */
  modelName: string;
  /** Prompts counted above this many tokens fail with context_length_exceeded. Default 128 000. */
  contextWindow?: number;
}

/** Why a plan carries its fault. */
export type SimFaultSource = 'script' | 'rate' | 'context_window';

/** Everything decided about one request before any time passes. */
export interface SimPlan {
  /** Arrival order, from 1. */
  requestNumber: number;
  fault: SimFault;
  /** Null when `fault` is 'ok'. */
  faultSource: SimFaultSource | null;
  /** `chatcmpl-…` id of the answer. */
  id: string;
  promptTokens: number;
  contextWindow: number;
  /** Delay from acceptance to the first piece (includes slowFirstTokenMs when that fault hits). */
  ttftMs: number;
  /** Gap between consecutive pieces. */
  interTokenMs: number;
  /** The answer as it is streamed: one token of text, or one fragment of tool arguments. */
  pieces: string[];
  /** The whole answer text; null when the answer is a tool call. */
  text: string | null;
  toolCall: ToolCall | null;
  finishReason: 'stop' | 'length' | 'tool_calls';
  /** Equals pieces.length: every piece is one generated token. */
  completionTokens: number;
  /** Mid-stream faults strike after this many pieces have gone out (at least 1). */
  faultAfterPieces: number;
  /** Delay from acceptance to the last piece. */
  durationMs: number;
}

/** Returned by acquire: call it once when the request is done to free its slot. */
export type SimSlotRelease = () => void;

/** Current load of an engine. */
export interface SimEngineLoad {
  requests: number;
  inFlight: number;
  queued: number;
}

/** A deterministic generator of simulated answers, faults and capacity for one model. */
export interface SimEngine {
  readonly modelName: string;
  readonly profile: SimProfile;
  readonly contextWindow: number;
  /** Decide the next request's fault, timing and answer. Counts it as received. */
  plan(request: ChatRequest): SimPlan;
  /**
   * Take a capacity slot. 'rejected' (synchronously) when every slot and queue place is taken;
   * otherwise a promise of the slot's release function, or of null if the signal aborted while
   * the request waited in the queue.
   */
  acquire(signal?: AbortSignal): 'rejected' | Promise<SimSlotRelease | null>;
  load(): SimEngineLoad;
  /** Forget the request count (the script starts over); capacity in use is kept. */
  reset(): void;
}

/** Faults answered before generation starts; they never take a capacity slot. */
export const SIM_IMMEDIATE_FAULTS: ReadonlySet<SimFault> = new Set([
  'server_error',
  'rate_limited',
  'rate_limited_no_retry_after',
  'reset_before_headers',
  'context_length_exceeded',
  'content_filter',
]);

/** Tokens OpenAI's chat format adds per message and to prime the reply. */
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_REPLY = 3;
const DEFAULT_CONTEXT_WINDOW = 128_000;
/** The tokenizer is the expensive part of a plan; replayed traces repeat texts, so cache counts. */
const TOKEN_CACHE_LIMIT = 4096;
const tokenCache = new Map<string, number>();
/** Special-token text in prompts counts as plain text instead of throwing. */

const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ren',
  'sa',
  'tu',
  'vo',
  'zel',
  'pa',
  'dri',
  'nu',
  'ox',
  'qui',
  'bel',
  'fa',
  'gor',
];
/** 512 pseudo-words, built once, so answers cost an array lookup per token. */
const WORDS: readonly string[] = (() => {
  const random = createRandom(0x51a7);
  const words: string[] = [];
  for (let index = 0; index < 512; index++) {
    let word = '';
    const syllables = 1 + Math.floor(random() * 3);
    for (let s = 0; s < syllables; s++) word += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
    words.push(` ${word}`);
  }
  return words;
})();
const ANSWER_PREFIX = '[simulated]';

/** Count a prompt's tokens the way OpenAI bills chat messages (texts plus framing). */
export function countPromptTokens(request: ChatRequest): number {
  let total = TOKENS_PER_REPLY;
  for (const message of request.messages) {
    total += TOKENS_PER_MESSAGE + countCached(contentText(message.content));
    if (message.role === 'assistant' && message.tool_calls) {
      for (const call of message.tool_calls) total += countCached(call.function.arguments);
    }
  }
  return total;
}

function countCached(text: string): number {
  if (text === '') return 0;
  let count = tokenCache.get(text);
  if (count === undefined) {
    // The gateway's counter: same o200k encoding, and safe on long runs without whitespace.
    count = countTextTokens(text);
    if (tokenCache.size >= TOKEN_CACHE_LIMIT) tokenCache.clear();
    tokenCache.set(text, count);
  }
  return count;
}

/**
 * Create the engine for one simulated model.
 *
 * Two independent random streams keep results stable where it matters:
 * - The answer (its length, words and tool arguments) is seeded by (profile seed, model name,
 *   prompt text), so replaying a trace yields the same answers whatever the arrival order.
 * - Timing and faults are seeded by (profile seed, model name, request number), so a run of N
 *   requests sees the same latencies and faults every time.
 * Faults come from the script first (request 1 gets script[0], …), then from `rates`.
 */
export function createSimEngine(profile: SimProfile, options: SimEngineOptions): SimEngine {
  const { modelName } = options;
  const contextWindow = options.contextWindow ?? DEFAULT_CONTEXT_WINDOW;
  const modelSeed = mixHash(hashString(modelName), profile.seed);
  const sampleTtft = createLogNormalSampler(profile.ttftMs);
  const sampleInterToken = createLogNormalSampler(profile.interTokenMs);
  const sampleOutputTokens = createLogNormalSampler(profile.outputTokens);
  const idPrefix = `chatcmpl-sim${modelSeed.toString(36)}`;
  const faultTable = buildFaultTable(profile.faults.rates);
  const { slots, queue } = profile.capacity;

  let requestCount = 0;
  let inFlight = 0;
  const waiters: Array<(release: SimSlotRelease) => void> = [];

  function plan(request: ChatRequest): SimPlan {
    requestCount += 1;
    const requestNumber = requestCount;
    const timing = createRandom(mixHash(modelSeed, requestNumber));
    const promptTokens = countPromptTokens(request);

    let fault: SimFault = 'ok';
    let faultSource: SimFaultSource | null = null;
    const scripted = profile.faults.script[requestNumber - 1];
    const roll = timing();
    if (promptTokens > contextWindow) {
      fault = 'context_length_exceeded';
      faultSource = 'context_window';
    } else if (scripted !== undefined) {
      fault = scripted;
      faultSource = scripted === 'ok' ? null : 'script';
    } else {
      fault = pickFault(faultTable, roll);
      faultSource = fault === 'ok' ? null : 'rate';
    }

    const answer = createRandom(mixHash(modelSeed, hashPrompt(request)));
    const tool = chosenTool(request);
    let pieces: string[];
    let text: string | null = null;
    let toolCall: ToolCall | null = null;
    let finishReason: SimPlan['finishReason'];
    if (tool) {
      const argumentsJson = JSON.stringify(
        sampleSchemaValue(tool.function.parameters ?? {}, answer),
      );
      toolCall = {
        id: `call_sim${requestNumber.toString(36)}${Math.floor(answer() * 0xffffff).toString(36)}`,
        type: 'function',
        function: { name: tool.function.name, arguments: argumentsJson },
      };
      pieces = splitFragments(argumentsJson);
      finishReason = 'tool_calls';
    } else {
      const wanted = Math.max(1, Math.round(sampleOutputTokens(answer)));
      const limit = request.max_completion_tokens ?? request.max_tokens;
      const count = typeof limit === 'number' && limit >= 1 ? Math.min(wanted, limit) : wanted;
      pieces = generateWords(count, answer);
      text = pieces.join('');
      finishReason = count < wanted ? 'length' : 'stop';
    }

    let ttftMs = sampleTtft(timing);
    if (fault === 'slow_first_token') ttftMs += profile.faults.slowFirstTokenMs;
    const interTokenMs = sampleInterToken(timing);
    return {
      requestNumber,
      fault,
      faultSource,
      id: `${idPrefix}-${requestNumber.toString(36)}`,
      promptTokens,
      contextWindow,
      ttftMs,
      interTokenMs,
      pieces,
      text,
      toolCall,
      finishReason,
      completionTokens: pieces.length,
      faultAfterPieces: Math.max(1, Math.floor(pieces.length / 2)),
      durationMs: ttftMs + (pieces.length - 1) * interTokenMs,
    };
  }

  /*
   * Capacity is a counting semaphore with a bounded FIFO queue. A release hands its slot
   * straight to the oldest waiter (inFlight stays the same) so a newcomer can never overtake the
   * queue. Each release function works once: the server calls it from several end paths (finish,
   * client disconnect, error) and only the first may count.
   */
  function makeRelease(): SimSlotRelease {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = waiters.shift();
      if (next) next(makeRelease());
      else inFlight -= 1;
    };
  }

  function acquire(signal?: AbortSignal): 'rejected' | Promise<SimSlotRelease | null> {
    if (signal?.aborted) return Promise.resolve(null);
    if (inFlight < slots) {
      inFlight += 1;
      return Promise.resolve(makeRelease());
    }
    if (waiters.length >= queue) return 'rejected';
    return new Promise<SimSlotRelease | null>((resolve) => {
      const onAbort = (): void => {
        const index = waiters.indexOf(grant);
        if (index >= 0) waiters.splice(index, 1);
        resolve(null);
      };
      const grant = (release: SimSlotRelease): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(release);
      };
      waiters.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  return {
    modelName,
    profile,
    contextWindow,
    plan,
    acquire,
    load: () => ({ requests: requestCount, inFlight, queued: waiters.length }),
    reset: () => {
      requestCount = 0;
    },
  };
}

/** Cumulative fault probabilities in SIM_FAULTS order, so one uniform draw picks at most one. */
function buildFaultTable(rates: Partial<Record<SimFault, number>>): Array<[SimFault, number]> {
  const table: Array<[SimFault, number]> = [];
  let cumulative = 0;
  for (const fault of SIM_FAULTS) {
    const rate = rates[fault];
    if (fault === 'ok' || !rate) continue;
    cumulative += rate;
    table.push([fault, cumulative]);
  }
  return table;
}

function pickFault(table: Array<[SimFault, number]>, roll: number): SimFault {
  for (const [fault, threshold] of table) if (roll < threshold) return fault;
  return 'ok';
}

function hashPrompt(request: ChatRequest): number {
  let hash = hashString(request.model);
  for (const message of request.messages) {
    hash = hashString(message.role, hash);
    hash = hashString(contentText(message.content), hash);
  }
  return hash;
}

/** The tool the answer calls: the named one under tool_choice, else the first; none if 'none'. */
function chosenTool(request: ChatRequest): ToolDefinition | undefined {
  const tools = request.tools;
  if (!tools || tools.length === 0 || request.tool_choice === 'none') return undefined;
  const choice = request.tool_choice;
  if (typeof choice === 'object' && choice !== null) {
    return tools.find((tool) => tool.function.name === choice.function.name) ?? tools[0];
  }
  return tools[0];
}

function generateWords(count: number, random: Random): string[] {
  const pieces: string[] = [ANSWER_PREFIX];
  let sinceStop = 0;
  for (let index = 1; index < count; index++) {
    let word = WORDS[Math.floor(random() * WORDS.length)] ?? ' sim';
    sinceStop += 1;
    if (sinceStop >= 6 && (random() < 0.2 || index === count - 1)) {
      word += '.';
      sinceStop = 0;
    }
    pieces.push(word);
  }
  return pieces;
}

/** Tool arguments stream in fragments of about one token (4 characters). */
function splitFragments(json: string): string[] {
  const fragments: string[] = [];
  for (let index = 0; index < json.length; index += 4) fragments.push(json.slice(index, index + 4));
  return fragments;
}
