/**
 * One `attest tests` call with several reports: a test case seen in two of them (the same report
 * re-encoded, with a byte order mark or a newline added, so not the same bytes; overlapping shards)
 * counts once, and a failure in any of them stays a failure. Disjoint shards still add up.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AcrossReports, mergeTotals, parseJunit, toTestSummary } from '../../src/evidence/junit-parser.js';

const GENERATED = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/junit-generated');
const real = (name: string) => readFileSync(join(GENERATED, name));
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** What `attest tests` records for these reports, given in this order. */
async function attested(reports: Buffer[], across = new AcrossReports()) {
  const list = [];
  for (const [index, bytes] of reports.entries()) {
    list.push(await parseJunit({ stream: Readable.from([bytes]), name: `r${index}.xml` }, { across }));
  }
  return { summary: toTestSummary(mergeTotals(list, across), 'unit'), across };
}

async function alone(bytes: Buffer) {
  return toTestSummary(await parseJunit({ stream: Readable.from([bytes]), name: 'alone.xml' }), 'unit');
}

const counts = (c: { tests: number; passed: number; failed: number; errored: number; skipped: number }) => ({
  tests: c.tests,
  passed: c.passed,
  failed: c.failed,
  errored: c.errored,
  skipped: c.skipped,
});

describe('test cases seen in more than one report of one attest', () => {
  for (const name of [
    'pytest-junit.xml',
    'vitest-junit.xml',
    'gtest-junit.xml',
    'catch2-junit.xml',
    'TEST-com.example.CheckoutTest.surefire-rerun.xml',
  ]) {
    it(`counts ${name} attested again with a byte order mark and a newline added once`, async () => {
      const bytes = real(name);
      const once = await alone(bytes);
      const { summary, across } = await attested([
        bytes,
        Buffer.concat([BOM, bytes, Buffer.from('\n')]),
        Buffer.concat([bytes, Buffer.from('\n\n')]),
      ]);
      expect(counts(summary)).toEqual(counts(once));
      expect(summary.flaky ?? 0).toBe(once.flaky ?? 0);
      expect(summary.failures.map((f) => f.name)).toEqual(once.failures.map((f) => f.name));
      expect(across.duplicates).toBeGreaterThan(0);
      // The reruns-merged view (reruns: true) is the one report's own, or its every-case counts.
      const merged = once.reruns ?? { ...once, flaky: once.flaky ?? 0 };
      expect(counts(summary.reruns!)).toEqual(counts(merged));
      expect(summary.reruns!.failures.map((f) => f.name)).toEqual(merged.failures.map((f) => f.name));
    });
  }

  it('adds up shards of disjoint test cases, as before', async () => {
    const pytest = await alone(real('pytest-junit.xml'));
    const gtest = await alone(real('gtest-junit.xml'));
    const { summary, across } = await attested([real('pytest-junit.xml'), real('gtest-junit.xml')]);
    expect(across.duplicates).toBe(0);
    expect(summary).toMatchObject({
      tests: pytest.tests + gtest.tests,
      passed: pytest.passed + gtest.passed,
      failed: pytest.failed + gtest.failed,
      errored: pytest.errored + gtest.errored,
      skipped: pytest.skipped + gtest.skipped,
    });
    // pytest writes the test that failed and then broke in teardown as two test cases: a repeat
    // within that report, as before; nothing repeats across the two.
    expect(summary.reruns?.repeats).toBe((pytest.reruns?.repeats ?? 0) + (gtest.reruns?.repeats ?? 0));
  });

  const report = (host: string, cases: string) =>
    Buffer.from(`<testsuites><testsuite name="unit" hostname="${host}">${cases}</testsuite></testsuites>`);
  const PASS = '<testcase classname="c" name="t"/>';
  const FAIL = '<testcase classname="c" name="t"><failure message="boom"/></testcase>';
  const OTHER = '<testcase classname="c" name="u"/>';

  it('keeps a failure in any report a failure, and lets a later pass clear it only in the reruns view', async () => {
    const { summary } = await attested([report('ci', FAIL + OTHER), report('ci', PASS + OTHER)]);
    // Every test case counts (no reruns: true): t failed somewhere, so t failed; u counts once.
    expect(counts(summary)).toEqual({ tests: 2, passed: 1, failed: 1, errored: 0, skipped: 0 });
    expect(summary.failures.map((f) => f.name)).toEqual(['t']);
    // reruns: true: the later report's pass is a rerun that cleared it (flaky).
    expect(summary.reruns).toMatchObject({ tests: 2, passed: 2, failed: 0, flaky: 1, failures: [] });
    // A pass first and a failure after: failed in both views.
    const after = (await attested([report('ci', PASS), report('ci', FAIL)])).summary;
    expect(counts(after)).toEqual({ tests: 1, passed: 0, failed: 1, errored: 0, skipped: 0 });
    expect(after.reruns).toMatchObject({ tests: 1, failed: 1, failures: [{ name: 't' }] });
  });

  it('never lets a pass from another hostname clear a failure (another Playwright project, another machine)', async () => {
    const { summary } = await attested([report('chromium', FAIL), report('firefox', PASS)]);
    expect(counts(summary)).toEqual({ tests: 1, passed: 0, failed: 1, errored: 0, skipped: 0 });
    expect(summary.reruns).toMatchObject({ tests: 1, passed: 0, failed: 1, failures: [{ name: 't' }] });
  });

  it('counts a pass in one report over a skip in another, and a skip never clears a failure', async () => {
    const skip = '<testcase classname="c" name="t"><skipped/></testcase>';
    const ran = (await attested([report('ci', skip), report('ci', PASS)])).summary;
    expect(counts(ran)).toEqual({ tests: 1, passed: 1, failed: 0, errored: 0, skipped: 0 });
    const failed = (await attested([report('ci', FAIL), report('ci', skip)])).summary;
    expect(counts(failed)).toEqual({ tests: 1, passed: 0, failed: 1, errored: 0, skipped: 0 });
    expect(failed.reruns).toMatchObject({ failed: 1 });
  });

  it('says how many test cases it could not compare once its memory is full', async () => {
    const two = report('ci', PASS + OTHER);
    const { summary, across } = await attested([two, two], new AcrossReports(1));
    // t is remembered and counted once; u is not remembered, so its copy counts again.
    expect(across).toMatchObject({ duplicates: 1, untracked: 2 });
    expect(summary.tests).toBe(3);
  });
});
