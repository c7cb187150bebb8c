import { afterEach, describe, expect, it } from 'vitest';
import { describeTimeZoneProblem, isTimeZone } from '../../src/policy/time-zone.js';
import { buildWindows } from '../../src/policy/window-compile.js';
import { checkWindows, toInstantMs } from '../../src/policy/window-spec.js';

const RealDateTimeFormat = Intl.DateTimeFormat;
afterEach(() => {
  Intl.DateTimeFormat = RealDateTimeFormat;
});

/** Counts the DateTimeFormat objects made while `action` runs (ICU's first costs ~20 ms a process). */
function dateTimeFormatsMadeBy(action: () => void): number {
  let made = 0;
  Intl.DateTimeFormat = new Proxy(RealDateTimeFormat, {
    construct(target, args) {
      made += 1;
      return Reflect.construct(target, args);
    },
  });
  try {
    action();
  } finally {
    Intl.DateTimeFormat = RealDateTimeFormat;
  }
  return made;
}

/** The answer from ICU alone, as every zone was checked before the listed zones were read. */
function icuAnswer(name: string): { valid: boolean; posix: boolean } {
  try {
    const canonical = new RealDateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    return { valid: true, posix: /^Etc\/GMT[+-]\d+$/.test(canonical) };
  } catch {
    return { valid: false, posix: false };
  }
}

describe('time zones checked without ICU formatting', () => {
  it('checks windows in listed zones without making a DateTimeFormat', () => {
    const made = dateTimeFormatsMadeBy(() => {
      const issues = checkWindows({
        tz: 'Europe/Berlin',
        deny: [{ rrule: 'FREQ=WEEKLY;BYDAY=FR;BYHOUR=15', duration: '2d17h', tz: 'America/New_York' }],
        allow: [{ rrule: 'FREQ=DAILY;BYHOUR=9', duration: '8h', tz: 'UTC' }],
      });
      expect(issues).toEqual([]);
    });
    expect(made).toBe(0);
  });

  it('gives the answer ICU gives for every zone the platform lists, and for aliases and other spellings', () => {
    const names = [
      ...Intl.supportedValuesOf('timeZone'),
      'UTC',
      'utc',
      'Etc/UTC',
      'Etc/GMT+2',
      'Etc/GMT-14',
      'etc/gmt-3',
      'GMT',
      'EST',
      'MST',
      'US/Pacific',
      'Asia/Calcutta',
      'Asia/Kolkata',
      'europe/berlin',
      'Europe/Berln',
      'Mars/Olympus',
    ];
    for (const name of names) {
      const icu = icuAnswer(name);
      expect(isTimeZone(name), name).toBe(icu.valid);
      const problem = describeTimeZoneProblem(name);
      if (!icu.valid) expect(problem, name).toContain('unknown time zone');
      else if (icu.posix) expect(problem, name).toContain('POSIX "Etc/GMT" names invert the sign');
      else if (!['EST', 'MST'].includes(name.toUpperCase())) expect(problem, name).toBeUndefined();
    }
  });

  it('loads a one-off window without making a DateTimeFormat, and reads it in its zone when evaluated', () => {
    const spec = { tz: 'Pacific/Chatham', deny: [{ from: '2026-12-21', until: '2027-01-04T12:00' }] };
    let windows: ReturnType<typeof buildWindows> | undefined;
    const made = dateTimeFormatsMadeBy(() => {
      expect(checkWindows(spec)).toEqual([]);
      windows = buildWindows(spec);
    });
    expect(made).toBe(0);
    const from = toInstantMs('2026-12-21', 'Pacific/Chatham')!;
    const until = toInstantMs('2027-01-04T12:00', 'Pacific/Chatham', 'later')!;
    expect(windows!.deny[0]!.intervals(0, 2 ** 50)).toEqual([[from, until]]);
  });

  it.each([
    // Far apart: the wall clocks order them whatever the zone.
    ['Europe/Berlin', '2026-12-21', '2027-01-04'],
    ['Europe/Berlin', '2027-01-04', '2026-12-21'],
    ['Pacific/Kiritimati', '2026-05-01T00:00', '2026-05-03T00:01:00-10:00'],
    ['Pacific/Kiritimati', '2026-05-04T00:00', '2026-05-01T00:00:00Z'],
    // Close: only the zone can say. Spring forward moves 02:30 to 03:30, after 03:15.
    ['Europe/Berlin', '2026-03-29T02:30', '2026-03-29T03:15'],
    ['Europe/Berlin', '2026-10-25T02:30', '2026-10-25T02:45'],
    ['Pacific/Kiritimati', '2026-05-02T00:00', '2026-05-01T11:00:00Z'],
    ['America/New_York', '2026-05-02T00:00', '2026-05-02T03:59:00Z'],
    ['America/New_York', '2026-05-02T00:00', '2026-05-02T04:01:00Z'],
  ])('orders a one-off window in %s from %s until %s as the zone does', (tz, from, until) => {
    const after = toInstantMs(until, tz)! > toInstantMs(from, tz)!;
    const issues = checkWindows({ tz, deny: [{ from, until }] });
    expect(issues.map((issue) => issue.message)).toEqual(
      after ? [] : [`until (${until}) must be after from (${from})`],
    );
  });
});
