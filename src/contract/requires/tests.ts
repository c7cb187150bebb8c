import { z } from 'zod';

export const suiteRequirement = z
  .strictObject({
    suite: z.string().min(1).describe('Suite name, as given to `tollgate attest tests --suite`.'),
    in: z
      .string()
      .min(1)
      .optional()
      .describe('Only evidence produced in this stage (`attest tests --in STAGE`) counts.'),
    minTests: z.number().int().nonnegative().optional().describe('At least this many test cases.'),
    maxFailed: z
      .number()
      .int()
      .nonnegative()
      .default(0)
      .describe('Failed plus errored test cases allowed (default 0); allowed failures are listed as risk.'),
    maxSkipped: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe('Skipped test cases allowed; skipped tests within the allowance are listed as risk.'),
  })
  .describe('One test suite that must have passing results for this digest.');

export const testsRequirement = z
  .array(suiteRequirement)
  .describe('Test suites with results attested for the digest.');

export type SuiteRequirement = z.infer<typeof suiteRequirement>;
