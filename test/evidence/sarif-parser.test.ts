import { describe, expect, it } from 'vitest';
import { normaliseDocument } from '../../src/evidence/normalise-evidence.js';
import { parseSarif } from '../../src/evidence/sarif-parser.js';
import { tollgateErrorOf } from '../support/builders.js';
import { fixtureJson, fixtureText } from './scan-helpers.js';

const parse = (name: string) => parseSarif(fixtureJson(`sarif/${name}`), name);

describe('parseSarif on the real SARIF fixtures', () => {
  it('falls back to the rule default level through ruleIndex: one error (high), one warning (medium)', () => {
    const scan = parse('DefaultRuleConfiguration.sarif');
    expect(scan.scanner).toBe('SarifSamples');
    expect(scan.scannerVersion).toBe('1.0');
    expect(scan.findings.map((f) => [f.id, f.severity, f.package])).toEqual([
      ['TUT1001', 'high', 'file:///C:/code/myProject/io/kb.c'],
      ['TUT1002', 'medium', 'file:///C:/code/myProject/io/file.c'],
    ]);
    expect(scan.counts).toEqual({ critical: 0, high: 1, medium: 1, low: 0, unknown: 0 });
  });

  it('fills a message string from rule metadata and reads the explicit level', () => {
    const scan = parse('RuleMetadata.sarif');
    expect(scan.findings).toEqual([
      {
        id: 'TUT1001',
        severity: 'high',
        source: 'sarif:SarifSamples',
        package: 'test.json',
        title: "The URI '//C:/code/dev' is invalid.",
      },
    ]);
  });

  it('does not count the 3 suppressed results of Suppressions.sarif; counts the 6 others as warnings', () => {
    const scan = parse('Suppressions.sarif');
    expect(scan.suppressed).toBe(3);
    expect(scan.findings).toHaveLength(6);
    expect(scan.counts).toEqual({ critical: 0, high: 0, medium: 6, low: 0, unknown: 0 });
    // A result is suppressed only when every suppression is in effect (accepted or no status): the
    // rule of sarif-tutorials docs/Displaying-results-in-a-viewer.md ("If the status of any of the
    // suppressions is underReview or rejected, then the result should not be considered
    // suppressed") and of the SARIF SDK's Result.TryIsSuppressed. The sample's own texts call the
    // last three hidden; Tollgate follows the written rule, which never hides a contested result.
    expect(scan.findings.map((f) => f.title)).toEqual([
      'This result is visible because it is not suppressed.',
      'This result is visible because its suppression was rejected.',
      'This result is visible because its suppression is still under review.',
      'This result is hidden because at least one suppression was accepted.',
      'This result is hidden because it has at least one unqualified suppression.',
      'This result is hidden because at least one suppression has not yet been rejected (it is still under review).',
    ]);
  });

  it('reads Taxonomies.sarif: explicit error and a default warning', () => {
    expect(parse('Taxonomies.sarif').counts).toEqual({ critical: 0, high: 1, medium: 1, low: 0, unknown: 0 });
  });

  it('reads the empty log as a scan with no findings', () => {
    const scan = parse('empty-log.sarif.json');
    expect(scan.scanner).toBe('CodeScanner');
    expect(scan.findings).toEqual([]);
    expect(scan.suppressed).toBe(0);
    expect(scan.counts).toEqual({ critical: 0, high: 0, medium: 0, low: 0, unknown: 0 });
  });

  it("reads ESLint's simple example: one error", () => {
    const scan = parse('simple-example.sarif');
    expect(scan.scanner).toBe('ESLint');
    expect(scan.findings.map((f) => [f.id, f.severity])).toEqual([['no-unused-vars', 'high']]);
  });
});

function log(results: unknown[], rules: unknown[] = []) {
  return { version: '2.1.0', runs: [{ tool: { driver: { name: 'Scanner', rules } }, results }] };
}

