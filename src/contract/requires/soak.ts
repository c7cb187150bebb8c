import { z } from 'zod';
import { DURATION_EXAMPLES, type ExactDuration } from '../../policy/duration.js';
import { exactDuration } from './duration.js';

const stageList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/** A stage's soak requirement once loaded: how long, and in which stages (default: its upstream). */
export interface SoakPolicy {
  duration: ExactDuration;
  in?: string[];
}

export const soakRequirement = z
  .union(
    [
      exactDuration,
      z.strictObject({
        duration: exactDuration,
        in: stageList
          .optional()
          .describe('The stage(s) the digest must soak in; default the upstream stage(s) named by `from`.'),
      }),
    ],
    { error: `expected a duration such as ${DURATION_EXAMPLES}, or { duration, in: STAGE }` },
  )
  .transform(
    (value): SoakPolicy =>
      'ms' in value
        ? { duration: value }
        : { duration: value.duration, ...(value.in === undefined ? {} : { in: [value.in].flat() }) },
  )
  // A soak of no time passes the moment the digest is in the stage, which is what `from` asks: a
  // gate a reviewer reads as a wait that waits for nothing.
  .refine((policy) => policy.duration.ms > 0, {
    error: (issue) =>
      `a soak longer than 0: ${(issue.input as SoakPolicy).duration.text} waits for nothing (to require that the digest entered a stage, name it in \`from\`)`,
  })
  .describe(
    'Time the digest must have spent in the upstream stage since it last entered it, with no failed verification or rollback there since.',
  );
