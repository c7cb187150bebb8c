/**
 * JUnit reports that real producers wrote on this machine (test/fixtures/junit-generated/, with the
 * input that made each beside it; see test/fixtures/SOURCES.md), counted as the producer itself
 * counts the run: a report must not say less than the tool that wrote it.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/decide.js';
import { mergeTotals, parseJunit, toTestSummary } from '../../src/evidence/junit-parser.js';
import { contractOf, factsOf, stagingYaml, testEvidence } from '../support/builders.js';

const GENERATED = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/junit-generated');

interface Counts {
  tests: number;
  passed: number;
  failed: number;
  errored: number;
  skipped: number;
  flaky: number;
}

/** The failing tests of one pytest run, the same in its xunit1 and xunit2 reports. */
const PYTEST_FAILURES: [string, string, unknown][] = [
  ['test_broken_import', 'error', 'collection failure'],
  ['test_fails', 'failure', 'assert (1 + 1) == 3'],
  ['test_xpass_strict', 'failure', '[XPASS(strict)] strict'],
  ['test_setup_error', 'error', 'failed on setup with "RuntimeError: setup broke"'],
  ['test_teardown_error', 'error', 'failed on teardown with "RuntimeError: teardown broke"'],
  ['test_fails_and_teardown_error', 'failure', 'assert False'],
  ['test_fails_and_teardown_error', 'error', 'failed on teardown with "RuntimeError: teardown broke"'],
  ['test_param[2]', 'failure', 'assert 2 == 1'],
];

/** The failing tests of one Playwright run (two projects), the same with and without retries. */
const PLAYWRIGHT_FAILURES: [string, string, unknown][] = [
  ['fails every attempt', 'failure', 'expect(received).toBe(expected) // Object.is equality'],
  ['throws every attempt', 'error', 'coupon.expiresAt is undefined'],
  ['times out', 'error', 'Test timeout of 200ms exceeded.'],
  ['fails every attempt', 'failure', 'expect(received).toBe(expected) // Object.is equality'],
  ['throws every attempt', 'error', 'coupon.expiresAt is undefined'],
  ['times out', 'error', 'Test timeout of 200ms exceeded.'],
];

