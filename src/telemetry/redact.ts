/** Masks personal data and credentials in text and JSON before anything is written to the log. */
export interface Redactor {
  /** The text with every match replaced by a label such as `[EMAIL]`. */
  redactText(text: string): string;
  /** A redacted deep copy of a JSON value; the input is never modified. */
  redactValue<T>(value: T): T;
}

/** Options for createRedactor beyond the extra patterns. */
export interface RedactorOptions {
  /**
   * Also mask IPv4 addresses as `[IP]`. Off by default: in prompts an address is nearly always
   * technical content (a config, a log line pasted for debugging) whose loss would spoil replay,
   * dotted version numbers such as 10.2.0.1 look the same, and the gateway never copies the
   * client's own address into a record.
   */
  ipAddresses?: boolean;
}

/** What each kind of match is replaced with. */
export const REDACTION_LABELS = {
  email: '[EMAIL]',
  phone: '[PHONE]',
  card: '[CARD]',
  secret: '[SECRET]',
  ip: '[IP]',
  custom: '[REDACTED]',
} as const;

/*
 * One combined regex, so a string is scanned once. Every alternative sits in a named group and
 * the replacer dispatches on the group that matched. Order matters where alternatives could claim
 * the same span: credentials first (their prefixes are distinctive), then `+` phone numbers before
 * card numbers, then card numbers before US phone numbers.
 *
 * Every alternative starts with a lookbehind that forbids starting inside a longer token, so a
 * long run of letters or digits is walked once rather than once per position (no quadratic scan
 * on large bodies), and separators inside phone numbers are mandatory so digit groups cannot be
 * split in exponentially many ways.
 *
 * The regex uses the `i` flag because JavaScript has no inline case modifier here; this widens
 * the fixed key prefixes (AIza, AKIA) to any case, which costs nothing in practice.
 */
const SECRET_TOKEN = [
  // OpenAI (sk-, sk-proj-) and Anthropic (sk-ant-) keys; a digit is required so that words like
  // "sk-learn-pipeline-for-production" are left alone.
  'sk-(?=[a-z0-9_-]*\\d)[a-z0-9_-]{20,}',
  'xai-[a-z0-9]{20,}',
  'AIza[0-9a-z_-]{35}',
  'gh[pousr]_[a-z0-9]{36,}',
  'github_pat_[a-z0-9_]{22,}',
  'AKIA[0-9a-z]{16}',
  'xox[abprs]-[a-z0-9-]{10,}',
  // JSON Web Tokens: three base64url segments, the first of which decodes to `{"`.
  'eyJ[a-z0-9_-]{8,}\\.[a-z0-9_-]{8,}\\.[a-z0-9_-]{8,}',
].join('|');

const SECRET_KEY_NAMES =
  'api[_-]?key|x-api-key|access[_-]?token|refresh[_-]?token|auth[_-]?token|client[_-]?secret|secret[_-]?key|secret|password|passwd|token';

