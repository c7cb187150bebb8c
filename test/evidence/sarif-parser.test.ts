import { describe, expect, it } from 'vitest';
import { normaliseDocument } from '../../src/evidence/normalise-evidence.js';
import { parseSarif } from '../../src/evidence/sarif-parser.js';
import { tollgateErrorOf } from '../support/builders.js';
import { fixtureJson, fixtureText, sampleJson } from './scan-helpers.js';

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

  it('reads a security-severity written as a severity word in any case, not the level note beside it', () => {
    const rules = [
      { id: 'RC', properties: { 'security-severity': 'Critical' } },
      { id: 'RH', properties: { 'security-severity': 'HIGH' } },
      { id: 'RM', properties: { 'security-severity': ' medium ' } },
      { id: 'RB', properties: { 'security-severity': ' ' } },
    ];
    const results = rules.map((r) => ({ ruleId: r.id, level: 'note', message: { text: r.id } }));
    // A blank one says nothing: the level decides, as without one.
    expect(parseSarif(log(results, rules), 's.sarif').findings.map((f) => f.severity)).toEqual([
      'critical',
      'high',
      'medium',
      'low',
    ]);
  });

  it('refuses a security-severity that is no severity word and no score from 0 to 10', () => {
    // "severe" fell back to the level note (low) and 99 (a 0-100 scale) read as unknown: both passed critical 0.
    for (const [value, found] of [
      ['severe', 'the string "severe"'],
      ['99', 'the string "99"'],
      [-1, 'number -1'],
    ] as const) {
      const rules = [{ id: 'RX', properties: { 'security-severity': value } }];
      const results = [{ ruleId: 'RX', level: 'note', message: { text: 'x' } }];
      const error = tollgateErrorOf(() => parseSarif(log(results, rules), 's.sarif'));
      expect(error.code).toBe('EVIDENCE_INVALID');
      expect(error.message).toContain(
        `at runs[0].results[0] (its rule "RX").properties.security-severity: expected a score from 0 to 10 (a number or numeric string) or one of the words critical, high, medium, low, found ${found}`,
      );
      const onResult = [{ ruleId: 'RX', properties: { 'security-severity': value }, message: { text: 'x' } }];
      expect(tollgateErrorOf(() => parseSarif(log(onResult, []), 's.sarif')).message).toContain(
        'at runs[0].results[0].properties.security-severity: expected a score from 0 to 10',
      );
    }
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

/** A one-run 2.1.0 log around the given run fields. */
function runLog(run: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    version: '2.1.0',
    ...extra,
    runs: [{ tool: { driver: { name: 'Scanner' } }, results: [], ...run }],
  };
}
const severities = (value: unknown) => parseSarif(value, 's.sarif').findings.map((f) => f.severity);
const refusalOf = (value: unknown) => tollgateErrorOf(() => parseSarif(value, 's.sarif')).message;

describe('parseSarif: kind and level (SARIF 2.1.0 §3.27.9, §3.27.10)', () => {
  it('counts level "none" with kind fail (stated or by default) as a finding of unknown severity', () => {
    const results = [
      { ruleId: 'R', level: 'none', message: { text: 'a' } },
      { ruleId: 'R', kind: 'fail', level: 'none', message: { text: 'b' } },
    ];
    expect(severities(runLog({ results }))).toEqual(['unknown', 'unknown']);
  });

  it('reads a result by its level when kind says otherwise (a level other than none means kind fail)', () => {
    const results = [
      { ruleId: 'R', kind: 'pass', level: 'error', message: { text: 'contradicts itself' } },
      { ruleId: 'R', kind: 'informational', level: 'none', message: { text: 'not a finding' } },
      { ruleId: 'R', kind: 'notApplicable', message: { text: 'not a finding' } },
    ];
    expect(severities(runLog({ results }))).toEqual(['high']);
  });
});

describe('parseSarif: a level or kind outside the enums is refused, never severity unknown', () => {
  // Read as unknown, which only an `unknown` limit counts, a result its producer calls critical
  // passed `vulnerabilities: {critical: 0, high: 0}`.
  const refusal = (log: unknown) => tollgateErrorOf(() => parseSarif(log, 'c.sarif'));

  it('refuses a result level that is no SARIF level', () => {
    const error = refusal(runLog({ results: [{ ruleId: 'R', level: 'critical', message: { text: 'x' } }] }));
    expect(error.code).toBe('EVIDENCE_INVALID');
    expect(error.message).toBe(
      'c.sarif: not a valid SARIF log: at runs[0].results[0].level: expected one of "none", "note", "warning", "error" (SARIF §3.27.10), found the string "critical"',
    );
    // Inherited property names are no level either.
    expect(refusal(runLog({ results: [{ ruleId: 'R', level: 'constructor' }] })).code).toBe(
      'EVIDENCE_INVALID',
    );
  });

  it('refuses a result kind that is no SARIF kind', () => {
    expect(
      refusal(runLog({ results: [{ ruleId: 'R', kind: 'FAIL', message: { text: 'x' } }] })).message,
    ).toBe(
      'c.sarif: not a valid SARIF log: at runs[0].results[0].kind: expected one of "fail", "pass", "open", "review", "informational", "notApplicable" (SARIF §3.27.9), found the string "FAIL"',
    );
  });

  it('refuses a rule whose default level is no SARIF level when a result takes its level from it', () => {
    const rules = [{ id: 'R', defaultConfiguration: { level: 'high' } }];
    const tool = { driver: { name: 'Scanner', rules } };
    const error = refusal(runLog({ results: [{ ruleId: 'R', message: { text: 'x' } }], tool }));
    expect(error.message).toBe(
      'c.sarif: not a valid SARIF log: at runs[0].results[0]: expected its rule "R" configured with a level one of "none", "note", "warning", "error" (SARIF §3.27.10) (defaultConfiguration, ruleConfigurationOverrides or policies), found the string "high"',
    );
  });
});

describe('parseSarif: finding the rule (§3.27.6, §3.27.7, §3.52.3, §3.54.2)', () => {
  const driver = {
    name: 'Scanner',
    rules: [
      { id: 'N1', defaultConfiguration: { level: 'note' } },
      { id: 'E1', defaultConfiguration: { level: 'error' } },
      { id: 'abc/def', defaultConfiguration: { level: 'error' } },
    ],
  };
  const extensions = [
    { name: 'pack-a', rules: [{ id: 'X', defaultConfiguration: { level: 'note' } }] },
    {
      name: 'pack-b',
      guid: '11111111-2222-3333-4444-555555555555',
      rules: [
        { id: 'X', defaultConfiguration: { level: 'error' } },
        {
          id: 'ONLY_IN_EXTENSION',
          guid: 'aaaaaaaa-0000-0000-0000-000000000000',
          defaultConfiguration: { level: 'error' },
        },
      ],
    },
  ];
  const tool = { driver, extensions };

  it('takes ruleIndex over a ruleId that names another rule: the index is the lookup, the id is not', () => {
    expect(
      severities(runLog({ tool, results: [{ ruleId: 'N1', ruleIndex: 1, message: { text: 'x' } }] })),
    ).toEqual(['high']);
  });

  it("reads defaultConfiguration.level from an extension's rule, named by toolComponent index or guid", () => {
    const results = [
      { rule: { id: 'X', index: 0, toolComponent: { index: 1 } }, message: { text: 'by index' } },
      { rule: { id: 'X', index: 0, toolComponent: { index: 0 } }, message: { text: 'other pack' } },
      {
        rule: { id: 'X', toolComponent: { guid: '11111111-2222-3333-4444-555555555555' } },
        message: { text: 'by guid' },
      },
      {
        ruleId: 'X',
        ruleIndex: 0,
        rule: { toolComponent: { index: 1 } },
        message: { text: 'ruleIndex is rule.index' },
      },
      {
        rule: { guid: 'AAAAAAAA-0000-0000-0000-000000000000', toolComponent: { index: 1 } },
        message: { text: 'rule guid' },
      },
    ];
    expect(severities(runLog({ tool, results }))).toEqual(['high', 'low', 'high', 'high', 'high']);
  });

  it('finds a rule named only by ruleId in an extension, and an id with one more hierarchical component', () => {
    const results = [
      { ruleId: 'ONLY_IN_EXTENSION', message: { text: 'x' } },
      { ruleId: 'abc/def/ghi', message: { text: 'y' } },
    ];
    expect(severities(runLog({ tool, results }))).toEqual(['high', 'high']);
  });

  it('refuses a rule reference that points outside its rules, naming it', () => {
    expect(
      refusalOf(runLog({ tool, results: [{ ruleId: 'E1', ruleIndex: 7, message: { text: 'x' } }] })),
    ).toBe(
      's.sarif: not a valid SARIF log: runs[0].results[0].rule refers to runs[0].tool.driver.rules[7], but tool.driver has 3 rules; the rule, and so the level, of the result cannot be known',
    );
  });
});

describe('parseSarif: configuration overrides and policies (§3.20.5, §3.27.10, §3.19.5)', () => {
  const driver = { name: 'Scanner', rules: [{ id: 'R', defaultConfiguration: { level: 'note' } }] };
  const raise = {
    ruleConfigurationOverrides: [{ descriptor: { index: 0 }, configuration: { level: 'error' } }],
  };

  it("applies the result's invocation's override to a result without level, never over the result's own", () => {
    const results = [
      { ruleId: 'R', ruleIndex: 0, message: { text: 'override' } },
      { ruleId: 'R', ruleIndex: 0, level: 'note', message: { text: 'own level' } },
    ];
    const one = runLog({ tool: { driver }, invocations: [{ executionSuccessful: true, ...raise }], results });
    expect(severities(one)).toEqual(['high', 'low']);
    // With two invocations, provenance.invocationIndex says which one produced the result.
    const picked = [
      { ruleId: 'R', ruleIndex: 0, provenance: { invocationIndex: 1 }, message: { text: 'second' } },
      { ruleId: 'R', ruleIndex: 0, provenance: { invocationIndex: 0 }, message: { text: 'first' } },
    ];
    const two = runLog({
      tool: { driver },
      invocations: [{ executionSuccessful: true }, { executionSuccessful: true, ...raise }],
      results: picked,
    });
    expect(severities(two)).toEqual(['high', 'low']);
  });

  it('lets a policy in the log raise a level, never lower one', () => {
    const policies = [
      {
        name: 'Example Corp. Security Policy',
        rules: [
          { id: 'R', defaultConfiguration: { level: 'error' } },
          { id: 'S', defaultConfiguration: { level: 'note' } },
        ],
      },
    ];
    const rules = [...driver.rules, { id: 'S', defaultConfiguration: { level: 'error' } }];
    const results = [
      { ruleId: 'R', message: { text: 'raised' } },
      { ruleId: 'S', message: { text: 'not lowered' } },
    ];
    expect(severities(runLog({ tool: { driver: { ...driver, rules } }, policies, results }))).toEqual([
      'high',
      'high',
    ]);
  });
});

describe('parseSarif: suppressions (§3.27.23, §3.35.3)', () => {
  it('suppresses a result only when every suppression is accepted or has no status', () => {
    const cases: Array<[unknown, boolean]> = [
      [[], false],
      [[{ kind: 'inSource' }], true],
      [[{ kind: 'external', status: 'accepted' }], true],
      [[{ kind: 'external', status: 'underReview' }], false],
      [[{ kind: 'external', status: 'rejected' }], false],
      [[{ kind: 'inSource' }, { kind: 'external', status: 'rejected' }], false],
      [
        [
          { kind: 'external', status: 'accepted' },
          { kind: 'external', status: 'underReview' },
        ],
        false,
      ],
      [[{ kind: 'external', state: 'rejected' }], false],
      [[{ kind: 'external', status: 'waived' }], false],
    ];
    const results = cases.map(([suppressions], i) => ({
      ruleId: 'R',
      suppressions,
      message: { text: `${i}` },
    }));
    const scan = parseSarif(runLog({ results }), 's.sarif');
    expect(scan.suppressed).toBe(cases.filter(([, hidden]) => hidden).length);
    expect(scan.findings.map((f) => Number(f.title))).toEqual(
      cases.flatMap(([, hidden], i) => (hidden ? [] : [i])),
    );
  });
});

describe('parseSarif: a run that failed or is not all here is no scan (§3.20, §3.15)', () => {
  it('refuses an error notification, also one whose level comes from its descriptor', () => {
    const failed = runLog({
      invocations: [
        {
          executionSuccessful: true,
          toolConfigurationNotifications: [{ level: 'error', message: { text: 'rule ABC0001 unknown' } }],
        },
      ],
    });
    expect(refusalOf(failed)).toMatch(
      /^s\.sarif: not a vulnerability scan: runs\[0\]\.invocations\[0\]\.toolConfigurationNotifications\[0\] of Scanner is an error \("rule ABC0001 unknown"\): the run failed and its results may be incomplete \(SARIF §3\.20\.22\); /,
    );
    const byDescriptor = runLog({
      tool: {
        driver: {
          name: 'Scanner',
          notifications: [{ id: 'CRASH', defaultConfiguration: { level: 'error' } }],
        },
      },
      invocations: [
        {
          executionSuccessful: true,
          toolExecutionNotifications: [{ descriptor: { id: 'CRASH' }, message: { text: 'x' } }],
        },
      ],
    });
    expect(refusalOf(byDescriptor)).toMatch(/toolExecutionNotifications\[0\] of Scanner is an error/);
    // A warning notification, or one with no level and no descriptor (warning), leaves the scan.
    const warned = runLog({
      invocations: [
        {
          executionSuccessful: true,
          toolExecutionNotifications: [
            { level: 'warning', message: { text: 'slow' } },
            { message: { text: 'x' } },
          ],
        },
      ],
    });
    expect(parseSarif(warned, 's.sarif').findings).toEqual([]);
  });

  it('refuses a failed conversion, externalized results, and a failed second run', () => {
    expect(
      refusalOf(
        runLog({
          conversion: { tool: { driver: { name: 'conv' } }, invocation: { executionSuccessful: false } },
        }),
      ),
    ).toMatch(/runs\[0\]\.conversion\.invocation of Scanner says executionSuccessful: false/);
    expect(
      refusalOf(
        runLog({
          externalPropertyFileReferences: { results: [{ location: { uri: 'r.sarif-external-properties' } }] },
        }),
      ),
    ).toBe(
      's.sarif: runs[0] of Scanner keeps "results" in external property files (externalPropertyFileReferences, SARIF §3.15); Tollgate reads one self-contained log: merge them into it',
    );
    const two = runLog({ results: [{ ruleId: 'R', level: 'error', message: { text: 'x' } }] });
    const second = {
      tool: { driver: { name: 'Other' } },
      results: [],
      invocations: [{ executionSuccessful: false }],
    };
    expect(refusalOf({ ...two, runs: [...two.runs, second] })).toMatch(
      /runs\[1\]\.invocations\[0\] of Other says executionSuccessful: false/,
    );
  });

  it('adds up the results of several runs', () => {
    const first = runLog({ results: [{ ruleId: 'R', level: 'error', message: { text: 'x' } }] }).runs[0];
    const second = {
      tool: { driver: { name: 'Other' } },
      results: [{ ruleId: 'S', level: 'note', message: { text: 'y' } }],
    };
    const scan = parseSarif({ version: '2.1.0', runs: [first, second] }, 's.sarif');
    expect([scan.scanner, scan.counts.high, scan.counts.low]).toEqual(['Scanner, Other', 1, 1]);
  });
});

describe('parseSarif: version', () => {
  it('takes a log without "version" at its $schema word, and refuses one with neither', () => {
    const { version: _version, ...noVersion } = runLog({});
    const schema = 'https://json.schemastore.org/sarif-2.1.0.json';
    expect(parseSarif({ $schema: schema, ...noVersion }, 's.sarif').findings).toEqual([]);
    expect(refusalOf({ $schema: 'http://json.schemastore.org/sarif-1.0.0', ...noVersion })).toMatch(
      /^s\.sarif: this is SARIF 1\.0\.0 \(its \$schema names SARIF 1\.0\.0\), the format before SARIF 2; Tollgate reads SARIF 2\.1\.0/,
    );
    expect(refusalOf(noVersion)).toMatch(
      /^s\.sarif: this SARIF log has no "version" \(nor a versioned "\$schema"\); Tollgate reads SARIF 2\.1\.0/,
    );
  });
});

describe('parseSarif on OWASP dependency-check output', () => {
  // dependency-check writes one level for every result ("error" up to 6.x, "warning" since 7) and
  // says how bad a vulnerability is elsewhere: up to 6.x in the result's cvssv3_baseScore,
  // cvssv2_score and (unscored sources) severity properties; since 7 in the rule's
  // security-severity when NVD gave a CVSS v3 or v4 score, else only in the rule's
  // shortDescription ("High severity - CVE-…"). Read by its level, a CVSS 10.0 was high and an
  // NVD "High" CVE with only a v2 score, or an npm "critical" advisory, was medium: both passed
  // `critical: 0` or `high: 0`. Samples written after dependency-check's sarifReport.vsl.
  const findings = (name: string) =>
    parseSarif(sampleJson(name), name).findings.map((f) => [f.id, f.severity]);

  it('reads the 6.x result properties in the order dependency-check rates them', () => {
    expect(findings('dependency-check-6.sarif')).toEqual([
      ['CVE-2021-44228', 'critical'],
      ['CVE-2020-15522', 'medium'],
      ['CVE-2014-0114', 'high'],
      ['jquery:4', 'medium'],
    ]);
  });

  it('reads the severity word of the rule short description when no security-severity is given', () => {
    expect(findings('dependency-check-8.sarif')).toEqual([
      ['CVE-2022-22965', 'critical'],
      ['CVE-2012-0881', 'high'],
      ['Fixed an mXSS-based bypass caused by nested forms inside MathML', 'low'],
      ['GHSA-p6mc-m468-83gw', 'critical'],
    ]);
  });

  it('refuses a dependency-check score off the CVSS scale', () => {
    const log = sampleJson('dependency-check-6.sarif') as {
      runs: Array<{ results: Array<{ properties: Record<string, unknown> }> }>;
    };
    log.runs[0]!.results[0]!.properties.cvssv3_baseScore = 98;
    expect(tollgateErrorOf(() => parseSarif(log, 'dc.sarif')).message).toContain(
      'at runs[0].results[0].properties.cvssv3_baseScore: expected a CVSS score from 0 to 10',
    );
  });

  it('leaves another tool with the same property names to its level', () => {
    const log = sampleJson('dependency-check-6.sarif') as {
      runs: Array<{ tool: { driver: { name: string } } }>;
    };
    log.runs[0]!.tool.driver.name = 'other-scanner';
    expect(parseSarif(log, 'other.sarif').findings.map((f) => f.severity)).toEqual([
      'high',
      'high',
      'high',
      'high',
    ]);
  });
});

describe('parseSarif on OWASP Dependency-Track findings export', () => {
  // Dependency-Track's SARIF template writes "error" for a CRITICAL and a HIGH finding alike and
  // states which in the result's severityRank property (its Severity enum's ordinal: 0 CRITICAL,
  // 1 HIGH, 2 MEDIUM, 3 LOW, 4 INFO, 5 UNASSIGNED). Read by its level, a critical was high and
  // passed `critical: 0`. The fixture is Dependency-Track's own expected export (SOURCES.md).
  const file = 'scans/dependency-track/apiserver__src__test__resources__unit__sarif__expected-all.sarif.json';

  it('reads severityRank, so its critical finding counts as critical', () => {
    const scan = parseSarif(fixtureJson(file), 'dt.sarif');
    expect(scan.scanner).toBe('OWASP Dependency-Track');
    expect(scan.findings.map((f) => [f.id, f.severity, f.package])).toEqual([
      ['Vuln-1', 'critical', 'pkg:maven/org.acme/component1@1.1.4?type=jar'],
      ['Vuln-2', 'high', 'pkg:maven/org.acme/component1@1.1.4?type=jar'],
      ['Vuln-3', 'low', 'pkg:maven/org.acme/component1@1.1.4?type=jar'],
      ['Vuln-3', 'low', 'pkg:maven/com.xyz/component2@2.78.123?type=jar'],
      ['Vuln-4', 'medium', 'pkg:maven/com.xyz/component2@2.78.123?type=jar'],
    ]);
  });

  it('refuses a severityRank outside the six Dependency-Track has', () => {
    const log = fixtureJson(file) as {
      runs: Array<{ results: Array<{ properties: Record<string, unknown> }> }>;
    };
    log.runs[0]!.results[0]!.properties.severityRank = '9';
    expect(tollgateErrorOf(() => parseSarif(log, 'dt.sarif')).message).toContain(
      'at runs[0].results[0].properties.severityRank: expected',
    );
  });
});

describe('parseSarif: a severity word starting the rule short description', () => {
  // Snyk Open Source's SARIF (before it wrote security-severity) gives level "error" to a critical
  // and a high vulnerability alike and names the severity only in the rule's shortDescription
  // ("Critical severity - Remote Code Execution …"), as dependency-check does. Read by its level,
  // log4shell was high and passed `critical: 0`. Sample written after snyk-fixtures/maven-with-vulns'
  // snyk.sarif, with a critical rule added.
  it('takes the worse of the level and the stated word', () => {
    const scan = parseSarif(sampleJson('snyk-open-source.sarif'), 'snyk.sarif');
    expect(scan.findings.map((f) => [f.id, f.severity])).toEqual([
      ['SNYK-JAVA-ORGAPACHELOGGINGLOG4J-2314720', 'critical'],
      ['SNYK-JAVA-COMMONSFILEUPLOAD-30082', 'high'],
      ['SNYK-JAVA-ORGSPRINGFRAMEWORK-31325', 'medium'],
    ]);
  });

  it('never reads a word as lower than the level', () => {
    const log = sampleJson('snyk-open-source.sarif') as {
      runs: Array<{ tool: { driver: { rules: Array<{ shortDescription: { text: string } }> } } }>;
    };
    log.runs[0]!.tool.driver.rules[1]!.shortDescription.text = 'Low severity - Denial of Service (DoS)';
    expect(parseSarif(log, 'snyk.sarif').findings[1]?.severity).toBe('high');
  });
});

describe('parseSarif on ESLint 10 with @microsoft/eslint-formatter-sarif 3.1.0, run here', () => {
  // test/fixtures/scans/eslint/eslint.sarif: ESLint's own summary of the run is "4 problems
  // (3 errors, 1 warning)"; a fifth problem is silenced by an eslint-disable-next-line comment.
  it('counts what ESLint reports, and the disabled problem as suppressed in source', () => {
    const scan = parseSarif(fixtureJson('scans/eslint/eslint.sarif'), 'eslint.sarif');
    expect(scan.scanner).toBe('ESLint');
    expect(scan.scannerVersion).toBe('10.16.0');
    expect(scan.findings.map((f) => [f.id, f.severity])).toEqual([
      ['no-unused-vars', 'medium'],
      ['eqeqeq', 'high'],
      ['no-debugger', 'high'],
      ['no-eval', 'high'],
    ]);
    expect(scan.suppressed).toBe(1);
    expect(scan.suppressedFindings).toEqual([
      {
        id: 'no-eval',
        severity: 'high',
        reason: 'suppressed inSource',
        package: expect.stringMatching(/app\.js$/),
      },
    ]);
  });
});
