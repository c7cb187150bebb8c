import { describe, expect, it } from 'vitest';
import { parseGrype } from '../../src/evidence/grype-parser.js';
import { parseIntotoVulns, severityFromScore } from '../../src/evidence/intoto-vulns-parser.js';
import { parseTrivy } from '../../src/evidence/trivy-parser.js';
import { tollgateErrorOf } from '../support/builders.js';
import { sampleJson } from './scan-helpers.js';

describe('parseGrype', () => {
  const scan = parseGrype(sampleJson('grype.json'), 'grype.json');

  it('maps Critical/High/Medium/Negligible/Unknown and counts ignoredMatches as suppressed', () => {
    expect(scan.scanner).toBe('grype');
    expect(scan.scannerVersion).toBe('0.82.2');
    expect(scan.findings.map((f) => [f.id, f.severity])).toEqual([
      ['GHSA-jfh8-c2jp-5v3q', 'critical'],
      ['CVE-2023-5678', 'medium'],
      ['CVE-2011-3374', 'low'],
      ['CVE-2024-45490', 'unknown'],
      ['GHSA-4374-p667-p6c8', 'high'],
    ]);
    expect(scan.counts).toEqual({ critical: 1, high: 1, medium: 1, low: 1, unknown: 1 });
    expect(scan.suppressed).toBe(1);
  });

  it('keeps each ignored match with the ignore rules Grype applied to it', () => {
    expect(scan.suppressedFindings).toEqual([
      {
        id: 'CVE-2022-0563',
        severity: 'low',
        package: 'util-linux',
        version: '2.38.1-5+deb12u1',
        reason: 'fix-state wont-fix',
      },
    ]);
  });

  it("turns Grype's distro-eol alerts into one caveat per distro", () => {
    const grype = sampleJson('grype.json') as Record<string, unknown>;
    const alert = (name: string) => ({
      package: { name },
      alerts: [
        {
          type: 'distro-eol',
          message: 'Package is from end-of-life distro: ubuntu 18.04',
          metadata: { name: 'ubuntu', version: '18.04' },
        },
      ],
    });
    const read = parseGrype({ ...grype, alertsByPackage: [alert('bash'), alert('zlib1g')] }, 'g.json');
    expect(read.caveats).toEqual([
      "2 package(s) are from the end-of-life distro ubuntu 18.04: Grype's advisories for them may be incomplete",
    ]);
    expect(scan.caveats).toBeUndefined();
  });

  it('describes ignore rules by their reason and criteria, and refuses an ignored match without an artifact', () => {
    const grype = sampleJson('grype.json') as {
      matches: unknown[];
      ignoredMatches: Record<string, unknown>[];
    };
    const ignored = grype.ignoredMatches[0]!;
    const rules = [
      { vulnerability: 'CVE-2022-0563', reason: 'not reachable', namespace: '' },
      { 'vex-status': 'not_affected', 'vex-justification': 'vulnerable_code_not_present' },
      {
        package: { name: 'linux-headers-.*', 'upstream-name': 'linux.*', type: 'deb' },
        'match-type': 'exact-indirect-match',
      },
    ];
    const read = parseGrype(
      { ...grype, ignoredMatches: [{ ...ignored, appliedIgnoreRules: rules }] },
      'g.json',
    );
    expect(read.suppressedFindings?.[0]?.reason).toBe(
      'not reachable (vulnerability CVE-2022-0563); vex-status not_affected (vulnerable_code_not_present); package name linux-headers-.* type deb upstream-name linux.*, match-type exact-indirect-match',
    );
    const { artifact: _artifact, ...noArtifact } = ignored;
    const error = tollgateErrorOf(() => parseGrype({ ...grype, ignoredMatches: [noArtifact] }, 'g.json'));
    expect(error.message).toContain('at ignoredMatches[0].artifact: expected an object');
  });

  it('keeps package, version, purl, fix versions and related CVE ids as aliases', () => {
    expect(scan.findings[0]).toEqual({
      id: 'GHSA-jfh8-c2jp-5v3q',
      aliases: ['CVE-2021-44228'],
      severity: 'critical',
      package: 'log4j-core',
      version: '2.14.1',
      purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1',
      fixedIn: '2.15.0',
      source: 'grype:github:language:java',
      title: 'Remote code injection in Log4j',
    });
    // A related entry with the same id is not an alias; no fix versions means no fixedIn.
    expect(scan.findings[2]?.aliases).toBeUndefined();
    expect(scan.findings[2]?.fixedIn).toBeUndefined();
  });

  it('refuses a match without an artifact', () => {
    const error = tollgateErrorOf(() =>
      parseGrype({ matches: [{ vulnerability: { id: 'CVE-1' } }] }, 'g.json'),
    );
    expect(error.message).toBe(
      'g.json: not a valid Grype report: at matches[0].artifact: expected an object, found nothing (the field is missing)',
    );
  });
});