/** The built-in alternatives, in the order they must be tried (see above). */
const ALTERNATIVES = {
  secret: `(?<secret>(?<![a-z0-9_-])(?:${SECRET_TOKEN})(?![a-z0-9_-]))`,
  bearer: `(?<bearerScheme>(?<![a-z0-9_-])(?:bearer|basic))\\s+(?<bearerToken>[a-z0-9._~+/-]{8,}=*)`,
  assign: `(?<assignKey>(?<![a-z0-9_-])(?:${SECRET_KEY_NAMES}))(?<assignSeparator>["']?\\s*[:=]\\s*["']?)(?<assignValue>[^\\s"'&,;}\\[\\]]{3,})`,
  email:
    '(?<email>(?<![a-z0-9._%+-])[a-z0-9._%+-]+@[a-z0-9-]+(?:\\.[a-z0-9-]+)*\\.[a-z]{2,}(?![a-z0-9-]))',
  // International: `+`, a country code, then digit groups each introduced by a separator or
  // parentheses; or E.164 with no separators. The digit count is checked in the replacer.
  phoneIntl:
    '(?<phoneIntl>(?<![\\w+])\\+(?:\\d{1,3}(?:[\\s.-]\\(?\\d{1,8}\\)?|\\(\\d{1,8}\\)){1,7}|\\d{8,15})(?![\\w]))',
  // 13 to 19 digits with optional single spaces or dashes; Luhn is checked in the replacer.
  card: '(?<card>(?<![\\d.-])\\d(?:[ -]?\\d){12,18}(?![\\d]))',
  // US: (555) 123-4567, 555-123-4567, 555.123.4567 (one consistent separator), or with a 1 or +1
  // prefix. Three bare space-separated groups ("256 512 1024") are left alone: too often a list.
  phoneUs:
    '(?<phoneUs>(?<![\\w+.-])(?:(?:\\+?1[\\s.-])?\\(\\d{3}\\)[\\s.-]?\\d{3}[\\s.-]\\d{4}|[2-9]\\d{2}(?<usSeparator>[.-])\\d{3}\\k<usSeparator>\\d{4}|\\+?1[\\s.-][2-9]\\d{2}[\\s.-]\\d{3}[\\s.-]\\d{4})(?![\\w]))',
} as const;

const IPV4_OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4_SOURCE = `(?<ip>(?<![\\d.])(?:${IPV4_OCTET}\\.){3}${IPV4_OCTET}(?!\\.?\\d))`;

/**
 * US phone numbers inside a digit run that looked like a card number but failed Luhn; such a run
 * holds only digits, spaces and dashes, so only the dashed form can occur.
 */
const PHONE_IN_DIGIT_RUN = /(?<![\d-])(?:1-)?[2-9]\d{2}-\d{3}-\d{4}(?![\d])/g;

const DATA_URL = /^data:([a-z0-9.+-]+\/[a-z0-9.+-]+)?((?:;[a-z0-9-]+=[^;,]*)*);base64,/i;
const BARE_BASE64 = /^[A-Za-z0-9+/\r\n]+={0,2}$/;
/** Base64 strings at least this long (with no data: prefix) are replaced by their size. */
const BARE_BASE64_MIN_LENGTH = 1024;
/** Nesting deeper than this is cut, so a hostile body cannot exhaust the stack. */
const MAX_DEPTH = 64;

/** Object keys whose string values are credentials whatever they look like. */
const SENSITIVE_KEYS = new Set([
  'authorization',
  'proxyauthorization',
  'xapikey',
  'apikey',
  'password',
  'passwd',
  'secret',
  'clientsecret',
  'accesstoken',
  'refreshtoken',
  'cookie',
  'setcookie',
]);

/** True when the digits pass the Luhn checksum that every payment card number carries. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let index = digits.length - 1; index >= 0; index -= 1) {
    let digit = digits.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) return false;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

function countDigits(text: string): number {
  let count = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code >= 48 && code <= 57) count += 1;
  }
  return count;
}

/** A bearer "token" of plain letters under 20 characters is an English word, not a credential. */
function looksLikeToken(candidate: string): boolean {
  return candidate.length >= 20 || /\d/.test(candidate);
}

function redactPhonesOnly(text: string): string {
  return text.replace(PHONE_IN_DIGIT_RUN, REDACTION_LABELS.phone);
}

type Groups = Record<string, string | undefined>;

