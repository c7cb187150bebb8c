/**
 * Trivy's and Grype's own outputs (their golden test files, copied unchanged into
 * test/fixtures/scans/, see test/fixtures/SOURCES.md), read as `attest scan` reads them. Each row's
 * expectation was counted from the file's documented fields, independently of Tollgate's readers:
 * Trivy `Results[].Vulnerabilities[].Severity` / `FixedVersion` / `ExperimentalModifiedFindings`,
 * Grype `matches[].vulnerability.severity` / `fix.versions` / `ignoredMatches`, CycloneDX
 * `vulnerabilities[].ratings[].severity` × `affects[]`, SARIF `security-severity` then `level`.
 * `source` says where in the file the count comes from.
 */
import { describe, expect, it } from 'vitest';
import type { Severity } from '../../src/evidence/evidence.js';
import { normaliseDocument } from '../../src/evidence/normalise-evidence.js';
import { tollgateErrorOf } from '../support/builders.js';
import { fixtureJson, fixtureText } from './scan-helpers.js';

type Counts = Record<Severity, number>;

interface ScanRow {
  file: string;
  format: string;
  counts: Counts;
  /** Findings with a fixed version. */
  fixable: number;
  suppressed: number;
  /** What the report set aside and why, as `id (severity) reason`; none when absent. */
  suppressedFindings?: string[];
  /** What the scanner says limits the scan (Trivy `Metadata.OS.EOSL`). */
  caveats?: string[];
  ids: string[];
  source: string;
}

interface RefusalRow {
  file: string;
  refusal: RegExp;
  source: string;
}

function counts(critical: number, high: number, medium: number, low: number, unknown = 0): Counts {
  return { critical, high, medium, low, unknown };
}

