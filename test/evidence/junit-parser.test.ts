import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/errors.js';
import { FAILED_NAMES_CAP } from '../../src/evidence/evidence.js';
import {
  FAILURE_MESSAGE_CAP,
  type JunitTotals,
  mergeTotals,
  parseJunit,
  parseSeconds,
  toTestSummary,
} from '../../src/evidence/junit-parser.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/junit');
const fixture = (name: string) => join(FIXTURES, name);

function fromText(text: string | Buffer[], name = 'inline.xml') {
  const chunks = typeof text === 'string' ? [text] : text;
  return parseJunit({ stream: Readable.from(chunks), name });
}

async function rejection(promise: Promise<unknown>): Promise<TollgateError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TollgateError);
    return error as TollgateError;
  }
  throw new Error('expected the promise to reject');
}

/** What action-junit-report's tests assert; `failing` is upstream's failedCount (our failed + errored). */
interface Upstream {
  tests: number;
  skipped: number;
  failing: number;
  passed?: number;
}

// Upstream = mikepenz/action-junit-report at 305cd1f47a0f (the commit the fixtures were copied
// from), file __tests__/testParser.test.ts unless said otherwise. Where upstream only asserts the
// failure annotations, `failing` is the number of test cases those annotations name.
// Reports with repeated test cases are in RERUNS below.
const UPSTREAM: Record<string, Upstream & { where: string }> = {
  'tests__utils__TEST-action.surefire.report.calc.CalcUtilsTest.xml': {
    tests: 2,
    skipped: 0,
    failing: 2,
    where: 'L149-150 totalCount 2, skippedCount 0; L151-186 two failure annotations',
  },
  'python__report.xml': {
    tests: 3,
    skipped: 0,
    failing: 2,
    where: 'L235-236 totalCount 3, skippedCount 0; L237-268 two failure annotations',
  },
  'marathon_tests__com.mikepenz.DummyTest_test_02_dummy.xml': {
    tests: 1,
    skipped: 0,
    failing: 0,
    where: 'L329-331 totalCount 1, skippedCount 0, no failure annotation',
  },
  'marathon_tests__com.mikepenz.DummyTest3_test_01.xml': {
    tests: 1,
    skipped: 0,
    failing: 1,
    where: 'L339-356 totalCount 1, skippedCount 0, one failure annotation',
  },
  'marathon_tests__com.mikepenz.DummyUtilTest_test_01_dummy.xml': {
    tests: 1,
    skipped: 0,
    failing: 1,
    where: 'L364-383 totalCount 1, skippedCount 0, one failure annotation',
  },
  'cunit__testEmpty.xml': {
    tests: 0,
    skipped: 0,
    failing: 0,
    where: 'L391-393 totalCount 0, skippedCount 0',
  },
  'cunit__testFailure.xml': {
    tests: 4,
    skipped: 0,
    failing: 1,
    where: 'L402-419 totalCount 4, skippedCount 0, one failure annotation',
  },
  'nextest__basic.xml': {
    tests: 3,
    skipped: 0,
    failing: 1,
    where: 'L445-468 totalCount 3, skippedCount 0, one failure annotation',
  },
  'nested__junit.xml': {
    tests: 5,
    skipped: 0,
    failing: 3,
    where: 'L501-546 totalCount 5, skippedCount 0, three failure annotations',
  },
  'nested__multi-level.xml': {
    tests: 3,
    skipped: 0,
    failing: 0,
    passed: 3,
    where: "table.test.ts L37 NORMAL_TABLE '3 ran', '3 passed', '0 skipped', '0 failed' (test at L56-72)",
  },
  'issues__testDisabled.xml': {
    tests: 22,
    skipped: 10,
    failing: 6,
    where: 'L556-558 totalCount 22, skippedCount 10, filtered (failure) annotations 6',
  },
  'xunit__report.xml': {
    tests: 4,
    skipped: 0,
    failing: 1,
    where: 'L1002-1019 totalCount 4, skippedCount 0, one failure annotation',
  },
  'xunit__report_fl_on_f.xml': {
    tests: 4,
    skipped: 0,
    failing: 1,
    where: 'L1028-1045 totalCount 4, skippedCount 0, one failure annotation',
  },
  'junit-web-test__expected.xml': {
    tests: 6,
    skipped: 1,
    failing: 1,
    where: 'L1054-1072 totalCount 6, skippedCount 1, one failure annotation',
  },

  'junit_flaky_failure__marathon_junit_report.xml': {
    tests: 1,
    skipped: 0,
    failing: 0,
    where: "L1179-1196 totalCount 1, skippedCount 0, annotation status 'success' with retries 1",
  },
  'junit_flaky_failure__mixed_flaky_and_passed.xml': {
    tests: 3,
    skipped: 0,
    failing: 0,
    passed: 3,
    where: 'L1242-1245 totalCount 3, skippedCount 0, failedCount 0, passedCount 3',
  },
  'perl__result.xml': {
    tests: 1,
    skipped: 0,
    failing: 0,
    where: "L1309-1325 totalCount 1, skippedCount 0, annotation status 'success'",
  },
  'container-structure__test.xml': {
    tests: 3,
    skipped: 0,
    failing: 0,
    where: 'L1342-1343 totalCount 3, skippedCount 0; L1344-1386 three success annotations',
  },
  'catch2__report.xml': {
    tests: 1,
    skipped: 0,
    failing: 1,
    where: 'L1396-1414 totalCount 1, skippedCount 0, one failure annotation',
  },

  'multiple_failures__test_multiple_failures.xml': {
    tests: 4,
    skipped: 1,
    failing: 2,
    passed: 1,
    where: 'L1654-1657 totalCount 4, skippedCount 1, failedCount 2, passedCount 1',
  },
  'multiple_failures__test_multiple_errors.xml': {
    tests: 3,
    skipped: 0,
    failing: 2,
    passed: 1,
    where: 'L1717-1720 totalCount 3, skippedCount 0, failedCount 2, passedCount 1',
  },
  'tests__utils__TEST-action.surefire.report.calc.AllOkTest.xml': {
    tests: 1,
    skipped: 0,
    failing: 0,
    where:
      "__tests__/action.test.fixtures.ts at 88fead4 L163 finishedSuccess '1 tests run, 0 skipped, 0 failed.'",
  },
};

