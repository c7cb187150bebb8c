/**
 * Trivy JSON (`trivy image -f json`) → VulnerabilitySummary. Reads `Results[].Vulnerabilities[]`
 * (schema 2, Trivy ≥ 0.20) or the bare array of results older versions print, and beside them the
 * failed `Misconfigurations[]` and the `Secrets[]` of the same report: Trivy's SARIF output of the
 * same run lists those as results too, and a secret found must never read as a clean scan. Findings
 * Trivy moved to `ModifiedFindings` / `ExperimentalModifiedFindings` (ignored or VEX-suppressed) and
 * misconfigurations with status EXCEPTION count as suppressed.
 */

import { inputError } from '../errors.js';
import { ownValue } from '../records.js';
import { isJsonObject } from '../text/json-text.js';
import type { Severity, SuppressedFinding, VulnerabilityFinding, VulnerabilitySummary } from './evidence.js';
import { imageDigestOf, type NamedImageDigests, namedImageDigests, repoDigestOf } from './image-digests.js';
import { type JsonObject, JsonReader, notAScan, shapeError } from './json-input.js';
import {
  countSeverities,
  cvssScoreAt,
  keepSuppressed,
  severityFromCvssScore,
  suppressedOf,
  worstSeverity,
} from './severity.js';

const WHAT = 'Trivy report';

const TRIVY_SEVERITY: Record<string, Severity> = {
  CRITICAL: 'critical',
  HIGH: 'high',
  MEDIUM: 'medium',
  LOW: 'low',
  UNKNOWN: 'unknown',
};

function looksLikeResult(value: unknown): boolean {
  return isJsonObject(value) && typeof value.Target === 'string';
}

/**
 * True for a Trivy JSON report: schema 2 (`SchemaVersion`, `Results`), the pre-0.20 bare array, or
 * an object whose `Results` are Trivy results without a `SchemaVersion` (the shape of Trivy's own
 * `pkg/report/testdata/new.json.golden`, written between the two).
 */
export function isTrivy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0 && value.every(looksLikeResult);
  if (!isJsonObject(value)) return false;
  if (typeof value.SchemaVersion === 'number') return 'Results' in value || 'ArtifactName' in value;
  const results = value.Results;
  return Array.isArray(results) && results.length > 0 && results.every(looksLikeResult);
}

/** Result classes of Trivy's vulnerability scanner; `secret`, `config` and `license` come from others. */
const VULNERABILITY_CLASSES = new Set(['os-pkgs', 'lang-pkgs']);

/**
 * Refuses a report whose every result names a class and none is a package class: Trivy was run
 * with `--scanners secret,misconfig` (or similar) and looked for no vulnerability at all. The
 * refusal says what those results hold, so a secret found is not lost in "not a scan".
 * Results without `Class` (older Trivy) are taken as vulnerability results.
 */
function assertVulnerabilityClasses(results: unknown[], file: string): void {
  const classes = new Set<string>();
  let secrets = 0;
  let misconfigurations = 0;
  for (const result of results) {
    const resultClass = isJsonObject(result) ? result.Class : undefined;
    if (typeof resultClass !== 'string' || VULNERABILITY_CLASSES.has(resultClass)) return;
    classes.add(resultClass);
    if (!isJsonObject(result)) continue;
    if (Array.isArray(result.Secrets)) secrets += result.Secrets.length;
    if (Array.isArray(result.Misconfigurations)) {
      misconfigurations += result.Misconfigurations.filter(
        (m) => isJsonObject(m) && misconfigurationState(m.Status) === 'failed',
      ).length;
    }
  }
  const found = classes.size === 0 ? 'no result' : `results of class ${[...classes].join(', ')} only`;
  const parts = [
    ...(secrets > 0 ? [`${secrets} secret(s)`] : []),
    ...(misconfigurations > 0 ? [`${misconfigurations} failed misconfiguration(s)`] : []),
  ];
  const held = parts.length > 0 ? `; they report ${parts.join(' and ')}, not recorded` : '';
  throw notAScan(
    file,
    `the Trivy report has ${found} (run it with the vuln scanner, \`--scanners vuln\`)${held}`,
  );
}

