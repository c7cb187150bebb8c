/**
 * A second of 60, RFC 3339's leap second. Temporal reads `23:59:60` as `23:59:59`, so a one-off
 * window ending at a leap second ended a second early and `12:00:60` on a day without one loaded;
 * `--now` refused it as "not an ISO 8601 time", which it is. Both now name the leap second.
 */
import { describe, expect, it } from 'vitest';
import { resolveClockSetting } from '../../src/app/actor.js';
import { checkWindows, toInstantMs } from '../../src/policy/window-spec.js';
import { pipeline, tollgateErrorOf } from '../support/builders.js';

describe('leap seconds', () => {
  it('refuses a one-off window bound at second 60, naming the file, line and leap second', () => {
    const error = tollgateErrorOf(() =>
      pipeline(`      windows:
        tz: Europe/Berlin
        deny:
          - { name: year end, from: 2026-12-31T20:00, until: "2016-12-31T23:59:60Z" }`),
    );
    expect(error.message).toMatch(
      /tollgate\.yaml:\d+:\d+: .*invalid until "2016-12-31T23:59:60Z": a leap second \(:60\)/,
    );
    for (const until of ['2026-06-15T12:00:60', '2016-12-31T23:59:60.5+01:00'])
      expect(checkWindows({ deny: [{ from: '2026-01-01', until, tz: 'UTC' }] })[0]?.message).toContain(
        'a leap second (:60)',
      );
    expect(toInstantMs('2016-12-31T23:59:60Z', 'UTC')).toBeUndefined();
    // Second 59 still loads.
    expect(
      checkWindows({ deny: [{ from: '2026-01-01', until: '2026-12-31T23:59:59Z', tz: 'UTC' }] }),
    ).toEqual([]);
  });

  it('refuses a rule start at second 60', () => {
    expect(
      checkWindows({
        deny: [{ rrule: 'FREQ=DAILY', start: '2026-01-01T00:00:60', duration: '1h', tz: 'UTC' }],
      }).map((issue) => issue.path.join('.')),
    ).toEqual(['deny.0.start']);
  });

  it('refuses BYSECOND=60 and an UNTIL at second 60 in a rule, naming the leap second', () => {
    // RFC 5545 allows BYSECOND=60 and second 60; rrule-temporal, on a clock without leap seconds,
    // expanded FREQ=DAILY;BYHOUR=23;BYMINUTE=59;BYSECOND=60 to 23:59:00, a minute early.
    for (const [rrule, value] of [
      ['FREQ=DAILY;BYHOUR=23;BYMINUTE=59;BYSECOND=60', 'BYSECOND value "60"'],
      ['FREQ=DAILY;BYSECOND=0,60', 'BYSECOND value "60"'],
      ['FREQ=DAILY;UNTIL=20161231T235960Z', 'UNTIL=20161231T235960Z'],
    ]) {
      const issues = checkWindows({ deny: [{ rrule, duration: '1h', tz: 'UTC' }] });
      expect(
        issues.map((issue) => issue.path.join('.')),
        rrule,
      ).toEqual(['deny.0.rrule']);
      expect(issues[0]?.message, rrule).toContain(`${value}: a leap second (:60)`);
      if (value?.startsWith('BYSECOND')) expect(issues[0]?.message).toContain('second 0 of that minute');
    }
    expect(checkWindows({ deny: [{ rrule: 'FREQ=DAILY;BYSECOND=59', duration: '1h', tz: 'UTC' }] })).toEqual(
      [],
    );
  });

  it('says why --now at a leap second is refused', () => {
    expect(() => resolveClockSetting({ now: '2016-12-31T23:59:60Z' }, {})).toThrow(
      '--now "2016-12-31T23:59:60Z" names a leap second (:60)',
    );
    expect(() => resolveClockSetting({}, { TOLLGATE_NOW: '2016-12-31T23:59:60+01:00' })).toThrow(
      'TOLLGATE_NOW "2016-12-31T23:59:60+01:00" names a leap second (:60)',
    );
    expect(resolveClockSetting({ now: '2016-12-31T23:59:59+05:30' }, {}).fixed?.toISOString()).toBe(
      '2016-12-31T18:29:59.000Z',
    );
  });
});
