import { z } from 'zod';

export const verifiedInRequirement = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
  .describe(
    'Stage(s) where a passing post-deploy verification (`tollgate attest verification --result passed`) must exist after the digest last entered it.',
  );

export type VerifiedInRequirement = z.infer<typeof verifiedInRequirement>;