/**
 * Refuses a report that detected an OS (`Metadata.OS.Family`) but has no `os-pkgs` result: Trivy
 * writes one for every detected OS it scans, with no `Vulnerabilities` when it found none (its SL
 * Micro golden), so without it the OS packages were not scanned (`--pkg-types library`,
 * `--vuln-type library` before 0.50, or an OS that Trivy version cannot scan). Read as it stands,
 * the image's OS packages would pass `critical: 0` unlooked-at. Results without `Class` (older
 * Trivy) leave it unjudged; Family "none" is Trivy's word for no OS found (files skipped).
 */
function assertOsPackagesScanned(report: JsonObject, results: unknown[], file: string): void {
  const metadata = isJsonObject(report.Metadata) ? report.Metadata : undefined;
  const os = isJsonObject(metadata?.OS) ? metadata.OS : undefined;
  const family = typeof os?.Family === 'string' ? os.Family.trim() : '';
  if (family === '' || family === 'none') return;
  const classes = results.map((result) => (isJsonObject(result) ? result.Class : undefined));
  if (classes.some((c) => typeof c !== 'string' || c === 'os-pkgs')) return;
  const name = typeof os?.Name === 'string' && os.Name !== '' ? ` ${os.Name}` : '';
  let packageFindings = 0;
  for (const result of results) {
    if (isJsonObject(result) && Array.isArray(result.Vulnerabilities))
      packageFindings += result.Vulnerabilities.length;
  }
  throw inputError(
    'EVIDENCE_INVALID',
    { file },
    `incomplete vulnerability scan: the Trivy report detected the OS ${family}${name} but has no result of class os-pkgs, so the image's OS packages were not scanned (\`--pkg-types library\`, \`--vuln-type library\` before Trivy 0.50, or an OS this Trivy cannot scan); its ${packageFindings} language-package finding(s) are not recorded either. Scan OS packages too (\`--pkg-types os,library\`, the default), or use a scanner that reads this OS`,
  );
}

/**
 * A misconfiguration's `Status`: FAIL (or none, as Trivy before 0.30 wrote only failures) is a
 * finding, EXCEPTION one the policy excepted (suppressed), PASS (`--include-non-failures`) none.
 */
function misconfigurationState(status: unknown): 'failed' | 'excepted' | 'passed' {
  if (status === 'PASS') return 'passed';
  if (status === 'EXCEPTION') return 'excepted';
  return 'failed';
}

/** `ModifiedFindings[].Type` values whose findings this reader counts; `license` is not read. */
const COUNTED_TYPES = new Set(['vulnerability', 'misconfiguration', 'secret']);

/**
 * A Trivy `Severity` (in any case; absent is UNKNOWN). A word outside Trivy's scale would read as
 * unknown, which only an `unknown` limit counts: an edited or foreign report is refused rather than
 * passed under `high: 0`.
 */
function severityOf(reader: JsonReader, raw: string | undefined, path: string): Severity {
  const severity = ownValue(TRIVY_SEVERITY, (raw ?? 'UNKNOWN').trim().toUpperCase());
  if (severity !== undefined) return severity;
  throw shapeError(
    reader.file,
    path,
    'one of Trivy\'s severities "CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"',
    raw,
    WHAT,
  );
}

/**
 * Reads a parsed Trivy JSON report: one finding per entry of each result's `Vulnerabilities`, per
 * failed misconfiguration and per secret. A vulnerability Trivy reports in several targets (the same
 * module in three `go.mod` files) counts once per target, as Trivy's own summary counts it.
 */
