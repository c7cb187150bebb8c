/**
 * `stages.X.rollback`: when a promotion into the stage must be undone, and where metrics come
 * from (the top-level `metrics` section). Semantics: docs/rollback.md.
 */
import { z } from 'zod';
import { isDigest } from '../../artifact/digest.js';
import { TollgateError } from '../../errors.js';
import { formatDuration } from '../../policy/duration.js';
import { type ConditionPolicy, conditionTiming, type RollbackPolicy } from '../../rollback/policy.js';
import { atModifierIndex, substituteQuery } from '../../rollback/substitute.js';
import { exactDuration as duration } from './duration.js';

/** Measurements one condition may take per evaluation (one query_range). */
const MAX_MEASUREMENTS = 10_000;

export const rollbackCondition = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .describe('Name shown in decisions and `rollback check`; keys the JSON metrics source.'),
    prometheus: z
      .string()
      .min(1)
      .describe(
        'PromQL returning one number (or series, each checked); $digest, $stage and $pipeline are substituted, quoted.',
      ),
    above: z.number().optional().describe('The measurement fails when the value is above this.'),
    below: z.number().optional().describe('The measurement fails when the value is below this.'),
    for: duration
      .optional()
      .describe(
        'How long the threshold must be crossed before the condition trips (default: one measurement).',
      ),
    interval: duration.optional().describe('Time between measurements (default 1m, or `for` when shorter).'),
    failureLimit: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe(
        'Failed measurements tolerated in the `for` window (default: all but one, i.e. trip when it held throughout).',
      ),
    noData: z
      .enum(['inconclusive', 'fail', 'pass'])
      .default('inconclusive')
      .describe('What an empty result (or NaN) counts as; never healthy unless you say `pass`.'),
  })
  .superRefine((condition, ctx) => {
    const placement = variablePlacement(condition.prometheus);
    if (placement !== undefined) ctx.addIssue({ code: 'custom', message: placement, path: ['prometheus'] });
    if (atModifierIndex(condition.prometheus) !== -1) {
      // Measurements are read back at their own times (query_range steps); `@ start()` would read
      // the window's start at every step, so a breach now is never measured.
      ctx.addIssue({
        code: 'custom',
        message:
          'no @ modifier: it evaluates the query at one fixed time, so a measurement would not describe its own time (a breach now could read as the healthy value of another time); remove it, or use offset to compare with the past',
        path: ['prometheus'],
      });
    }
    if (condition.above === undefined && condition.below === undefined) {
      ctx.addIssue({ code: 'custom', message: 'a threshold: `above` or `below` (or both)', path: ['above'] });
    }
    if (
      condition.above !== undefined &&
      condition.below !== undefined &&
      condition.below >= condition.above
    ) {
      ctx.addIssue({
        code: 'custom',
        message: `\`below\` (${condition.below}) smaller than \`above\` (${condition.above}): the healthy band lies between them`,
        path: ['below'],
      });
    }
    const forMs = condition.for?.ms;
    const intervalMs = condition.interval?.ms;
    if (intervalMs === 0)
      ctx.addIssue({ code: 'custom', message: 'an `interval` longer than 0', path: ['interval'] });
    if (forMs !== undefined && intervalMs !== undefined && intervalMs > 0 && forMs < intervalMs) {
      ctx.addIssue({
        code: 'custom',
        message: `\`for\` (${condition.for?.text}) at least as long as \`interval\` (${condition.interval?.text}): a condition cannot hold for less than one measurement interval`,
        path: ['for'],
      });
      return;
    }
    if (
      (forMs === undefined || forMs > 0) &&
      (intervalMs === undefined || intervalMs > 0) &&
      condition.failureLimit !== undefined
    ) {
      const { count, intervalMs: every } = timingOf(condition);
      if (condition.failureLimit >= count) {
        ctx.addIssue({
          code: 'custom',
          message: `a \`failureLimit\` below ${count}: the \`for\` window holds ${count} measurement(s) ${formatDuration(every)} apart, so ${condition.failureLimit} failures can never be exceeded`,
          path: ['failureLimit'],
        });
      }
    }
    const timing = timingOf(condition);
    if (Number.isFinite(timing.count) && timing.count > MAX_MEASUREMENTS) {
      ctx.addIssue({
        code: 'custom',
        message: `at most ${MAX_MEASUREMENTS.toLocaleString('en')} measurements per \`for\` window, found ${timing.count.toLocaleString('en')} (${condition.for?.text} every ${formatDuration(timing.intervalMs)}); Prometheus answers at most 11,000 points per series: use a longer \`interval\``,
        path: ['interval'],
      });
    }
  })
  .transform(
    (condition): ConditionPolicy => ({
      name: condition.name,
      prometheus: condition.prometheus,
      ...(condition.above === undefined ? {} : { above: condition.above }),
      ...(condition.below === undefined ? {} : { below: condition.below }),
      ...timingOf(condition),
      noData: condition.noData,
    }),
  )
  .describe('One rollback condition: a metric query, a threshold, and how long it must hold.');