const SCANS: ScanRow[] = [
  {
    file: 'trivy/integration__testdata__alpine-310.json.golden',
    format: 'trivy',
    counts: counts(0, 0, 4, 0),
    fixable: 4,
    suppressed: 0,
    caveats: [
      "the OS alpine 3.10.2 is past its end of service life: Trivy's advisories for it may be incomplete",
    ],
    ids: ['CVE-2019-1549', 'CVE-2019-1551'],
    source:
      'one os-pkgs result: 4 Vulnerabilities, all MEDIUM with a FixedVersion (2 CVEs × libcrypto1.1, libssl1.1); Metadata.OS.EOSL true',
  },
  {
    file: 'trivy/integration__testdata__alpine-310.sarif.golden',
    format: 'sarif',
    counts: counts(0, 0, 4, 0),
    fixable: 0,
    suppressed: 0,
    ids: ['CVE-2019-1549', 'CVE-2019-1551'],
    source:
      'the same image as SARIF (`--format sarif`): 4 results, rules with security-severity 5.3 (medium); SARIF has no fix version',
  },
  {
    file: 'trivy/integration__testdata__centos-7.json.golden',
    format: 'trivy',
    counts: counts(0, 0, 1, 2),
    fixable: 2,
    suppressed: 0,
    ids: ['CVE-2018-0734', 'CVE-2019-1559', 'CVE-2019-18276'],
    source:
      'CVE-2019-18276 LOW Status will_not_fix (no FixedVersion, still counted), CVE-2019-1559 MEDIUM fixed, CVE-2018-0734 LOW fixed',
  },
  {
    file: 'trivy/integration__testdata__ubi-7-comprehensive.json.golden',
    format: 'trivy',
    counts: counts(0, 1, 0, 1),
    fixable: 1,
    suppressed: 0,
    ids: ['CVE-2019-18276', 'CVE-2022-40897'],
    source:
      'an os-pkgs result (CVE-2019-18276 LOW will_not_fix) and a lang-pkgs result (CVE-2022-40897 HIGH fixed): both classes are read',
  },
  {
    file: 'trivy/integration__testdata__gomod.json.golden',
    format: 'trivy',
    counts: counts(0, 0, 1, 0, 4),
    fixable: 5,
    suppressed: 0,
    ids: ['CVE-2021-38561', 'CVE-2022-23628', 'GMS-2022-20'],
    source:
      'three go.mod targets; GMS-2022-20 (Severity UNKNOWN, no VendorSeverity) in each of them counts 3 times, once per target; CVE-2021-38561 UNKNOWN, CVE-2022-23628 MEDIUM',
  },
  {
    file: 'trivy/integration__testdata__spring4shell-jre11.json.golden',
    format: 'trivy',
    counts: counts(1, 0, 0, 0),
    fixable: 1,
    suppressed: 0,
    ids: ['CVE-2022-22965'],
    source:
      'os-pkgs result without Vulnerabilities (none found), lang-pkgs CVE-2022-22965 CRITICAL, and a `custom` class result that is no finding',
  },
  {
    file: 'trivy/integration__testdata__sl-micro-rancher5.4.json.golden',
    format: 'trivy',
    counts: counts(0, 0, 0, 0),
    fixable: 0,
    suppressed: 0,
    ids: [],
    source:
      'one os-pkgs result with no Vulnerabilities key: the vulnerability scanner looked at the OS packages and found nothing',
  },
  {
    file: 'trivy/integration__testdata__fixtures__convert__npm-with-suppressed.json.golden',
    format: 'trivy',
    counts: counts(0, 1, 0, 0),
    fixable: 1,
    suppressed: 1,
    suppressedFindings: [
      'CVE-2017-16137 (low) not_affected: vulnerable_code_not_in_execute_path (./vex.json)',
    ],
    ids: ['CVE-2017-20165'],
    source:
      'CVE-2017-20165 HIGH counted; CVE-2017-16137 is in ExperimentalModifiedFindings (VEX not_affected, `--show-suppressed`): suppressed',
  },
  {
    file: 'trivy/pkg__report__testdata__old.json.golden',
    format: 'trivy',
    counts: counts(0, 1, 0, 0),
    fixable: 1,
    suppressed: 0,
    ids: ['CVE-2020-0001'],
    source: 'the bare array Trivy printed before 0.20: one HIGH with FixedVersion 3.4.5',
  },
  {
    file: 'trivy/pkg__report__testdata__new.json.golden',
    format: 'trivy',
    counts: counts(0, 1, 0, 0),
    fixable: 1,
    suppressed: 0,
    ids: ['CVE-2020-0001'],
    source: 'the same result as an object with Results but no SchemaVersion',
  },
  {
    file: 'trivy/integration__testdata__pom-cyclonedx.json.golden',
    format: 'cyclonedx',
    counts: counts(1, 1, 0, 0),
    fixable: 0,
    suppressed: 0,
    ids: ['CVE-2020-9548', 'CVE-2021-20190'],
    source:
      '`--scanners vuln --format cyclonedx`: 2 vulnerabilities, worst ratings CRITICAL and HIGH, one affects each; CycloneDX gives a recommendation, not a fix version Tollgate reads',
  },
  {
    file: 'grype/grype__presenter__json__testdata__snapshot__TestJsonImgsPresenter.golden',
    format: 'grype',
    counts: counts(1, 0, 0, 1),
    fixable: 1,
    suppressed: 0,
    ids: ['CVE-1999-0001', 'CVE-1999-0002'],
    source:
      'CVE-1999-0001 Low fix.state fixed with versions; CVE-1999-0002 Critical fix.state "" with no versions',
  },
  {
    file: 'grype/grype__presenter__json__testdata__snapshot__TestEmptyJsonPresenter.golden',
    format: 'grype',
    counts: counts(0, 0, 0, 0),
    fixable: 0,
    suppressed: 0,
    ids: [],
    source: '`"matches": []`: Grype scanned and found nothing',
  },
  {
    file: 'grype/grype__presenter__explain__testdata__keycloak-test.json',
    format: 'grype',
    counts: counts(0, 0, 0, 6),
    fixable: 0,
    suppressed: 0,
    ids: ['CVE-2020-12413'],
    source: '6 matches of CVE-2020-12413, all Low with fix.state wont-fix: counted, none fixable',
  },
  {
    file: 'grype/grype__presenter__explain__testdata__chainguard-ruby-test.json',
    format: 'grype',
    counts: counts(0, 3, 0, 0),
    fixable: 2,
    suppressed: 0,
    ids: ['CVE-2023-28755', 'GHSA-hv5j-3h9f-99c2'],
    source:
      '3 High matches: CVE-2023-28755 in ruby-3.0 (fixed) and in uri (fix.state unknown, no versions), GHSA-hv5j-3h9f-99c2 in uri (fixed)',
  },
  {
    file: 'grype/grype__presenter__cyclonedx__testdata__snapshot__TestCycloneDxPresenterImage.golden',
    format: 'cyclonedx',
    counts: counts(1, 1, 0, 0),
    fixable: 0,
    suppressed: 0,
    ids: ['CVE-1999-0001', 'CVE-1999-0002'],
    source:
      '`grype -o cyclonedx-json` of the same matches: ratings low (beside its CVSS 8.2, so high) and critical',
  },
  {
    file: 'grype/grype__presenter__sarif__testdata__snapshot__TestSarifPresenter_image.golden',
    format: 'sarif',
    counts: counts(0, 2, 0, 0),
    fixable: 0,
    suppressed: 0,
    ids: ['CVE-1999-0001-package-1', 'CVE-1999-0002-package-2'],
    source:
      "`grype -o sarif` of the same matches: rules carry security-severity 8.2 and 8.5 (CVSS base scores), which SARIF readers map to high; Grype's own Low and Critical are only in the rule text",
  },
];

