/**
 * Tollgate's JUnit reader against two public corpora of real reports, each file with the counts
 * its upstream tool expects (see test/fixtures/SOURCES.md for commits and licences):
 *
 * - EnricoMi/publish-unit-test-result-action, `python/test/files/` → junit-publish-unit-test-result/.
 *   Upstream's expectation for `X.xml` is `X.results.json` (L10-19 of every one: `tests*` are test
 *   cases merged by class and name, `runs*` every test case or, upstream's own way, the suites'
 *   attributes) or `X.exception` for a file it refuses. `*.junit-xml` files are upstream's JUnit
 *   rendering of NUnit, xUnit and Dart reports, with the source report's expectation.
 * - dorny/test-reporter, `__tests__/fixtures/` → junit-test-reporter/. Upstream's expectation is the
 *   report's row in `__tests__/__outputs__/*.md` (passed, failed = failed + errored, skipped) or an
 *   assertion in `__tests__/*.test.ts`.
 * - jenkinsci/junit-plugin, `src/test/resources/hudson/tasks/junit/` → junit-jenkins/ (the files of
 *   a sweep of all 52 that exercise something the other corpora do not). Upstream's expectation is
 *   an assertion in its Java tests under `src/test/java/hudson/tasks/junit/` (`getTotalCount`,
 *   `getFailCount`, `getFailedTests`, `getCases().size()`); Jenkins counts errors as failures, so
 *   its fail count is Tollgate's `failed + errored`.
 *
 * Every test case counts (the summary's counts); `merged` is the reruns-merged view, checked where
 * upstream gives a merged count. `differs` says why Tollgate deliberately reads a file otherwise.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/errors.js';
import { type JunitTotals, parseJunit } from '../../src/evidence/junit-parser.js';

interface Counts {
  tests: number;
  passed: number;
  failed: number;
  errored: number;
  skipped: number;
}

type Expectation = { upstream: string; differs?: string } & (
  | { counts: Counts; merged?: Counts; flaky?: number; durationSeconds?: number }
  | { refused: RegExp }
);

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../fixtures');

const c = (tests: number, passed: number, failed: number, errored: number, skipped: number): Counts => ({
  tests,
  passed,
  failed,
  errored,
  skipped,
});

// c(tests, passed, failed, errored, skipped). `upstream` quotes the results.json stats at L10-19.
const PUBLISH_UNIT_TEST_RESULT: Record<string, Expectation> = {
  'junit-xml__bazel__suite-logs.xml': {
    counts: c(1, 0, 0, 1, 0),
    upstream: 'junit-xml/bazel/suite-logs.results.json: tests 1, error 1',
  },
  'junit-xml__empty-system-out-err.xml': {
    counts: c(1, 1, 0, 0, 0),
    upstream: 'junit-xml/empty-system-out-err.results.json: tests 1, succ 1',
  },
  'junit-xml__jest__jest-junit.xml': {
    counts: c(2, 2, 0, 0, 0),
    upstream: 'junit-xml/jest/jest-junit.results.json: tests 2, succ 2',
  },
  'junit-xml__junit.multiresult.xml': {
    counts: c(4, 1, 2, 0, 1),
    upstream: 'junit-xml/junit.multiresult.results.json: tests 4, succ 1, skip 1, fail 1, error 1',
    differs:
      'same 2 failing: the test case with <skipped>, <failure> and <error> is failed here (a <failure> wins over an <error>, as pytest writes a failed test whose teardown broke), error upstream',
  },
  'junit-xml__minimal-attributes.xml': {
    counts: c(4, 1, 1, 1, 1),
    upstream: 'junit-xml/minimal-attributes.results.json: tests 4, succ 1, skip 1, fail 1, error 1',
  },
  'junit-xml__mocha__latex-utensils.xml': {
    counts: c(109, 109, 0, 0, 0),
    merged: c(101, 101, 0, 0, 0),
    upstream: 'junit-xml/mocha/latex-utensils.results.json: runs 109, succ 109; tests 101, succ 101',
  },
  'junit-xml__no-attributes.xml': {
    counts: c(4, 1, 1, 1, 1),
    upstream: 'junit-xml/no-attributes.results.json: tests 4, succ 1, skip 1, fail 1, error 1',
  },
  'junit-xml__no-cases-but-tests.xml': {
    counts: c(6, 3, 1, 0, 2),
    upstream: 'junit-xml/no-cases-but-tests.results.json: tests 6, succ 3, skip 2, fail 1',
  },
  'junit-xml__no-cases.xml': {
    counts: c(0, 0, 0, 0, 0),
    upstream: 'junit-xml/no-cases.results.json: tests 0',
  },
  'junit-xml__non-junit.xml': {
    refused: /:2:8: the root element is <suites>; expected <testsuites> or <testsuite>/,
    upstream: "junit-xml/non-junit.results.json L7 errors: 'Invalid format.'",
  },
  'junit-xml__pytest__corrupt-xml.xml': {
    refused: /:11:21: the file ends while <skipped> is still open/,
    upstream:
      "junit-xml/pytest/corrupt-xml.exception: 'Premature end of data in tag skipped line 9, line 11'",
  },
  'junit-xml__pytest__junit.fail.xml': {
    counts: c(5, 3, 1, 0, 1),
    upstream: 'junit-xml/pytest/junit.fail.results.json: tests 5, succ 3, skip 1, fail 1',
  },
  'junit-xml__pytest__junit.gloo.elastic.spark.tf.xml': {
    counts: c(22, 20, 0, 0, 2),
    upstream: 'junit-xml/pytest/junit.gloo.elastic.spark.tf.results.json: tests 22, succ 20, skip 2',
  },
  'junit-xml__pytest__junit.gloo.elastic.spark.torch.xml': {
    counts: c(22, 22, 0, 0, 0),
    upstream: 'junit-xml/pytest/junit.gloo.elastic.spark.torch.results.json: tests 22, succ 22',
  },
  'junit-xml__pytest__junit.gloo.elastic.xml': {
    counts: c(14, 10, 0, 0, 4),
    upstream: 'junit-xml/pytest/junit.gloo.elastic.results.json: tests 14, succ 10, skip 4',
  },
  'junit-xml__pytest__junit.gloo.standalone.xml': {
    counts: c(97, 80, 0, 0, 17),
    upstream: 'junit-xml/pytest/junit.gloo.standalone.results.json: tests 97, succ 80, skip 17',
  },
  'junit-xml__pytest__junit.gloo.static.xml': {
    counts: c(24, 12, 0, 0, 12),
    upstream: 'junit-xml/pytest/junit.gloo.static.results.json: tests 24, succ 12, skip 12',
  },
  'junit-xml__pytest__junit.mpi.integration.xml': {
    counts: c(3, 3, 0, 0, 0),
    upstream: 'junit-xml/pytest/junit.mpi.integration.results.json: tests 3, succ 3',
  },
  'junit-xml__pytest__junit.mpi.standalone.xml': {
    counts: c(97, 96, 0, 0, 1),
    upstream: 'junit-xml/pytest/junit.mpi.standalone.results.json: tests 97, succ 96, skip 1',
  },
  'junit-xml__pytest__junit.mpi.static.xml': {
    counts: c(24, 24, 0, 0, 0),
    upstream: 'junit-xml/pytest/junit.mpi.static.results.json: tests 24, succ 24',
  },
  'junit-xml__pytest__junit.spark.integration.1.xml': {
    counts: c(35, 33, 0, 0, 2),
    upstream: 'junit-xml/pytest/junit.spark.integration.1.results.json: tests 35, succ 33, skip 2',
  },
  'junit-xml__pytest__junit.spark.integration.2.xml': {
    counts: c(35, 33, 0, 0, 2),
    upstream: 'junit-xml/pytest/junit.spark.integration.2.results.json: tests 35, succ 33, skip 2',
  },
  'junit-xml__scalatest__TEST-uk.co.gresearch.spark.diff.DiffOptionsSuite.xml': {
    counts: c(5, 5, 0, 0, 0),
    upstream:
      'junit-xml/scalatest/TEST-uk.co.gresearch.spark.diff.DiffOptionsSuite.results.json: tests 5, succ 5',
  },
  'junit-xml__testsuite-in-testsuite.xml': {
    counts: c(5, 5, 0, 0, 0),
    upstream: 'junit-xml/testsuite-in-testsuite.results.json: tests 5, succ 5',
  },
  'junit-xml__testsuite-root.xml': {
    counts: c(5, 5, 0, 0, 0),
    upstream: 'junit-xml/testsuite-root.results.json: tests 5, succ 5',
  },
  'junit-xml__tst__disabled.xml': {
    counts: c(31, 6, 19, 1, 5),
    upstream: 'junit-xml/tst/disabled.results.json: tests 31, succ 6, skip 5, fail 19, error 1',
  },
  'junit-xml__unsupported-unicode.xml': {
    counts: c(7, 1, 2, 2, 2),
    upstream: 'junit-xml/unsupported-unicode.results.json: tests 7, succ 1, skip 2, fail 2, error 2',
  },
  'junit-xml__with-xml-entities.xml': {
    counts: c(4, 0, 1, 1, 2),
    upstream: 'junit-xml/with-xml-entities.results.json: tests 4, skip 2, fail 1, error 1',
  },
  'junit-xml__xunit__xunit.xml': {
    counts: c(2, 2, 0, 0, 0),
    upstream: 'junit-xml/xunit/xunit.results.json: tests 2, succ 2',
  },
  'xml__empty.xml': {
    refused: /:1:0: the file contains no XML element; expected a JUnit report/,
    upstream: "xml/empty.exception: 'File is empty.'",
  },
  'xml__non-xml.xml': {
    refused: /:1:23: malformed XML: text data outside of root node/,
    upstream: 'xml/non-xml.exception: "Start tag expected, \'<\' not found"',
  },
  // Upstream's JUnit rendering of other formats, and some of those formats' own files.
  'dart__json__tests.junit-xml': {
    counts: c(20, 16, 1, 2, 1),
    upstream: 'dart/json/tests.results.json: tests 20, succ 16, skip 1, fail 1, error 2',
  },
  'nunit__nunit3__jenkins__NUnit-correct2.junit-xml': {
    counts: c(218, 218, 0, 0, 0),
    merged: c(183, 183, 0, 0, 0),
    upstream: 'nunit/nunit3/jenkins/NUnit-correct2.results.json: runs 218, succ 218; tests 183, succ 183',
  },
  'nunit__nunit3__jenkins__NUnit-issue44527.junit-xml': {
    counts: c(150, 6, 144, 0, 0),
    upstream: 'nunit/nunit3/jenkins/NUnit-issue44527.results.json: tests 150, succ 6, fail 144',
  },
  'nunit__nunit3__jenkins__NUnit-multinamespace.junit-xml': {
    counts: c(5, 4, 1, 0, 0),
    upstream: 'nunit/nunit3/jenkins/NUnit-multinamespace.results.json: tests 4, succ 4',
    differs:
      'the root declares failures="1" (the NUnit source: failures="1", success="False", its failing test case written success="Turue"); no test case shows it, so it counts as one failed test',
  },
  'nunit__nunit3__jenkins__NUnit-simple.junit-xml': {
    counts: c(4, 3, 1, 0, 0),
    upstream: 'nunit/nunit3/jenkins/NUnit-simple.results.json: tests 2, succ 2',
    differs:
      'the root declares tests="4" failures="1" (as the NUnit source does) and lists 2 passing test cases: the unlisted failure counts, and the unlisted fourth test as passed',
  },
  'xunit__mstest__fixie.junit-xml': {
    counts: c(7, 3, 3, 0, 1),
    merged: c(5, 1, 3, 0, 1),
    upstream:
      'xunit/mstest/fixie.results.json: runs 7, succ 3, skip 1, fail 3; tests 5, succ 1, skip 1, fail 3',
  },
  'xunit__mstest__jenkinsci__testcase2.junit-xml': {
    counts: c(3, 1, 1, 0, 1),
    upstream:
      'xunit/mstest/jenkinsci/testcase2.results.json: runs 3, succ 1, skip 1, fail 1 (conclusion failure); tests 1, succ 1',
  },
  'nunit__nunit3__jenkins__NUnit-simple.xml': {
    refused: /:3:134: the root element is <test-results>; expected <testsuites> or <testsuite>/,
    upstream:
      'nunit/nunit3/jenkins/NUnit-simple.results.json: read as NUnit 2 (tests 2); Tollgate reads JUnit XML only',
  },
  'nunit__nunit3__jenkins__NUnit-sec1752-file.xml': {
    refused: /:4:2: a DOCTYPE declaration is not allowed in a JUnit report/,
    upstream:
      'nunit/nunit3/jenkins/NUnit-sec1752-file.results.json: read as NUnit 2 (tests 2, succ 1, fail 1); its DOCTYPE declares an external entity, refused here before anything in it is read',
  },
  'xunit__mstest__jenkinsci__testcase2.xml': {
    refused: /:2:12: the root element is <assemblies>; expected <testsuites> or <testsuite>/,
    upstream:
      'xunit/mstest/jenkinsci/testcase2.results.json: read as xUnit.net v2; Tollgate reads JUnit XML only',
  },
};

// Upstream's "failed" is failed + errored here. `upstream` cites the output row or the assertion.
const TEST_REPORTER: Record<string, Expectation> = {
  'empty__java-junit.xml': {
    counts: c(0, 0, 0, 0, 0),
    upstream: 'java-junit.test.ts L27-28: tests 0',
  },
  'empty__jest-junit-empty-testsuite.xml': {
    counts: c(0, 0, 0, 0, 0),
    upstream: 'jest-junit.test.ts L43-44: tests 0',
  },
  'empty__jest-junit.xml': {
    counts: c(0, 0, 0, 0, 0),
    upstream: 'jest-junit.test.ts L27-28: tests 0',
  },
  'empty__phpunit-empty.xml': {
    counts: c(0, 0, 0, 0, 0),
    upstream: 'phpunit-junit.test.ts L27-28: tests 0',
  },
  'external__java__TEST-org.apache.pulsar.AddMissingPatchVersionTest.xml': {
    counts: c(2, 0, 1, 0, 1),
    upstream: '__outputs__/pulsar-test-results-no-merge.md L4: 1 failed, 1 skipped',
  },
  'external__java__empty_failures.xml': {
    counts: c(3, 2, 1, 0, 0),
    upstream: "java-junit.test.ts L135-136: result 'failed', failed 1",
  },
  'external__java__junit4-basic.xml': {
    counts: c(6, 5, 1, 0, 0),
    upstream: '__outputs__/junit-basic.md L4: 5 passed, 1 failed',
  },
  'external__java__junit4-complete.xml': {
    counts: c(8, 5, 1, 1, 1),
    upstream: '__outputs__/junit-complete.md L4: 5 passed, 2 failed, 1 skipped',
  },
  'external__java__pulsar-test-report.xml': {
    counts: c(808, 793, 1, 0, 14),
    upstream: '__outputs__/pulsar-test-results.md L4: 793 passed, 1 failed, 14 skipped',
  },
  'external__jest__jest-react-component-test-results.xml': {
    counts: c(1, 1, 0, 0, 0),
    upstream: '__outputs__/jest-react-component-test-results.md L6: 1 passed',
  },
  'external__jest__jest-test-results.xml': {
    counts: c(4239, 4207, 2, 0, 30),
    upstream: '__outputs__/jest-test-results.md L4: 4207 passed, 2 failed, 30 skipped',
  },
  'external__phpunit__junit-basic.xml': {
    counts: c(9, 8, 1, 0, 0),
    upstream: '__outputs__/phpunit-junit-basic-results.md L4: 8 passed, 1 failed',
  },
  'external__phpunit__phpcheckstyle-phpunit.xml': {
    counts: c(30, 28, 2, 0, 0),
    upstream: '__outputs__/phpunit-phpcheckstyle-results.md L4: 28 passed, 2 failed',
  },
  'jest-junit-eslint.xml': {
    counts: c(1, 1, 0, 0, 0),
    upstream: '__outputs__/jest-junit-eslint.md L6: 1 passed',
  },
  'jest-junit.xml': {
    counts: c(6, 1, 4, 0, 1),
    upstream: '__outputs__/jest-junit.md L4: 1 passed, 4 failed, 1 skipped',
  },
  'junit-with-message.xml': {
    counts: c(1, 0, 1, 0, 0),
    upstream: '__outputs__/junit-with-message.md L4: 1 failed',
  },
  'nette-tester__BootstrapFormRenderer-report.xml': {
    counts: c(4, 4, 0, 0, 0),
    upstream: '__outputs__/tester-bootstrap-test-results.md L6: 4 passed',
  },
  'nette-tester__tester-v1.7-report.xml': {
    counts: c(65, 61, 1, 0, 3),
    upstream: '__outputs__/tester-v1.7-test-results.md L4: 61 passed, 1 failed, 3 skipped',
  },
  'phpunit__phpunit-paths.xml': {
    counts: c(6, 0, 6, 0, 0),
    upstream: 'phpunit-junit.test.ts L108-167: six failing tests, each with its error',
  },
  'phpunit__phpunit.xml': {
    counts: c(12, 10, 2, 0, 0),
    upstream: '__outputs__/phpunit-test-results.md L4: 10 passed, 2 failed (phpunit-junit.test.ts L75-77)',
  },
  'python-xunit-pytest.xml': {
    counts: c(10, 6, 2, 0, 2),
    upstream: '__outputs__/python-xunit-pytest.md L4: 6 passed, 2 failed, 2 skipped',
  },
  'python-xunit-unittest.xml': {
    counts: c(8, 4, 1, 1, 2),
    upstream: '__outputs__/python-xunit-unittest.md L4: 4 passed, 2 failed, 2 skipped',
  },
  'swift-xunit.xml': {
    counts: c(3, 2, 1, 0, 0),
    upstream: '__outputs__/swift-xunit.md L4: 2 passed, 1 failed',
  },
  'test-errors__jest__jest-test-results.xml': {
    counts: c(2, 0, 0, 2, 0),
    upstream: '__outputs__/jest-test-errors-results.md L4: 2 failed (two suites that failed to run)',
  },
  'dotnet-nunit.xml': {
    refused: /:2:277: the root element is <test-run>; expected <testsuites> or <testsuite>/,
    upstream:
      '__outputs__/dotnet-nunit.md L4: read as NUnit 3 (3 passed, 5 failed, 1 skipped); Tollgate reads JUnit XML only',
  },
};

// c(tests, passed, failed, errored, skipped). `upstream` cites the Java test (file:line) under
// src/test/java/hudson/tasks/junit/ whose assertion gives the expectation.
const JENKINS: Record<string, Expectation> = {
  'gh-237__TEST-io.olamy.FlakyTest.xml': {
    counts: c(1, 1, 0, 0, 0),
    flaky: 1,
    upstream:
      'TestResultTest.java:511-512 (includeFlakyAndRerun): 2 test cases over this file and AlwaysFailTest.xml, 1 each; L517-522: this one has 2 flaky failures and passed',
  },
  'gh-237__TEST-io.olamy.AlwaysFailTest.xml': {
    counts: c(1, 0, 1, 0, 0),
    upstream:
      'TestResultTest.java:511-512 (includeFlakyAndRerun): 1 test case here; L572-577: 3 rerun failures beside its <failure>',
  },
  'junit-report-6700.xml': {
    counts: c(1, 0, 0, 1, 0),
    upstream:
      'SuiteResultTest.java:477-480 (testErrorInTestInitialization): no <testcase>, the suite-level <error> is 1 case with fail count 1',
  },
  'junit-report-empty-testcasename.xml': {
    counts: c(1, 0, 1, 0, 0),
    upstream:
      'TestResultTest.java:285-296 (testTestcaseWithEmptyName): 1 suite, 1 test case named "(?)" (surefire\'s name="" for a failing @BeforeAll)',
  },
  'SKIPPED_MESSAGE__afterSkippedResult.xml': {
    counts: c(1, 0, 0, 1, 0),
    upstream:
      'TestResultLinksTest.java:168 (testFailedSinceAfterSkip): getFailedTests().get(0), the one test case with an <error> in a suite that declares skipped="1"',
  },
  'junit-report-bad-duration.xml': {
    counts: c(2, 2, 0, 0, 0),
    merged: c(1, 1, 0, 0, 0),
    durationSeconds: 100,
    upstream:
      'TestResultTest.java:349-351 (clampDuration): duration 100 (the time="-345345" counts as 0), 1 suite, 2 test cases',
  },
  'junit-report-1463.xml': {
    counts: c(6, 6, 0, 0, 0),
    upstream: 'JUnitResultsStepTest.java:143-144 (singleStep): SoapUI Pro 1.7.6 report, 1 suite, 6 tests',
  },
  'junitResult.xml': {
    refused: /:2:8: the root element is <result>; expected <testsuites> or <testsuite>/,
    upstream:
      "TestResultTest.java:91-98 (testXmlCompatibility): Jenkins' own stored build result (XStream), read by XmlFile, not as a JUnit report",
  },
  'testXxe-xxe.xml': {
    refused: /:7:2: a DOCTYPE declaration is not allowed in a JUnit report/,
    upstream:
      'JUnitResultArchiverTest.java:478-503 (testXxe, SECURITY-521): an XXE with parameter entities; no entity may be resolved (triggerCount 0)',
  },
  'testXxe-oob.xml': {
    refused: /:1:9: malformed XML: incorrect syntax; expected a well-formed JUnit XML report/,
    upstream:
      'JUnitResultArchiverTest.java:482-487 (testXxe, SECURITY-521): the external parameter-entity file the XXE loads; not a report',
  },
};

function countsOf(totals: Counts): Counts {
  const { tests, passed, failed, errored, skipped } = totals;
  return { tests, passed, failed, errored, skipped };
}

function expectConsistent(totals: JunitTotals) {
  expect(totals.passed + totals.failed + totals.errored + totals.skipped).toBe(totals.tests);
  expect(totals.failures.length + totals.failuresOmitted).toBe(totals.failed + totals.errored);
}

for (const [folder, corpus] of [
  ['junit-publish-unit-test-result', PUBLISH_UNIT_TEST_RESULT],
  ['junit-test-reporter', TEST_REPORTER],
  ['junit-jenkins', JENKINS],
] as const) {
  describe(`parseJunit on test/fixtures/${folder}`, () => {
    it('has an expectation for every file', () => {
      // A licence copied beside the reports is no report.
      const files = readdirSync(join(FIXTURES, folder)).filter((name) => name !== 'LICENSE');
      expect(files.filter((name) => !(name in corpus))).toEqual([]);
      expect(Object.keys(corpus).filter((name) => !files.includes(name))).toEqual([]);
    });

    for (const [name, expected] of Object.entries(corpus)) {
      const path = join(FIXTURES, folder, name);
      const title = `${name}: ${expected.upstream}${expected.differs ? ` — differs: ${expected.differs}` : ''}`;
      if ('refused' in expected) {
        it(`${title} — refused`, async () => {
          const error = await parseJunit({ path }).then(
            () => undefined,
            (caught: unknown) => caught,
          );
          expect(error).toBeInstanceOf(TollgateError);
          expect((error as TollgateError).code).toBe('EVIDENCE_INVALID');
          // The message names the file, then where and what was wrong.
          expect((error as TollgateError).message.startsWith(`${path}:`)).toBe(true);
          expect((error as TollgateError).message).toMatch(expected.refused);
        });
        continue;
      }
      it(title, async () => {
        const totals = await parseJunit({ path });
        expect(countsOf(totals)).toEqual(expected.counts);
        expectConsistent(totals);
        if (expected.merged !== undefined) expect(countsOf(totals.reruns ?? totals)).toEqual(expected.merged);
        if (expected.flaky !== undefined) expect(totals.flaky).toBe(expected.flaky);
        if (expected.durationSeconds !== undefined)
          expect(totals.durationSeconds).toBe(expected.durationSeconds);
      });
    }
  });
}