/**
 * Why the query's variables cannot be substituted safely (an unknown `$name`, a value where
 * Tollgate cannot tell how PromQL reads it), found at load time with stand-in values so the
 * contract error names the file and line; undefined when they can.
 */
function variablePlacement(promql: string): string | undefined {
  try {
    substituteQuery(promql, { digest: `sha256:${'0'.repeat(64)}`, stage: 'stage', pipeline: 'pipeline' }, '');
    return undefined;
  } catch (error) {
    if (!(error instanceof TollgateError)) throw error;
    return `variables where Tollgate can escape them${error.message}`;
  }
}

export const rollbackSection = z
  .strictObject({
    within: duration.describe('How long after a promotion the conditions are watched (`tollgate watch`).'),
    target: z
      .string()
      .refine((value) => value === 'last-known-good' || isDigest(value), {
        message: '`last-known-good` or a digest ("sha256:" and 64 hex characters)',
      })
      .default('last-known-good')
      .describe(
        'Where a rollback goes: the last known good digest of the stage (default), or a pinned digest.',
      ),
    when: z
      .array(rollbackCondition)
      .min(1)
      .describe('The conditions; any one tripping calls for a rollback.'),
  })
  .superRefine((section, ctx) => {
    // A watch of no time would never measure a condition: rollback written, never tripped.
    if (section.within.ms === 0)
      ctx.addIssue({
        code: 'custom',
        message: `a \`within\` longer than 0: the conditions would never be watched after a promotion`,
        path: ['within'],
      });
    const seen = new Set<string>();
    section.when.forEach((condition, index) => {
      if (seen.has(condition.name)) {
        ctx.addIssue({
          code: 'custom',
          message: `a unique name: "${condition.name}" is used twice`,
          path: ['when', index, 'name'],
        });
      }
      seen.add(condition.name);
      if (condition.forMs > section.within.ms) {
        ctx.addIssue({
          code: 'custom',
          message: `a \`for\` no longer than \`within\` (${section.within.text}), found ${formatDuration(condition.forMs)}: the watch would end before "${condition.name}" could trip`,
          path: ['when', index, 'for'],
        });
      }
    });
  })
  .transform(
    (section): RollbackPolicy => ({
      withinMs: section.within.ms,
      target: section.target,
      conditions: section.when,
    }),
  )
  .describe('When a promotion into this stage must be undone, and where it goes back to.');

export const metricsSection = z
  .strictObject({
    prometheus: z
      .strictObject({
        url: z
          .string()
          .regex(/^https?:\/\/\S+$/, 'an http:// or https:// URL')
          .optional()
          .describe('Prometheus base URL; TOLLGATE_PROMETHEUS_URL overrides it.'),
        tokenEnv: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
          .optional()
          .describe(
            'Environment variable holding a bearer token (default TOLLGATE_PROMETHEUS_TOKEN). Never the token itself.',
          ),
        timeout: duration.optional().describe('Per-request timeout (default 10s).'),
      })
      .optional(),
    file: z
      .string()
      .min(1)
      .optional()
      .describe(
        'A JSON metrics file (relative to the contract) instead of Prometheus; TOLLGATE_METRICS_FILE overrides it.',
      ),
  })
  .superRefine((section, ctx) => {
    if (section.prometheus?.url !== undefined && section.file !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'one metrics source: `prometheus.url` or `file`, not both',
        path: ['file'],
      });
    }
  })
  .describe('Where rollback conditions read their metrics.');

export type MetricsConfig = z.infer<typeof metricsSection>;

/** The timing of a condition as written: its durations already parsed. */
function timingOf(condition: {
  for?: { ms: number } | undefined;
  interval?: { ms: number } | undefined;
  failureLimit?: number | undefined;
}) {
  return conditionTiming({
    ...(condition.for === undefined ? {} : { forMs: condition.for.ms }),
    ...(condition.interval === undefined ? {} : { intervalMs: condition.interval.ms }),
    ...(condition.failureLimit === undefined ? {} : { failureLimit: condition.failureLimit }),
  });
}
