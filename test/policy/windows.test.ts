import { describe, expect, it } from 'vitest';
import { compileWindows } from '../../src/policy/window-compile.js';
import { checkWindows, toInstantMs, type WindowsSpec } from '../../src/policy/window-spec.js';
import { upcomingPeriods, windowState, windowTimeline } from '../../src/policy/window-timeline.js';

const at = (iso: string) => new Date(iso);
const iso = (d: Date | undefined) => d?.toISOString();

function intervalsOf(spec: WindowsSpec, from: string, to: string): string[][] {
  const windows = compileWindows(spec);
  const window = windows.deny[0] ?? windows.allow[0]!;
  return window
    .intervals(at(from).getTime(), at(to).getTime())
    .map(([s, e]) => [new Date(s).toISOString(), new Date(e).toISOString()]);
}

describe('weekend freeze across daylight-saving changes (Europe/Berlin)', () => {
  const exact: WindowsSpec = {
    deny: [
      { name: 'weekend', rrule: 'FREQ=WEEKLY;BYDAY=FR;BYHOUR=15', duration: '65h', tz: 'Europe/Berlin' },
    ],
  };
  const calendar: WindowsSpec = {
    deny: [{ rrule: 'FREQ=WEEKLY;BYDAY=FR;BYHOUR=15', duration: '2d17h', tz: 'Europe/Berlin' }],
  };

  it('starts at 15:00 wall time in winter and in summer', () => {
    expect(intervalsOf(exact, '2026-03-20T00:00:00Z', '2026-03-21T00:00:00Z')[0]?.[0]).toBe(
      '2026-03-20T14:00:00.000Z',
    );
    expect(intervalsOf(exact, '2026-06-05T00:00:00Z', '2026-06-06T00:00:00Z')[0]?.[0]).toBe(
      '2026-06-05T13:00:00.000Z',
    );
  });

  it('counts hours as exact time: 65h over the spring change ends at 09:00 local, not 08:00', () => {
    expect(intervalsOf(exact, '2026-03-27T00:00:00Z', '2026-03-28T00:00:00Z')).toEqual([
      ['2026-03-27T14:00:00.000Z', '2026-03-30T07:00:00.000Z'],
    ]);
    // An ordinary weekend: Monday 08:00 CET.
    expect(intervalsOf(exact, '2026-03-20T00:00:00Z', '2026-03-21T00:00:00Z')[0]?.[1]).toBe(
      '2026-03-23T07:00:00.000Z',
    );
  });

  it('counts days on the calendar: 2d17h ends Monday 08:00 local on both sides of each change', () => {
    expect(intervalsOf(calendar, '2026-03-27T00:00:00Z', '2026-03-28T00:00:00Z')).toEqual([
      ['2026-03-27T14:00:00.000Z', '2026-03-30T06:00:00.000Z'],
    ]);
    expect(intervalsOf(calendar, '2026-10-23T00:00:00Z', '2026-10-24T00:00:00Z')).toEqual([
      ['2026-10-23T13:00:00.000Z', '2026-10-26T07:00:00.000Z'],
    ]);
  });

  it('is closed on Saturday and gives the exact opening time', () => {
    const state = windowState(compileWindows(exact), at('2026-03-28T12:00:00Z'));
    expect(state.open).toBe(false);
    expect(iso(state.opensAt)).toBe('2026-03-30T07:00:00.000Z');
    expect(state.reasons).toEqual(['deny weekend: FREQ=WEEKLY;BYDAY=FR;BYHOUR=15 for 65h (Europe/Berlin)']);
  });

  it('is open on Thursday and says when the freeze begins', () => {
    const state = windowState(compileWindows(calendar), at('2026-10-22T10:00:00Z'));
    expect(state.open).toBe(true);
    expect(iso(state.closesAt)).toBe('2026-10-23T13:00:00.000Z');
  });
});

