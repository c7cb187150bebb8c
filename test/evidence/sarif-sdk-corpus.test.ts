/**
 * Real SARIF files from microsoft/sarif-sdk (test/fixtures/sarif-sdk/, SOURCES.md), read the way
 * `tollgate attest scan` reads a file: bytes decoded by their byte order mark, format sniffed,
 * then the SARIF reader. Each row says where its expectation comes from. The whole corpus (704
 * files) was swept the same way; these are the files that exercise something the tutorial samples
 * in test/fixtures/sarif/ do not.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../src/evidence/detect-format.js';
import type { VulnerabilitySummary } from '../../src/evidence/evidence.js';
import { normaliseDetected } from '../../src/evidence/normalise-evidence.js';
import { decodeText } from '../../src/text/byte-order-mark.js';
import { tollgateErrorOf } from '../support/builders.js';

const DIR = fileURLToPath(new URL('../fixtures/sarif-sdk/', import.meta.url));
const FUNCTIONAL = 'src/Test.FunctionalTests.Sarif/';
const PRERELEASE = 'src/Test.UnitTests.Sarif/TestData/PrereleaseCompatibilityTransformer/Inputs/';
const MULTITOOL = `${FUNCTIONAL}TestData/Multitool/`;
const UNIT = 'src/Test.UnitTests.Sarif/TestData/';
const APPLY_POLICY = 'src/Test.UnitTests.Sarif.Multitool.Library/TestData/ApplyPolicyCommand/';

/** The fixture's file name: its upstream path with `/` as `__`. */
const fixtureName = (upstream: string) => upstream.replaceAll('/', '__');

function readScan(upstream: string): VulnerabilitySummary {
  const name = fixtureName(upstream);
  const result = normaliseDetected(detectFormat(decodeText(readFileSync(DIR + name)), name), name, 'scan');
  if (result.type !== 'evidence' || result.data.kind !== 'vulnerabilities') throw new Error('not a scan');
  return result.data;
}

const none = { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 };

interface Read {
  upstream: string;
  scanner: string;
  counts: Partial<typeof none>;
  suppressed: number;
  why: string;
}

const READ: Read[] = [
  {
    upstream: `${MULTITOOL}BaselineOption/Inputs/TEST1001.Baseline.sarif`,
    scanner: 'SARIF Functional Testing',
    counts: { medium: 6, low: 7 },
    suppressed: 0,
    why: 'all 13 results baselineState "new" (counted, §3.27.24): 5 level note, 2 with no level whose rule (by ruleIndex) has defaultConfiguration.level note (§3.27.10), 6 with neither → warning',
  },
  {
    upstream: `${MULTITOOL}BaselineOption/Inputs/TEST1003.Baseline.sarif`,
    scanner: 'testhost',
    counts: {},
    suppressed: 0,
    why: 'all 7 results baselineState "absent": detected in the baseline, not in this run (§3.27.24), so no finding; still a completed scan',
  },
  {
    upstream: `${FUNCTIONAL}v2/ConverterTestData/PREfast/TFS378661.cpp.xml.sarif`,
    scanner: 'PREfast',
    counts: { medium: 3 },
    suppressed: 1,
    why: 'the first of 4 results has one external suppression with no status (in effect, §3.35.3); no levels and no rule metadata → warning',
  },
  {
    upstream: `${PRERELEASE}ExercisesSchemaRtm5Changes.sarif`,
    scanner: 'CodeScanner',
    counts: {},
    suppressed: 1,
    why: 'version 2.1.0 under the rtm.4 $schema: the suppression says "state": "accepted", the name "status" had before rtm.5 (sarif-spec issue 449; the SDK renames it)',
  },
  {
    upstream: `${FUNCTIONAL}v2/ConverterTestData/StaticDriverVerifier/dispatchroutine_bug1.tt.sarif`,
    scanner: 'StaticDriverVerifier',
    counts: {},
    suppressed: 0,
    why: 'its one result is kind "pass", level "none": "The property is satisfied" (§3.27.9: no problem found)',
  },
  {
    upstream: `${MULTITOOL}ValidateCommand/Inputs/SARIF1001.RuleIdentifiersMustBeValid_Valid.sarif`,
    scanner: 'CodeScanner, AIAnalyzer',
    counts: {},
    suppressed: 0,
    why: 'two runs of two tools, each with "results": [] (§3.14.23: completed, nothing found)',
  },
  {
    upstream: `${MULTITOOL}ValidateCommand/Inputs/SARIF2004.OptimizeFileSize_SentinelIndexBloat.sarif`,
    scanner: 'SARIF Functional Testing',
    counts: { medium: 1 },
    suppressed: 0,
    why: 'ruleIndex -1 is "not set" (§3.7.4): the rule is found by ruleId; it has no default level → warning',
  },
  {
    upstream: `${APPLY_POLICY}WithPolicy.sarif`,
    scanner: 'Test',
    counts: { high: 1 },
    suppressed: 0,
    why: "the rule has no default level (warning) but run.policies sets it to error (§3.19.5); the SDK's ApplyPolicyCommandTests expects FailureLevel.Error after apply-policy",
  },
  {
    upstream: `${APPLY_POLICY}WithPolicy2.sarif`,
    scanner: 'Test',
    counts: { high: 1 },
    suppressed: 0,
    why: "two policies, error then note: the SDK's apply-policy applies them in order (last wins: Note), but Tollgate selects no policy and takes the worst, so a policy in the log never lowers a level — deliberately different",
  },
];

