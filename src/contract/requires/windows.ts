import { z } from 'zod';
import type { ExpansionBudget } from '../../policy/recurrence-occurs.js';
import { buildWindows, type CompiledWindows } from '../../policy/window-compile.js';
import { checkWindows, occurrenceIssues, type WindowsSpec } from '../../policy/window-spec.js';

export const windowEntry = z
  .strictObject({
    name: z.string().min(1).optional().describe('A name for people, shown in decisions: "weekend freeze".'),
    rrule: z
      .string()
      .optional()
      .describe('Recurring window: an RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=FR;BYHOUR=15.'),
    duration: z
      .string()
      .optional()
      .describe(
        'Recurring window: how long each occurrence lasts; days are calendar days in `tz`, hours exact (`2d17h`, `65h`).',
      ),
    start: z
      .string()
      .optional()
      .describe(
        'Recurring window: DTSTART as a local date-time (default 2001-01-01T00:00); needed for COUNT and sets INTERVAL phase.',
      ),
    from: z
      .string()
      .optional()
      .describe(
        'One-off window: start, a local date or date-time in `tz`, or an instant with Z or an offset.',
      ),
    until: z
      .string()
      .optional()
      .describe('One-off window: end, exclusive; a date alone means 00:00 that day.'),
    tz: z.string().optional().describe('IANA time zone of this window; default the section `tz`, else UTC.'),
  })
  .describe('One window: recurring (rrule + duration) or one-off (from + until).');

export const windowsRequirement = z
  .strictObject({
    tz: z.string().optional().describe('Default IANA time zone for the windows below (default UTC).'),
    allow: z
      .array(windowEntry)
      .min(
        1,
        'at least one window: an empty `allow` restricts nothing, though it reads as allowing no time; list the windows, or remove `allow`',
      )
      .optional()
      .describe('When present, promotion is possible only inside one of these windows.'),
    deny: z
      .array(windowEntry)
      .min(1, 'at least one window: an empty `deny` denies nothing; list the freezes, or remove `deny`')
      .optional()
      .describe('Freezes: promotion is never possible inside one of these windows.'),
  })
  // Checked once, then compiled once: a loaded contract holds its windows ready to evaluate.
  .transform((spec, ctx): CompiledWindows => {
    // A windows gate without a window would show "promotion window open" as validated.
    if (spec.allow === undefined && spec.deny === undefined) {
      ctx.addIssue({
        code: 'custom',
        message:
          'at least one window in `allow` or `deny`; without one this gate checks nothing (remove `windows`)',
        input: spec,
      });
      return z.NEVER;
    }
    // Whether each rule ever occurs is checked after, with one budget for the whole contract
    // (`windowOccurrenceIssues`): here the budget would be each section's.
    const issues = checkWindows(spec);
    for (const issue of issues)
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message, input: spec });
    return issues.length > 0 ? z.NEVER : buildWindows(spec);
  })
  .describe(
    'When the stage may be entered, evaluated at promotion time; outside, the decision is pending until the next opening.',
  );

/**
 * The windows of a contract that passed the schema whose rules never occur, or that the load's
 * `budget` of expansion runs out on, with their paths in the contract. `stages` is the contract's
 * data as read (the schema turned the windows into compiled ones).
 */
export function windowOccurrenceIssues(
  stages: Record<string, { requires?: { windows?: WindowsSpec } }>,
  budget: ExpansionBudget,
): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  for (const [name, stage] of Object.entries(stages)) {
    const windows = stage.requires?.windows;
    if (windows === undefined) continue;
    for (const issue of occurrenceIssues(windows, budget))
      issues.push({ path: ['stages', name, 'requires', 'windows', ...issue.path], message: issue.message });
    if (budget.exhausted) break;
  }
  return issues;
}
