import { describe, expect, it } from 'vitest';
import {
  createSseParser,
  parseSseText,
  SseBufferOverflowError,
  type SseEvent,
} from './sse-parser.js';

const encoder = new TextEncoder();

/** Feed `text` to a fresh parser in pieces of `size` bytes and collect every event. */
function parseInPieces(text: string, size: number): SseEvent[] {
  const bytes = encoder.encode(text);
  const parser = createSseParser();
  const events: SseEvent[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) {
    events.push(...parser.push(bytes.subarray(offset, offset + size)));
  }
  events.push(...parser.end());
  return events;
}

const data = (events: SseEvent[]): string[] => events.map((event) => event.data);

describe('createSseParser', () => {
  const body =
    'event: message_start\ndata: {"type":"message_start"}\n\n' +
    ': keep-alive comment\n\n' +
    'data: {"text":"héllo wörld ✓ 🚀"}\n\n' +
    'data: line one\ndata: line two\n\n' +
    'data: [DONE]\n\n';

  it('yields the same events whatever the byte boundaries, even inside UTF-8 sequences', () => {
    const whole = parseSseText(body);
    expect(data(whole)).toEqual([
      '{"type":"message_start"}',
      '{"text":"héllo wörld ✓ 🚀"}',
      'line one\nline two',
      '[DONE]',
    ]);
    for (const size of [1, 2, 3, 5, 7, 13, 64]) {
      expect(parseInPieces(body, size)).toEqual(whole);
    }
  });

  it('treats CRLF, lone CR and LF line endings alike', () => {
    const lf = 'event: ping\ndata: a\n\ndata: b\ndata: c\n\n';
    const crlf = lf.replaceAll('\n', '\r\n');
    const cr = lf.replaceAll('\n', '\r');
    const expected = parseSseText(lf);
    expect(data(expected)).toEqual(['a', 'b\nc']);
    for (const size of [1, 2, 4, 100]) {
      expect(parseInPieces(crlf, size)).toEqual(expected);
      expect(parseInPieces(cr, size)).toEqual(expected);
    }
  });

  it('keeps event names and ids and drops comments', () => {
    const events = parseSseText(': comment\nid: 7\nevent: content_block_delta\ndata: x\n\n');
    expect(events).toEqual([{ event: 'content_block_delta', data: 'x', id: '7' }]);
  });

  it('strips one optional space after the colon and accepts data without one', () => {
    expect(data(parseSseText('data:[DONE]\n\ndata:  two spaces\n\n'))).toEqual([
      '[DONE]',
      ' two spaces',
    ]);
  });

  it('dispatches a final event whose last line was complete but whose blank line never came', () => {
    expect(data(parseInPieces('data: a\n\ndata: [DONE]\n', 4))).toEqual(['a', '[DONE]']);
    expect(data(parseInPieces('data: a\n\ndata: [DONE]\r', 4))).toEqual(['a', '[DONE]']);
  });

  it('drops a final line cut before its line break, since the body was truncated', () => {
    expect(data(parseInPieces('data: a\n\ndata: {"choices":[{"de', 5))).toEqual(['a']);
  });

  it('ignores events with no data lines', () => {
    expect(parseSseText('event: ping\n\n\n\nretry: 100\n\n')).toEqual([]);
  });

  it('returns events as soon as their blank line arrives, not at the end', () => {
    const parser = createSseParser();
    expect(parser.push(encoder.encode('data: one\n'))).toEqual([]);
    expect(data(parser.push(encoder.encode('\ndata: tw')))).toEqual(['one']);
    expect(data(parser.push(encoder.encode('o\n\n')))).toEqual(['two']);
    expect(parser.end()).toEqual([]);
  });

  it('throws SseBufferOverflowError when an event grows past maxBufferSize', () => {
    const parser = createSseParser({ maxBufferSize: 1024 });
    expect(() => parser.push(encoder.encode(`data: ${'x'.repeat(2048)}`))).toThrow(
      SseBufferOverflowError,
    );
  });
});
