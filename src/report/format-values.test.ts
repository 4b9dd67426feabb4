import { describe, expect, it } from 'vitest';
import {
  formatCount,
  formatDuration,
  formatMs,
  formatPercent,
  formatPointsDelta,
  formatRelativeChange,
  formatSignedDelta,
  formatUsd,
  NOT_AVAILABLE,
} from './format-values.js';

describe('format-values', () => {
  it.each([
    [0.42, '0.4 ms', formatMs],
    [412.4, '412 ms', formatMs],
    [12_345, '12,345 ms', formatMs],
    [0, '0%', formatPercent],
    [0.0123, '1.23%', formatPercent],
    [0.00001, '<0.01%', formatPercent],
    [0.000431, '$0.000431', formatUsd],
    [12.5, '$12.50', formatUsd],
    [4300, '$4,300', formatUsd],
    [0, '$0', formatUsd],
    [2000, '2,000', formatCount],
    [-0.015, '-1.5 pp', formatPointsDelta],
    [0.02, '+2.0 pp', formatPointsDelta],
  ] as const)('formats %s as %s', (value, expected, format) => {
    expect(format(value)).toBe(expected);
  });

  it.each([null, undefined, Number.NaN, Number.POSITIVE_INFINITY])(
    'renders a missing value (%s) as not available',
    (value) => {
      expect(formatMs(value)).toBe(NOT_AVAILABLE);
      expect(formatUsd(value)).toBe(NOT_AVAILABLE);
      expect(formatPercent(value)).toBe(NOT_AVAILABLE);
    },
  );

  it('writes signed and relative changes', () => {
    expect(formatRelativeChange(600, 220)).toBe('-63.3%');
    expect(formatRelativeChange(0, 5)).toBe(NOT_AVAILABLE);
    expect(formatSignedDelta(100, 112, formatMs)).toBe('+12 ms');
    expect(formatSignedDelta(112, 100, formatMs)).toBe('-12 ms');
  });

  it('measures the duration between two ISO timestamps', () => {
    expect(formatDuration('2025-01-15T12:00:00.000Z', '2025-01-15T12:01:05.500Z')).toBe('1m 6s');
    expect(formatDuration('2025-01-15T12:00:00.000Z', '2025-01-15T12:00:09.000Z')).toBe('9.0s');
    expect(formatDuration('garbage', '2025-01-15T12:00:09.000Z')).toBe(NOT_AVAILABLE);
  });
});
