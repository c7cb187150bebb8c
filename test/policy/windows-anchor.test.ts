import { describe, expect, it } from 'vitest';
import { alignedYearBefore, compileWindows, windowTimeline } from '../../src/policy/windows.js';

const rules = [
  'FREQ=WEEKLY;BYDAY=FR;BYHOUR=15',
  'FREQ=DAILY;BYHOUR=22;BYMINUTE=30',
  'FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=18',
  'FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24',
  'FREQ=MONTHLY;BYMONTHDAY=1,15;BYHOUR=6',
  'FREQ=WEEKLY;BYDAY=SA,SU',
];

describe('windows expanded from an aligned anchor', () => {
  it('finds the latest year before an instant whose 1 January is a Monday', () => {
    expect(alignedYearBefore(Date.parse('2026-11-26T12:00:00Z'))).toBe(2024);
    expect(alignedYearBefore(Date.parse('2024-01-01T00:00:00Z'))).toBe(2024);
    expect(alignedYearBefore(Date.parse('2023-12-31T23:59:59Z'))).toBe(2018);
    expect(alignedYearBefore(Date.parse('2001-06-01T00:00:00Z'))).toBe(2001);
  });

  for (const rrule of rules) {
    it(`gives the same periods as the 2001 anchor for ${rrule} across DST changes`, () => {
      const tz = 'Europe/Berlin';
      const fast = compileWindows({ deny: [{ rrule, duration: '2d17h', tz }] });
      const reference = compileWindows({
        deny: [{ rrule, duration: '2d17h', tz, start: '2001-01-01T00:00:00' }],
      });
      for (const [from, to] of [
        ['2026-03-01T00:00:00Z', '2026-04-15T00:00:00Z'],
        ['2026-10-01T00:00:00Z', '2027-01-10T00:00:00Z'],
        ['2018-12-20T00:00:00Z', '2019-01-20T00:00:00Z'],
      ] as const) {
        const a = windowTimeline(fast, new Date(from), new Date(to));
        const b = windowTimeline(reference, new Date(from), new Date(to));
        expect(a.length).toBeGreaterThan(0);
        expect(a).toEqual(b);
      }
    });
  }
});
