import { z } from 'zod';
import { DURATION_EXAMPLES, isDuration } from '../../policy/duration.js';

export const durationText = z
  .string()
  .refine(isDuration, { message: `expected a duration such as ${DURATION_EXAMPLES}` })
  .describe('A duration: `24h`, `90m`, `1d12h` (units w, d, h, m, s, ms; largest first).');

const stageList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

export const soakRequirement = z
  .union([
    durationText,
    z.strictObject({
      duration: durationText,
      in: stageList
        .optional()
        .describe('The stage(s) the digest must soak in; default the upstream stage(s) named by `from`.'),
    }),
  ])
  .describe(
    'Time the digest must have spent in the upstream stage since it last entered it, with no failed verification or rollback there since.',
  );

export type SoakRequirement = z.infer<typeof soakRequirement>;
