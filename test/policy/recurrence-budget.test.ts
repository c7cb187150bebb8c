/**
 * The work of finding windows that never occur is counted in periods expanded, against a budget
 * passed with the call: the count is the test's measure, not the clock.
 */
import { describe, expect, it } from 'vitest';
import { parseRecurrence } from '../../src/policy/recurrence.js';
import { neverOccurs } from '../../src/policy/recurrence-occurs.js';

const partsOf = (rrule: string) => {
  const parsed = parseRecurrence(rrule);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value.parts;
};

const FROM_2001 = '2001-01-01T00:00';

describe('the periods a rule costs to judge', () => {
  it.each([
    // A whole Gregorian cycle (400 years, 4800 months) and one period more for a start mid-period.
    ['FREQ=YEARLY;BYWEEKNO=20;BYMONTH=1', 401],
    ['FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29', 101],
    ['FREQ=YEARLY;INTERVAL=100;BYMONTH=2;BYMONTHDAY=29', 5],
    ['FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6', 4801],
    ['FREQ=MONTHLY;INTERVAL=12;BYMONTH=2;BYMONTHDAY=29;BYDAY=FR;BYSETPOS=1', 401],
    ['FREQ=WEEKLY;BYDAY=MO;BYSETPOS=2', 10_000],
  ])('proves %s never occurs in %i periods', (rrule, periods) => {
    const budget = { remaining: 50_000 };
    expect(neverOccurs(partsOf(rrule), FROM_2001, budget)).toContain('never occurs');
    expect(50_000 - budget.remaining).toBe(periods);
  });

  it('finds 29 February every hundred years from March 2000 in the fifth period, 2400', () => {
    const budget = { remaining: 50_000 };
    expect(
      neverOccurs(partsOf('FREQ=YEARLY;INTERVAL=100;BYMONTH=2;BYMONTHDAY=29'), '2000-03-01T00:00', budget),
    ).toBe(undefined);
    expect(50_000 - budget.remaining).toBe(5);
  });

  it.each([
    ['FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-1', 1],
    ['FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1', 1],
    ['FREQ=YEARLY;BYMONTH=9;BYDAY=MO;BYSETPOS=1', 1],
    // The first 29 February on a Friday after 2009 is in 2036.
    ['FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=FR;BYSETPOS=-1', 28],
  ])('charges %s only the periods up to its first occurrence (%i)', (rrule, periods) => {
    const budget = { remaining: 50_000 };
    const start = rrule.includes('BYMONTHDAY=29') ? '2009-01-01T00:00' : FROM_2001;
    expect(neverOccurs(partsOf(rrule), start, budget)).toBe(undefined);
    expect(50_000 - budget.remaining).toBe(periods);
  });

  it('refuses a rule as too costly when the budget left cannot judge it, and spends what it tried', () => {
    const budget = { remaining: 100 };
    const message = neverOccurs(partsOf('FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6'), FROM_2001, budget);
    expect(message).toContain('too costly to check');
    expect(message).not.toContain('never occurs');
    expect(budget).toEqual({ remaining: 0, exhausted: true });
    // Nothing left: refused without expanding anything.
    expect(neverOccurs(partsOf('FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-1'), FROM_2001, budget)).toContain(
      'too costly to check',
    );
  });
});