describe('parseTrivy', () => {
  it('reads schema 2: every result, PURLs, fixed versions, VendorIDs; modified findings are suppressed', () => {
    const scan = parseTrivy(sampleJson('trivy.json'), 'trivy.json');
    expect(scan.scanner).toBe('trivy');
    expect(scan.findings.map((f) => [f.id, f.severity, f.package, f.fixedIn])).toEqual([
      ['CVE-2024-45490', 'critical', 'libexpat1', '2.5.0-1+deb12u1'],
      ['CVE-2023-50495', 'low', 'libtinfo6', undefined],
      ['TEMP-0290435-0B57B5', 'unknown', 'tar', undefined],
      ['CVE-2024-21538', 'high', 'cross-spawn', '7.0.5, 6.0.6'],
      ['CVE-2024-4068', 'high', 'braces', '3.0.3'],
    ]);
    expect(scan.counts).toEqual({ critical: 1, high: 2, medium: 0, low: 1, unknown: 1 });
    expect(scan.suppressed).toBe(1);
    expect(scan.suppressedFindings).toEqual([
      {
        id: 'CVE-2017-16137',
        severity: 'low',
        package: 'debug',
        version: '2.6.8',
        reason: 'not_affected: vulnerable_code_not_in_execute_path (./vex.openvex.json)',
      },
    ]);
    expect(scan.findings[3]).toMatchObject({
      aliases: ['GHSA-3xgq-45jj-v275'],
      purl: 'pkg:npm/cross-spawn@7.0.3',
      version: '7.0.3',
      source: 'trivy:ghsa',
    });
  });

  it('reads the bare array Trivy printed before 0.20, with null Vulnerabilities', () => {
    const scan = parseTrivy(sampleJson('trivy-0.19-bare-array.json'), 'old-trivy.json');
    expect(scan.findings.map((f) => [f.id, f.severity])).toEqual([
      ['CVE-2019-1549', 'medium'],
      ['CVE-2019-1563', 'low'],
      ['CVE-2019-14697', 'critical'],
    ]);
    expect(scan.counts).toEqual({ critical: 1, high: 0, medium: 1, low: 1, unknown: 0 });
  });

  it('counts failed misconfigurations and secrets; an EXCEPTION and a suppressed secret are suppressed, a PASS nothing', () => {
    const report = {
      SchemaVersion: 2,
      Results: [
        { Target: 'alpine (alpine 3.20)', Class: 'os-pkgs', Type: 'alpine' },
        {
          Target: 'Dockerfile',
          Class: 'config',
          Misconfigurations: [
            { ID: 'DS-0002', AVDID: 'AVD-DS-0002', Severity: 'HIGH', Status: 'FAIL', Title: 'root user' },
            { ID: 'DS-0026', Severity: 'LOW', Status: 'EXCEPTION' },
            { ID: 'DS-0001', Severity: 'MEDIUM', Status: 'PASS' },
          ],
        },
        {
          Target: 'app/.env',
          Class: 'secret',
          Secrets: [{ RuleID: 'github-pat', Severity: 'CRITICAL', Title: 'GitHub PAT', Match: 'TOKEN=****' }],
          ModifiedFindings: [
            {
              Type: 'secret',
              Status: 'ignored',
              Source: '.trivyignore',
              Finding: { RuleID: 'aws-secret-access-key', Severity: 'CRITICAL' },
            },
            { Type: 'license', Status: 'ignored', Finding: { Name: 'GPL-3.0' } },
          ],
        },
      ],
    };
    const scan = parseTrivy(report, 't.json');
    expect(scan.findings).toEqual([
      {
        id: 'DS-0002',
        aliases: ['AVD-DS-0002'],
        severity: 'high',
        package: 'Dockerfile',
        source: 'trivy:misconfig',
        title: 'root user',
      },
      {
        id: 'github-pat',
        severity: 'critical',
        package: 'app/.env',
        source: 'trivy:secret',
        title: 'GitHub PAT',
      },
    ]);
    expect(scan.suppressed).toBe(2);
    expect(scan.suppressedFindings?.map((s) => [s.id, s.severity, s.reason])).toEqual([
      ['aws-secret-access-key', 'critical', 'ignored (.trivyignore)'],
      ['DS-0026', 'low', 'misconfiguration status EXCEPTION'],
    ]);
  });

  it('refuses a vulnerability without an id', () => {
    const error = tollgateErrorOf(() =>
      parseTrivy(
        { SchemaVersion: 2, Results: [{ Target: 't', Vulnerabilities: [{ PkgName: 'x' }] }] },
        't.json',
      ),
    );
    expect(error.message).toContain('at Results[0].Vulnerabilities[0].VulnerabilityID: expected a string');
  });
});