describe('parseSarif severity mapping', () => {
  it('maps security-severity scores: ≥9 critical, 7–8.9 high, 4–6.9 medium, below 4 low', () => {
    const rules = [
      { id: 'R9', properties: { 'security-severity': '9.0' } },
      { id: 'R89', properties: { 'security-severity': '8.9' } },
      { id: 'R7', properties: { 'security-severity': '7.0' } },
      { id: 'R69', properties: { 'security-severity': '6.9' } },
      { id: 'R4', properties: { 'security-severity': '4.0' } },
      { id: 'R39', properties: { 'security-severity': '3.9' } },
    ];
    const results = rules.map((r) => ({ ruleId: r.id, level: 'note', message: { text: r.id } }));
    expect(parseSarif(log(results, rules), 's.sarif').findings.map((f) => f.severity)).toEqual([
      'critical',
      'high',
      'high',
      'medium',
      'medium',
      'low',
    ]);
  });

  it('prefers the result security-severity over the rule one, and falls back to levels without it', () => {
    const rules = [
      { id: 'R', properties: { 'security-severity': '2.0' }, defaultConfiguration: { level: 'error' } },
    ];
    const results = [
      { ruleId: 'R', properties: { 'security-severity': 9.5 }, message: { text: 'a' } },
      { ruleId: 'R', message: { text: 'b' } },
      { ruleId: 'other', level: 'note', message: { text: 'c' } },
      { ruleId: 'other', message: { text: 'd' } },
      { ruleId: 'other', kind: 'review', message: { text: 'e' } },
      { ruleId: 'other', kind: 'pass', message: { text: 'not a finding' } },
      { ruleId: 'other', baselineState: 'absent', message: { text: 'gone' } },
    ];
    expect(parseSarif(log(results, rules), 's.sarif').findings.map((f) => f.severity)).toEqual([
      'critical',
      'low',
      'low',
      'medium',
      'unknown',
    ]);
  });

  it('finds the rule by id when ruleIndex is absent, including hierarchical ids', () => {
    const rules = [{ id: 'CA5350', defaultConfiguration: { level: 'error' } }];
    const scan = parseSarif(log([{ ruleId: 'CA5350/md5', message: { text: 'x' } }], rules), 's.sarif');
    expect(scan.findings[0]).toMatchObject({ id: 'CA5350/md5', severity: 'high' });
  });
});

describe('parseSarif refuses what is not SARIF 2.1.0', () => {
  it('another version', () => {
    const error = tollgateErrorOf(() => parseSarif({ version: '2.0.0', runs: [] }, 'old.sarif'));
    expect(error.code).toBe('EVIDENCE_INVALID');
    expect(error.message).toBe(
      'old.sarif: this is a pre-release draft of SARIF 2 (version "2.0.0"), whose results, rules and suppressions are shaped differently; Tollgate reads SARIF 2.1.0 (version "2.1.0"): convert it with the SARIF Multitool (`npx @microsoft/sarif-multitool rewrite FILE --sarif-output-version Current --output NEW.sarif`) or have the tool write SARIF 2.1.0',
    );
    expect(tollgateErrorOf(() => parseSarif({ version: 3, runs: [] }, 'x.sarif')).message).toBe(
      'x.sarif: not a valid SARIF log: at version: expected "2.1.0", found number 3',
    );
  });

  it('a run without a tool driver name', () => {
    const error = tollgateErrorOf(() =>
      parseSarif({ version: '2.1.0', runs: [{ tool: { driver: {} }, results: [] }] }, 'x.sarif'),
    );
    expect(error.message).toContain('at runs[0].tool.driver.name: expected a string');
  });
});

describe("SARIF's exceptional conditions (sarif-tutorials samples/ExceptionalConditions)", () => {
  const read = (name: string) => () => normaliseDocument(fixtureText(`sarif/${name}`), name, 'scan');

  it('reads a run that completed, with or without results', () => {
    const empty = read('ExceptionalConditions__One run empty results.sarif')();
    expect(empty.type === 'evidence' && empty.data.kind === 'vulnerabilities' && empty.data.findings).toEqual(
      [],
    );
    const one = read('ExceptionalConditions__One run with results.sarif')();
    expect(one.type === 'evidence' && one.data.kind === 'vulnerabilities' && one.data.findings.length).toBe(
      1,
    );
  });

  it('refuses, as no scan, every log whose analysis did not run or did not finish', () => {
    const refusals: Array<[string, RegExp]> = [
      ['ExceptionalConditions__No runs.sarif', /"runs" is null: the tool could not start its analysis/],
      ['ExceptionalConditions__Empty runs.sarif', /has no run \("runs" is empty\)/],
      ['ExceptionalConditions__One run no results.sarif', /runs\[0\] of CodeScanner has no "results" array/],
      [
        'ExceptionalConditions__Catastrophic configuration error.sarif',
        /runs\[0\] of CodeScanner has no "results"/,
      ],
      [
        'ExceptionalConditions__Catastrophic execution error.sarif',
        /runs\[0\] of CodeScanner has no "results"/,
      ],
      ['Notifications.sarif', /runs\[0\]\.invocations\[0\] of SarifSamples says executionSuccessful: false/],
    ];
    for (const [name, reason] of refusals) {
      const error = tollgateErrorOf(read(name));
      expect(error.message, name).toMatch(/not a vulnerability scan/);
      expect(error.message, name).toMatch(reason);
    }
  });
});
