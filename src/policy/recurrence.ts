/**
 * RRULE text (RFC 5545 §3.3.10) checked part by part before it reaches the expansion library, which
 * silently ignores unknown parts and out-of-range values (`BYDAI=FR`, `BYHOUR=25`). A window that
 * quietly never matches is a freeze that never happens, so every part is checked here.
 */

const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;

/** Frequencies a window may use. Finer ones would expand to hundreds of thousands of windows a year. */
const FREQUENCIES = ['YEARLY', 'MONTHLY', 'WEEKLY', 'DAILY', 'HOURLY'] as const;

interface RangeRule {
  min: number;
  max: number;
  signed?: boolean;
}

const NUMBER_LISTS: Record<string, RangeRule> = {
  // RFC 5545 allows 60 (a leap second); refused by name below.
  BYSECOND: { min: 0, max: 60 },
  BYMINUTE: { min: 0, max: 59 },
  BYHOUR: { min: 0, max: 23 },
  BYMONTHDAY: { min: 1, max: 31, signed: true },
  BYYEARDAY: { min: 1, max: 366, signed: true },
  BYWEEKNO: { min: 1, max: 53, signed: true },
  BYMONTH: { min: 1, max: 12 },
  BYSETPOS: { min: 1, max: 366, signed: true },
};

/** Why second 60 is refused, as the window loader says it (src/policy/window-spec.ts). */
const LEAP_SECOND =
  "a leap second (:60) has no instant of its own on this clock (JavaScript's time, like POSIX time, has no leap seconds)";

