/**
 * JUnit reports in the shapes real runners write (test/fixtures/junit-runners/, see SOURCES.md),
 * counted as the report readers our users know count them: every <testcase> is a test
 * (action-junit-report by default, Jenkins' junit plugin, GitLab's test reports). Where a runner
 * retries a failed test as another test case, the contract can declare the suite retried
 * (`reruns: true`): then the repeats merge, and only a later pass clears a failure.
 */
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/decide.js';
import { parseJunit, toTestSummary } from '../../src/evidence/junit-parser.js';
import { contractOf, factsOf, stagingYaml, testEvidence } from '../support/builders.js';

const RUNNERS = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/junit-runners');

interface Counts {
  tests: number;
  passed: number;
  failed: number;
  errored: number;
  skipped: number;
  flaky: number;
}

/** Per file: what every reader counts, and (when test cases repeat) the reruns-merged counts. */
const EXPECTED: Record<string, { why: string; every: Counts; merged?: Counts }> = {
  'TEST-com.example.CheckoutTest.testng-retry.xml': {
    why: 'TestNG retry analyzer under surefire: the retried attempt is reported skipped, then the last attempt failed',
    every: { tests: 3, passed: 1, failed: 1, errored: 0, skipped: 1, flaky: 0 },
    // Merged: skip then failure is one failed test; a skip never clears a failure.
    merged: { tests: 2, passed: 1, failed: 1, errored: 0, skipped: 0, flaky: 0 },
  },
  'TEST-com.example.TaxTest.testng-dataprovider.xml': {
    why: 'TestNG data-provider invocations share the method name: three different tests, one failing',
    every: { tests: 4, passed: 3, failed: 1, errored: 0, skipped: 0, flaky: 0 },
    // Why merging is opt-in: declared retried, the failing invocation would read as flaky.
    merged: { tests: 2, passed: 2, failed: 0, errored: 0, skipped: 0, flaky: 1 },
  },
  'jest-junit.xml': {
    why: 'jest-junit: two tests with the same title in one describe are two test cases with equal attributes',
    every: { tests: 4, passed: 2, failed: 1, errored: 0, skipped: 1, flaky: 0 },
    merged: { tests: 3, passed: 1, failed: 1, errored: 0, skipped: 1, flaky: 0 },
  },
  'pytest.xml': {
    why: 'pytest: parametrised cases have distinct names; pytest-rerunfailures writes one test case per test (its last run)',
    every: { tests: 5, passed: 3, failed: 1, errored: 0, skipped: 1, flaky: 0 },
  },
  'gotestsum-rerun-fails.xml': {
    why: 'gotestsum --rerun-fails keeps every run (by design, gotestsum#281/#384): the failed run, then the passing rerun',
    every: { tests: 5, passed: 3, failed: 1, errored: 0, skipped: 1, flaky: 0 },
    merged: { tests: 4, passed: 3, failed: 0, errored: 0, skipped: 1, flaky: 1 },
  },
  'trx2junit.xml': {
    why: '.NET (trx2junit): theory cases named with their arguments',
    every: { tests: 4, passed: 2, failed: 1, errored: 0, skipped: 1, flaky: 0 },
  },
  'playwright-retries.xml': {
    why: 'Playwright with retries (junit reporter, includeRetries): a flaky test holds <flakyFailure>, one that failed every run a <failure> or <error> and a <rerunFailure> or <rerunError>; the suites count tests, not attempts; one suite per browser',
    every: { tests: 7, passed: 4, failed: 1, errored: 1, skipped: 1, flaky: 1 },
  },
  'phpunit.xml': {
    why: 'PHPUnit: nested suites, data sets as "with data set #N", an error and a skip',
    every: { tests: 5, passed: 2, failed: 1, errored: 1, skipped: 1, flaky: 0 },
  },
};

function countsOf(totals: Counts): Counts {
  const { tests, passed, failed, errored, skipped, flaky } = totals;
  return { tests, passed, failed, errored, skipped, flaky };
}