describe('parseIntotoVulns (in-toto vulns v0.2 predicate)', () => {
  it('takes the worst severity entry, words or CVSS numbers; no entry is unknown', () => {
    const statement = sampleJson('vulns-v0.2.intoto.json') as { predicate: unknown };
    const scan = parseIntotoVulns(statement.predicate, 'vulns.json');
    expect(scan.scanner).toBe('trivy');
    expect(scan.scannerVersion).toBe('0.57.1');
    expect(scan.findings.map((f) => [f.id, f.severity])).toEqual([
      ['CVE-2024-45490', 'critical'],
      ['CVE-2024-21538', 'high'],
      ['CVE-2023-50495', 'medium'],
      ['TEMP-0290435-0B57B5', 'unknown'],
    ]);
  });

  it('refuses a predicate without scanner.result, or a result without severity, instead of reading a clean scan', () => {
    const statement = sampleJson('vulns-v0.2.intoto.json') as {
      predicate: { scanner: { result?: Array<{ severity?: unknown }> } };
    };
    const withoutSeverity = structuredClone(statement.predicate);
    delete withoutSeverity.scanner.result![0]!.severity;
    expect(() => parseIntotoVulns(withoutSeverity, 'vulns.json')).toThrow(
      /predicate\.scanner\.result\[0\]\.severity: expected an array/,
    );
    // The spec makes the list required: an empty one means nothing found, a missing one nothing said.
    const withoutResult = structuredClone(statement.predicate);
    delete withoutResult.scanner.result;
    expect(() => parseIntotoVulns(withoutResult, 'vulns.json')).toThrow(
      /vulns\.json.*predicate\.scanner\.result: expected an array/,
    );
    const empty = structuredClone(statement.predicate);
    empty.scanner.result = [];
    expect(parseIntotoVulns(empty, 'vulns.json').findings).toEqual([]);
  });

  it('refuses a result whose every score is no severity word and no CVSS score, rather than read unknown', () => {
    const statement = sampleJson('vulns-v0.2.intoto.json') as {
      predicate: { scanner: { result: Array<{ severity: unknown }> } };
    };
    for (const scores of [['severe'], ['n/a', ''], [98]]) {
      const predicate = structuredClone(statement.predicate);
      predicate.scanner.result[0]!.severity = scores.map((score) => ({ method: 'vendor', score }));
      expect(() => parseIntotoVulns(predicate, 'vulns.json')).toThrow(
        /^vulns\.json: not a valid in-toto vulns predicate: at predicate\.scanner\.result\[0\]\.severity\[0\]\.score: expected a severity word \(critical, high, important, medium, moderate, low, negligible, info, none, unknown\) or a CVSS score from 0 to 10, in at least one entry/,
      );
    }
    // Another entry that rates it is enough: the worst readable entry wins.
    const rated = structuredClone(statement.predicate);
    rated.scanner.result[0]!.severity = [
      { method: 'vendor', score: 'severe' },
      { method: 'nvd', score: '9.1' },
    ];
    expect(parseIntotoVulns(rated, 'vulns.json').findings[0]?.severity).toBe('critical');
  });

  it('reads an EPSS or KEV entry as no severity, never as a low CVSS score', () => {
    const statement = sampleJson('vulns-v0.2.intoto.json') as {
      predicate: { scanner: { result: Array<{ severity: unknown }> } };
    };
    const predicate = structuredClone(statement.predicate);
    predicate.scanner.result[0]!.severity = [
      { method: 'EPSS', score: '0.03' },
      { method: 'cisa-kev', score: 1 },
      { method: 'vendor', score: 'unknown' },
    ];
    expect(parseIntotoVulns(predicate, 'vulns.json').findings[0]?.severity).toBe('unknown');
    // With nothing else to rate it, the predicate is refused as any unrated result is.
    predicate.scanner.result[0]!.severity = [{ method: 'epss', score: 0.03 }];
    expect(() => parseIntotoVulns(predicate, 'vulns.json')).toThrow(
      /at predicate\.scanner\.result\[0\]\.severity\[0\]\.score: expected .* in at least one entry \(an EPSS or KEV entry rates no severity\), found number 0\.03/,
    );
  });

  it('maps score words and numbers', () => {
    expect(
      ['Important', 'moderate', 'NEGLIGIBLE', '9.8', '3.1', 'n/a', 'constructor'].map(severityFromScore),
    ).toEqual(['high', 'medium', 'low', 'critical', 'low', 'unknown', 'unknown']);
  });
});