const KNOWN = ['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'BYDAY', 'WKST', ...Object.keys(NUMBER_LISTS)];

export interface ParsedRecurrence {
  /** The rule in canonical form: upper-case keys, no `RRULE:` prefix. */
  text: string;
  parts: Record<string, string>;
}

/**
 * Checks an RRULE value and returns it in canonical form, or a message saying what is wrong.
 * @example parseRecurrence('FREQ=WEEKLY;BYDAY=FR;BYHOUR=15') // { ok: true, value: { text: 'FREQ=WEEKLY;BYDAY=FR;BYHOUR=15', … } }
 */
export function parseRecurrence(
  input: string,
): { ok: true; value: ParsedRecurrence } | { ok: false; message: string } {
  const fail = (message: string) => ({
    ok: false as const,
    message: `invalid RRULE ${JSON.stringify(input)}: ${message}`,
  });
  if (typeof input !== 'string' || input.trim() === '')
    return fail('expected text such as "FREQ=WEEKLY;BYDAY=FR;BYHOUR=15"');
  const body = input.trim().replace(/^RRULE:/i, '');
  if (/[\r\n]/.test(body)) return fail('expected one RRULE line; give DTSTART as the window\'s "start"');
  const parts: Record<string, string> = {};
  for (const piece of body.split(';')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    if (eq <= 0) return fail(`"${piece}" is not KEY=VALUE`);
    const key = piece.slice(0, eq).toUpperCase();
    const value = piece.slice(eq + 1).toUpperCase();
    if (!KNOWN.includes(key)) {
      const near = KNOWN.find((k) => closeTo(k, key));
      return fail(
        `unknown part "${key}"${near ? ` (did you mean ${near}?)` : `; expected one of ${KNOWN.join(', ')}`}`,
      );
    }
    if (key in parts) return fail(`${key} is given twice`);
    if (value === '') return fail(`${key} has no value`);
    parts[key] = value;
  }
  const freq = parts.FREQ;
  if (freq === undefined) return fail('FREQ is required, e.g. FREQ=WEEKLY');
  if (!(FREQUENCIES as readonly string[]).includes(freq)) {
    return fail(`FREQ=${freq} is not supported; expected one of ${FREQUENCIES.join(', ')}`);
  }
  for (const key of ['INTERVAL', 'COUNT']) {
    const value = parts[key];
    if (value !== undefined && !/^[1-9]\d{0,5}$/.test(value))
      return fail(`${key}=${value}: expected a positive whole number`);
  }
  if (parts.COUNT !== undefined && parts.UNTIL !== undefined)
    return fail('COUNT and UNTIL cannot both be given');
  // RFC 5545: with a DTSTART in a time zone, a date-time UNTIL MUST be UTC. A floating one
  // (no Z) passed here and then made the expansion library throw at decision time.
  if (parts.UNTIL !== undefined && !/^\d{8}(T\d{6}Z)?$/.test(parts.UNTIL)) {
    return fail(`UNTIL=${parts.UNTIL}: expected a date YYYYMMDD or a UTC date-time YYYYMMDDTHHMMSSZ`);
  }
  if (parts.UNTIL !== undefined && parts.UNTIL.slice(13, 15) === '60')
    return fail(`UNTIL=${parts.UNTIL}: ${LEAP_SECOND}; write :59 or the next minute's :00`);
  // The pattern admits 20260230 and 20261340T256161Z, which the expansion library throws on when
  // the window is first evaluated.
  if (parts.UNTIL !== undefined && !isCalendarTime(parts.UNTIL))
    return fail(
      `UNTIL=${parts.UNTIL}: no such date or time; expected a real date YYYYMMDD or UTC date-time YYYYMMDDTHHMMSSZ`,
    );
  if (parts.WKST !== undefined && !(WEEKDAYS as readonly string[]).includes(parts.WKST)) {
    return fail(`WKST=${parts.WKST}: expected one of ${WEEKDAYS.join(', ')}`);
  }
  if (parts.BYDAY !== undefined) {
    for (const day of parts.BYDAY.split(',')) {
      const match = /^([+-]?)(\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/.exec(day);
      if (!match)
        return fail(
          `BYDAY value "${day}": expected a weekday MO…SU, optionally with a position such as 1MO or -1FR`,
        );
      const ordinal = match[2] === undefined ? undefined : Number(match[2]);
      if (ordinal !== undefined && (ordinal < 1 || ordinal > 53))
        return fail(`BYDAY value "${day}": position must be 1…53`);
    }
  }
  for (const [key, range] of Object.entries(NUMBER_LISTS)) {
    const value = parts[key];
    if (value === undefined) continue;
    for (const item of value.split(',')) {
      const match = /^([+-]?)(\d{1,3})$/.exec(item);
      const n = match ? Number(match[2]) : Number.NaN;
      const signOk = range.signed || match?.[1] !== '-';
      if (!match || !signOk || n < range.min || n > range.max) {
        const allowed = range.signed ? `±${range.min}…${range.max}` : `${range.min}…${range.max}`;
        return fail(`${key} value "${item}": expected whole numbers in ${allowed}`);
      }
      // The expansion library reads it as second 0 of the same minute: a window written to open
      // at 23:59:60 opened at 23:59:00, a minute early, with no word said.
      if (key === 'BYSECOND' && n === 60)
        return fail(
          `${key} value "${item}": ${LEAP_SECOND}, and the rule would open at second 0 of that minute instead; use 0…59`,
        );
    }
  }
  const combination = checkCombination(parts);
  if (combination !== undefined) return fail(combination);
  if (
    parts.BYSETPOS !== undefined &&
    Object.keys(parts).every((k) => !k.startsWith('BY') || k === 'BYSETPOS')
  ) {
    return fail('BYSETPOS needs another BY… part to select from');
  }
  const text = Object.entries(parts)
    .map(([key, value]) => `${key}=${value}`)
    .join(';');
  return { ok: true, value: { text, parts } };
}

/** Days in each month at most (February in a leap year). */
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/**
 * Parts that RFC 5545 forbids together, or that select a day no month has. The expansion library
 * reads the forbidden ones its own way (`FREQ=WEEKLY;BYDAY=1FR` becomes every Friday, widening an
 * allow window), and a month with none of the listed days (`BYMONTH=2;BYMONTHDAY=30`) is a
 * freeze that never happens.
 */
function checkCombination(parts: Record<string, string>): string | undefined {
  const freq = parts.FREQ;
  const positioned = (parts.BYDAY ?? '').split(',').find((day) => /\d/.test(day));
  if (positioned !== undefined && freq !== 'MONTHLY' && freq !== 'YEARLY')
    return `BYDAY=${positioned}: a position (1FR, -1FR) needs FREQ=MONTHLY or YEARLY (RFC 5545 §3.3.10); with FREQ=${freq} write the weekday alone, or use FREQ=MONTHLY for "the first Friday of the month"`;
  if (positioned !== undefined && parts.BYWEEKNO !== undefined)
    return `BYDAY=${positioned}: a position cannot go with BYWEEKNO (RFC 5545 §3.3.10)`;
  // Within a month a weekday comes at most five times: 6FR in a month never happens.
  const inMonth = freq === 'MONTHLY' || parts.BYMONTH !== undefined;
  const beyond = (parts.BYDAY ?? '').split(',').find((day) => Number(/\d+/.exec(day)?.[0] ?? 0) > 5);
  if (inMonth && beyond !== undefined)
    return `BYDAY=${beyond}: a weekday comes at most 5 times in a month, so this window would never occur`;
  if (parts.BYWEEKNO !== undefined && freq !== 'YEARLY')
    return `BYWEEKNO needs FREQ=YEARLY (RFC 5545 §3.3.10), not FREQ=${freq}`;
  if (parts.BYYEARDAY !== undefined && freq !== 'YEARLY' && freq !== 'HOURLY')
    return `BYYEARDAY cannot go with FREQ=${freq} (RFC 5545 §3.3.10); use FREQ=YEARLY`;
  if (parts.BYMONTHDAY !== undefined && freq === 'WEEKLY')
    return 'BYMONTHDAY cannot go with FREQ=WEEKLY (RFC 5545 §3.3.10); use FREQ=MONTHLY';
  if (parts.BYMONTH !== undefined && parts.BYMONTHDAY !== undefined) {
    const days = parts.BYMONTHDAY.split(',').map(Number);
    for (const month of parts.BYMONTH.split(',').map(Number)) {
      const length = MONTH_DAYS[month - 1]!;
      if (!days.some((day) => Math.abs(day) <= length))
        return `BYMONTH=${month} with BYMONTHDAY=${parts.BYMONTHDAY}: ${MONTH_NAMES[month - 1]} has no such day (at most ${length}), so the window would never occur then`;
    }
  }
  return undefined;
}

/** `YYYYMMDD` or `YYYYMMDDTHHMMSSZ` naming a date the calendar has and a time of day (no leap second). */
function isCalendarTime(text: string): boolean {
  const [y, m, d] = [text.slice(0, 4), text.slice(4, 6), text.slice(6, 8)].map(Number) as [
    number,
    number,
    number,
  ];
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const days = m === 2 ? (leap ? 29 : 28) : (MONTH_DAYS[m - 1] ?? 0);
  if (m < 1 || m > 12 || d < 1 || d > days) return false;
  if (text.length === 8) return true;
  return Number(text.slice(9, 11)) < 24 && Number(text.slice(11, 13)) < 60 && Number(text.slice(13, 15)) < 60;
}

function closeTo(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let differences = 0;
  const length = Math.max(a.length, b.length);
  for (let i = 0, j = 0; i < length || j < length; ) {
    if (a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    differences++;
    if (a.length > b.length) i++;
    else if (b.length > a.length) j++;
    else {
      i++;
      j++;
    }
    if (differences > 1) return false;
  }
  return differences <= 1;
}