// Files Tollgate deliberately reads otherwise than upstream, and why.
const DIFFERS: Record<string, Upstream & { passed: number; upstream: string; why: string }> = {
  'issues__testFailedDisabled.xml': {
    tests: 1,
    skipped: 0,
    failing: 1,
    passed: 0,
    upstream: 'L1558-1561 (parseTestReports) totalCount 1, skipped 1, failed 0, passed 0',
    why: 'its one test case has status="disabled" and a <failure>: a failure wins over a skip, never hidden by it',
  },
  'mocha__mocha.xml': {
    tests: 2,
    skipped: 1,
    failing: 0,
    passed: 1,
    upstream: 'L907-925 totalCount 1, skippedCount 0, one success annotation',
    why: 'its root declares tests="15515" skipped="1" and holds one passing test case: the declared skip it does not hold counts as skipped (mocha-junit-reporter leaves pending tests out)',
  },
};

// No assertion upstream names these files on their own: their counts were read off the file by
// hand, applying upstream's rules (src/testParser.ts: every <testcase> counts; skipped when
// <skipped> or status disabled/ignored; failing when it has <failure> or <error> and is not skipped).
const BY_HAND: Record<string, Upstream & { passed: number; why: string }> = {
  'maven_surefire_flaky__surefire-report.xml': {
    tests: 1,
    skipped: 0,
    failing: 0,
    passed: 1,
    why: 'one testcase with only a <flakyFailure>: it passed on a rerun',
  },
  'python__report_flaky.xml': {
    tests: 4,
    skipped: 0,
    failing: 2,
    passed: 2,
    why: 'four testcases, two with <failure>',
  },
  'multiple__test_10.xml': { tests: 3, skipped: 0, failing: 0, passed: 3, why: 'three bare testcases' },
  'multiple__test_11.xml': { tests: 3, skipped: 0, failing: 1, passed: 2, why: 'one <failure>' },
  'multiple__test_12.xml': { tests: 3, skipped: 1, failing: 0, passed: 2, why: 'one <skipped>' },
  'tests__email__TEST-action.surefire.report.email.EmailAddressTest.xml': {
    tests: 9,
    skipped: 0,
    failing: 7,
    passed: 2,
    why: 'nine testcases, seven with <failure> or <error>; the four surefire files together are checked against upstream below',
  },
  'tests__utils__TEST-action.surefire.report.calc.StringUtilsTest.xml': {
    tests: 5,
    skipped: 1,
    failing: 2,
    passed: 2,
    why: 'five testcases, one <skipped>, two <failure> (upstream table.test.ts L125-156 only says it has skipped and failed tests)',
  },
};

/**
 * Reports whose test cases repeat (same name, classname and file in one suite). Every test case
 * counts, as upstream counts them by default (checkRetries false: src/testParser.ts counts each
 * <testcase>; counted here by hand from the file). Merged as reruns (`reruns: true` in a
 * contract) they match upstream's checkRetries=true results, except where a failure comes after
 * the last pass: upstream lets the earlier pass win, Tollgate keeps the failure.
 */
const RERUNS: Record<
  string,
  {
    everyCase: Upstream & { passed: number };
    merged: Upstream & { passed: number; flaky: number };
    where: string;
  }
> = {
  'junit-web-test__expectedRetries.xml': {
    everyCase: { tests: 8, skipped: 1, failing: 2, passed: 5 },
    merged: { tests: 7, skipped: 1, failing: 1, passed: 5, flaky: 1 },
    where:
      "merged: L1084-1102 ('should handle retries', checkRetries=true) totalCount 7, skippedCount 1, one failure",
  },
  'flaky_retries__flaky_with_classname_file.xml': {
    everyCase: { tests: 5, skipped: 0, failing: 2, passed: 3 },
    merged: { tests: 3, skipped: 0, failing: 0, passed: 3, flaky: 1 },
    where: 'merged: L1432-1436 totalCount 3, skippedCount 0, failedCount 0, passedCount 3 (retriedCount 2)',
  },
  'flaky_retries__flaky_all_failures.xml': {
    everyCase: { tests: 3, skipped: 0, failing: 3, passed: 0 },
    merged: { tests: 1, skipped: 0, failing: 1, passed: 0, flaky: 0 },
    where: 'merged: L1466-1470 totalCount 1, skippedCount 0, failedCount 1, passedCount 0',
  },
  'flaky_retries__flaky_success_first.xml': {
    everyCase: { tests: 3, skipped: 0, failing: 2, passed: 1 },
    // Upstream (L1493-1497) says passed 1, failed 0: its pass came first, then a failure and an
    // error. A failure is cleared only by a later pass, so Tollgate counts the test as failed.
    merged: { tests: 1, skipped: 0, failing: 1, passed: 0, flaky: 0 },
    where:
      'merged: deliberately failed where upstream L1493-1497 says passed (the failures came after the pass)',
  },
  'junit-server-test__report.xml': {
    everyCase: { tests: 4, skipped: 1, failing: 1, passed: 2 },
    merged: { tests: 3, skipped: 1, failing: 0, passed: 2, flaky: 1 },
    where:
      'merged: L1597-1601 (parseTestReports, checkRetries=true) totalCount 3, skipped 1, failed 0, passed 2',
  },
};

const CORRUPT = 'corrupt-junit__e2e-tests__corrupt__target__sf-reports__TEST-test.CorruptTest.xml';

function expectConsistent(totals: JunitTotals) {
  expect(totals.passed + totals.failed + totals.errored + totals.skipped).toBe(totals.tests);
  expect(totals.failures.length + totals.failuresOmitted).toBe(totals.failed + totals.errored);
}

/** The schema attributes surefire 3 writes on its <testsuite> (junit-plugin's gh-237 report). */
const SUREFIRE =
  'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="https://maven.apache.org/surefire/maven-surefire-plugin/xsd/surefire-test-report.xsd" version="3.0.2"';