function replaceMatch(match: string, groups: Groups): string {
  if (groups.secret !== undefined) return REDACTION_LABELS.secret;
  if (groups.bearerScheme !== undefined) {
    const token = groups.bearerToken ?? '';
    return looksLikeToken(token) ? `${groups.bearerScheme} ${REDACTION_LABELS.secret}` : match;
  }
  if (groups.assignKey !== undefined) {
    const value = groups.assignValue ?? '';
    // "token: 4096" is a token count, not a credential.
    if (/^token$/i.test(groups.assignKey) && /^\d+$/.test(value)) return match;
    // "Password: what makes a good one?" is prose: a short value of letters alone is a word.
    if (value.length < 12 && /^[a-z]+$/i.test(value)) return match;
    return `${groups.assignKey}${groups.assignSeparator ?? ''}${REDACTION_LABELS.secret}`;
  }
  if (groups.email !== undefined) return REDACTION_LABELS.email;
  if (groups.phoneIntl !== undefined) {
    const digits = countDigits(match);
    return digits >= 8 && digits <= 15 ? REDACTION_LABELS.phone : match;
  }
  if (groups.card !== undefined) {
    const digits = match.replace(/[ -]/g, '');
    // Major networks issue numbers starting 2-6 (Mastercard 2/5, Amex 3, Visa 4, Discover 6).
    const first = digits.charCodeAt(0);
    if (first >= 50 && first <= 54 && passesLuhn(digits)) return REDACTION_LABELS.card;
    return redactPhonesOnly(match);
  }
  if (groups.phoneUs !== undefined) return REDACTION_LABELS.phone;
  if (groups.ip !== undefined) return REDACTION_LABELS.ip;
  return match;
}

function compileExtraPattern(pattern: string): RegExp {
  const literal = /^\/(.+)\/([a-z]*)$/s.exec(pattern);
  const source = literal?.[1] ?? pattern;
  const flags = new Set((literal?.[2] ?? '').split('').filter((flag) => flag !== ''));
  flags.add('g');
  let regex: RegExp;
  try {
    regex = new RegExp(source, [...flags].join(''));
  } catch (error) {
    throw new Error(
      `Invalid redact pattern ${JSON.stringify(pattern)}: ${(error as Error).message}`,
    );
  }
  if (new RegExp(source, [...flags].filter((flag) => flag !== 'g').join('')).test('')) {
    throw new Error(
      `Invalid redact pattern ${JSON.stringify(pattern)}: it matches the empty string, so it would mask everything`,
    );
  }
  return regex;
}

function base64ByteLength(payload: string): number {
  let length = 0;
  let padding = 0;
  for (let index = 0; index < payload.length; index += 1) {
    const code = payload.charCodeAt(index);
    if (code === 10 || code === 13) continue;
    if (code === 61) padding += 1;
    length += 1;
  }
  return Math.max(0, Math.floor((length * 3) / 4) - padding);
}

/** `[IMAGE base64 N bytes]` for image data URLs, `[DATA type base64 N bytes]` for others. */
function summarizeBinary(value: string): string | null {
  if (value.length >= 5 && value.charCodeAt(0) === 100 /* d */ && value.startsWith('data:')) {
    const header = DATA_URL.exec(value);
    if (header === null) return null;
    const bytes = base64ByteLength(value.slice(header[0].length));
    const mediaType = header[1]?.toLowerCase() ?? '';
    if (mediaType.startsWith('image/') || mediaType === '') return `[IMAGE base64 ${bytes} bytes]`;
    return `[DATA ${mediaType} base64 ${bytes} bytes]`;
  }
  if (value.length >= BARE_BASE64_MIN_LENGTH && BARE_BASE64.test(value)) {
    return `[BASE64 ${base64ByteLength(value)} bytes]`;
  }
  return null;
}

/**
 * Object keys repeat from request to request (role, content, model, ...): each key's verdict is
 * remembered instead of lower-casing and stripping it every time. Bounded, since keys come from
 * clients; past the bound a key is just checked.
 */
const SENSITIVE_KEY_CACHE_ENTRIES = 4096;
const sensitiveKeyVerdicts = new Map<string, boolean>();