describe('occurrences at wall times the clock skips or repeats', () => {
  const nightly = (tz: string): WindowsSpec => ({
    deny: [{ rrule: 'FREQ=DAILY;BYHOUR=2;BYMINUTE=30', duration: '1h', tz }],
  });

  it('moves an occurrence whose local time does not exist forward by the gap (RFC 5545 §3.3.5)', () => {
    // 29 March 2026, Berlin: 02:00 CET becomes 03:00 CEST, so 02:30 is read as 03:30 CEST (01:30Z).
    expect(intervalsOf(nightly('Europe/Berlin'), '2026-03-28T00:00:00Z', '2026-03-31T00:00:00Z')).toEqual([
      ['2026-03-28T01:30:00.000Z', '2026-03-28T02:30:00.000Z'],
      ['2026-03-29T01:30:00.000Z', '2026-03-29T02:30:00.000Z'],
      ['2026-03-30T00:30:00.000Z', '2026-03-30T01:30:00.000Z'],
    ]);
    // 8 March 2026, New York: 02:30 is read as 03:30 EDT (07:30Z).
    expect(intervalsOf(nightly('America/New_York'), '2026-03-08T00:00:00Z', '2026-03-09T00:00:00Z')).toEqual([
      ['2026-03-08T07:30:00.000Z', '2026-03-08T08:30:00.000Z'],
    ]);
  });

  it('keeps a skipped occurrence for allow windows too, and respects UNTIL on the real time', () => {
    const allow: WindowsSpec = {
      allow: [{ rrule: 'FREQ=DAILY;BYHOUR=2;BYMINUTE=30', duration: '1h', tz: 'Europe/Berlin' }],
    };
    expect(intervalsOf(allow, '2026-03-29T00:00:00Z', '2026-03-29T12:00:00Z')).toEqual([
      ['2026-03-29T01:30:00.000Z', '2026-03-29T02:30:00.000Z'],
    ]);
    const ended: WindowsSpec = {
      deny: [
        {
          rrule: 'FREQ=DAILY;BYHOUR=2;BYMINUTE=30;UNTIL=20260329T011500Z',
          duration: '1h',
          tz: 'Europe/Berlin',
        },
      ],
    };
    expect(intervalsOf(ended, '2026-03-29T00:00:00Z', '2026-03-29T12:00:00Z')).toEqual([]);
  });

  it('starts at the first of two instances of a repeated local time; a freeze ends after the second', () => {
    // 25 October 2026, Berlin: 02:30 happens at 00:30Z (CEST) and again at 01:30Z (CET).
    const [deny] = intervalsOf(nightly('Europe/Berlin'), '2026-10-24T23:00:00Z', '2026-10-25T12:00:00Z');
    expect(deny).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-25T02:30:00.000Z']);
    const allow: WindowsSpec = {
      allow: [{ rrule: 'FREQ=DAILY;BYHOUR=2;BYMINUTE=30', duration: '1h', tz: 'Europe/Berlin' }],
    };
    expect(intervalsOf(allow, '2026-10-24T23:00:00Z', '2026-10-25T12:00:00Z')[0]).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-25T01:30:00.000Z',
    ]);
  });

  it('ends a one-off freeze at the second reading of a repeated local time', () => {
    const freeze: WindowsSpec = {
      deny: [{ from: '2026-11-01T00:00', until: '2026-11-01T01:30', tz: 'America/New_York' }],
    };
    // 01:30 on 1 November 2026 is 05:30Z (EDT) and again 06:30Z (EST).
    expect(intervalsOf(freeze, '2026-10-31T00:00:00Z', '2026-11-02T00:00:00Z')).toEqual([
      ['2026-11-01T04:00:00.000Z', '2026-11-01T06:30:00.000Z'],
    ]);
    const allow: WindowsSpec = {
      allow: [{ from: '2026-11-01T00:00', until: '2026-11-01T01:30', tz: 'America/New_York' }],
    };
    expect(intervalsOf(allow, '2026-10-31T00:00:00Z', '2026-11-02T00:00:00Z')).toEqual([
      ['2026-11-01T04:00:00.000Z', '2026-11-01T05:30:00.000Z'],
    ]);
  });

  it('moves a one-off local time inside the gap forward by the gap', () => {
    expect(new Date(toInstantMs('2026-03-29T02:30', 'Europe/Berlin')!).toISOString()).toBe(
      '2026-03-29T01:30:00.000Z',
    );
    expect(new Date(toInstantMs('2026-10-25T02:30', 'Europe/Berlin')!).toISOString()).toBe(
      '2026-10-25T00:30:00.000Z',
    );
  });
});