describe('severity words outside the scanner scale', () => {
  const grype = (severity: string) => ({
    matches: [
      { vulnerability: { id: 'CVE-2026-1', severity }, artifact: { name: 'openssl', version: '3.0.1' } },
    ],
    source: { type: 'image', target: {} },
    descriptor: { name: 'grype', version: '0.80.0' },
  });
  const trivy = (severity: string) => ({
    SchemaVersion: 2,
    ArtifactName: 'app',
    ArtifactType: 'container_image',
    Results: [
      {
        Target: 'app (debian 12.5)',
        Class: 'os-pkgs',
        Type: 'debian',
        Vulnerabilities: [
          {
            VulnerabilityID: 'CVE-2026-1',
            PkgName: 'openssl',
            InstalledVersion: '3.0.1',
            Severity: severity,
          },
        ],
      },
    ],
  });

  it('reads the scanner severities in any case', () => {
    expect(parseGrype(grype('CRITICAL'), 'g.json').findings[0]!.severity).toBe('critical');
    expect(parseGrype(grype('negligible'), 'g.json').findings[0]!.severity).toBe('low');
    expect(parseTrivy(trivy('Critical'), 't.json').findings[0]!.severity).toBe('critical');
  });

  it('refuses a severity word neither scanner writes, which would read as unknown and pass high: 0', () => {
    expect(tollgateErrorOf(() => parseGrype(grype('Important'), 'g.json')).message).toBe(
      'g.json: not a valid Grype report: at matches[0].vulnerability.severity: expected one of Grype\'s severities "Critical", "High", "Medium", "Low", "Negligible", "Unknown", found the string "Important"',
    );
    expect(tollgateErrorOf(() => parseTrivy(trivy('IMPORTANT'), 't.json')).message).toBe(
      't.json: not a valid Trivy report: at Results[0].Vulnerabilities[0].Severity: expected one of Trivy\'s severities "CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN", found the string "IMPORTANT"',
    );
  });

  it('refuses a severity named like an object property instead of failing on it', () => {
    expect(tollgateErrorOf(() => parseGrype(grype('constructor'), 'g.json')).message).toContain(
      'at matches[0].vulnerability.severity: expected one of Grype',
    );
  });
});