const CONVERT =
  /convert it with the SARIF Multitool \(`npx @microsoft\/sarif-multitool rewrite FILE --sarif-output-version Current --output NEW\.sarif`\)/;

const REFUSED: Array<{ upstream: string; reason: RegExp; why: string; convert?: true }> = [
  {
    upstream: `${FUNCTIONAL}v2/ConverterTestData/FortifyFpr/ScanWithFailureLevelMatrices.fpr.sarif`,
    reason:
      /^not a vulnerability scan: runs\[0\]\.invocations\[0\]\.toolExecutionNotifications\[0\] of Micro Focus Fortify Static Code Analyzer is an error \("Assuming Java source level to be 1\.8 as it was not specified\. Note that the default value may change in future versions\."\): the run failed and its results may be incomplete \(SARIF §3\.20\.21\)/,
    why: '452 results, but §3.20.21: a tool execution notification of level "error" "SHALL mean that the run failed" and a consumer "SHALL NOT assume that a failed run contains a complete set of analysis results"',
  },
  {
    upstream: `${PRERELEASE}OneRunWithBasicInvocation.sarif`,
    reason:
      /^not a vulnerability scan: runs\[0\]\.invocations\[0\] of CodeScanner says toolExecutionSuccessful: false \(the tool failed\)/,
    why: '2.1.0-beta.2 name of executionSuccessful (sarif-spec issue 399; the SDK renames it); "results": [] must not read as a clean scan',
  },
  {
    upstream: `${PRERELEASE}OneRunWithInvocationExitCode.sarif`,
    reason:
      /^not a vulnerability scan: runs\[0\]\.invocations\[0\] of CodeScanner has exitCode 1 and no "executionSuccessful" \(required by SARIF §3\.20\.14\), so the tool may have failed/,
    why: 'the SDK upgrades an invocation without (tool)executionSuccessful and a non-zero exitCode to executionSuccessful: false',
  },
  {
    upstream: `${MULTITOOL}ValidateCommand/Inputs/SARIF2004.OptimizeFileSize_Valid.sarif`,
    reason:
      /^not a valid SARIF log: runs\[0\]\.results\[1\]\.rule refers to runs\[0\]\.tool\.extensions\[1\], but the run has 0 extension\(s\); the rule, and so the level, of the result cannot be known$/,
    why: 'rule.toolComponent.index 1 names an extension the run lacks (§3.54.2); "Valid" only for the rule SARIF2004 that file tests',
  },
  {
    upstream: `${MULTITOOL}ValidateCommand/Inputs/SARIF2004.OptimizeFileSize_Invalid.sarif`,
    reason:
      /^not a valid SARIF log: runs\[0\]\.results\[3\]\.rule refers to a tool component with guid 686D3462-EC4F-499F-8738-9D6ED96F7A28, but neither the driver nor any extension has it/,
    why: 'rule.toolComponent.guid matches neither the driver nor an extension (§3.54.2)',
  },
  {
    upstream: `${MULTITOOL}ValidateCommand/Inputs/SimpleExample.sarif-external-properties.json`,
    reason: /^not a vulnerability scan: this is a SARIF external property file \(SARIF §4/,
    why: 'an external property file (§4) holds part of a run, not a log',
  },
  {
    upstream: `${FUNCTIONAL}v1/SpecExamples/Minimal.sarif`,
    reason:
      /^this is SARIF 1\.0\.0 \(version "1\.0\.0"\), the format before SARIF 2; Tollgate reads SARIF 2\.1\.0/,
    why: 'SARIF 1.0.0 with no $schema: recognised by version and runs, refused by version',
    convert: true,
  },
  {
    upstream: `${FUNCTIONAL}v1/DirectProducerTestData/BinSkim/Corrupted_Native_x86_VS2013_Default.exe.sarif`,
    reason: /^this is SARIF 1\.0\.0 \(version "1\.0\.0"\)/,
    why: 'SARIF 1.0.0 written by BinSkim with a UTF-8 byte order mark',
    convert: true,
  },
  {
    upstream: `${FUNCTIONAL}v2/SpecExamples/Minimal.sarif`,
    reason: /^this is a pre-release draft of SARIF 2 \(version "2\.0\.0"\)/,
    why: 'the 2.0.0 committee draft',
    convert: true,
  },
  {
    upstream: `${PRERELEASE}WithSuppressions.sarif`,
    reason: /^this is a pre-release draft of SARIF 2 \(version "2\.0\.0"\)/,
    why: 'a 2.0.0 draft with a UTF-8 byte order mark, whose suppressions are "suppressionStates" strings',
    convert: true,
  },
  {
    upstream: `${PRERELEASE}ComprehensiveToolProperties.01-24.sarif`,
    reason: /^this is a pre-release draft of SARIF 2 \(version "2\.0\.0-csd\.2\.beta\.2019-01-24"\)/,
    why: 'a dated committee-specification draft',
    convert: true,
  },
];

describe('microsoft/sarif-sdk logs Tollgate reads', () => {
  for (const row of READ) {
    it(`${row.upstream}: ${row.why}`, () => {
      const scan = readScan(row.upstream);
      expect(scan.scanner).toBe(row.scanner);
      expect(scan.counts).toEqual({ ...none, ...row.counts });
      expect(scan.suppressed).toBe(row.suppressed);
    });
  }

  it("applies the invocation's ruleConfigurationOverrides as the SDK's round-trip test file names each result", () => {
    // The rule is error by default; the run's only invocation overrides it to note (§3.20.5,
    // §3.27.10). Each result's ruleId says what its level should be.
    const scan = readScan(
      `${UNIT}RoundTripping/Inputs/InvocationOverridesRuleDefaultConfigurationOfError.sarif`,
    );
    expect(scan.findings.map((f) => [f.id, f.severity])).toEqual([
      ['ExplicitDefaultLevel/ShouldBeNone', 'unknown'],
      ['ExplicitDefaultLevel/ShouldBeNone', 'unknown'],
      ['ExplicitDefaultLevel/ShouldBeNote', 'low'],
      ['ExplicitDefaultLevel/ShouldBeWarning', 'medium'],
      ['ExplicitDefaultLevel/ShouldBeError', 'high'],
    ]);
  });

  it('reads a suppression "state" of rejected as not suppressed, as it reads "status"', () => {
    const name = fixtureName(`${PRERELEASE}ExercisesSchemaRtm5Changes.sarif`);
    const text = readFileSync(DIR + name, 'utf8').replace('"state": "accepted"', '"state": "rejected"');
    const result = normaliseDetected(detectFormat(text, name), name, 'scan');
    expect(result.type === 'evidence' && result.data).toMatchObject({
      counts: { ...none, high: 1 },
      suppressed: 0,
    });
  });

  it('reads a 2.1.0 log written as UTF-16LE with a byte order mark (PowerShell 5) to the same counts', () => {
    const name = fixtureName(`${MULTITOOL}BaselineOption/Inputs/TEST1001.Baseline.sarif`);
    const utf16 = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from(readFileSync(DIR + name, 'utf8'), 'utf16le'),
    ]);
    const result = normaliseDetected(detectFormat(decodeText(utf16), name), name, 'scan');
    expect(result.type === 'evidence' && result.data).toMatchObject({
      counts: { ...none, medium: 6, low: 7 },
    });
  });
});

describe('microsoft/sarif-sdk logs Tollgate refuses, naming the file and why', () => {
  for (const row of REFUSED) {
    it(`${row.upstream}: ${row.why}`, () => {
      const name = fixtureName(row.upstream);
      const error = tollgateErrorOf(() => readScan(row.upstream));
      expect(error.code).toBe('EVIDENCE_INVALID');
      expect(error.message.startsWith(`${name}: `)).toBe(true);
      expect(error.message.slice(name.length + 2)).toMatch(row.reason);
      // An older version is told how to convert it; other refusals are not about versions.
      if (row.convert) expect(error.message).toMatch(CONVERT);
      else expect(error.message).not.toMatch(CONVERT);
    });
  }

  it("Pylint's own JSON, UTF-16LE with a byte order mark, is decoded and then named as no known format", () => {
    const upstream = `${FUNCTIONAL}v2/ConverterTestData/Pylint/Pylint-01.json`;
    const bytes = readFileSync(DIR + fixtureName(upstream));
    expect([bytes[0], bytes[1]]).toEqual([0xff, 0xfe]);
    const error = tollgateErrorOf(() => readScan(upstream));
    expect(error.message).toMatch(/: not a known evidence format: .* found JSON an array of \d+ item\(s\)$/);
  });
});
