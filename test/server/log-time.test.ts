import { describe, expect, it } from 'vitest';
import { isoNow } from '../../src/server/observe.js';

describe('the time of a log line', () => {
  it('is what toISOString writes, at every millisecond of a second and across seconds, days and years', () => {
    const starts = [
      0,
      Date.UTC(2026, 11, 7, 6, 5, 12),
      Date.UTC(2026, 11, 31, 23, 59, 59),
      Date.UTC(2027, 0, 1, 0, 0, 0),
      Date.UTC(2028, 1, 29, 12, 0, 0),
    ];
    for (const start of starts) {
      for (let ms = start - 3; ms < start + 1003; ms++) {
        if (ms < 0) continue;
        expect(isoNow(ms)).toBe(new Date(ms).toISOString());
      }
    }
    // Going back a second (a clock set back) is written as it is, not from the later second.
    expect(isoNow(Date.UTC(2027, 0, 1, 0, 0, 0, 5))).toBe('2027-01-01T00:00:00.005Z');
    expect(isoNow(Date.UTC(2026, 11, 31, 23, 59, 59, 995))).toBe('2026-12-31T23:59:59.995Z');
  });
});
