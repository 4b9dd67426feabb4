import { type ChatRequest, contentText } from '../../core/chat-types.js';
import type { ClassificationConfig } from '../policy/policy-types.js';
import { evaluateCondition } from './evaluate-condition.js';
import { countPromptTokens } from './token-counter.js';

/** Request headers as node:http gives them (names in lower case). */
export type RequestHeaders = Record<string, string | string[] | undefined>;

/** Everything rules can match on, worked out once per request. */
export interface Classification {
  intent: string;
  /** Who decided the intent. */
  intentSource: 'field' | 'header' | 'classifier' | 'rules' | 'default';
  /**
   * The prompt's tokens, or (promptTokensExact false) an upper bound below every threshold the
   * policy decides on, which decides every rule and window as the count would (token-threshold.ts).
   */
  promptTokens: number;
  /** Whether promptTokens is the count rather than a bound; counts for accounting need it. */
  promptTokensExact: boolean;
  tags: string[];
  tenant: string | null;
  userId: string | null;
  sessionId: string | null;
  /** Body `metadata` merged with `x-switchyard-meta-<key>` headers (headers win). */
  metadata: Record<string, string>;
  features: { hasImages: boolean; hasTools: boolean; hasResponseFormat: boolean; turns: number };
}

/** Header names the gateway reads identity from. */
export const TENANT_HEADER = 'x-switchyard-tenant';
/** Header carrying the end user's id. */
export const USER_HEADER = 'x-switchyard-user';
/** Header carrying the conversation's id. */
export const SESSION_HEADER = 'x-switchyard-session';
/** Prefix of headers that add request metadata: `x-switchyard-meta-team: search`. */
export const META_HEADER_PREFIX = 'x-switchyard-meta-';

interface CompiledIntentRule {
  intent: string;
  keywords: string[];
  patterns: RegExp[];
}

/*
 * Regexes are compiled once per policy, not per request: the classification config object is the
 * cache key, so a reloaded policy gets fresh ones and the old ones are collected with it.
 */
const compiledRules = new WeakMap<ClassificationConfig, CompiledIntentRule[]>();

function compileIntentRules(config: ClassificationConfig): CompiledIntentRule[] {
  let compiled = compiledRules.get(config);
  if (!compiled) {
    compiled = config.intentRules.map((rule) => ({
      intent: rule.intent,
      keywords: rule.keywords.map((keyword) => keyword.toLowerCase()),
      patterns: rule.patterns.map((pattern) => new RegExp(pattern, 'i')),
    }));
    compiledRules.set(config, compiled);
  }
  return compiled;
}

/**
 * Label a request: intent, token count, tags, identity, metadata and features.
 *
 * Intent precedence: the body's `metadata.intent` > the intent header > the classifier's answer
 * (passed in, because it is asynchronous) > keyword/pattern rules on the last user turn > the
 * default intent. Tag rules run in order and may test tags set by earlier tag rules.
 */
export function classifyRequest(
  request: ChatRequest,
  headers: RequestHeaders,
  config: ClassificationConfig,
  options?: {
    classifierIntent?: string | null;
    /** The prompt's tokens when the caller counted them already (countPromptTokensYielding). */
    promptTokens?: number;
    /** False when `promptTokens` is an upper bound standing in for the count. Default true. */
    promptTokensExact?: boolean;
  },
): Classification {
  // A fresh object: the headers' keys are added to it directly (a spread copy would give each
  // request its own hidden class on Node 20).
  const metadata = readBodyMetadata(request.metadata);
  for (const name of Object.keys(headers)) {
    if (
      name.length > META_HEADER_PREFIX.length &&
      name.toLowerCase().startsWith(META_HEADER_PREFIX)
    ) {
      const value = headerValue(headers, name);
      if (value !== null) metadata[name.slice(META_HEADER_PREFIX.length).toLowerCase()] = value;
    }
  }

  let intent: string;
  let intentSource: Classification['intentSource'];
  const explicit = findExplicitIntent(request, headers, config);
  if (explicit) {
    intent = explicit.intent;
    intentSource = explicit.source;
  } else if (options?.classifierIntent) {
    intent = options.classifierIntent;
    intentSource = 'classifier';
  } else {
    const matched = matchIntentRules(request, config);
    intent = matched ?? config.defaultIntent;
    intentSource = matched ? 'rules' : 'default';
  }

  let hasImages = false;
  let turns = 0;
  for (const message of request.messages) {
    if (message.role === 'user') turns++;
    if (!hasImages && Array.isArray(message.content)) {
      hasImages = message.content.some((part) => part.type === 'image_url');
    }
  }
  const classification: Classification = {
    intent,
    intentSource,
    promptTokens: options?.promptTokens ?? countPromptTokens(request),
    promptTokensExact: options?.promptTokens === undefined || options.promptTokensExact !== false,
    tags: [],
    tenant: headerValue(headers, TENANT_HEADER) ?? metadata.tenant ?? null,
    userId:
      headerValue(headers, USER_HEADER) ??
      (typeof request.user === 'string' && request.user !== '' ? request.user : null),
    sessionId: headerValue(headers, SESSION_HEADER) ?? metadata.session_id ?? null,
    metadata,
    features: {
      hasImages,
      hasTools: Array.isArray(request.tools) && request.tools.length > 0,
      hasResponseFormat: request.response_format != null && request.response_format.type !== 'text',
      turns,
    },
  };
  for (const rule of config.tagRules) {
    const tag = evaluateCondition(rule.when, classification) ? rule.tag : rule.elseTag;
    if (tag !== null && !classification.tags.includes(tag)) classification.tags.push(tag);
  }
  return classification;
}

/**
 * The intent the client stated, if any: body `metadata.intent`, then the intent header. Lets
 * the caller skip the model classifier when the answer is already known.
 */
export function findExplicitIntent(
  request: ChatRequest,
  headers: RequestHeaders,
  config: ClassificationConfig,
): { intent: string; source: 'field' | 'header' } | null {
  const field = request.metadata?.intent;
  if (typeof field === 'string' && field.trim() !== '')
    return { intent: field.trim(), source: 'field' };
  const header = headerValue(headers, config.intentHeader);
  if (header !== null) return { intent: header, source: 'header' };
  return null;
}

/** The text of the last user message: what intent rules and the classifier read. */
export function lastUserText(request: ChatRequest): string {
  for (let index = request.messages.length - 1; index >= 0; index--) {
    const message = request.messages[index];
    if (message?.role === 'user') return contentText(message.content);
  }
  return '';
}

function matchIntentRules(request: ChatRequest, config: ClassificationConfig): string | null {
  if (config.intentRules.length === 0) return null;
  const rules = compileIntentRules(config);
  const text = lastUserText(request);
  if (text === '') return null;
  const lower = text.toLowerCase();
  for (const rule of rules) {
    if (rule.keywords.some((keyword) => lower.includes(keyword))) return rule.intent;
    if (rule.patterns.some((pattern) => pattern.test(text))) return rule.intent;
  }
  return null;
}

function readBodyMetadata(raw: unknown): Record<string, string> {
  const metadata: Record<string, string> = {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return metadata;
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value === 'string') metadata[key] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') metadata[key] = String(value);
  }
  return metadata;
}

/** First non-empty value of a header, trimmed. */
function headerValue(headers: RequestHeaders, name: string): string | null {
  const raw = headers[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}