function isSensitiveKey(key: string): boolean {
  const known = sensitiveKeyVerdicts.get(key);
  if (known !== undefined) return known;
  const sensitive = SENSITIVE_KEYS.has(key.toLowerCase().replace(/[-_]/g, ''));
  if (sensitiveKeyVerdicts.size < SENSITIVE_KEY_CACHE_ENTRIES)
    sensitiveKeyVerdicts.set(key, sensitive);
  return sensitive;
}

/*
 * The combined regex costs ~12 µs per KB of prose, most of it in alternatives that cannot match
 * the text at all: an email needs an `@` (half the cost on its own, since it may start at any
 * word), a `key: value` assignment a `:` or `=`, an international phone a `+`, and cards, phones
 * and IP addresses digits. Those facts cost ~1 µs per KB to establish, so each text is scanned
 * with the combined regex minus the alternatives it cannot hold. Dropping an alternative that
 * matches nowhere in the text cannot change which alternative wins anywhere else, so the result
 * is the same as the full regex's. One regex per combination is compiled, on first use.
 */
const ANY_DIGIT = /\d/;

/** Returns, for a text, the combined regex of the alternatives that could match it. */
function createGatedRegexes(ipAddresses: boolean): (text: string) => RegExp {
  const cache = new Map<number, RegExp>();
  return (text) => {
    const hasAt = text.includes('@');
    const hasDigit = ANY_DIGIT.test(text);
    const hasPlus = hasDigit && text.includes('+');
    const hasAssignment = text.includes(':') || text.includes('=');
    const key = (hasAt ? 1 : 0) | (hasDigit ? 2 : 0) | (hasPlus ? 4 : 0) | (hasAssignment ? 8 : 0);
    let regex = cache.get(key);
    if (regex === undefined) {
      const sources: string[] = [ALTERNATIVES.secret, ALTERNATIVES.bearer];
      if (hasAssignment) sources.push(ALTERNATIVES.assign);
      if (hasAt) sources.push(ALTERNATIVES.email);
      if (hasPlus) sources.push(ALTERNATIVES.phoneIntl);
      if (hasDigit) sources.push(ALTERNATIVES.card, ALTERNATIVES.phoneUs);
      if (hasDigit && ipAddresses) sources.push(IPV4_SOURCE);
      regex = new RegExp(sources.join('|'), 'gi');
      cache.set(key, regex);
    }
    return regex;
  };
}

/**
 * Builds a redactor from the built-in patterns plus `extraPatterns` (regex sources from the
 * policy's `log.redact_patterns`, or `/source/flags` literals), each masked as `[REDACTED]`.
 * Throws on an invalid or empty-matching extra pattern, so a bad policy fails at load.
 */
export function createRedactor(
  extraPatterns: readonly string[] = [],
  options: RedactorOptions = {},
): Redactor {
  const combinedFor = createGatedRegexes(options.ipAddresses === true);
  const extras = extraPatterns.map(compileExtraPattern);

  const redactText = (text: string): string => {
    // Nothing shorter than "a@b.co" can hold a match of a built-in pattern.
    let result =
      text.length < 6
        ? text
        : text.replace(combinedFor(text), (match: string, ...rest: unknown[]) =>
            replaceMatch(match, rest[rest.length - 1] as Groups),
          );
    for (const extra of extras) {
      extra.lastIndex = 0;
      result = result.replace(extra, REDACTION_LABELS.custom);
    }
    return result;
  };

  const redactString = (value: string): string => summarizeBinary(value) ?? redactText(value);

  const walk = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return redactString(value);
    if (value === null || typeof value !== 'object') return value;
    if (depth >= MAX_DEPTH) return '[TRUNCATED]';
    if (Array.isArray(value)) return value.map((item) => walk(item, depth + 1));
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) return value;
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      copy[key] =
        typeof item === 'string' && item !== '' && isSensitiveKey(key)
          ? REDACTION_LABELS.secret
          : walk(item, depth + 1);
    }
    return copy;
  };

  return {
    redactText,
    redactValue: <T>(value: T): T => walk(value, 0) as T,
  };
}