describe('JUnit reports of real runners, counted as other readers count them', () => {
  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`${name}: ${expected.why}`, async () => {
      const totals = await parseJunit({ path: join(RUNNERS, name) });
      expect(countsOf(totals)).toEqual(expected.every);
      expect(totals.failures).toHaveLength(expected.every.failed + expected.every.errored);
      if (expected.merged === undefined) {
        expect(totals.reruns).toBeUndefined();
        expect(totals.repeats).toBe(0);
      } else {
        expect(countsOf(totals.reruns!)).toEqual(expected.merged);
        expect(totals.repeats).toBe(expected.every.tests - expected.merged.tests);
      }
    });
  }

  it('names the failing tests, with the message each runner gives', async () => {
    const testng = await parseJunit({
      path: join(RUNNERS, 'TEST-com.example.CheckoutTest.testng-retry.xml'),
    });
    expect(testng.failures).toEqual([
      {
        name: 'paysWithCard',
        classname: 'com.example.CheckoutTest',
        kind: 'failure',
        message: 'expected [200] but found [502]',
      },
    ]);
    const jest = await parseJunit({ path: join(RUNNERS, 'jest-junit.xml') });
    expect(jest.failures[0]?.message).toBe('Error: expect(received).toBe(expected) // Object.is equality');
    const php = await parseJunit({ path: join(RUNNERS, 'phpunit.xml') });
    expect(php.failures.map((f) => [f.name, f.kind])).toEqual([
      ['testAddsTax with data set #1', 'failure'],
      ['testLoadsPrices', 'error'],
    ]);
  });
});

function report(cases: string): Promise<ReturnType<typeof parseJunit> extends Promise<infer T> ? T : never> {
  return parseJunit({ stream: Readable.from([`<testsuite name="s">${cases}</testsuite>`]), name: 'r.xml' });
}

describe('a failure is never hidden by a duplicate', () => {
  it('failed then skipped: failed, whether or not the suite is declared retried', async () => {
    const totals = await report(
      '<testcase name="t" classname="C"><failure message="boom"/></testcase><testcase name="t" classname="C"><skipped/></testcase>',
    );
    expect(countsOf(totals)).toEqual({ tests: 2, passed: 0, failed: 1, errored: 0, skipped: 1, flaky: 0 });
    expect(countsOf(totals.reruns!)).toEqual({
      tests: 1,
      passed: 0,
      failed: 1,
      errored: 0,
      skipped: 0,
      flaky: 0,
    });
    expect(totals.reruns?.failures).toEqual([
      { name: 't', classname: 'C', kind: 'failure', message: 'boom' },
    ]);
  });

  it('passed then failed: failed (an earlier pass clears nothing); failed, skipped, passed: passed and flaky', async () => {
    const later = await report(
      '<testcase name="t"/><testcase name="t"><error message="late"/></testcase><testcase name="t"><skipped/></testcase>',
    );
    expect(countsOf(later.reruns!)).toEqual({
      tests: 1,
      passed: 0,
      failed: 0,
      errored: 1,
      skipped: 0,
      flaky: 0,
    });
    const cleared = await report(
      '<testcase name="t"><failure/></testcase><testcase name="t"><skipped/></testcase><testcase name="t"/>',
    );
    expect(countsOf(cleared.reruns!)).toEqual({
      tests: 1,
      passed: 1,
      failed: 0,
      errored: 0,
      skipped: 0,
      flaky: 1,
    });
    expect(cleared.reruns?.failures).toEqual([]);
    // Every test case still counts without the declaration.
    expect(countsOf(cleared)).toEqual({ tests: 3, passed: 1, failed: 1, errored: 0, skipped: 1, flaky: 0 });
  });

  it('does not merge test cases that differ in classname or file', async () => {
    const totals = await report(
      '<testcase name="t" classname="A" file="a.py"><failure/></testcase>' +
        '<testcase name="t" classname="B" file="a.py"/><testcase name="t" classname="A" file="b.py"/>',
    );
    expect(totals.repeats).toBe(0);
    expect(totals.reruns).toBeUndefined();
    expect(totals.failed).toBe(1);
  });

  it('counts a test case the report marks as rerun inside itself once: surefire flaky*, pytest-rerunfailures <rerun>', async () => {
    const totals = await report(
      '<testcase name="a"><rerun message="attempt 1"/></testcase>' +
        '<testcase name="b"><flakyError message="once"/></testcase>' +
        '<testcase name="c"><failure message="every time"/><rerunFailure message="again"/></testcase>',
    );
    expect(countsOf(totals)).toEqual({ tests: 3, passed: 2, failed: 1, errored: 0, skipped: 0, flaky: 2 });
    expect(totals.repeats).toBe(0);
  });

  it('records both views in the evidence only when test cases repeat', async () => {
    const plain = toTestSummary(await report('<testcase name="a"/>'), 'unit');
    expect(plain.reruns).toBeUndefined();
    const repeated = toTestSummary(
      await report('<testcase name="a"><failure/></testcase><testcase name="a"/>'),
      'e2e',
    );
    expect(repeated).toMatchObject({
      tests: 2,
      failed: 1,
      reruns: { repeats: 1, tests: 1, passed: 1, flaky: 1 },
    });
  });
});

