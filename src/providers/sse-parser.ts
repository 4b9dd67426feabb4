import { createParser, type EventSourceParser } from 'eventsource-parser';

/** One dispatched server-sent event. `event` is undefined when the server named none. */
export interface SseEvent {
  event: string | undefined;
  data: string;
  id: string | undefined;
}

/** Options for createSseParser. */
export interface SseParserOptions {
  /** Most characters one unfinished line or event may buffer; default 8 MiB. */
  maxBufferSize?: number;
}

/** An incremental parser: push bytes as they arrive, collect the events they complete. */
export interface SseParser {
  /** Feed the next bytes (split anywhere, even inside a UTF-8 sequence); returns completed events. */
  push(bytes: Uint8Array): SseEvent[];
  /** The body ended; returns an event whose last line was complete but whose blank line never came. */
  end(): SseEvent[];
}

/** The stream buffered more than the allowed size without completing an event. */
export class SseBufferOverflowError extends Error {
  constructor(maxBufferSize: number) {
    super(`server-sent event exceeded ${maxBufferSize} characters without completing`);
    this.name = 'SseBufferOverflowError';
  }
}

const DEFAULT_MAX_BUFFER_SIZE = 8 * 1024 * 1024;
const LINE_FEED = 10;
const CARRIAGE_RETURN = 13;

/**
 * Create an incremental SSE parser over raw bytes.
 *
 * Line splitting (LF, CRLF, lone CR), multi-line `data:`, `event:`/`id:` fields and `:` comments
 * are handled by `eventsource-parser` (the parser the AI SDK uses), whose fast path scans for
 * `data:` without regexes. This wrapper adds streaming UTF-8 decoding and a bounded buffer.
 *
 * At the end of a body the WHATWG rules drop an event that lacks its closing blank line. We
 * dispatch it if its last line was complete (some servers close right after `data: [DONE]\n`),
 * but still drop a half-written line: a body cut mid-line is a truncation, not an event.
 */
export function createSseParser(options: SseParserOptions = {}): SseParser {
  const maxBufferSize = options.maxBufferSize ?? DEFAULT_MAX_BUFFER_SIZE;
  const decoder = new TextDecoder('utf-8');
  let events: SseEvent[] = [];
  let overflowed = false;
  let endedOnLineBreak = true;
  const parser: EventSourceParser = createParser({
    maxBufferSize,
    onEvent(message) {
      events.push({ event: message.event, data: message.data, id: message.id });
    },
    onError(error) {
      // Unknown fields and bad `retry:` values are ignored, as the SSE spec says.
      if (error.type === 'max-buffer-size-exceeded') overflowed = true;
    },
  });

  const feed = (text: string): SseEvent[] => {
    if (text.length === 0) return [];
    parser.feed(text);
    if (overflowed) throw new SseBufferOverflowError(maxBufferSize);
    const completed = events;
    events = [];
    return completed;
  };

  return {
    push(bytes) {
      if (bytes.length === 0) return [];
      const last = bytes[bytes.length - 1];
      endedOnLineBreak = last === LINE_FEED || last === CARRIAGE_RETURN;
      return feed(decoder.decode(bytes, { stream: true }));
    },
    end() {
      const rest = decoder.decode();
      const completed = feed(rest);
      // Two line feeds: one may be needed to finish a line that ended on a lone CR.
      if (rest.length === 0 && endedOnLineBreak) completed.push(...feed('\n\n'));
      return completed;
    },
  };
}

/** Parse a whole SSE text at once; handy for fixtures and tests. */
export function parseSseText(text: string): SseEvent[] {
  const parser = createSseParser();
  const events = parser.push(new TextEncoder().encode(text));
  events.push(...parser.end());
  return events;
}