describe('parseJunit on the action-junit-report fixtures', () => {
  it('has an expectation for every fixture file', () => {
    const files = readdirSync(FIXTURES).filter((name) => name.endsWith('.xml'));
    const covered = new Set([
      ...Object.keys(UPSTREAM),
      ...Object.keys(BY_HAND),
      ...Object.keys(DIFFERS),
      ...Object.keys(RERUNS),
      CORRUPT,
    ]);
    expect(files.filter((name) => !covered.has(name))).toEqual([]);
    expect(files.length).toBe(covered.size);
  });

  for (const [name, expected] of Object.entries(UPSTREAM)) {
    it(`${name} agrees with upstream (${expected.where})`, async () => {
      const totals = await parseJunit({ path: fixture(name) });
      expect(totals.tests).toBe(expected.tests);
      expect(totals.skipped).toBe(expected.skipped);
      expect(totals.failed + totals.errored).toBe(expected.failing);
      expect(totals.passed).toBe(expected.passed ?? expected.tests - expected.skipped - expected.failing);
      expectConsistent(totals);
    });
  }

  for (const [name, expected] of Object.entries(DIFFERS)) {
    it(`${name} differs from upstream (${expected.upstream}) on purpose: ${expected.why}`, async () => {
      const totals = await parseJunit({ path: fixture(name) });
      expect(totals.tests).toBe(expected.tests);
      expect(totals.skipped).toBe(expected.skipped);
      expect(totals.failed + totals.errored).toBe(expected.failing);
      expect(totals.passed).toBe(expected.passed);
      expectConsistent(totals);
    });
  }

  for (const [name, expected] of Object.entries(BY_HAND)) {
    it(`${name}: ${expected.why}`, async () => {
      const totals = await parseJunit({ path: fixture(name) });
      expect(totals.tests).toBe(expected.tests);
      expect(totals.skipped).toBe(expected.skipped);
      expect(totals.failed + totals.errored).toBe(expected.failing);
      expect(totals.passed).toBe(expected.passed);
      expectConsistent(totals);
    });
  }

  for (const [name, expected] of Object.entries(RERUNS)) {
    it(`${name}: every test case counts; merged as reruns (${expected.where})`, async () => {
      const totals = await parseJunit({ path: fixture(name) });
      const { everyCase, merged } = expected;
      expect(totals.tests).toBe(everyCase.tests);
      expect(totals.skipped).toBe(everyCase.skipped);
      expect(totals.failed + totals.errored).toBe(everyCase.failing);
      expect(totals.passed).toBe(everyCase.passed);
      expect(totals.flaky).toBe(0);
      expectConsistent(totals);
      const reruns = totals.reruns!;
      expect(totals.repeats).toBe(everyCase.tests - merged.tests);
      expect(reruns.tests).toBe(merged.tests);
      expect(reruns.skipped).toBe(merged.skipped);
      expect(reruns.failed + reruns.errored).toBe(merged.failing);
      expect(reruns.passed).toBe(merged.passed);
      expect(reruns.flaky).toBe(merged.flaky);
      expectConsistent({ ...totals, ...reruns });
    });
  }

  it('the four surefire reports sum to upstream\'s "17 tests run, 1 skipped, 11 failed."', async () => {
    // __tests__/action.test.fixtures.ts at 88fead4 L7 (report_paths '**/surefire-reports/TEST-*.xml').
    const names = [
      'tests__email__TEST-action.surefire.report.email.EmailAddressTest.xml',
      'tests__utils__TEST-action.surefire.report.calc.AllOkTest.xml',
      'tests__utils__TEST-action.surefire.report.calc.CalcUtilsTest.xml',
      'tests__utils__TEST-action.surefire.report.calc.StringUtilsTest.xml',
    ];
    const merged = mergeTotals(await Promise.all(names.map((name) => parseJunit({ path: fixture(name) }))));
    expect(merged.tests).toBe(17);
    expect(merged.skipped).toBe(1);
    expect(merged.failed + merged.errored).toBe(11);
    expect(merged.files).toBe(4);
    expectConsistent(merged);
  });

  it('refuses the truncated surefire report with file, line, column and what was expected', async () => {
    // Upstream logs the parse error and counts the file as empty (testParser.test.ts L1744-1775);
    // a promotion gate must not read a broken report as "0 tests, 0 failed".
    const error = await rejection(parseJunit({ path: fixture(CORRUPT) }));
    expect(error.code).toBe('EVIDENCE_INVALID');
    expect(error.position).toEqual({ file: fixture(CORRUPT), line: 18, column: 25 });
    expect(error.message).toContain(`${fixture(CORRUPT)}:18:25:`);
    expect(error.message).toContain('<system-out> is still open');
    expect(error.message).toContain('expected a complete JUnit XML document');
  });
});

