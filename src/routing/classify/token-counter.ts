import type { ChatMessage, ChatRequest } from '../../core/chat-types.js';
import { o200kTokenizer } from './o200k-tokenizer.js';

/*
 * o200k_base is the encoding of every current OpenAI chat model (GPT-4o, GPT-4.1, GPT-5, the
 * o-series). Other vendors' tokenizers differ by a few percent either way; one shared count is
 * what routing needs (thresholds, windows, cost estimates before the upstream reports usage),
 * and the upstream's own usage figure replaces it in the log once the answer arrives.
 */

/** Tokens each message costs besides its content (role and separators), per OpenAI's accounting. */
export const MESSAGE_OVERHEAD_TOKENS = 3;
/** Tokens that prime the assistant's reply, counted once per request. */
export const REPLY_PRIMING_TOKENS = 3;
/** A low-detail image, whatever its size. */
export const LOW_DETAIL_IMAGE_TOKENS = 85;
/**
 * Any other image, estimated as a 1024×1024 high-detail image (85 + 4 tiles × 170). The real
 * cost depends on dimensions the gateway does not decode.
 */
export const IMAGE_TOKENS = 765;

/**
 * Loads the tokenizer's vocabulary now (~0.1 s) instead of on the first count. A server calls it
 * before it listens, so its first request does not wait for it.
 */
export function loadTokenizer(): void {
  o200kTokenizer();
}

/** Special-token text in a prompt (`<|endoftext|>`) is plain text to the tokenizer. */
function countTokens(text: string): number {
  return o200kTokenizer().count(text);
}

/**
 * Longest run of non-whitespace handed to the tokenizer in one piece. Byte-pair encoding is
 * quadratic in the length of one pre-token, and a run with no whitespace (a base64 blob, a line
 * of emoji, minified code) can be a single pre-token: 16,000 emoji took 2.2 s and 200,000 took
 * minutes, on the event loop. Longer runs are cut into pieces of this length and counted piece
 * by piece (a few ms for 100,000 characters); a cut can add a token where a token would have
 * spanned it, which is noise next to a run that long. Text without such runs is counted whole.
 */
export const MAX_RUN_CHARS = 512;

/** Tokens in a piece of text. */
export function countTextTokens(text: string): number {
  return countInRuns(text, countTokens);
}

/**
 * `count` applied to `text` with long runs without whitespace cut as countTextTokens cuts them
 * (see MAX_RUN_CHARS). Exported so that other encoders can be measured the same way (bench/).
 */
export function countInRuns(text: string, count: (piece: string) => number): number {
  if (text === '') return 0;
  if (text.length <= MAX_RUN_CHARS) return count(text);
  let total = 0;
  let pieceStart = 0;
  let run = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 32 || (code >= 9 && code <= 13)) {
      run = 0;
      continue;
    }
    run += 1;
    if (run < MAX_RUN_CHARS) continue;
    // Cut after this character, unless that would split a surrogate pair.
    let cut = index + 1;
    if (code >= 0xd800 && code <= 0xdbff) cut = index;
    if (cut > pieceStart) {
      total += count(text.slice(pieceStart, cut));
      pieceStart = cut;
    }
    run = index + 1 - cut;
  }
  if (pieceStart === 0) return count(text);
  if (pieceStart < text.length) total += count(text.slice(pieceStart));
  return total;
}

/**
 * System prompts repeat: an application sends the same one (often thousands of tokens) with
 * every request, so their counts are remembered. Only system and developer text is kept, never
 * user turns, which rarely repeat and would churn the cache (and hold chat text in memory). The
 * bounds keep it small: a few dozen distinct prompts, none over 64 K characters; the oldest entry
 * goes first.
 */
const SYSTEM_PROMPT_CACHE_ENTRIES = 64;
const SYSTEM_PROMPT_CACHE_MAX_CHARS = 65_536;
const systemPromptTokens = new Map<string, number>();

/** countTextTokens for a system prompt, from the cache when the same text was counted before. */
export function countSystemPromptTokens(text: string): number {
  if (text.length > SYSTEM_PROMPT_CACHE_MAX_CHARS) return countTextTokens(text);
  const cached = systemPromptTokens.get(text);
  if (cached !== undefined) return cached;
  const counted = countTextTokens(text);
  if (systemPromptTokens.size >= SYSTEM_PROMPT_CACHE_ENTRIES) {
    const oldest = systemPromptTokens.keys().next().value;
    if (oldest !== undefined) systemPromptTokens.delete(oldest);
  }
  systemPromptTokens.set(text, counted);
  return counted;
}

/**
 * What a prompt costs, split into what needs the tokenizer and what does not: `fixed` holds
 * per-message overhead, images and reply priming; `system` the system/developer prompts (counted
 * through the cache); `texts` everything else that is counted as text.
 */
interface PromptPieces {
  fixed: number;
  system: string[];
  texts: string[];
}