/** Per file: what the producer says about the run, and the counts that follow from it. */
const EXPECTED: Record<string, { why: string; every: Counts; failures: [string, string, unknown][] }> = {
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
  'pytest-junit.xml': {
    why: 'pytest 9 --junitxml (xunit1): xfail is skipped, strict XPASS a failure, a collection error and setup and teardown errors errored, a failed test whose teardown also broke written as two test cases',
    // pytest's summary: 4 failed, 3 passed, 1 skipped, 1 xfailed, 1 xpassed, 4 errors (the test that
    // failed and then broke in teardown is one failure and one error).
    every: { tests: 13, passed: 3, failed: 4, errored: 4, skipped: 2, flaky: 0 },
    failures: PYTEST_FAILURES,
  },
  'pytest-xunit2.xml': {
    why: 'pytest 9 --junitxml with junit_family xunit2: the same run as pytest-junit.xml without file and line attributes, counted the same',
    // pytest's summary: 4 failed, 3 passed, 1 skipped, 1 xfailed, 1 xpassed, 4 errors.
    every: { tests: 13, passed: 3, failed: 4, errored: 4, skipped: 2, flaky: 0 },
    failures: PYTEST_FAILURES,
  },
  'node-test-junit.xml': {
    why: 'Node 20 node --test junit reporter: test cases directly under testsuites beside nested describe suites, a file that fails to load, skip and todo as skipped, a todo that failed and a test cancelled by a failing before hook as failed',
    // Node's summary: tests 12, pass 3, fail 4, cancelled 1, skipped 2, todo 2. Node counts the todo
    // that failed as todo, not as a failure; here it is failed (a failure wins over a skip). Its
    // other todo and the two skips are skipped; the cancelled test has a failure element.
    every: { tests: 12, passed: 3, failed: 6, errored: 0, skipped: 3, flaky: 0 },
    failures: [
      ['/tmp/gen-evidence/node-test/broken.test.mjs', 'failure', 'test failed'],
      ['totals with tax', 'failure', 'Expected values to be strictly equal:12 !== 13'],
      ['rejects an expired coupon', 'failure', 'coupon.expiresAt is undefined'],
      ['rounds half up', 'failure', 'Expected values to be strictly equal:3 !== 2'],
      ['async rejection', 'failure', 'payment gateway timed out'],
      ['uses the fixture', 'failure', 'test did not finish before its parent and was cancelled'],
    ],
  },
  'mocha-junit.xml': {
    why: 'mocha 11 with mocha-junit-reporter: pending tests are left out of the report and declared only in the root skipped count, which counts as skipped; a failing before hook is a failing test case; retries leave only the last attempt',
    // mocha's summary: 3 passing, 3 pending, 4 failing. The root declares tests 11 skipped 3.
    every: { tests: 10, passed: 3, failed: 4, errored: 0, skipped: 3, flaky: 0 },
    failures: [
      // An attribute's newlines are spaces once XML has normalised it.
      ['cart totals with tax', 'failure', 'Expected values to be strictly equal:  12 !== 13'],
      ['cart fails every attempt', 'failure', 'stock service down'],
      ['checkout "before all" hook for "pays"', 'failure', 'fixture server did not start'],
      ['async rejects', 'failure', 'payment gateway timed out'],
    ],
  },
  'jest-junit.xml': {
    why: 'jest 30 with jest-junit 17 defaults: a test file that fails to load leaves no trace, a todo test is written as a plain passing test case, a beforeAll failure fails each test of its describe, test.failing passes',
    // jest's summary: Tests: 3 failed, 1 skipped, 1 todo, 3 passed, 8 total; Test Suites: 2 failed.
    // The report holds 8 test cases: the todo reads as a pass (nothing marks it), the broken file
    // is not there (docs/evidence-junit.md, what a report cannot show).
    every: { tests: 8, passed: 4, failed: 3, errored: 0, skipped: 1, flaky: 0 },
    failures: [
      ['cart totals with tax', 'failure', 'Error: expect(received).toBe(expected) // Object.is equality'],
      ['cart same title', 'failure', 'TypeError: coupon.expiresAt is undefined'],
      ['checkout pays', 'failure', 'Error: fixture server did not start'],
    ],
  },
  'jest-junit-suite-errors.xml': {
    why: 'jest-junit with reportTestSuiteErrors: the test file that failed to load is a suite declaring tests 0 with two failing test cases',
    every: { tests: 10, passed: 4, failed: 4, errored: 1, skipped: 1, flaky: 0 },
    failures: [
      ['cart totals with tax', 'failure', 'Error: expect(received).toBe(expected) // Object.is equality'],
      ['cart same title', 'failure', 'TypeError: coupon.expiresAt is undefined'],
      ['checkout pays', 'failure', 'Error: fixture server did not start'],
      ['jestp/broken.test.js', 'error', '● Test suite failed to run'],
      ['jestp/broken.test.js', 'failure', expect.stringMatching(/^\{"code":"MODULE_NOT_FOUND"/)],
    ],
  },
  'playwright-junit.xml': {
    why: 'Playwright 1.65 junit reporter, retries 2, two projects: a test that passed on its second attempt is a plain pass (nothing in the report marks it flaky), one failing or erroring every attempt one failure or error, skip and fixme skipped',
    // Playwright's summary (list reporter, the same tests): 6 failed, 2 flaky, 4 skipped, 2 passed.
    // Its flaky tests are passes here: the default report does not show their failed attempts.
    every: { tests: 14, passed: 4, failed: 2, errored: 4, skipped: 4, flaky: 0 },
    failures: PLAYWRIGHT_FAILURES,
  },
  'playwright-junit-retries.xml': {
    why: 'Playwright 1.65 junit reporter with PLAYWRIGHT_JUNIT_INCLUDE_RETRIES: a flakyFailure marks the test that passed on retry, counted passed and flaky; rerunFailure and rerunError beside the last failure or error; suites count tests, not attempts',
    // Playwright's summary: 6 failed, 2 flaky, 4 skipped, 2 passed; here the 2 flaky are passed and flaky.
    every: { tests: 14, passed: 4, failed: 2, errored: 4, skipped: 4, flaky: 2 },
    failures: PLAYWRIGHT_FAILURES,
  },
  'vitest-junit.xml': {
    why: 'vitest 4 junit reporter: a file that fails to load and a failing beforeAll are failing test cases, todo is skipped, a test passing on retry is a plain pass, one failing every retry holds a failure per attempt',
    // vitest's summary: 3 test files failed; tests 3 failed, 2 passed, 1 expected fail, 3 skipped,
    // 1 todo. The report adds the file that did not load and the beforeAll as failing test cases.
    every: { tests: 12, passed: 3, failed: 5, errored: 0, skipped: 4, flaky: 0 },
    failures: [
      ['broken.test.mjs', 'failure', 'module failed to load'],
      ['with a failing beforeAll', 'failure', 'beforeAll broke'],
      ['checkout > fails', 'failure', 'expected 2 to be 3 // Object.is equality'],
      ['checkout > fails every attempt', 'failure', 'always'],
      ['checkout > throws a non-assertion error', 'failure', "Cannot read properties of null (reading 'x')"],
    ],
  },
  'TEST-com.example.CheckoutTest.surefire-rerun.xml': {
    why: 'maven-surefire 3.2.5 with rerunFailingTestsCount and JUnit 5: rerunFailure and rerunError beside the last failure, flakyFailure and flakyError in tests that passed on rerun, a suite declaring tests 2 for 7 test cases',
    // surefire's summary: Tests run: 7, Failures: 1, Errors: 1, Skipped: 2, Flakes: 2.
    every: { tests: 7, passed: 3, failed: 1, errored: 1, skipped: 2, flaky: 2 },
    failures: [
      ['failsEveryRun', 'failure', 'totals differ ==> expected: <3> but was: <2>'],
      ['errorsEveryRun', 'error', 'no connection'],
    ],
  },
  'gtest-junit.xml': {
    why: 'GoogleTest --gtest_output=xml: DISABLED_ is status notrun result suppressed, GTEST_SKIP result skipped, a failure before a skip fails, a failing SetUpTestSuite or TearDownTestSuite is a test case with no name, named after its suite',
    // GoogleTest's summary: 2 failed tests, 2 failed test suites (SetUpTestSuite or
    // TearDownTestSuite), 4 skipped, 1 disabled: each failed suite is one failing test case here.
    every: { tests: 11, passed: 2, failed: 4, errored: 0, skipped: 5, flaky: 0 },
    failures: [
      ['Wrong', 'failure', 't.cc:5\nExpected equality of these values:\n  5\n  2 * 2\n    Which is: 4'],
      ['FailsThenSkips', 'failure', 't.cc:8\nFailed\nchecked first'],
      ['(a test case with no name in suite Database)', 'failure', 't.cc:12\nFailed\ncannot connect'],
      ['(a test case with no name in suite Cache)', 'failure', 't.cc:19\nFailed\ncache left dirty'],
    ],
  },
  'gtest-environment-junit.xml': {
    why: 'GoogleTest: a global environment whose TearDown fails after every test passed exits 1, and the report holds that failure in a suite NonTestSuiteFailure while its root declares failures 0',
    every: { tests: 3, passed: 2, failed: 1, errored: 0, skipped: 0, flaky: 0 },
    failures: [
      [
        '(a test case with no name in suite NonTestSuiteFailure)',
        'failure',
        'env.cc:5\nFailed\nenvironment teardown broke',
      ],
    ],
  },
  'catch2-junit.xml': {
    why: 'Catch2 3.7 --reporter junit: a section is a test case of its own, SKIP is skipped, an exception errored; a failed mayfail or shouldfail test (skipped beside failure) is failed here, where Catch2 says failed as expected',
    // Catch2's console summary: 8 test cases, 1 passed, 4 failed, 1 skipped, 2 failed as expected.
    // The report lists sections as test cases (10 in all) and writes the shouldfail test that
    // passed, which Catch2 counts failed, as a plain pass: nothing in the file says otherwise.
    every: { tests: 10, passed: 4, failed: 4, errored: 1, skipped: 1, flaky: 0 },
    failures: [
      ['fails', 'failure', '2 + 2 == 5'],
      ['throws', 'error', 'FAILED:'],
      ['may fail and does', 'failure', 'false'],
      ['should fail and does', 'failure', 'false'],
      ['sections/second', 'failure', '1 == 2'],
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

describe('a real surefire run of several classes, attested together', () => {
  it('sums to surefire s own summary: Tests run 12, Failures 3, Errors 2, Skipped 2, Flakes 2', async () => {
    const dir = join(GENERATED, 'surefire-nested');
    const files = readdirSync(dir).filter((name) => name.endsWith('.xml'));
    expect(files).toHaveLength(4);
    const totals = mergeTotals(await Promise.all(files.map((name) => parseJunit({ path: join(dir, name) }))));
    const { tests, passed, failed, errored, skipped, flaky } = totals;
    expect({ tests, passed, failed, errored, skipped, flaky }).toEqual({
      tests: 12,
      passed: 5,
      failed: 3,
      errored: 2,
      skipped: 2,
      flaky: 2,
    });
    // The failing @BeforeAll of a @Nested class: a test case with name="" and an <error>.
    expect(totals.failures).toContainEqual({
      name: '(a test case with no name in suite com.example.InventoryTest$WhenTheDatabaseIsDown)',
      classname: 'com.example.InventoryTest$WhenTheDatabaseIsDown',
      kind: 'error',
      message: 'database unreachable',
    });
  });
});

describe('a real Playwright run with a flaky test, as the tests gate sees it', () => {
  const decideOn = async (file: string, suite: string) => {
    const data = toTestSummary(await parseJunit({ path: join(GENERATED, file) }), 'e2e');
    return decide(
      contractOf(stagingYaml(`      tests: [${suite}]`)),
      'staging',
      factsOf({ evidence: [testEvidence(data)] }),
    );
  };

  it('names the flaky tests as a risk, and maxFlaky 0 blocks them, when the report includes retries', async () => {
    // Only failures allowed, so that the flaky tests are what the decision is about.
    const open = await decideOn('playwright-junit-retries.xml', '{ suite: e2e, maxFailed: 6 }');
    expect(open.verdict).toBe('allowed');
    expect(open.risks.map((r) => r.text)).toContain(
      'suite e2e: 2 test(s) passed only on rerun (flaky; no maxFlaky set)',
    );
    const bounded = await decideOn(
      'playwright-junit-retries.xml',
      '{ suite: e2e, maxFailed: 6, maxFlaky: 0 }',
    );
    expect(bounded.verdict).toBe('blocked');
    expect(bounded.required.map((r) => r.text)).toContain(
      'suite e2e: 2 test(s) passed only on rerun (flaky), at most 0 allowed',
    );
  });

  it('cannot see the flaky tests in the default report: maxFlaky 0 does not block it', async () => {
    const plain = await decideOn('playwright-junit.xml', '{ suite: e2e, maxFailed: 6, maxFlaky: 0 }');
    expect(plain.verdict).toBe('allowed');
  });
});