describe('parseJunit details', () => {
  it('keeps failed names with kind, classname and message, in document order', async () => {
    const totals = await parseJunit({ path: fixture('multiple_failures__test_multiple_errors.xml') });
    expect(totals.failed).toBe(1);
    expect(totals.errored).toBe(1);
    expect(totals.failures).toEqual([
      {
        name: 'testWithMultipleErrors',
        classname: 'com.example.MultipleErrorsTest',
        kind: 'error',
        message: 'First timeout',
      },
      // A failure and an error on one test case (pytest: failed call, broken teardown): one failed test.
      {
        name: 'testWithFailureAndError',
        classname: 'com.example.MultipleErrorsTest',
        kind: 'failure',
        message: 'Assertion failed',
      },
    ]);
  });

  it('takes the first line of the failure text when there is no message attribute', async () => {
    const totals = await parseJunit({ path: fixture('junit-server-test__report.xml') });
    expect(totals.failures.map((f) => f.message)).toEqual(['Failed']);
    // Merged as reruns, the later pass clears it.
    expect(totals.reruns?.failures).toEqual([]);
    const surefire = await parseJunit({ path: fixture('nested__junit.xml') });
    expect(surefire.failures.map((f) => f.message)).toEqual(['failure', 'failure', 'failure']);
    const inline = await fromText(
      '<testsuite><testcase name="t"><failure><![CDATA[\n  java.lang.AssertionError: boom\n\tat X.y(X.java:1)]]></failure><system-out>noise</system-out></testcase></testsuite>',
    );
    expect(inline.failures).toEqual([
      { name: 't', kind: 'failure', message: 'java.lang.AssertionError: boom' },
    ]);
  });

  it('caps a long failure message', async () => {
    const long = 'x'.repeat(FAILURE_MESSAGE_CAP * 3);
    const totals = await fromText(
      `<testsuite><testcase name="t"><failure message="${long}"/></testcase></testsuite>`,
    );
    const message = totals.failures[0]?.message ?? '';
    expect(message.length).toBe(FAILURE_MESSAGE_CAP);
    expect(message.endsWith('…')).toBe(true);
  });

  it('caps failure names and counts the rest', async () => {
    const cases = Array.from(
      { length: FAILED_NAMES_CAP + 10 },
      (_, i) => `<testcase name="t${i}"><error/></testcase>`,
    );
    const totals = await fromText(
      `<testsuites><testsuite name="s">${cases.join('')}</testsuite></testsuites>`,
    );
    expect(totals.errored).toBe(FAILED_NAMES_CAP + 10);
    expect(totals.failures).toHaveLength(FAILED_NAMES_CAP);
    expect(totals.failures[0]?.name).toBe('t0');
    expect(totals.failuresOmitted).toBe(10);
  });

  it('merged as reruns, a later pass takes the test out of the failure list; every test case still counts', async () => {
    const totals = await fromText(
      `<testsuite>
        <testcase name="a" classname="C"><failure message="first"/></testcase>
        <testcase name="b" classname="C"><failure message="stays"/></testcase>
        <testcase name="a" classname="C"/>
        <testcase name="a" classname="D"><failure message="other class"/></testcase>
      </testsuite>`,
    );
    expect(totals).toMatchObject({ tests: 4, passed: 1, failed: 3, flaky: 0, repeats: 1 });
    expect(totals.failures.map((f) => `${f.classname}.${f.name}`)).toEqual(['C.a', 'C.b', 'D.a']);
    expect(totals.reruns).toMatchObject({ tests: 3, passed: 1, failed: 2, flaky: 1 });
    expect(totals.reruns?.failures.map((f) => `${f.classname}.${f.name}`)).toEqual(['C.b', 'D.a']);
  });

  it('past retryMemory names, remembers only failing tests, then none, and says how many went untracked', async () => {
    const xml = `<testsuite>
        <testcase name="p1"/><testcase name="p2"/>
        <testcase name="p3"/><testcase name="f1"><failure/></testcase><testcase name="f2"><failure/></testcase>
        <testcase name="p3"/><testcase name="f1"/><testcase name="f2"/>
      </testsuite>`;
    // Memory for 2 names: p1, p2 remembered; p3 not (passing, past the limit); f1, f2 remembered
    // (failing, up to twice the limit). So the rerun of p3 counts as a second test, while the
    // reruns of f1 and f2 still turn them green.
    const limited = await fromText(xml);
    expect(limited).toMatchObject({ tests: 8, passed: 6, failed: 2, retriesUntracked: 0 });
    expect(limited.reruns).toMatchObject({ tests: 5, passed: 5, failed: 0, flaky: 2 });
    const small = await parseJunit({ stream: Readable.from([xml]), name: 'x.xml' }, { retryMemory: 2 });
    expect(small).toMatchObject({ tests: 8, failed: 2, retriesUntracked: 2 });
    expect(small.reruns).toMatchObject({ tests: 6, passed: 6, failed: 0, flaky: 2 });
    const tiny = await parseJunit({ stream: Readable.from([xml]), name: 'x.xml' }, { retryMemory: 1 });
    // Memory for 1 name: p1 remembered, then only f1 (failing, below twice the limit); f2's
    // failure stays because its rerun is not recognised.
    expect(tiny).toMatchObject({ tests: 8, failed: 2, retriesUntracked: 5 });
    expect(tiny.reruns).toMatchObject({ tests: 7, failed: 1 });
    expectConsistent({ ...tiny, ...tiny.reruns! });
  });

  it('recognises reruns whatever the chunks the report arrives in', async () => {
    // Names are remembered as slices of the chunk being parsed and copied when the next chunk
    // arrives; a suite that outlives a chunk has its later names copied at once. Both must
    // find the earlier run of a retried test.
    const suite = (n: number) =>
      `<testsuite name="s${n}">
        <testcase name="first-${n}" classname="C${n}"><failure message="once"/></testcase>
        <testcase name="steady-${n}" classname="C${n}" time="<<computed>>"/>
        <testcase name="broken-${n}" classname="C${n}"><error message="always"/></testcase>
        <testcase name="first-${n}" classname="C${n}"/>
        <testcase name="broken-${n}" classname="C${n}"><error message="again"/></testcase>
      </testsuite>`;
    const xml = `<testsuites>${[1, 2, 3, 4, 5, 6].map(suite).join('\n')}</testsuites>`;
    const whole = await parseJunit({ stream: Readable.from([xml]), name: 'x.xml' });
    expect(whole).toMatchObject({ tests: 30, passed: 12, failed: 6, errored: 12, repeats: 12 });
    expect(whole.reruns).toMatchObject({ tests: 18, passed: 12, errored: 6, flaky: 6 });
    for (const size of [1, 7, 13, 64, 300, 1000]) {
      const pieces: string[] = [];
      for (let at = 0; at < xml.length; at += size) pieces.push(xml.slice(at, at + size));
      const chunked = await parseJunit({ stream: Readable.from(pieces), name: 'x.xml' });
      expect(chunked, `chunks of ${size}`).toEqual(whole);
    }
  });

  it('does not merge same-named tests of different suites', async () => {
    const totals = await fromText(
      `<testsuites>
        <testsuite name="chrome"><testcase name="a"><failure/></testcase></testsuite>
        <testsuite name="firefox"><testcase name="a"/></testsuite>
      </testsuites>`,
    );
    expect(totals).toMatchObject({ tests: 2, passed: 1, failed: 1, flaky: 0 });
  });

  it('counts surefire flakyFailure/flakyError as passed and rerunFailure with a failure as failed', async () => {
    const totals = await fromText(
      `<testsuite name="S">
        <testcase name="flaky"><flakyFailure message="once"/><flakyError message="twice"/></testcase>
        <testcase name="broken"><failure message="final"/><rerunFailure message="again"/></testcase>
      </testsuite>`,
    );
    expect(totals).toMatchObject({ tests: 2, passed: 1, failed: 1, flaky: 1 });
    expect(totals.failures).toEqual([{ name: 'broken', kind: 'failure', message: 'final' }]);
  });

  it('counts a rerunFailure or rerunError with no failure beside it as failed, never as a flaky pass', async () => {
    // surefire writes <rerunFailure> only for a test whose reruns failed too; a report trimmed of
    // the <failure> (or a converter that dropped the last run) shows no run passing.
    const totals = await fromText(
      `<testsuite name="S" tests="3" failures="2" errors="1">
        <testcase name="stillBroken"><rerunFailure message="again" type="AssertionError"/><rerunFailure/></testcase>
        <testcase name="stillErroring"><rerunError type="java.io.IOException"/></testcase>
        <testcase name="skippedAfterFailing"><skipped/><rerunFailure message="boom"/></testcase>
      </testsuite>`,
    );
    expect(totals).toMatchObject({ tests: 3, passed: 0, failed: 2, errored: 1, skipped: 0, flaky: 0 });
    expect(totals.failures).toEqual([
      { name: 'stillBroken', kind: 'failure', message: 'again' },
      { name: 'stillErroring', kind: 'error', message: 'java.io.IOException' },
      { name: 'skippedAfterFailing', kind: 'failure', message: 'boom' },
    ]);
  });

  it('counts a test case whose status says it failed or errored as such, also without a failure element', async () => {
    // CTest writes status="fail", NUnit's JUnit transform and Pester status="Failed", each with a
    // <failure>; a report trimmed of that element still says the test failed.
    const totals = await fromText(
      `<testsuite name="ctest">
        <testcase name="a" status="fail"/>
        <testcase name="b" status="Failed"/>
        <testcase name="c" status="error"/>
        <testcase name="d" status="fail"><failure message="Failed"/></testcase>
        <testcase name="e" status="run"/>
        <testcase name="f" status="passed"/>
      </testsuite>`,
    );
    expect(totals).toMatchObject({ tests: 6, passed: 2, failed: 3, errored: 1, skipped: 0 });
    expect(totals.failures.map((f) => [f.name, f.kind, f.message])).toEqual([
      ['a', 'failure', 'status="fail"'],
      ['b', 'failure', 'status="Failed"'],
      ['c', 'error', 'status="error"'],
      ['d', 'failure', 'Failed'],
    ]);
  });

  it('counts a test case whose status is broken, timeout, timedOut, aborted, crashed or interrupted as errored', async () => {
    // Allure writes status="broken", Playwright "timedOut" and "interrupted"; each with no failure
    // element used to count as a pass. Words that say the test did not pass never pass it.
    const totals = await fromText(
      `<testsuite name="s">
        <testcase name="a" status="broken"/>
        <testcase name="b" status="timeout"/>
        <testcase name="c" status="timedOut"/>
        <testcase name="d" status="timed_out"/>
        <testcase name="e" status="Aborted"/>
        <testcase name="f" status="crashed"/>
        <testcase name="g" status="interrupted"/>
        <testcase name="h" status="cancelled"/>
        <testcase name="i" status="failing"/>
        <testcase name="j" status="run"/>
        <testcase name="k" status="whatever"/>
      </testsuite>`,
    );
    expect(totals).toMatchObject({ tests: 11, passed: 2, failed: 1, errored: 8, skipped: 0 });
    expect(totals.failures.map((f) => [f.name, f.kind, f.message])).toContainEqual([
      'c',
      'error',
      'status="timedOut"',
    ]);
    expect(totals.failures.map((f) => [f.name, f.kind])).toContainEqual(['i', 'failure']);
  });

  it('counts a jest-junit suite that failed to run as one errored test', async () => {
    // Shape written by jest-junit's buildJsonResults for a suite with no results: tests="0",
    // errors="1", and one <testcase> carrying the <error>.
    const totals = await fromText(
      `<testsuites name="jest tests" tests="1" failures="0" errors="1" time="1.2">
        <testsuite name="src/a.test.js" errors="0" failures="0" skipped="0" timestamp="2026-01-01T00:00:00" time="0.3" tests="1">
          <testcase classname="a works" name="a works" time="0.001"/>
        </testsuite>
        <testsuite name="src/broken.test.js" errors="1" failures="0" skipped="0" timestamp="2026-01-01T00:00:00" time="0" tests="0">
          <testcase classname="Test suite failed to run" name="src/broken.test.js" time="0">
            <error>  ● Test suite failed to run

    Cannot find module './missing'</error>
          </testcase>
        </testsuite>
      </testsuites>`,
    );
    expect(totals).toMatchObject({ tests: 2, passed: 1, errored: 1, failed: 0, durationSeconds: 1.2 });
    expect(totals.failures).toEqual([
      {
        name: 'src/broken.test.js',
        classname: 'Test suite failed to run',
        kind: 'error',
        message: '● Test suite failed to run',
      },
    ]);
  });

  it("reads Node's junit reporter: test cases directly under <testsuites>, a todo that failed as failed", async () => {
    // Shape of nodejs/node test/fixtures/test-runner/output/junit_reporter.snapshot.
    const totals = await fromText(
      `<?xml version="1.0" encoding="utf-8"?>
<testsuites>
\t<testcase name="sync pass todo" time="0.1" classname="test">
\t\t<skipped type="todo" message="true"/>
\t</testcase>
\t<testcase name="sync fail todo" time="0.1" classname="test" failure="thrown">
\t\t<skipped type="todo" message="true"/>
\t\t<failure type="testCodeFailure" message="thrown">boom</failure>
\t</testcase>
\t<testcase name="sync pass" time="0.1" classname="test"/>
\t<!-- this test should pass -->
\t<testcase name="sync throw fail" time="0.1" classname="test" failure="thrown from sync throw fail">
\t\t<failure type="testCodeFailure" message="thrown from sync throw fail">[Error]</failure>
\t</testcase>
\t<testsuite name="level 0a" time="0.2" disabled="0" errors="0" tests="2" failures="0" skipped="0" hostname="h">
\t\t<testcase name="level 1a" time="0.1" classname="test"/>
\t\t<testcase name="&lt;anonymous>" time="0.1" classname="test"/>
\t</testsuite>
</testsuites>`,
    );
    // Node does not fail a run for a todo test that fails; its report still carries the <failure>,
    // and a failure is never hidden behind a skip.
    expect(totals).toMatchObject({ tests: 6, passed: 3, failed: 2, skipped: 1, errored: 0 });
    expect(totals.failures.map((f) => f.name)).toEqual(['sync fail todo', 'sync throw fail']);
    // No time on the root: the test cases' times add up.
    expect(totals.durationSeconds).toBe(0.6);
  });

  it('counts <skipped/> and status disabled, ignored and skipped; a failure wins over a skip', async () => {
    const totals = await fromText(
      `<testsuite>
        <testcase name="a"><skipped/></testcase>
        <testcase name="b" status="disabled"/>
        <testcase name="c" status="ignored"/>
        <testcase name="d" status="skipped"/>
        <testcase name="e" status="disabled"><failure/></testcase>
        <testcase name="f" status="passed"/>
        <testcase name="g"><skipped/><error/></testcase>
      </testsuite>`,
    );
    expect(totals).toMatchObject({ tests: 7, skipped: 4, passed: 1, failed: 1, errored: 1 });
    expect(totals.failures.map((f) => f.name)).toEqual(['e', 'g']);
  });

  it("reads GoogleTest's report: a DISABLED_ test (status notrun) is skipped, GTEST_SKIP too", async () => {
    // Shape of google/googletest googletest/test/gtest_xml_output_unittest.py's expected XML; the
    // last test case is GTEST_SKIP() as gtest 1.10 writes it, without a <skipped> child.
    const totals = await fromText(
      `<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="5" failures="1" disabled="1" skipped="2" errors="0" time="*" name="AllTests">
  <testsuite name="MixedResultTest" tests="3" failures="1" disabled="1" skipped="0" errors="0" time="*">
    <testcase name="Succeeds" file="gtest_xml_test_utils.cc" line="1" status="run" result="completed" time="*" classname="MixedResultTest"/>
    <testcase name="Fails" file="gtest_xml_test_utils.cc" line="2" status="run" result="completed" time="*" classname="MixedResultTest">
      <failure message="gtest_xml_output_unittest_.cc:*&#x0A;Expected equality of these values:" type=""><![CDATA[Expected equality]]></failure>
    </testcase>
    <testcase name="DISABLED_test" file="gtest_xml_test_utils.cc" line="3" status="notrun" result="suppressed" time="*" classname="MixedResultTest"/>
  </testsuite>
  <testsuite name="SkippedTest" tests="2" failures="0" disabled="0" skipped="2" errors="0" time="*">
    <testcase name="Skipped" status="run" file="gtest_xml_test_utils.cc" line="4" result="skipped" time="*" classname="SkippedTest">
      <skipped message="gtest_xml_test_utils.cc:4&#x0A;"><![CDATA[gtest_xml_test_utils.cc:4]]></skipped>
    </testcase>
    <testcase name="SkippedOld" status="run" result="skipped" time="*" classname="SkippedTest"/>
  </testsuite>
</testsuites>`,
    );
    expect(totals).toMatchObject({ tests: 5, passed: 1, failed: 1, skipped: 3, errored: 0 });
  });

  it('fails a test case whose <failure> or <error> sits deeper than a direct child', async () => {
    const totals = await fromText(
      `<testsuite name="s">
        <testcase name="in-out"><system-out><failure message="assert 1 == 2"/></system-out></testcase>
        <testcase name="in-rerun"><rerunFailure><error type="Boom"/></rerunFailure></testcase>
        <testcase name="text-only"><system-out>&lt;failure message="not an element"/&gt;</system-out></testcase>
      </testsuite>`,
    );
    expect(totals).toMatchObject({ tests: 3, passed: 1, failed: 1, errored: 1 });
    expect(totals.failures).toEqual([
      { name: 'in-out', kind: 'failure', message: 'assert 1 == 2' },
      { name: 'in-rerun', kind: 'error', message: 'Boom' },
    ]);
  });

  it('names a failure by its type when it has neither message nor text; an <error/> alone still errs', async () => {
    const totals = await fromText(
      `<testsuite><testcase name="a"><failure type="AssertionError"/></testcase><testcase name="b"><error/></testcase></testsuite>`,
    );
    expect(totals).toMatchObject({ tests: 2, failed: 1, errored: 1, passed: 0 });
    expect(totals.failures).toEqual([
      { name: 'a', kind: 'failure', message: 'AssertionError' },
      { name: 'b', kind: 'error' },
    ]);
  });

  it("counts a suite-level <error> (Ant's formatter, a suite that failed outside its tests) as a failing test", async () => {
    const totals = await fromText(
      `<testsuite name="com.example.DbTest" tests="0" errors="1">
        <properties><property name="java.version" value="17"/></properties>
        <error message="Connection refused" type="java.net.ConnectException">java.net.ConnectException: Connection refused</error>
        <system-out/>
      </testsuite>`,
    );
    expect(totals).toMatchObject({ tests: 1, errored: 1, passed: 0 });
    expect(totals.failures).toEqual([
      { name: 'com.example.DbTest', kind: 'error', message: 'Connection refused' },
    ]);
  });

  it('counts a <failure> or <error> a suite holds deeper than its direct children, in system-out or a wrapper', async () => {
    const totals = await fromText(
      `<testsuite name="com.example.Suite">
        <testcase name="ok"/>
        <system-out><failure message="setup broke"/></system-out>
        <group><error type="java.lang.IllegalStateException"/></group>
      </testsuite>`,
    );
    expect(totals).toMatchObject({ tests: 3, passed: 1, failed: 1, errored: 1 });
    expect(totals.failures).toEqual([
      { name: 'com.example.Suite', kind: 'failure', message: 'setup broke' },
      { name: 'com.example.Suite', kind: 'error', message: 'java.lang.IllegalStateException' },
    ]);
  });

  it('counts the failures a suite declares when no test case in it shows one, and names the suite', async () => {
    const totals = await fromText(
      `<testsuites tests="6" failures="1" skipped="2">
        <testsuite name="outer" tests="6" failures="1" skipped="2">
          <testsuite name="inner" tests="1"><testcase name="shown"/></testsuite>
        </testsuite>
      </testsuites>`,
    );
    // The outer suite lists 1 of its 6 tests: 1 failure, 2 skipped and 2 passes are unlisted. The
    // root declares the same again and counts nothing more.
    expect(totals).toMatchObject({ tests: 6, passed: 3, failed: 1, errored: 0, skipped: 2 });
    expect(totals.failures).toEqual([
      {
        name: 'outer',
        kind: 'failure',
        message: 'the suite declares 1 failure that no <testcase> in it shows',
      },
    ]);
    expect(totals.reruns).toBeUndefined();
  });

  it('counts the failures a suite declares beyond the ones it shows, once, whatever the convention', async () => {
    // A trimmed report: 5 failures declared, 2 shown. Nested in a root that declares the same 5.
    const trimmed = await fromText(
      `<testsuites tests="7" failures="5">
        <testsuite name="checkout" tests="7" failures="5">
          <testcase name="a"><failure message="boom"/></testcase>
          <testcase name="b"><failure/></testcase>
          <testcase name="c"/><testcase name="d"/>
        </testsuite>
      </testsuites>`,
    );
    expect(trimmed).toMatchObject({ tests: 7, passed: 2, failed: 5, errored: 0 });
    expect(trimmed.failures.at(-1)).toEqual({
      name: 'checkout',
      kind: 'failure',
      message: 'the suite declares 3 failures that no <testcase> in it shows',
    });
    // @web/test-runner counts one failed test in both failures and errors: nothing is missing.
    const twice = await fromText(
      `<testsuite name="w" tests="2" failures="1" errors="1">
        <testcase name="x"><failure/></testcase><testcase name="y"/>
      </testsuite>`,
    );
    expect(twice).toMatchObject({ tests: 2, passed: 1, failed: 1, errored: 0 });
    // Failures and errors declared apart, more errors than shown: the larger count is the floor.
    const errors = await fromText(
      `<testsuite name="e" tests="5" failures="1" errors="3">
        <testcase name="x"><failure/></testcase><testcase name="y"><error/></testcase><testcase name="z"/>
      </testsuite>`,
    );
    expect(errors.failed + errors.errored).toBe(3);
  });

  it('does not add to the test cases of a suite whose attributes count differently', async () => {
    // failures counts <failure> elements (3 for one test), errors counts a failed test again,
    // tests over-counts; a suite with no test case that declares only passes adds nothing.
    const totals = await fromText(
      `<testsuites tests="9" failures="3" errors="1">
        <testsuite name="a" tests="8" failures="3" errors="1">
          <testcase name="t"><failure/><failure/><failure/></testcase>
          <testcase name="u"/>
        </testsuite>
        <testsuite name="b" tests="4"/>
      </testsuites>`,
    );
    expect(totals).toMatchObject({ tests: 2, passed: 1, failed: 1, errored: 0, skipped: 0 });
  });

  it("reads surefire's failed attempts as part of what a suite declares, and counts only what they leave unlisted", async () => {
    // surefire 3 with rerunFailingTestsCount counts every attempt in tests and failures/errors: a
    // test that failed twice and then passed declares tests="3" failures="2" (junit-plugin's gh-237).
    // Its suites name surefire's report schema, as that file's does.
    const flaky = await fromText(
      `<testsuites tests="3" failures="2">
        <testsuite ${SUREFIRE} name="s" tests="3" failures="2">
          <testcase name="t"><flakyFailure message="1st"/><flakyFailure message="2nd"/></testcase>
        </testsuite>
      </testsuites>`,
    );
    expect(flaky).toMatchObject({ tests: 1, passed: 1, failed: 0, errored: 0, flaky: 1 });
    const flakyError = await fromText(
      `<testsuite ${SUREFIRE} name="s" tests="2" errors="1"><testcase name="t"><flakyError/></testcase></testsuite>`,
    );
    expect(flakyError).toMatchObject({ tests: 1, passed: 1, errored: 0 });
    // More failures declared than attempts shown: the rest is unlisted (1 failed, and 5 - 1 listed
    // - 2 attempts - 1 failed = 1 passed).
    const trimmed = await fromText(
      `<testsuite ${SUREFIRE} name="s" tests="5" failures="3"><testcase name="t"><flakyFailure/><flakyFailure/></testcase></testsuite>`,
    );
    expect(trimmed).toMatchObject({ tests: 3, passed: 2, failed: 1, errored: 0 });
    // A failed attempt never accounts for a declared error, nor a flaky error for a failure.
    const otherKind = await fromText(
      `<testsuite ${SUREFIRE} name="s" tests="2" errors="1"><testcase name="t"><flakyFailure/></testcase></testsuite>`,
    );
    expect(otherKind).toMatchObject({ tests: 2, passed: 1, errored: 1 });
    // pytest-rerunfailures declares final outcomes only: its <rerun> accounts for nothing.
    const pytest = await fromText(
      `<testsuite ${SUREFIRE} name="s" tests="1" failures="1"><testcase name="t"><rerun/></testcase></testsuite>`,
    );
    expect(pytest).toMatchObject({ tests: 2, passed: 1, failed: 1 });
  });

  it('counts a declared failure that no test case shows in a trimmed Playwright suite listing only a flaky test', async () => {
    // The chromium suite of test/fixtures/junit-runners/playwright-retries.xml as a run whose only
    // failure was the voucher test, trimmed to its passing and flaky test cases. Playwright counts
    // tests, not attempts: the <flakyFailure> is the flaky test, and failures="1" is another test.
    const trimmed = await fromText(
      `<testsuites id="" name="" tests="4" failures="1" skipped="1" errors="0" time="9.5">
<testsuite name="checkout.spec.ts" timestamp="2026-12-01T10:00:00.000Z" hostname="chromium" tests="4" failures="1" skipped="1" time="9.5" errors="0">
<testcase name="checkout › shows the basket" classname="checkout.spec.ts" time="0.812"></testcase>
<testcase name="checkout › pays with a card" classname="checkout.spec.ts" time="1.204">
<flakyFailure message="Expected: 200" type="expect.toBe" time="2.118"><stackTrace>Error</stackTrace></flakyFailure>
</testcase>
</testsuite>
</testsuites>`,
    );
    expect(trimmed).toMatchObject({ tests: 4, passed: 2, failed: 1, errored: 0, skipped: 1, flaky: 1 });
    expect(trimmed.failures).toEqual([
      {
        name: 'checkout.spec.ts',
        kind: 'failure',
        message: 'the suite declares 1 failure that no <testcase> in it shows',
      },
    ]);
    // The same suite in surefire's shape: there the failure is the flaky test's own first attempt.
    const surefire = await fromText(
      `<testsuite ${SUREFIRE} name="checkout" tests="2" failures="1"><testcase name="pays"><flakyFailure/></testcase></testsuite>`,
    );
    expect(surefire).toMatchObject({ tests: 1, passed: 1, failed: 0, flaky: 1 });
  });

  it('ignores count attributes that are not whole numbers, and caps failure names of declared failures', async () => {
    const odd = await fromText(`<testsuite failures="one" errors="-1" tests="1e3"/>`);
    expect(odd).toMatchObject({ tests: 0, failed: 0, errored: 0 });
    const many = await fromText(`<testsuite name="big" tests="100000" errors="100000"/>`);
    expect(many).toMatchObject({ tests: 100000, errored: 100000, passed: 0 });
    expect(many.failures).toHaveLength(FAILED_NAMES_CAP);
    expect(many.failuresOmitted).toBe(100000 - FAILED_NAMES_CAP);
  });

  it('never merges test cases without a name as reruns of one another', async () => {
    const totals = await fromText(
      `<testsuite><testcase><failure/></testcase><testcase/><testcase name="x"/><testcase name="x"/></testsuite>`,
    );
    expect(totals).toMatchObject({ tests: 4, passed: 3, failed: 1, repeats: 1 });
    expect(totals.reruns).toMatchObject({ tests: 3, passed: 2, failed: 1 });
  });

  it('reads time with thousands separators and ignores times that are not numbers', async () => {
    expect(parseSeconds('1,234.5')).toBe(1234.5);
    expect(parseSeconds('12,345,678')).toBe(12345678);
    expect(parseSeconds(' 0.25 ')).toBe(0.25);
    expect(parseSeconds('1e-3')).toBe(0.001);
    expect(parseSeconds('<<computed>>')).toBeUndefined();
    expect(parseSeconds('computed>>')).toBeUndefined();
    expect(parseSeconds('1,5')).toBeUndefined();
    expect(parseSeconds('-1')).toBeUndefined();
    const totals = await fromText(
      `<testsuite name="s"><testcase name="a" time="1,234.5"/><testcase name="b" time="0.5"/></testsuite>`,
    );
    expect(totals.durationSeconds).toBe(1235);
  });

  it("prefers the root element's time (wall time) over the sum of test case times", async () => {
    const totals = await parseJunit({ path: fixture('nested__multi-level.xml') });
    expect(totals.durationSeconds).toBe(5.922);
    const none = await fromText('<testsuite><testcase name="a"/></testsuite>');
    expect(none.durationSeconds).toBeUndefined();
  });

  it('decodes UTF-8 split across chunks and a byte order mark', async () => {
    const bytes = Buffer.from(
      '\uFEFF<testsuite><testcase name="ñandú 😋"><failure message="ü"/></testcase></testsuite>',
    );
    // Split inside the multi-byte characters: every single byte is its own chunk.
    const chunks = Array.from(bytes, (byte) => Buffer.from([byte]));
    const totals = await fromText(chunks);
    expect(totals.failures).toEqual([{ name: 'ñandú 😋', kind: 'failure', message: 'ü' }]);
  });

  it('carries the suite option and turns totals into TestSummary evidence', async () => {
    const totals = await parseJunit({ path: fixture('python__report.xml') }, { suite: 'unit' });
    expect(totals.suite).toBe('unit');
    const summary = toTestSummary(totals);
    expect(summary).toEqual({
      kind: 'tests',
      suite: 'unit',
      tests: 3,
      passed: 1,
      failed: 2,
      errored: 0,
      skipped: 0,
      failures: totals.failures,
      failuresOmitted: 0,
      durationSeconds: totals.durationSeconds,
      // pytest's timestamp="2020-10-12T18:46:11.226119", without a zone: read as UTC.
      ranAt: '2020-10-12T18:46:11.226Z',
    });
    expect(toTestSummary(totals, 'integration').suite).toBe('integration');
    expect(() => toTestSummary({ ...totals, suite: undefined })).toThrow(/suite name/);
  });

  it('mergeTotals sums counts, keeps the cap and adds durations', () => {
    const one = (failures: number, duration?: number): JunitTotals => ({
      tests: failures + 1,
      passed: 1,
      failed: failures,
      errored: 0,
      skipped: 0,
      flaky: 0,
      failures: Array.from({ length: Math.min(failures, FAILED_NAMES_CAP) }, (_, i) => ({
        name: `t${i}`,
        kind: 'failure' as const,
      })),
      failuresOmitted: Math.max(0, failures - FAILED_NAMES_CAP),
      repeats: 0,
      retriesUntracked: 0,
      files: 1,
      ...(duration === undefined ? {} : { durationSeconds: duration }),
    });
    const merged = mergeTotals([one(30, 1.5), one(40), one(0, 2.25)]);
    expect(merged).toMatchObject({ tests: 73, passed: 3, failed: 70, files: 3, durationSeconds: 3.75 });
    expect(merged.failures).toHaveLength(FAILED_NAMES_CAP);
    expect(merged.failuresOmitted).toBe(20);
    expect(mergeTotals([])).toMatchObject({ tests: 0, files: 0, failures: [] });
    expect(mergeTotals([one(1)]).durationSeconds).toBeUndefined();
  });
});