describe('CVSS scores beside an unknown severity', () => {
  const grype = (baseScore: unknown) => ({
    matches: [
      {
        vulnerability: {
          id: 'CVE-2026-2',
          severity: 'Unknown',
          cvss: [{ version: '3.1', metrics: { baseScore } }],
        },
        artifact: { name: 'openssl', version: '3.0.1' },
      },
    ],
    source: { type: 'image', target: {} },
    descriptor: { name: 'grype', version: '0.80.0' },
  });
  const trivy = (cvss: Record<string, unknown>) => ({
    SchemaVersion: 2,
    ArtifactName: 'app',
    ArtifactType: 'container_image',
    Results: [
      {
        Target: 'app (debian 12.5)',
        Class: 'os-pkgs',
        Type: 'debian',
        Vulnerabilities: [
          {
            VulnerabilityID: 'CVE-2026-2',
            PkgName: 'openssl',
            InstalledVersion: '3.0.1',
            Severity: 'UNKNOWN',
            CVSS: { nvd: cvss },
          },
        ],
      },
    ],
  });

  it('reads a score written as a numeric string by its band', () => {
    // Skipped, a 9.8 written "9.8" left the finding unknown and it passed critical: 0.
    expect(parseGrype(grype('9.8'), 'g.json').findings[0]!.severity).toBe('critical');
    expect(parseTrivy(trivy({ V3Score: '9.8' }), 't.json').findings[0]!.severity).toBe('critical');
  });

  it('reads a CVSS v4 score Trivy gives beside the v3 one, the worse of them', () => {
    expect(parseTrivy(trivy({ V40Score: 9.3 }), 't.json').findings[0]!.severity).toBe('critical');
    expect(parseTrivy(trivy({ V3Score: 5.3, V40Score: 9.3 }), 't.json').findings[0]!.severity).toBe(
      'critical',
    );
  });

  it('refuses a score off the 0 to 10 scale or no number, which read as unknown', () => {
    for (const score of [98, 'NaN', -1, true]) {
      const grypeError = tollgateErrorOf(() => parseGrype(grype(score), 'g.json'));
      expect(grypeError.code).toBe('EVIDENCE_INVALID');
      expect(grypeError.message).toContain(
        'at matches[0].vulnerability.cvss[0].metrics.baseScore: expected a CVSS score from 0 to 10',
      );
      const trivyError = tollgateErrorOf(() => parseTrivy(trivy({ V3Score: score }), 't.json'));
      expect(trivyError.code).toBe('EVIDENCE_INVALID');
      expect(trivyError.message).toContain(
        'at Results[0].Vulnerabilities[0].CVSS.nvd.V3Score: expected a CVSS score from 0 to 10',
      );
    }
  });

  it('refuses a bad score in a related record too', () => {
    const report = grype(undefined);
    (report.matches[0] as Record<string, unknown>).relatedVulnerabilities = [
      { id: 'CVE-2026-2', severity: 'Unknown', cvss: [{ metrics: { baseScore: 'n/a' } }] },
    ];
    expect(tollgateErrorOf(() => parseGrype(report, 'g.json')).message).toContain(
      'at matches[0].relatedVulnerabilities[0].cvss[0].metrics.baseScore: expected a CVSS score from 0 to 10',
    );
  });

  it('refuses a VendorSeverity outside the Trivy scale 0 to 4, which was skipped and left a finding unknown', () => {
    const report = trivy({});
    const vuln = report.Results[0]!.Vulnerabilities[0] as Record<string, unknown>;
    for (const level of [7, 3.5, 'HIGH']) {
      vuln.VendorSeverity = { nvd: level };
      expect(tollgateErrorOf(() => parseTrivy(report, 't.json')).message).toContain(
        'at Results[0].Vulnerabilities[0].VendorSeverity.nvd: expected one of Trivy',
      );
    }
    vuln.VendorSeverity = { nvd: 4, ghsa: 2 };
    expect(parseTrivy(report, 't.json').findings[0]!.severity).toBe('critical');
  });

  it('leaves an absent or null score unread', () => {
    expect(parseGrype(grype(null), 'g.json').findings[0]!.severity).toBe('unknown');
    expect(parseTrivy(trivy({ V3Score: null, V2Score: 7.5 }), 't.json').findings[0]!.severity).toBe('high');
  });
});