export function parseTrivy(value: unknown, file: string): VulnerabilitySummary {
  const reader = new JsonReader(file, WHAT);
  let results: unknown[];
  let resultsPath: string;
  let version: string | undefined;
  let caveat: string | undefined;
  let named: NamedImageDigests = {};
  let target: VulnerabilitySummary['target'];
  if (Array.isArray(value)) {
    results = value;
    resultsPath = '';
  } else {
    const report = reader.object(value, '');
    if (report.Results === undefined || report.Results === null) {
      throw notAScan(file, 'the Trivy report has no "Results" (Trivy found nothing to scan)');
    }
    results = reader.array(report.Results, 'Results');
    assertVulnerabilityClasses(results, file);
    assertOsPackagesScanned(report, results, file);
    resultsPath = 'Results';
    const trivy = reader.optObject(report.Trivy, 'Trivy');
    version = trivy ? reader.optString(trivy.Version, 'Trivy.Version') : undefined;
    caveat = eoslCaveat(reader, report);
    named = scannedImages(report);
    const artifactType = reader.optString(report.ArtifactType, 'ArtifactType');
    if (artifactType) {
      const name = reader.optString(report.ArtifactName, 'ArtifactName');
      target = name ? { type: artifactType, name } : { type: artifactType };
    }
  }
  const findings: VulnerabilityFinding[] = [];
  const suppressedFindings: SuppressedFinding[] = [];
  for (let r = 0; r < results.length; r++) {
    const resultPath = `${resultsPath}[${r}]`;
    const result = reader.object(results[r], resultPath);
    const vulnerabilities = reader.optArray(result.Vulnerabilities, `${resultPath}.Vulnerabilities`);
    for (let i = 0; i < vulnerabilities.length; i++) {
      findings.push(readVulnerability(reader, vulnerabilities[i], `${resultPath}.Vulnerabilities[${i}]`));
    }
    const misconfigurations = reader.optArray(result.Misconfigurations, `${resultPath}.Misconfigurations`);
    for (let i = 0; i < misconfigurations.length; i++) {
      const path = `${resultPath}.Misconfigurations[${i}]`;
      const misconfiguration = reader.object(misconfigurations[i], path);
      const state = misconfigurationState(misconfiguration.Status);
      if (state === 'passed') continue;
      const finding = readMisconfiguration(reader, misconfiguration, path, result.Target);
      if (state === 'failed') findings.push(finding);
      else suppressedFindings.push(suppressedOf(finding, 'misconfiguration status EXCEPTION'));
    }
    const secrets = reader.optArray(result.Secrets, `${resultPath}.Secrets`);
    for (let i = 0; i < secrets.length; i++) {
      findings.push(readSecret(reader, secrets[i], `${resultPath}.Secrets[${i}]`, result.Target));
    }
    for (const key of ['ModifiedFindings', 'ExperimentalModifiedFindings']) {
      const modifiedFindings = reader.optArray(result[key], `${resultPath}.${key}`);
      for (let i = 0; i < modifiedFindings.length; i++) {
        const path = `${resultPath}.${key}[${i}]`;
        const modified = reader.object(modifiedFindings[i], path);
        const type = reader.optString(modified.Type, `${path}.Type`) ?? 'vulnerability';
        if (!COUNTED_TYPES.has(type)) continue;
        suppressedFindings.push(readModified(reader, modified, type, path, result.Target));
      }
    }
  }
  const summary: VulnerabilitySummary = {
    kind: 'vulnerabilities',
    scanner: 'trivy',
    findings,
    counts: countSeverities(findings),
    suppressed: suppressedFindings.length,
  };
  if (suppressedFindings.length > 0) summary.suppressedFindings = keepSuppressed(suppressedFindings);
  if (caveat) summary.caveats = [caveat];
  if (version) summary.scannerVersion = version;
  if (target) summary.target = target;
  Object.assign(summary, named);
  return summary;
}

/**
 * The image the report says it scanned: the digests of `Metadata.RepoDigests` (`repo@sha256:…`,
 * the manifest digests a registry knows it by), then `Metadata.ImageID` (its config digest); the
 * same two at the top level in the schema between the bare array and `Metadata` (Trivy's
 * `pkg/report/testdata/new.json.golden`). A scan of an image tarball or a file system names no repo
 * digest; entries of other shapes are skipped.
 */
