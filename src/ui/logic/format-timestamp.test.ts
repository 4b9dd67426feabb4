import { describe, expect, it } from 'vitest';
import { formatDurationMs, formatTimestamp } from './format-timestamp.js';

describe('timestamp formatting', () => {
  it('formats epoch ms and ISO strings as zero-padded local time', () => {
    const local = new Date(2025, 0, 5, 7, 8, 9).getTime();
    expect(formatTimestamp(local)).toBe('2025-01-05 07:08:09');
    expect(formatTimestamp(new Date(local).toISOString())).toBe('2025-01-05 07:08:09');
    expect(formatTimestamp('not a date')).toBe('—');
  });

  it('formats durations in the largest sensible unit', () => {
    expect(formatDurationMs(45_000)).toBe('45 s');
    expect(formatDurationMs(12 * 60_000)).toBe('12 min');
    expect(formatDurationMs(185 * 60_000)).toBe('3 h 5 min');
    expect(formatDurationMs(120 * 60_000)).toBe('2 h');
    expect(formatDurationMs(-1)).toBe('—');
  });
});
