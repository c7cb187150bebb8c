import { describe, expect, it } from 'vitest';
import { evaluateWindows } from '../../src/gates/windows-gate.js';
import { contextOf, pipeline } from '../support/builders.js';

const contract = pipeline(`      windows:
        tz: Europe/Berlin
        deny:
          - { name: weekend freeze, rrule: "FREQ=WEEKLY;BYDAY=FR;BYHOUR=15", duration: 2d17h }
          - { name: year end, from: 2026-12-21, until: 2027-01-04 }`);
const config = contract.stages.prod!.requires.windows!;

describe('windows gate', () => {
  it('passes inside the week and says when the freeze starts', () => {
    const result = evaluateWindows(config, contextOf(contract, { now: '2026-11-26T12:00:00Z' }));
    expect(result.status).toBe('pass');
    expect(result.summary).toBe('open at 2026-11-26T12:00:00.000Z; closes 2026-11-27T14:00:00.000Z');
  });

  it('is pending during the weekend freeze until Monday 08:00 Berlin', () => {
    const result = evaluateWindows(config, contextOf(contract, { now: '2026-11-28T10:00:00Z' }));
    expect(result.status).toBe('pending');
    expect(result.until).toBe('2026-11-30T07:00:00.000Z');
    expect(result.required[0]!.text).toBe(
      'promotion window opens 2026-11-30T07:00:00.000Z (in 1d21h); closed now: deny weekend freeze: FREQ=WEEKLY;BYDAY=FR;BYHOUR=15 for 2d17h (Europe/Berlin)',
    );
  });

  it('evaluates at the decision clock, not when the pipeline started', () => {
    const friday = (time: string) =>
      evaluateWindows(config, contextOf(contract, { now: `2026-11-27T${time}Z` })).status;
    expect(friday('13:59:59')).toBe('pass');
    expect(friday('14:00:00')).toBe('pending');
  });

  it('fails when an allow list never opens again', () => {
    const closed = pipeline('      windows: { allow: [{ from: 2025-01-01, until: 2025-02-01 }] }');
    const result = evaluateWindows(closed.stages.prod!.requires.windows!, contextOf(closed));
    expect(result.status).toBe('fail');
    expect(result.summary).toContain('no opening within a year');
  });

  it('keeps a freeze whose start falls in the spring-forward gap (Europe/Berlin and America/New_York)', () => {
    for (const [tz, inside, before, after] of [
      ['Europe/Berlin', '2026-03-29T01:45:00Z', '2026-03-29T00:59:59Z', '2026-03-29T03:30:00Z'],
      ['America/New_York', '2026-03-08T07:45:00Z', '2026-03-08T06:59:59Z', '2026-03-08T09:30:00Z'],
    ] as const) {
      const freeze = pipeline(`      windows:
        tz: ${tz}
        deny: [{ name: night freeze, rrule: "FREQ=DAILY;BYHOUR=2;BYMINUTE=30", duration: 2h }]`);
      const windows = freeze.stages.prod!.requires.windows!;
      const verdict = (now: string) => evaluateWindows(windows, contextOf(freeze, { now })).status;
      expect(verdict(inside)).toBe('pending');
      expect(verdict(before)).toBe('pass');
      expect(verdict(after)).toBe('pass');
    }
  });

  it('opens an allow window with COUNT exactly COUNT times across the spring-forward gap', () => {
    // RFC 5545 3.3.10: 02:30 on 29 March does not exist in Berlin, so that day is neither an
    // occurrence nor counted: the three are 28, 30 and 31 March. Moving it to 03:30 as well would
    // open the window a fourth time.
    const slot = pipeline(`      windows:
        tz: Europe/Berlin
        allow: [{ name: three nights, rrule: "FREQ=DAILY;COUNT=3", start: "2026-03-28T02:30", duration: 30m }]`);
    const allow = slot.stages.prod!.requires.windows!;
    const verdict = (now: string) => evaluateWindows(allow, contextOf(slot, { now })).status;
    expect(verdict('2026-03-28T01:45:00Z')).toBe('pass');
    expect(verdict('2026-03-29T01:45:00Z')).toBe('pending');
    expect(verdict('2026-03-30T00:45:00Z')).toBe('pass');
    expect(verdict('2026-03-31T00:45:00Z')).toBe('pass');
    const freeze = pipeline(`      windows:
        tz: Europe/Berlin
        deny: [{ name: three nights, rrule: "FREQ=DAILY;COUNT=3", start: "2026-03-28T02:30", duration: 30m }]`);
    const deny = freeze.stages.prod!.requires.windows!;
    // A freeze errs the other way: the skipped night is kept (from 03:30) beside the three.
    expect(evaluateWindows(deny, contextOf(freeze, { now: '2026-03-29T01:45:00Z' })).status).toBe('pending');
    expect(evaluateWindows(deny, contextOf(freeze, { now: '2026-03-31T00:45:00Z' })).status).toBe('pending');
  });

  it('covers both readings of the repeated hour with a freeze, and the first with an allow window', () => {
    const freeze = pipeline(`      windows:
        tz: America/New_York
        deny: [{ name: night freeze, rrule: "FREQ=DAILY;BYHOUR=1;BYMINUTE=15", duration: 30m }]`);
    const deny = freeze.stages.prod!.requires.windows!;
    // 1 November 2026: 01:15 is 05:15Z (EDT) and again 06:15Z (EST).
    expect(evaluateWindows(deny, contextOf(freeze, { now: '2026-11-01T05:30:00Z' })).status).toBe('pending');
    expect(evaluateWindows(deny, contextOf(freeze, { now: '2026-11-01T06:30:00Z' })).status).toBe('pending');
    expect(evaluateWindows(deny, contextOf(freeze, { now: '2026-11-01T06:45:00Z' })).status).toBe('pass');
    const office = pipeline(`      windows:
        tz: America/New_York
        allow: [{ name: night slot, rrule: "FREQ=DAILY;BYHOUR=1;BYMINUTE=15", duration: 30m }]`);
    const allow = office.stages.prod!.requires.windows!;
    expect(evaluateWindows(allow, contextOf(office, { now: '2026-11-01T05:30:00Z' })).status).toBe('pass');
    expect(evaluateWindows(allow, contextOf(office, { now: '2026-11-01T06:30:00Z' })).status).toBe('pending');
  });
});