const CONTRACT = (suite: string) => stagingYaml(`      tests: [${suite}]`);

describe('the tests gate reads the view the contract asks for', () => {
  const summary = async (file: string) =>
    toTestSummary(await parseJunit({ path: join(RUNNERS, file) }), 'e2e');

  it('blocks a gotestsum report with a rerun failure unless the suite is declared retried', async () => {
    const data = await summary('gotestsum-rerun-fails.xml');
    const evidence = [testEvidence(data)];
    const strict = decide(contractOf(CONTRACT('{ suite: e2e }')), 'staging', factsOf({ evidence }));
    expect(strict.verdict).toBe('blocked');
    expect(strict.required[0]?.text).toBe(
      'suite e2e: 1 failed and 0 errored of 5, at most 0 allowed: example.com/shop/cart.TestCheckoutRace',
    );
    expect(strict.risks.map((r) => r.text)).toContain(
      "suite e2e: 1 test case(s) repeat an earlier one's name; each is counted as a test (declare reruns: true if the suite retries failed tests)",
    );
    const retried = decide(
      contractOf(CONTRACT('{ suite: e2e, reruns: true }')),
      'staging',
      factsOf({ evidence }),
    );
    expect(retried.verdict).toBe('allowed');
    expect(retried.risks.map((r) => r.text)).toEqual([
      'suite e2e: 1 skipped test(s) not run (no maxSkipped set)',
      'suite e2e: 1 test(s) passed only on rerun (flaky; no maxFlaky set)',
      'suite e2e: 1 repeated test case(s) merged as reruns (reruns: true); a failure counts as cleared only by a later pass',
    ]);
    const bounded = decide(
      contractOf(CONTRACT('{ suite: e2e, reruns: true, maxFlaky: 0 }')),
      'staging',
      factsOf({ evidence }),
    );
    expect(bounded.verdict).toBe('blocked');
    expect(bounded.required[0]?.text).toBe(
      'suite e2e: 1 test(s) passed only on rerun (flaky), at most 0 allowed',
    );
  });

  it('keeps the TestNG retry failure blocked even with reruns declared', async () => {
    const evidence = [testEvidence(await summary('TEST-com.example.CheckoutTest.testng-retry.xml'))];
    for (const suite of ['{ suite: e2e }', '{ suite: e2e, reruns: true }']) {
      const decision = decide(contractOf(CONTRACT(suite)), 'staging', factsOf({ evidence }));
      expect(decision.verdict, suite).toBe('blocked');
      expect(decision.required[0]?.text, suite).toMatch(
        /^suite e2e: 1 failed and 0 errored of [23], at most 0 allowed: com\.example\.CheckoutTest\.paysWithCard$/,
      );
    }
  });
});
