import { z } from 'zod';
import { sharedReports } from './shared-reports.js';

export const suiteRequirement = z
  .strictObject({
    suite: z.string().min(1).describe('Suite name, as given to `tollgate attest tests --suite`.'),
    in: z
      .string()
      .min(1)
      .optional()
      .describe('Only evidence produced in this stage (`attest tests --in STAGE`) counts.'),
    minTests: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe('At least this many tests that ran (passed, failed or errored); skipped tests do not count.'),
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
    reruns: z
      .boolean()
      .default(false)
      .describe(
        'The suite retries failed tests as separate test cases (gotestsum --rerun-fails, TestNG retry analyzers, ' +
          '@web/test-runner): test cases with the same name, classname and file in one suite are runs of one test, ' +
          'and a failure is cleared only by a later pass. Default false: every test case is a test.',
      ),
    maxFlaky: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe('Tests that passed only on rerun allowed; within the allowance they are listed as risk.'),
    sharedReports,
  })
  .describe('One test suite that must have passing results for this digest.');

export const testsRequirement = z
  .array(suiteRequirement)
  // An empty list would load as a tests gate that requires no suite, and show no gate at all.
  .min(1, 'at least one suite ({ suite: NAME }): an empty `tests` requires no test results (remove `tests`)')
  .describe('Test suites with results attested for the digest.');

export type SuiteRequirement = z.infer<typeof suiteRequirement>;