const REFUSALS: RefusalRow[] = [
  {
    file: 'trivy/integration__testdata__alpine-39-skip.json.golden',
    refusal: /not a vulnerability scan: the Trivy report has no "Results" \(Trivy found nothing to scan\)/,
    source: '`--skip-files`/`--skip-dirs` left nothing to scan: no Results key',
  },
  {
    file: 'trivy/integration__testdata__secrets.json.golden',
    refusal:
      /not a vulnerability scan: the Trivy report has results of class secret only \(run it with the vuln scanner, `--scanners vuln`\); they report 2 secret\(s\), not recorded/,
    source: '`--scanners secret`: one secret result, 2 Secrets (CRITICAL aws-access-key-id, HIGH mysecret)',
  },
  {
    file: 'trivy/integration__testdata__dockerfile.json.golden',
    refusal:
      /results of class config only \(run it with the vuln scanner, `--scanners vuln`\); they report 1 failed misconfiguration\(s\), not recorded/,
    source: '`trivy config`: one config result, 1 Misconfiguration with Status FAIL (DS-0002)',
  },
  {
    file: 'trivy/integration__testdata__license-cyclonedx.json.golden',
    refusal: /the Trivy report has results of class license only \(run it with the vuln scanner/,
    source: '`trivy sbom --scanners license`: one license result',
  },
  {
    file: 'trivy/integration__testdata__conda-cyclonedx.json.golden',
    refusal:
      /not a vulnerability scan: this CycloneDX document from Trivy has an empty "vulnerabilities" list, which Trivy writes also when no vulnerability scanner ran/,
    source:
      '`trivy fs --format cyclonedx` without `--scanners`: Trivy disables scanning, and writes `"vulnerabilities": []` all the same',
  },
];

function read(file: string) {
  const result = normaliseDocument(fixtureText(`scans/${file}`), file, 'scan');
  if (result.type !== 'evidence' || result.data.kind !== 'vulnerabilities')
    throw new Error(`${file}: not read as a scan`);
  return { format: result.format, data: result.data };
}

describe("Trivy's and Grype's own outputs", () => {
  it.each(SCANS)('$file: $source', (row) => {
    const { format, data } = read(row.file);
    expect(format).toBe(row.format);
    expect(data.counts).toEqual(row.counts);
    expect(data.findings.filter((f) => f.fixedIn !== undefined)).toHaveLength(row.fixable);
    expect(data.suppressed).toBe(row.suppressed);
    expect(data.caveats).toEqual(row.caveats);
    expect(data.suppressedFindings?.map((f) => `${f.id} (${f.severity}) ${f.reason}`)).toEqual(
      row.suppressedFindings,
    );
    expect([...new Set(data.findings.map((f) => f.id))].sort()).toEqual(row.ids);
  });

  it.each(REFUSALS)('$file is refused: $source', (row) => {
    const error = tollgateErrorOf(() => read(row.file));
    expect(error.code).toBe('EVIDENCE_INVALID');
    expect(error.message).toMatch(row.refusal);
  });

  it('takes a Trivy CycloneDX document with vulnerabilities for a scan, and a Grype one with none', () => {
    // The rule is about Trivy's empty list only: Grype always scans, and its empty list is a clean scan.
    const grype = fixtureJson(
      'scans/grype/grype__presenter__cyclonedx__testdata__snapshot__TestCycloneDxPresenterImage.golden',
    ) as Record<string, unknown>;
    const clean = normaliseDocument(JSON.stringify({ ...grype, vulnerabilities: [] }), 'g.cdx.json', 'scan');
    expect(clean.type === 'evidence' && clean.data).toMatchObject({ kind: 'vulnerabilities', findings: [] });
  });

  it('refuses a Trivy image report that detected an OS but scanned only language packages', () => {
    // `trivy image --pkg-types library` writes the image's real report minus its os-pkgs result:
    // here the spring4shell golden (debian 11.3, one Java finding) with that result taken out. Read
    // as it stood, the OS packages passed `critical: 0` without being looked at.
    const image = fixtureJson('scans/trivy/integration__testdata__spring4shell-jre11.json.golden') as {
      Results: Array<{ Class?: string }>;
    };
    const libraryOnly = { ...image, Results: image.Results.filter((r) => r.Class !== 'os-pkgs') };
    const error = tollgateErrorOf(() => normaliseDocument(JSON.stringify(libraryOnly), 'lib.json', 'scan'));
    expect(error.code).toBe('EVIDENCE_INVALID');
    expect(error.message).toBe(
      "lib.json: incomplete vulnerability scan: the Trivy report detected the OS debian 11.3 but has no result of class os-pkgs, so the image's OS packages were not scanned (`--pkg-types library`, `--vuln-type library` before Trivy 0.50, or an OS this Trivy cannot scan); its 1 language-package finding(s) are not recorded either. Scan OS packages too (`--pkg-types os,library`, the default), or use a scanner that reads this OS",
    );
    // The same report with its os-pkgs result, even one holding no vulnerability, is a scan.
    expect(read('trivy/integration__testdata__spring4shell-jre11.json.golden').data.counts.critical).toBe(1);
  });

  it('counts the secrets and failed misconfigurations of a Trivy report that also scanned for vulnerabilities', () => {
    // `trivy image --scanners vuln,secret` puts both kinds of result in one report: here the
    // results of two real goldens side by side. A secret found must not read as a clean scan.
    const vulns = fixtureJson('scans/trivy/integration__testdata__sl-micro-rancher5.4.json.golden') as {
      Results: unknown[];
    };
    const secrets = fixtureJson('scans/trivy/integration__testdata__secrets.json.golden') as {
      Results: unknown[];
    };
    const config = fixtureJson('scans/trivy/integration__testdata__dockerfile.json.golden') as {
      Results: unknown[];
    };
    const both = { ...vulns, Results: [...vulns.Results, ...secrets.Results, ...config.Results] };
    const scan = normaliseDocument(JSON.stringify(both), 'mixed.json', 'scan');
    if (scan.type !== 'evidence' || scan.data.kind !== 'vulnerabilities') throw new Error('not a scan');
    expect(scan.data.counts).toEqual(counts(1, 2, 0, 0));
    expect(scan.data.findings.map((f) => [f.id, f.severity, f.package, f.source])).toEqual([
      ['aws-access-key-id', 'critical', 'deploy.sh', 'trivy:secret'],
      ['mysecret', 'high', 'deploy.sh', 'trivy:secret'],
      ['DS-0002', 'high', 'Dockerfile', 'trivy:misconfig'],
    ]);
    // The line the secret is on (`Match`, masked by Trivy) is not copied into the evidence.
    expect(JSON.stringify(both)).toContain('AWS_ACCESS_KEY_ID=');
    expect(JSON.stringify(scan.data)).not.toContain('AWS_ACCESS_KEY_ID=');
  });
});
