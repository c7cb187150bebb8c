/**
 * Outputs of producers the other corpora lack (test/fixtures/producers/, copied unchanged, sources
 * in test/fixtures/SOURCES.md): go-junit-report and gotestsum (Go's JUnit converters), gitleaks
 * (a secret scanner: JUnit and SARIF), and Trivy's JUnit template, SPDX and GitHub snapshot
 * outputs. Each expectation was counted from the file itself, independently of Tollgate's readers:
 * for JUnit, the <testcase> elements and the <failure>, <error> and <skipped> elements inside them
 * (every file here has at most one per test case); for SPDX, the packages other than the one the
 * document DESCRIBES; for Trivy JSON, `Results[].Vulnerabilities[]`; for SARIF, the results.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/decide.js';
import type { SbomSummary, VulnerabilitySummary } from '../../src/evidence/evidence.js';
import { parseJunit, toTestSummary } from '../../src/evidence/junit-parser.js';
import { normaliseDocument } from '../../src/evidence/normalise-evidence.js';
import { contractOf, factsOf, stagingYaml, testEvidence, tollgateErrorOf } from '../support/builders.js';
import { fixtureText } from './scan-helpers.js';

const DIR = fileURLToPath(new URL('../fixtures/producers/', import.meta.url));

interface JunitRow {
  file: string;
  /** Counted from the file: `tests: passed failed errored skipped`. */
  counts: string;
  why: string;
}

/** A summary's counts as a row writes them. */
function countsOf(summary: {
  tests: number;
  passed: number;
  failed: number;
  errored: number;
  skipped: number;
}) {
  return `${summary.tests}: ${summary.passed} passed ${summary.failed} failed ${summary.errored} errored ${summary.skipped} skipped`;
}

const JUNIT: JunitRow[] = [
  {
    file: 'go-junit-report__testdata__001-report.xml',
    counts: '5: 2 passed 1 failed 0 errored 2 skipped',
    why: 'go-junit-report: pass, fail and skip in two packages',
  },
  {
    file: 'go-junit-report__testdata__013-report.xml',
    counts: '5: 2 passed 0 failed 3 errored 0 skipped',
    why: 'go-junit-report: packages that failed to build are test cases with an <error>',
  },
  {
    file: 'go-junit-report__testdata__030-report.xml',
    counts: '17: 8 passed 9 failed 0 errored 0 skipped',
    why: 'go-junit-report: failures with their output, several packages',
  },
  {
    file: 'go-junit-report__testdata__105-report.xml',
    counts: '1: 0 passed 0 failed 1 errored 0 skipped',
    why: 'go-junit-report: a panic is an <error> without a <failure>',
  },
  {
    file: 'go-junit-report__testdata__108-report.xml',
    counts: '2: 1 passed 0 failed 1 errored 0 skipped',
    why: 'go-junit-report: a panic after the tests passed is a failure of the package (an extra test case with an <error>)',
  },
  {
    file: 'gotestsum__internal__junitxml__testdata__junitxml-report.golden',
    counts: '60: 42 passed 13 failed 0 errored 5 skipped',
    why: 'gotestsum: subtests, parallel failures and a failing TestMain',
  },
  {
    file: 'gotestsum__internal__junitxml__testdata__junitxml-report-hide-skipped-tests.golden',
    counts: '55: 42 passed 13 failed 0 errored 0 skipped',
    why: 'gotestsum --junitfile-hide-skipped-tests: the skipped tests are left out, so they are not counted',
  },
  {
    file: 'gitleaks__testdata__expected__report__junit_simple.xml',
    counts: '2: 0 passed 2 failed 0 errored 0 skipped',
    why: 'gitleaks --report-format junit: each secret found is a failed test case',
  },
  {
    file: 'gitleaks__testdata__expected__report__junit_empty.xml',
    counts: '0: 0 passed 0 failed 0 errored 0 skipped',
    why: 'gitleaks with nothing found: one suite, no test case',
  },
  {
    file: 'trivy__integration__testdata__alpine-310.junit.golden',
    counts: '4: 0 passed 4 failed 0 errored 0 skipped',
    why: 'Trivy --format template --template @contrib/junit.tpl: each vulnerability is a failed test case',
  },
  {
    file: 'junit.testlogger__docs__assets__TestResults.xml',
    counts: '9: 5 passed 4 failed 0 errored 0 skipped',
    why: '.NET JunitXml.TestLogger (dotnet test --logger junit): NUnit theory cases, one of them listed twice with the same name, both failing',
  },
  {
    file: 'quick-junit__crates__quick-junit-tests__tests__fixtures__basic_report.xml',
    counts: '8: 3 passed 3 failed 1 errored 1 skipped',
    why: "quick-junit (cargo-nextest's JUnit writer): a flaky pass, every retry failing beside a <failure>, and a test that passed on its last attempt but fails because nextest is told to fail flaky tests (a <failure> beside <flakyFailure>)",
  },
];