function scannedImages(report: JsonObject): NamedImageDigests {
  const holders = [isJsonObject(report.Metadata) ? report.Metadata : {}, report];
  return namedImageDigests(
    holders.flatMap((holder) =>
      (Array.isArray(holder.RepoDigests) ? holder.RepoDigests : []).map(repoDigestOf),
    ),
    holders.map((holder) => imageDigestOf(holder.ImageID)),
  );
}

/** Trivy's `VendorSeverity` numbers (its `dbTypes.Severity`): 0 unknown … 4 critical. */
const VENDOR_SEVERITY: readonly Severity[] = ['unknown', 'low', 'medium', 'high', 'critical'];

/**
 * A vulnerability's `Severity`; when that is UNKNOWN (or missing) but a source rated it, the worst
 * of `VendorSeverity` and the `CVSS` v3 (else v2) scores: "no severity" must not hide an NVD 9.8
 * from a `critical` limit.
 */
function vulnerabilitySeverity(reader: JsonReader, vuln: JsonObject, path: string): Severity {
  const severity = severityOf(
    reader,
    reader.optString(vuln.Severity, `${path}.Severity`),
    `${path}.Severity`,
  );
  if (severity !== 'unknown') return severity;
  const rated: Severity[] = [];
  if (isJsonObject(vuln.VendorSeverity)) {
    for (const [source, level] of Object.entries(vuln.VendorSeverity)) {
      // Another value (7, 3.5, "HIGH") was skipped, leaving a finding its vendor rated unknown.
      const vendor =
        typeof level === 'number' && Number.isInteger(level) ? VENDOR_SEVERITY[level] : undefined;
      if (vendor === undefined) {
        throw shapeError(
          reader.file,
          `${path}.VendorSeverity.${source}`,
          "one of Trivy's vendor severities 0 (unknown), 1 (low), 2 (medium), 3 (high), 4 (critical)",
          level,
          WHAT,
        );
      }
      rated.push(vendor);
    }
  }
  if (isJsonObject(vuln.CVSS)) {
    // Each source's v4 and v3 scores, the worse of them, else its v2 score (an older rating).
    for (const [source, cvss] of Object.entries(vuln.CVSS)) {
      if (!isJsonObject(cvss)) continue;
      const at = (field: string) =>
        cvssScoreAt(cvss[field], reader.file, `${path}.CVSS.${source}.${field}`, WHAT);
      const current = [at('V40Score'), at('V3Score')].filter((score) => score !== undefined);
      const scores = current.length > 0 ? current : [at('V2Score')].filter((score) => score !== undefined);
      rated.push(...scores.map(severityFromCvssScore));
    }
  }
  return worstSeverity(rated);
}

function readVulnerability(reader: JsonReader, value: unknown, path: string): VulnerabilityFinding {
  const vuln = reader.object(value, path);
  const dataSource = reader.optObject(vuln.DataSource, `${path}.DataSource`);
  const sourceId = dataSource ? reader.optString(dataSource.ID, `${path}.DataSource.ID`) : undefined;
  const finding: VulnerabilityFinding = {
    id: reader.string(vuln.VulnerabilityID, `${path}.VulnerabilityID`),
    severity: vulnerabilitySeverity(reader, vuln, path),
    package: reader.string(vuln.PkgName, `${path}.PkgName`),
    source: sourceId ? `trivy:${sourceId}` : 'trivy',
  };
  const installed = reader.optString(vuln.InstalledVersion, `${path}.InstalledVersion`);
  if (installed) finding.version = installed;
  const identifier = reader.optObject(vuln.PkgIdentifier, `${path}.PkgIdentifier`);
  const purl = identifier ? reader.optString(identifier.PURL, `${path}.PkgIdentifier.PURL`) : undefined;
  if (purl) finding.purl = purl;
  const fixed = reader.optString(vuln.FixedVersion, `${path}.FixedVersion`);
  if (fixed) finding.fixedIn = fixed;
  const vendorIds = reader
    .optArray(vuln.VendorIDs, `${path}.VendorIDs`)
    .filter((id): id is string => typeof id === 'string');
  if (vendorIds.length > 0) finding.aliases = vendorIds;
  const title = reader.optString(vuln.Title, `${path}.Title`);
  if (title) finding.title = title;
  return finding;
}

