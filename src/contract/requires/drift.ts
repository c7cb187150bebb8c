/**
 * Contract sections for config drift: `requires.drift` in a stage (budget per class and declared,
 * intentional differences) and the top-level `drift` section (classification patterns and list
 * identity keys). See docs/drift.md.
 */
import { z } from 'zod';
import { type ClassPatterns, compileClassPatterns } from '../../drift/classify.js';
import { compileKeyRules, type KeyRule } from '../../drift/diff.js';
import { compileDriftRequirement, type DriftRequirement } from '../../drift/report.js';
import { describeValuePatternProblem } from '../../drift/value-pattern.js';

const driftClass = z.enum(['flags', 'endpoints', 'data', 'security', 'other']);

const budgetValue = z
  .union([z.number().int().nonnegative(), z.literal('declared'), z.literal('any')], {
    error: 'a budget: a whole number of differences (0 or more), "declared" or "any"',
  })
  .describe(
    'A number N: at most N undeclared differences (0: none). "declared": only declared differences. "any": no limit (the differences are listed as remaining risk).',
  );

const pathPattern = z
  .string()
  .min(1)
  .refine((value) => /^(\/|\*|flagd:|k8s:)/.test(value), {
    message:
      'a drift path: "/a/b", "flagd:/flag/…", "k8s:Kind/namespace/name/…" or a pattern starting with "**"',
  });

export const driftDeclaration = z
  .strictObject({
    path: pathPattern.describe(
      'The path (or pattern: `*` within a segment, `**` any segments) of the intentional difference, e.g. /database/host.',
    ),
    class: driftClass.describe(
      'The class the difference must fall into; a difference of another class is not excused.',
    ),
    reason: z
      .string()
      .min(1)
      .describe('Why the stages differ here (shown in every decision and drift report).'),
    until: z
      .union([z.iso.date(), z.iso.datetime({ offset: true })])
      .optional()
      .describe(
        'Expiry: a date (valid through the end of that day, UTC) or a date-time. After it the declaration excuses nothing and the report says so.',
      ),
    match: z
      .string()
      .min(1)
      .superRefine((value, context) => {
        const problem = describeValuePatternProblem(value);
        if (problem !== undefined)
          context.addIssue({
            code: 'custom',
            message: `a regular expression RE2 can run, ending with $: this one ${problem}`,
          });
      })
      .optional()
      .describe(
        'A regular expression (RE2 syntax, matched in linear time) this stage’s value must match, ending with $ (e.g. "\\.prod\\.internal$"); otherwise the difference is not excused.',
      ),
    greaterThanUpstream: z
      .boolean()
      .optional()
      .describe(
        'For data: this stage’s value must be a number or Kubernetes quantity greater than the upstream’s.',
      ),
  })
  // A path of wildcards only (`**`, `/**`, `k8s:**`, `/*`) excuses every difference of its class
  // wherever it is, reported as "within budget (+N declared)" with one reason: `budget: declared`
  // read as a check while it held nothing. Saying `any` for the class lists them as risk honestly.
  .superRefine((spec, context) => {
    if (!onlyWildcards(spec.path)) return;
    context.addIssue({
      code: 'custom',
      path: ['path'],
      message: `a path that names something: "${spec.path}" is wildcards only, so this declaration would excuse every ${spec.class} difference; name the paths it is for (e.g. /database/host, **/url), or set \`budget: { ${spec.class}: any }\` to allow them all as remaining risk`,
    });
  })
  .describe('An intentional difference between this stage’s config and its upstream’s.');

/** True when no segment of a drift path pattern holds anything but `*` and `?`. */
function onlyWildcards(path: string): boolean {
  const body = path.replace(/^(?:flagd|k8s):/, '');
  return body.split('/').every((segment) => /^[*?]*$/.test(segment));
}

export const driftRequirement = z
  .strictObject({
    budget: z
      .strictObject({
        flags: budgetValue.optional(),
        endpoints: budgetValue.optional(),
        data: budgetValue.optional(),
        security: budgetValue.optional(),
        other: budgetValue.optional(),
      })
      .default({})
      .describe('Budget per class of difference; a class not named here has no limit ("any").'),
    declared: z
      .array(driftDeclaration)
      .default([])
      .describe('Declared, intentional differences, each with a reason.'),
  })
  // With no class named every class is "any": the gate would hold nothing against a budget and pass
  // whatever differs, while the YAML reads as a drift check.
  .refine((spec) => Object.keys(spec.budget).length > 0, {
    path: ['budget'],
    message:
      'a budget for at least one class (flags, endpoints, data, security, other): without one every class is "any" and this gate checks nothing; write e.g. `budget: { security: 0, other: 10 }` (or `other: any` to only list differences as risk), or remove `drift`',
  })
  // Patterns, expressions and expiry dates compiled once, when the contract loads.
  .transform((spec): DriftRequirement => compileDriftRequirement(spec))
  .describe(
    'Config drift against the upstream stage(s): differences between the stages’ `config` files, classified, held against a budget per class.',
  );

export const driftSection = z
  .strictObject({
    classes: z
      .strictObject({
        flags: z.array(pathPattern).optional(),
        endpoints: z.array(pathPattern).optional(),
        data: z.array(pathPattern).optional(),
        security: z.array(pathPattern).optional(),
        other: z.array(pathPattern).optional(),
      })
      .optional()
      .describe(
        'Path patterns per class, tried before the built-in rules, class by class in the order written; the first match wins.',
      ),
    keys: z
      .record(pathPattern, z.string().min(1))
      .optional()
      .describe(
        'Identity field for lists at matching paths (e.g. "/servers": host), tried before the built-in name, id and key.',
      ),
  })
  .transform(
    (section): DriftSection => ({
      ...(section.classes === undefined ? {} : { classes: compileClassPatterns(section.classes) }),
      ...(section.keys === undefined ? {} : { keys: compileKeyRules(section.keys) }),
    }),
  )
  .describe('How config differences are classified and matched, for every stage.');

/** The top-level `drift` section, compiled. */
export interface DriftSection {
  classes?: ClassPatterns;
  keys?: readonly KeyRule[];
}

export type { DriftRequirement };