describe('JUnit from Go converters, gitleaks and Trivy', () => {
  it.each(JUNIT)('$file: $why', async (row) => {
    const summary = toTestSummary(await parseJunit({ path: join(DIR, row.file) }), 'producers');
    expect(countsOf(summary)).toBe(row.counts);
  });

  it('a JunitXml.TestLogger report: the theory case listed twice counts twice, and its unparsable timestamp states no run time', async () => {
    const totals = await parseJunit({ path: join(DIR, 'junit.testlogger__docs__assets__TestResults.xml') });
    // timestamp="2019-09-01T 23:56:54Z" (a space after the T) is no date-time: ignored, not an error.
    expect(totals.ranAt).toBeUndefined();
    expect(totals.repeats).toBe(1);
    expect(totals.reruns).toMatchObject({ tests: 8, passed: 5, failed: 3 });
    expect(totals.failures[0]).toEqual({
      name: 'Multiply_ReturnsEight(1,0)',
      classname: 'UnitTestLibrary1.MathTests',
      kind: 'failure',
      message: 'Expected: 8\r\n  But was:  0',
    });
  });

  it('a gitleaks JUnit report with a secret found blocks a tests gate that allows no failure', async () => {
    const totals = await parseJunit({
      path: join(DIR, 'gitleaks__testdata__expected__report__junit_simple.xml'),
    });
    const summary = toTestSummary(totals, 'secrets');
    const contract = contractOf(stagingYaml('      tests: [{ suite: secrets }]'));
    const decision = decide(contract, 'staging', factsOf({ evidence: [testEvidence(summary)] }));
    expect(decision.verdict).toBe('blocked');
    expect(decision.required[0]?.text).toMatch(
      /^suite secrets: 2 failed and 0 errored of 2, at most 0 allowed/,
    );
  });
});

/** The evidence `file` of test/fixtures/producers/ reads as, read under the name `name`. */
function evidenceOf<T>(file: string, name: string, kind: 'scan' | 'sbom'): T {
  const result = normaliseDocument(fixtureText(`producers/${file}`), name, kind);
  if (result.type !== 'evidence') throw new Error(result.type);
  return result.data as T;
}

describe('SARIF, SPDX and Trivy JSON from gitleaks and Trivy', () => {
  it('gitleaks SARIF: the result of a rule its driver does not list reads at the SARIF default level', () => {
    const scan = evidenceOf<VulnerabilitySummary>(
      'gitleaks__testdata__expected__report__sarif_simple.sarif',
      'sarif_simple.sarif',
      'scan',
    );
    expect(scan.scanner).toBe('gitleaks');
    expect(scan.counts).toEqual({ critical: 0, high: 0, medium: 1, low: 0, unknown: 0 });
    expect(scan.findings.map((f) => [f.id, f.package])).toEqual([['test-rule', 'auth.py']]);
  });

  it('gitleaks baseline SARIF with "runs": [] is no scan', () => {
    const error = tollgateErrorOf(() =>
      normaliseDocument(
        fixtureText('producers/gitleaks__testdata__baseline__baseline.sarif'),
        'baseline.sarif',
        'scan',
      ),
    );
    expect(error.message).toMatch(/not a vulnerability scan: the SARIF log has no run/);
  });

  it('Trivy JSON of a go.mod scan with VEX: four findings of UNKNOWN severity, all fixable', () => {
    const scan = evidenceOf<VulnerabilitySummary>(
      'trivy__integration__testdata__gomod-vex.json.golden',
      'gomod-vex.json',
      'scan',
    );
    expect(scan.counts).toEqual({ critical: 0, high: 0, medium: 0, low: 0, unknown: 4 });
    expect(scan.findings.filter((f) => f.fixedIn !== undefined)).toHaveLength(4);
  });

  it.each([
    ['trivy__integration__testdata__conda-spdx.json.golden', 2, 2, ['MIT', 'OpenSSL']],
    ['trivy__integration__testdata__julia-spdx.json.golden', 4, 3, []],
  ])('Trivy SPDX %s: %i components, %i with a purl', (file, components, withPurl, licences) => {
    const sbom = evidenceOf<SbomSummary>(file, file, 'sbom');
    expect(sbom.counts.components).toBe(components);
    expect(sbom.counts.withPurl).toBe(withPurl);
    expect([...new Set(sbom.components.flatMap((c) => c.licenses))].sort()).toEqual(licences);
  });

  it('a Trivy GitHub dependency snapshot is refused naming the flags Trivy takes, not syft', () => {
    const error = tollgateErrorOf(() =>
      normaliseDocument(
        fixtureText('producers/trivy__integration__testdata__alpine-310.gsbom.golden'),
        'alpine-310.gsbom',
      ),
    );
    expect(error.message).toMatch(
      /GitHub dependency snapshot \(`trivy --format github`; ask it for `--format cyclonedx`/,
    );
    expect(error.message).not.toMatch(/syft/);
  });
});