/** A failed misconfiguration: its check id (`DS-0002`, `AVD-AWS-0089`), in the result's file. */
function readMisconfiguration(
  reader: JsonReader,
  misconfiguration: JsonObject,
  path: string,
  target: unknown,
): VulnerabilityFinding {
  const id =
    reader.optString(misconfiguration.ID, `${path}.ID`) ??
    reader.string(misconfiguration.AVDID, `${path}.AVDID`);
  const finding: VulnerabilityFinding = {
    id,
    severity: severityOf(
      reader,
      reader.optString(misconfiguration.Severity, `${path}.Severity`),
      `${path}.Severity`,
    ),
    source: 'trivy:misconfig',
  };
  const avdId = reader.optString(misconfiguration.AVDID, `${path}.AVDID`);
  if (avdId && avdId !== id) finding.aliases = [avdId];
  if (typeof target === 'string' && target !== '') finding.package = target;
  const title = reader.optString(misconfiguration.Title, `${path}.Title`);
  if (title) finding.title = title;
  return finding;
}

/** A secret found: its rule id (`aws-access-key-id`), in the result's file. The secret itself is not kept. */
function readSecret(reader: JsonReader, value: unknown, path: string, target: unknown): VulnerabilityFinding {
  const secret = reader.object(value, path);
  const finding: VulnerabilityFinding = {
    id: reader.string(secret.RuleID, `${path}.RuleID`),
    severity: severityOf(reader, reader.optString(secret.Severity, `${path}.Severity`), `${path}.Severity`),
    source: 'trivy:secret',
  };
  if (typeof target === 'string' && target !== '') finding.package = target;
  const title = reader.optString(secret.Title, `${path}.Title`);
  if (title) finding.title = title;
  return finding;
}

/** `Metadata.OS.EOSL`: Trivy warns that the OS is past its end of service life. */
function eoslCaveat(reader: JsonReader, report: JsonObject): string | undefined {
  const metadata = reader.optObject(report.Metadata, 'Metadata');
  const os = metadata ? reader.optObject(metadata.OS, 'Metadata.OS') : undefined;
  if (os?.EOSL !== true) return undefined;
  const name = [os.Family, os.Name].filter((part) => typeof part === 'string' && part !== '').join(' ');
  return `the OS ${name || '(unnamed)'} is past its end of service life: Trivy's advisories for it may be incomplete`;
}

/**
 * A finding Trivy set aside (`--show-suppressed`): its `Finding` read as the kind `Type` names, the
 * reason from `Status`, `Statement` and `Source` (`not_affected: vulnerable_code_not_in_execute_path (./vex.json)`).
 */
function readModified(
  reader: JsonReader,
  modified: JsonObject,
  type: string,
  path: string,
  target: unknown,
): SuppressedFinding {
  const findingPath = `${path}.Finding`;
  const inner = reader.object(modified.Finding, findingPath);
  const finding =
    type === 'misconfiguration'
      ? readMisconfiguration(reader, inner, findingPath, target)
      : type === 'secret'
        ? readSecret(reader, inner, findingPath, target)
        : readVulnerability(reader, inner, findingPath);
  const status = reader.optString(modified.Status, `${path}.Status`) ?? 'suppressed';
  const statement = reader.optString(modified.Statement, `${path}.Statement`);
  const source = reader.optString(modified.Source, `${path}.Source`);
  return suppressedOf(
    finding,
    `${status}${statement ? `: ${statement}` : ''}${source ? ` (${source})` : ''}`,
  );
}
