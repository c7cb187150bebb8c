/**
 * JUnit reports that real producers wrote on this machine (test/fixtures/junit-generated/, with the
 * input that made each beside it; see test/fixtures/SOURCES.md), counted as the producer itself
 * counts the run: a report must not say less than the tool that wrote it.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseJunit } from '../../src/evidence/junit-parser.js';

const GENERATED = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/junit-generated');

interface Counts {
  tests: number;
  passed: number;
  failed: number;
  errored: number;
  skipped: number;
  flaky: number;
}

/** Per file: what the producer says about the run, and the counts that follow from it. */
const EXPECTED: Record<string, { why: string; every: Counts; failures: [string, string, string][] }> = {
  'ctest-junit.xml': {
    why: 'CTest 3.25 --output-junit: a test it could not run (executable missing, fixture failed) is status notrun with a skipped element, and ctest counts it failed; only SKIP_ reasons and disabled tests are skips',
    // ctest's own summary of the same run: "40% tests passed, 6 tests failed out of 10" (fails,
    // times_out, missing_exe "Not Run", regex_fail, setup_fixture, needs_fixture "Not Run");
    // "did not run": disabled_test, skips, skip_regex.
    every: { tests: 11, passed: 2, failed: 4, errored: 2, skipped: 3, flaky: 0 },
    failures: [
      ['fails', 'failure', ''],
      ['times_out', 'failure', ''],
      ['missing_exe', 'error', 'not run: Unable to find executable'],
      ['regex_fail', 'failure', 'Error regular expression found in output. Regex=[ERROR]'],
      ['setup_fixture', 'failure', ''],
      ['needs_fixture', 'error', 'not run: Fixture dependency failed'],
    ],
  },
};

describe('JUnit reports real producers wrote, counted as the producer counts the run', () => {
  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`${name}: ${expected.why}`, async () => {
      const totals = await parseJunit({ path: join(GENERATED, name) });
      const { tests, passed, failed, errored, skipped, flaky } = totals;
      expect({ tests, passed, failed, errored, skipped, flaky }).toEqual(expected.every);
      expect(totals.failures.map((f) => [f.name, f.kind, f.message ?? ''])).toEqual(expected.failures);
    });
  }
});
