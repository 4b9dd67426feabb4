/*
 * Phrases of prompt injection and jailbreaks. Each pattern needs the phrase's object, not only
 * its verb, so ordinary requests stay out: "ignore the outliers" is not "ignore previous
 * instructions", "what is a system prompt?" is not "reveal your system prompt", and "you are now
 * logged in" is not "you are now DAN".
 */
const INJECTION_PATTERNS: readonly RegExp[] = [
  /\b(?:ignore|disregard|forget|skip|override)\b[^.\n]{0,15}?\b(?:previous|prior|above|earlier|preceding|all|any|your|the|these|those|system)\b[^.\n]{0,20}?\b(?:instructions?|prompts?|rules|directions|guidelines|directives|guardrails)\b/i,
  /\byou are now\s+(?:a|an|in|no longer|free|unrestricted|unfiltered|uncensored|dan|evil|jailbroken|going to|my|the)\b/i,
  /\b(?:reveal|show|print|repeat|output|display|leak|dump|tell me|give me|what(?: is|'s| are))\b[^.\n]{0,30}?\b(?:your|the)\s+(?:system|initial|hidden|original|secret|developer)\s+(?:prompt|instructions|message)s?\b/i,
  /\b(?:jailbreak(?:ing|en)?|do anything now|developer mode (?:enabled|on)|god mode|unfiltered mode|uncensored mode)\b/i,
  /\bDAN\b(?:\s+mode)?/,
  /\bpretend (?:you are|you're|to be)\b[^.\n]{0,60}?\b(?:no|without)\s+(?:restrictions|filters|limits|rules|guidelines)\b/i,
  /\b(?:bypass|override|ignore|circumvent)\b[^.\n]{0,20}?\b(?:safety|content|security|moderation)\s+(?:filters?|guidelines|policies|policy|restrictions|measures|rules)\b/i,
  /<\|im_start\|>|<\|im_end\|>|<\|system\|>|<\|endoftext\|>|\[\/?INST\]|<<\/?SYS>>|<\/?system>/i,
  /^\s*#{2,}\s*(?:system|new instructions?)\s*:?\s*$/im,
];

/** Whether a text carries prompt-injection or jailbreak phrasing. */
export function detectPromptInjection(text: string): boolean {
  for (const pattern of INJECTION_PATTERNS) if (pattern.test(text)) return true;
  return false;
}