describe('parseJunit refuses what it must not read', () => {
  it('refuses a billion-laughs DOCTYPE before expanding anything', async () => {
    const laughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<testsuite><testcase name="&lol9;"/></testsuite>`;
    const error = await rejection(fromText(laughs, 'laughs.xml'));
    expect(error.code).toBe('EVIDENCE_INVALID');
    expect(error.message).toMatch(/^laughs\.xml:7:\d+: a DOCTYPE declaration is not allowed/);
    expect(error.message).toContain('expected the report to start with <testsuites> or <testsuite>');
  });

  it('refuses an external entity (XXE)', async () => {
    const xxe = `<?xml version="1.0"?>
<!DOCTYPE testsuite [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<testsuite><testcase name="&xxe;"><failure message="&xxe;"/></testcase></testsuite>`;
    const error = await rejection(fromText(xxe, 'xxe.xml'));
    expect(error.code).toBe('EVIDENCE_INVALID');
    expect(error.message).toContain('DOCTYPE declaration is not allowed');
    expect(error.message).not.toContain('root:');
  });

  it('refuses an undeclared entity reference', async () => {
    const error = await rejection(fromText('<testsuite>\n<testcase name="&foo;"/></testsuite>', 'ent.xml'));
    expect(error.code).toBe('EVIDENCE_INVALID');
    expect(error.position).toMatchObject({ file: 'ent.xml', line: 2 });
    expect(error.message).toContain('entities are refused');
  });

  it('refuses XML whose root is not a JUnit element', async () => {
    const error = await rejection(fromText('<?xml version="1.0"?>\n<bom><components/></bom>', 'sbom.xml'));
    expect(error.code).toBe('EVIDENCE_INVALID');
    expect(error.message).toContain('sbom.xml:2:');
    expect(error.message).toContain('the root element is <bom>; expected <testsuites> or <testsuite>');
  });

  it('refuses an empty file and malformed XML', async () => {
    const empty = await rejection(fromText('', 'empty.xml'));
    expect(empty.message).toContain('empty.xml:1:0: the file contains no XML element');
    const mismatched = await rejection(fromText('<testsuite>\n  <testcase name="a"></testsuite>', 'bad.xml'));
    expect(mismatched.code).toBe('EVIDENCE_INVALID');
    expect(mismatched.message).toMatch(
      /^bad\.xml:2:\d+: malformed XML: .+; expected a well-formed JUnit XML report$/,
    );
  });

  it('refuses a <testcase> inside a <testcase> rather than guess what it counts', async () => {
    const error = await rejection(
      fromText('<testsuite>\n<testcase name="a">\n  <testcase name="b"/></testcase></testsuite>', 'odd.xml'),
    );
    expect(error.code).toBe('EVIDENCE_INVALID');
    expect(error.message).toMatch(/^odd\.xml:3:\d+: a <testcase> inside a <testcase>/);
  });

  it('refuses a <testsuite> inside a <testcase>, whose declared failures would count nowhere', async () => {
    const error = await rejection(
      fromText(
        '<testsuite name="s">\n<testcase name="a">\n  <testsuite name="in" tests="2" failures="2"/></testcase></testsuite>',
        'odd.xml',
      ),
    );
    expect(error.code).toBe('EVIDENCE_INVALID');
    expect(error.message).toMatch(
      /^odd\.xml:3:\d+: a <testsuite> inside a <testcase>; expected suites to hold test cases/,
    );
  });

  it('names the file when it cannot be read', async () => {
    const missing = join(FIXTURES, 'does-not-exist.xml');
    const error = await rejection(parseJunit({ path: missing }));
    expect(error.code).toBe('FILE_UNREADABLE');
    expect(error.message).toBe(`${missing}: cannot read the JUnit XML file: no such file or directory`);
    const directory = await rejection(parseJunit({ path: FIXTURES }));
    expect(directory.message).toContain('it is a directory');
  });
});