function addMessagePieces(message: ChatMessage, pieces: PromptPieces): void {
  const content = message.content;
  pieces.fixed += MESSAGE_OVERHEAD_TOKENS;
  if ((message.role === 'system' || message.role === 'developer') && typeof content === 'string') {
    if (content !== '') pieces.system.push(content);
  } else if (typeof content === 'string') {
    pieces.texts.push(content);
  } else if (content != null) {
    for (const part of content) {
      if (part.type === 'text') pieces.texts.push(part.text);
      else if (part.type === 'image_url') {
        pieces.fixed += part.image_url.detail === 'low' ? LOW_DETAIL_IMAGE_TOKENS : IMAGE_TOKENS;
      }
    }
  }
  if ('name' in message && message.name) {
    pieces.fixed += 1;
    pieces.texts.push(message.name);
  }
  if (message.role === 'assistant' && message.tool_calls) {
    for (const call of message.tool_calls) {
      pieces.fixed += MESSAGE_OVERHEAD_TOKENS;
      pieces.texts.push(call.function.name, call.function.arguments);
    }
  }
  if (message.role === 'tool') pieces.texts.push(message.tool_call_id);
}

function promptPieces(request: ChatRequest): PromptPieces {
  const pieces: PromptPieces = { fixed: REPLY_PRIMING_TOKENS, system: [], texts: [] };
  for (const message of request.messages) addMessagePieces(message, pieces);
  if (request.tools && request.tools.length > 0) pieces.texts.push(JSON.stringify(request.tools));
  if (request.response_format?.json_schema !== undefined) {
    pieces.texts.push(JSON.stringify(request.response_format.json_schema));
  }
  return pieces;
}

function countPieces(pieces: PromptPieces): number {
  let total = pieces.fixed;
  for (const text of pieces.system) total += countSystemPromptTokens(text);
  for (const text of pieces.texts) total += countTextTokens(text);
  return total;
}

/** Tokens one message costs in a prompt: content, images, tool calls and overhead. */
export function countMessageTokens(message: ChatMessage): number {
  const pieces: PromptPieces = { fixed: 0, system: [], texts: [] };
  addMessagePieces(message, pieces);
  return countPieces(pieces);
}

/**
 * Prompt tokens of a request: every message, the tool definitions and a structured-output
 * schema (both are sent to the model as text), and the reply priming.
 */
export function countPromptTokens(request: ChatRequest): number {
  return countPieces(promptPieces(request));
}

/**
 * A number no smaller than countPromptTokens(request), found without the tokenizer: every token
 * stands for at least one byte of UTF-8 (a lone surrogate is three, as the tokenizer encodes it),
 * so the bytes of the counted text plus the fixed costs bound the count from above. Routing on
 * thresholds and windows needs the exact count only when this bound does not already decide.
 */
export function promptTokenUpperBound(request: ChatRequest): number {
  const pieces = promptPieces(request);
  let bound = pieces.fixed;
  for (const text of pieces.system) bound += Buffer.byteLength(text, 'utf8');
  for (const text of pieces.texts) bound += Buffer.byteLength(text, 'utf8');
  return bound;
}

/**
 * Prompts up to this many characters are counted in one go (~4 ms of tokenizer at most); longer
 * ones in slices with a turn of the event loop between them.
 */
export const YIELD_ABOVE_CHARS = 262_144;
/** Characters per slice of a long text: about a millisecond of tokenizer. */
const SLICE_CHARS = 65_536;

/**
 * countPromptTokens for the gateway's request path. The tokenizer runs on the event loop at
 * ~16 µs per KB, so a 10 MB prompt (the default body limit) would hold every other request for
 * ~160 ms; past YIELD_ABOVE_CHARS the count is made in slices and other requests run between
 * them. Returns a number, not a promise, for the usual short prompt.
 *
 * A long text is cut after a newline (else a space) near each slice boundary; the tokenizer
 * splits there too in almost every case, so the count may differ from one pass by a few tokens
 * in millions, which routing on thresholds and windows does not notice.
 */
export function countPromptTokensYielding(request: ChatRequest): number | Promise<number> {
  const pieces = promptPieces(request);
  let length = 0;
  for (const text of pieces.system) length += text.length;
  for (const text of pieces.texts) length += text.length;
  if (length <= YIELD_ABOVE_CHARS) return countPieces(pieces);
  return countPiecesYielding(pieces);
}

async function countPiecesYielding(pieces: PromptPieces): Promise<number> {
  let total = pieces.fixed;
  for (const text of pieces.system) {
    total += text.length <= SLICE_CHARS ? countSystemPromptTokens(text) : await countLongText(text);
  }
  for (const text of pieces.texts) {
    total += text.length <= SLICE_CHARS ? countTextTokens(text) : await countLongText(text);
  }
  return total;
}

async function countLongText(text: string): Promise<number> {
  let total = 0;
  let start = 0;
  while (start < text.length) {
    const end = sliceEnd(text, start);
    total += countTextTokens(text.slice(start, end));
    start = end;
    if (start < text.length) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return total;
}

/** Where the slice from `start` ends: after the last newline (else space) in its second half. */
function sliceEnd(text: string, start: number): number {
  const limit = start + SLICE_CHARS;
  if (limit >= text.length) return text.length;
  const floor = start + SLICE_CHARS / 2;
  const newline = text.lastIndexOf('\n', limit);
  if (newline >= floor) return newline + 1;
  const space = text.lastIndexOf(' ', limit);
  if (space >= floor) return space;
  // No whitespace: do not cut a surrogate pair in two.
  const code = text.charCodeAt(limit - 1);
  return code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit;
}
