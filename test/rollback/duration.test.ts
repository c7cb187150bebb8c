import { describe, expect, it } from 'vitest';
import { formatDuration, parseCalendarDuration, parseExactDuration } from '../../src/policy/duration.js';

describe('parseExactDuration', () => {
  it('reads single and compound units, a day counting 24 hours', () => {
    expect(parseExactDuration('500ms')).toBe(500);
    expect(parseExactDuration('30s')).toBe(30_000);
    expect(parseExactDuration('5m')).toBe(300_000);
    expect(parseExactDuration('2h')).toBe(7_200_000);
    expect(parseExactDuration('1h30m')).toBe(5_400_000);
    expect(parseExactDuration('1d')).toBe(86_400_000);
    expect(parseExactDuration('1w')).toBe(7 * 86_400_000);
    expect(parseExactDuration('0s')).toBe(0);
  });

  it('refuses what is not a duration, and units out of order', () => {
    for (const text of ['', '5', 'm', '5 m', '1.5h', '-5m', '5min', '5m1h', '1m1m']) {
      expect(parseExactDuration(text), text).toBeUndefined();
    }
  });
});

describe('parseCalendarDuration', () => {
  it('keeps calendar days apart from exact time', () => {
    expect(parseCalendarDuration('2d17h')).toEqual({ days: 2, exactMs: 17 * 3_600_000, text: '2d17h' });
    expect(parseCalendarDuration('1w')).toEqual({ days: 7, exactMs: 0, text: '1w' });
    expect(parseCalendarDuration('65h')).toEqual({ days: 0, exactMs: 65 * 3_600_000, text: '65h' });
    expect(parseCalendarDuration('5m1h')).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it('writes durations for people', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(1500)).toBe('1.5s');
    expect(formatDuration(45_000)).toBe('45s');
    expect(formatDuration(300_000)).toBe('5m');
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(90_061_000)).toBe('1d1h1m1s');
  });
});