describe('southern hemisphere and half-hour daylight saving', () => {
  const daily = (tz: string): WindowsSpec => ({
    deny: [{ rrule: 'FREQ=DAILY;BYHOUR=9', duration: '1h', tz }],
  });

  it('Australia/Sydney: 09:00 is +10:00 before the first Sunday of October and +11:00 after', () => {
    expect(
      intervalsOf(daily('Australia/Sydney'), '2026-10-02T12:00:00Z', '2026-10-04T12:00:00Z').map(([s]) => s),
    ).toEqual(['2026-10-02T23:00:00.000Z', '2026-10-03T22:00:00.000Z']);
  });

  it('Australia/Lord_Howe: clocks move by 30 minutes (+10:30 → +11:00)', () => {
    expect(
      intervalsOf(daily('Australia/Lord_Howe'), '2026-10-02T12:00:00Z', '2026-10-04T12:00:00Z').map(
        ([s]) => s,
      ),
    ).toEqual(['2026-10-02T22:30:00.000Z', '2026-10-03T22:00:00.000Z']);
  });
});

describe('allow windows (America/New_York office hours)', () => {
  const office: WindowsSpec = {
    tz: 'America/New_York',
    allow: [{ name: 'office hours', rrule: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9', duration: '8h' }],
  };

  it('opens at 09:00 local before and after the March change', () => {
    const state = windowState(compileWindows(office), at('2026-03-07T12:00:00Z'));
    expect(state.open).toBe(false);
    expect(state.reasons).toEqual(['outside every allow window']);
    // Monday 9 March is the first weekday on daylight time: 09:00 EDT = 13:00Z (Friday was 14:00Z).
    expect(iso(state.opensAt)).toBe('2026-03-09T13:00:00.000Z');
    expect(windowState(compileWindows(office), at('2026-03-06T14:30:00Z')).open).toBe(true);
    expect(windowState(compileWindows(office), at('2026-03-06T13:30:00Z')).open).toBe(false);
  });

  it('a deny window wins over an allow window', () => {
    const spec: WindowsSpec = {
      ...office,
      deny: [{ name: 'holidays', from: '2026-12-24', until: '2026-12-28' }],
    };
    const state = windowState(compileWindows(spec), at('2026-12-24T15:00:00Z'));
    expect(state.open).toBe(false);
    // The reasons cover the whole closed stretch: the holiday, then the nights and the weekend.
    expect(state.reasons).toEqual([
      'deny holidays: 2026-12-24 until 2026-12-28 (America/New_York)',
      'outside every allow window',
    ]);
    // Monday 28 December 09:00 EST.
    expect(iso(state.opensAt)).toBe('2026-12-28T14:00:00.000Z');
  });
});

describe('one-off ranges and the timeline', () => {
  it('reads a date as 00:00 local and until as exclusive, merging overlapping closures', () => {
    const spec: WindowsSpec = {
      tz: 'Europe/Berlin',
      deny: [
        { name: 'year end', from: '2026-12-21', until: '2027-01-02' },
        { name: 'weekend', rrule: 'FREQ=WEEKLY;BYDAY=FR;BYHOUR=15', duration: '2d17h' },
      ],
    };
    const periods = windowTimeline(
      compileWindows(spec),
      at('2026-12-17T00:00:00Z'),
      at('2027-01-06T00:00:00Z'),
    );
    expect(periods.map((p) => [p.open, iso(p.from), iso(p.until)])).toEqual([
      [true, '2026-12-17T00:00:00.000Z', '2026-12-18T14:00:00.000Z'],
      // Weekend, year end (from Monday 21 December 00:00 CET) and the weekend starting Friday
      // 1 January overlap: one closed period until Monday 4 January 08:00 CET.
      [false, '2026-12-18T14:00:00.000Z', '2027-01-04T07:00:00.000Z'],
      [true, '2027-01-04T07:00:00.000Z', undefined],
    ]);
    expect(periods[1]!.reasons).toEqual([
      'deny weekend: FREQ=WEEKLY;BYDAY=FR;BYHOUR=15 for 2d17h (Europe/Berlin)',
      'deny year end: 2026-12-21 until 2027-01-02 (Europe/Berlin)',
    ]);
    const yearEnd = compileWindows(spec).deny[0]!.intervals(
      at('2026-12-01T00:00:00Z').getTime(),
      at('2027-02-01T00:00:00Z').getTime(),
    );
    expect(yearEnd.map(([s, e]) => [new Date(s).toISOString(), new Date(e).toISOString()])).toEqual([
      ['2026-12-20T23:00:00.000Z', '2027-01-01T23:00:00.000Z'],
    ]);
  });

  it('accepts instants with an offset regardless of the zone', () => {
    const spec: WindowsSpec = {
      deny: [{ from: '2026-05-01T10:00:00+02:00', until: '2026-05-01T12:00:00Z', tz: 'Asia/Tokyo' }],
    };
    const periods = upcomingPeriods(compileWindows(spec), at('2026-05-01T00:00:00Z'), 86_400_000);
    expect(periods.map((p) => [p.open, iso(p.from)])).toEqual([
      [true, '2026-05-01T00:00:00.000Z'],
      [false, '2026-05-01T08:00:00.000Z'],
      [true, '2026-05-01T12:00:00.000Z'],
    ]);
  });

  it('has no opening time when an allow window never comes back', () => {
    const spec: WindowsSpec = { allow: [{ from: '2025-01-01', until: '2025-02-01' }] };
    const state = windowState(compileWindows(spec), at('2026-01-01T00:00:00Z'));
    expect(state.open).toBe(false);
    expect(state.opensAt).toBeUndefined();
  });

  it('with no windows at all, is always open', () => {
    expect(windowState(compileWindows({}), at('2026-01-01T00:00:00Z'))).toEqual({
      open: true,
      reasons: ['no deny window in force'],
    });
  });

  it('follows INTERVAL from the given start', () => {
    const spec: WindowsSpec = {
      deny: [
        { rrule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO', duration: '1d', start: '2026-01-05T00:00', tz: 'UTC' },
      ],
    };
    const starts = compileWindows(spec)
      .deny[0]!.intervals(at('2026-01-01T00:00:00Z').getTime(), at('2026-02-01T00:00:00Z').getTime())
      .map(([s]) => new Date(s).toISOString().slice(0, 10));
    expect(starts).toEqual(['2026-01-05', '2026-01-19']);
  });
});

describe('bad input', () => {
  it('names an unknown time zone and suggests the nearest', () => {
    const issues = checkWindows({ deny: [{ rrule: 'FREQ=DAILY', duration: '1h', tz: 'Europe/Berln' }] });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toEqual(['deny', 0, 'tz']);
    expect(issues[0]!.message).toContain('unknown time zone "Europe/Berln"');
    expect(issues[0]!.message).toContain('did you mean "Europe/Berlin"');
  });

  it.each([
    // Loaded before: POSIX inverts the sign, so this freeze fell four hours off the one it reads as.
    ['Etc/GMT+2', 'time zone "Etc/GMT+2" is UTC−02:00, not UTC+02:00: POSIX "Etc/GMT" names invert the sign'],
    ['etc/gmt-3', 'time zone "etc/gmt-3" is UTC+03:00, not UTC−03:00'],
    // Loaded before: a fixed offset all year, an hour off New York's clock in summer.
    ['EST', 'time zone "EST" is a fixed UTC−05:00 all year, not the clock of America/New_York'],
    [
      'MST',
      'not the clock of America/Denver, which changes in summer; name the region: "America/Denver", or "America/Phoenix"',
    ],
    // Loaded before: SystemV names read as a region's clock and are fixed offsets all year.
    [
      'SystemV/PST8',
      'time zone "SystemV/PST8" is a fixed UTC−08:00 all year, not the clock of America/Los_Angeles',
    ],
    [
      'systemv/est5',
      'time zone "systemv/est5" is a fixed UTC−05:00 all year, not the clock of America/New_York',
    ],
    [
      'SystemV/EST5EDT',
      'time zone "SystemV/EST5EDT" is an obsolete SystemV name; name the region: "America/New_York"',
    ],
    // Refused before too, but with "did you mean UTC?", which drops the offset.
    [
      'UTC+2',
      'unknown time zone "UTC+2": an offset is not a time zone; name the region whose clock you mean',
    ],
  ])('refuses the time zone %s, which keeps another clock than it reads as', (tz, message) => {
    const issues = checkWindows({ tz, deny: [{ rrule: 'FREQ=DAILY', duration: '1h', tz }] });
    expect(issues.map((issue) => issue.path)).toEqual([['tz'], ['deny', 0, 'tz']]);
    expect(issues[0]!.message).toContain(message);
    expect(issues[0]!.message).not.toContain('did you mean');
  });

  it('takes zones that mean what they say: UTC, Etc/GMT, regions, CET, HST', () => {
    for (const tz of ['UTC', 'Etc/UTC', 'Etc/GMT', 'Etc/GMT+0', 'Europe/Berlin', 'CET', 'HST', 'EST5EDT'])
      expect(checkWindows({ tz, deny: [{ rrule: 'FREQ=DAILY', duration: '1h' }] }), tz).toEqual([]);
  });

  it.each([
    ['FREQ=WEEKLY;BYDAI=FR', 'unknown part "BYDAI" (did you mean BYDAY?)'],
    ['FREQ=WEEKLY;BYHOUR=25', 'BYHOUR value "25": expected whole numbers in 0…23'],
    ['BYDAY=FR', 'FREQ is required'],
    ['FREQ=MINUTELY', 'FREQ=MINUTELY is not supported'],
    ['FREQ=DAILY;COUNT=x', 'COUNT=X: expected a positive whole number'],
    ['FREQ=WEEKLY;BYDAY=FRI', 'BYDAY value "FRI"'],
    ['FREQ=DAILY;COUNT=3', 'COUNT counts from DTSTART'],
  ])('refuses RRULE %s', (rrule, message) => {
    const issues = checkWindows({ deny: [{ rrule, duration: '1h' }] });
    expect(issues.map((i) => i.message).join('\n')).toContain(message);
    expect(issues[0]!.path).toEqual(['deny', 0, 'rrule']);
  });

  it.each([
    // An allow window for the first Friday of the month that the library reads as every Friday.
    ['FREQ=WEEKLY;BYDAY=1FR', 'a position (1FR, -1FR) needs FREQ=MONTHLY or YEARLY'],
    ['FREQ=DAILY;BYDAY=-1FR', 'a position (1FR, -1FR) needs FREQ=MONTHLY or YEARLY'],
    ['FREQ=YEARLY;BYWEEKNO=1;BYDAY=1MO', 'a position cannot go with BYWEEKNO'],
    ['FREQ=MONTHLY;BYWEEKNO=1', 'BYWEEKNO needs FREQ=YEARLY'],
    ['FREQ=MONTHLY;BYYEARDAY=1', 'BYYEARDAY cannot go with FREQ=MONTHLY'],
    ['FREQ=WEEKLY;BYMONTHDAY=1', 'BYMONTHDAY cannot go with FREQ=WEEKLY'],
    // Freezes that would never happen.
    ['FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30', 'BYMONTH=2 with BYMONTHDAY=30: February has no such day'],
    ['FREQ=YEARLY;BYMONTH=3,6;BYMONTHDAY=31', 'BYMONTH=6 with BYMONTHDAY=31: June has no such day'],
    ['FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=-31', 'April has no such day (at most 30)'],
    ['FREQ=MONTHLY;BYDAY=6FR', 'BYDAY=6FR: a weekday comes at most 5 times in a month'],
  ])('refuses RRULE %s, which the expansion would read otherwise or never match', (rrule, message) => {
    const issues = checkWindows({ allow: [{ rrule, duration: '1h' }] });
    expect(issues.map((i) => i.message).join('\n')).toContain(message);
    expect(issues[0]!.path).toEqual(['allow', 0, 'rrule']);
  });

  it('takes RFC 5545 combinations that do occur', () => {
    for (const rrule of [
      'FREQ=MONTHLY;BYDAY=-1FR',
      'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29',
      'FREQ=YEARLY;BYMONTH=3,6;BYMONTHDAY=30,31',
      'FREQ=YEARLY;BYDAY=20MO',
      'FREQ=YEARLY;BYWEEKNO=53;BYDAY=MO',
      'FREQ=MONTHLY;BYMONTHDAY=31',
      'FREQ=HOURLY;BYYEARDAY=1',
    ])
      expect(checkWindows({ deny: [{ rrule, duration: '1h' }] }), rrule).toEqual([]);
  });

  it('refuses bad durations, mixed shapes and reversed ranges', () => {
    expect(checkWindows({ deny: [{ rrule: 'FREQ=DAILY', duration: '1h30' }] })[0]).toMatchObject({
      path: ['deny', 0, 'duration'],
      message: expect.stringContaining('invalid duration "1h30"'),
    });
    expect(
      checkWindows({ deny: [{ rrule: 'FREQ=DAILY', duration: '1h', from: '2026-01-01' }] })[0]?.message,
    ).toContain('not both');
    expect(checkWindows({ allow: [{ from: '2026-02-01', until: '2026-01-01' }] })[0]).toMatchObject({
      path: ['allow', 0, 'until'],
    });
    expect(checkWindows({ allow: [{ from: '2026-02-30', until: '2026-03-01' }] })[0]).toMatchObject({
      path: ['allow', 0, 'from'],
    });
    expect(() => compileWindows({ deny: [{ rrule: 'FREQ=DAILY', duration: 'soon' }] })).toThrow(
      /windows\.deny\[0\]\.duration: invalid duration "soon"/,
    );
  });
});

describe('UNTIL', () => {
  it('refuses a floating date-time UNTIL at compile time instead of failing at decision time', () => {
    const floating: WindowsSpec = {
      deny: [{ rrule: 'FREQ=DAILY;BYHOUR=9;UNTIL=20261203T093000', duration: '1h', tz: 'America/New_York' }],
    };
    expect(checkWindows(floating)[0]).toMatchObject({
      path: ['deny', 0, 'rrule'],
      message: expect.stringContaining('UNTIL=20261203T093000: expected a date YYYYMMDD or a UTC date-time'),
    });
    // A UTC date-time and a date are taken: the last occurrence is the one at or before UNTIL.
    for (const until of ['20261203T140000Z', '20261203']) {
      const windows = compileWindows({
        deny: [{ rrule: `FREQ=DAILY;BYHOUR=9;UNTIL=${until}`, duration: '1h', tz: 'America/New_York' }],
      });
      const starts = windows.deny[0]
        ?.intervals(Date.parse('2026-12-01T00:00:00Z'), Date.parse('2026-12-06T00:00:00Z'))
        .map(([start]) => new Date(start).toISOString());
      expect(starts).toEqual([
        '2026-12-01T14:00:00.000Z',
        '2026-12-02T14:00:00.000Z',
        '2026-12-03T14:00:00.000Z',
      ]);
    }
  });
});
