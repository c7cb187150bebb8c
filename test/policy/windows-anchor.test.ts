import { describe, expect, it } from 'vitest';
import { alignedYearBefore, anchorBefore, compileWindows } from '../../src/policy/window-compile.js';
import { windowTimeline } from '../../src/policy/window-timeline.js';

const rules = [
  'FREQ=WEEKLY;BYDAY=FR;BYHOUR=15',
  'FREQ=DAILY;BYHOUR=22;BYMINUTE=30',
  'FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=18',
  'FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24',
  'FREQ=MONTHLY;BYMONTHDAY=1,15;BYHOUR=6',
  'FREQ=WEEKLY;BYDAY=SA,SU',
  // Parts left out take their value from DTSTART: the anchor must keep Monday, the 1st, 00:00.
  'FREQ=WEEKLY',
  'FREQ=MONTHLY',
  'FREQ=DAILY',
  'FREQ=HOURLY;BYMINUTE=15',
  // Periods that do not start on a Monday: the anchor must leave no partial week in a stretch.
  'FREQ=WEEKLY;WKST=SU;BYDAY=SU,MO,FR;BYSETPOS=1',
  'FREQ=DAILY;BYDAY=MO,WE;BYHOUR=9,17;BYSETPOS=-1',
];

/** Zones around the world, the two extremes included: an anchor is a UTC date read in each. */
const zones = ['Europe/Berlin', 'Pacific/Kiritimati', 'Pacific/Pago_Pago', 'America/New_York'];

describe('windows expanded from an aligned anchor', () => {
  it('finds the latest year before an instant whose 1 January is a Monday', () => {
    expect(alignedYearBefore(Date.parse('2026-11-26T12:00:00Z'))).toBe(2024);
    expect(alignedYearBefore(Date.parse('2024-01-01T00:00:00Z'))).toBe(2024);
    expect(alignedYearBefore(Date.parse('2023-12-31T23:59:59Z'))).toBe(2018);
    expect(alignedYearBefore(Date.parse('2001-06-01T00:00:00Z'))).toBe(2001);
  });

  it('anchors each frequency at the start of one of its periods, before the instant', () => {
    const at = Date.parse('2026-11-03T05:00:00Z');
    expect(anchorBefore('YEARLY', at)).toBe('2024-01-01T00:00:00');
    expect(anchorBefore('MONTHLY', at)).toBe('2026-10-01T00:00:00');
    expect(anchorBefore('DAILY', at)).toBe('2026-10-01T00:00:00');
    // 2026-09-24 is a Thursday: the Monday before it, a whole week before the quarter.
    expect(anchorBefore('WEEKLY', at)).toBe('2026-09-21T00:00:00');
    expect(anchorBefore('HOURLY', at)).toBe('2026-11-02T00:00:00');
    // On the first day of a quarter the anchor is the quarter before, as a zone east of UTC is
    // already on that day.
    expect(anchorBefore('MONTHLY', Date.parse('2026-10-01T03:00:00Z'))).toBe('2026-07-01T00:00:00');
  });

  for (const rrule of rules) {
    it(`gives the same periods as the 2001 anchor for ${rrule} across DST changes and zones`, () => {
      for (const tz of zones) {
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
          expect(a, `${rrule} in ${tz} from ${from}`).toEqual(b);
        }
      }
    });
  }
});
