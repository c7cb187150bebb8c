/**
 * Trivy JSON (`trivy image -f json`) → VulnerabilitySummary. Reads `Results[].Vulnerabilities[]`
 * (schema 2, Trivy ≥ 0.20) or the bare array of results older versions print. Findings Trivy moved
 * to `ModifiedFindings` / `ExperimentalModifiedFindings` (ignored or VEX-suppressed) count as suppressed.
 */

import { isJsonObject } from '../text/json-text.js';
import type { Severity, VulnerabilityFinding, VulnerabilitySummary } from './evidence.js';
import { JsonReader, notAScan } from './json-input.js';
import { countSeverities } from './severity.js';

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

/** True for a Trivy JSON report: schema 2 (`SchemaVersion`, `Results`) or the pre-0.20 bare array. */
export function isTrivy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0 && value.every(looksLikeResult);
  if (!isJsonObject(value)) return false;
  return typeof value.SchemaVersion === 'number' && ('Results' in value || 'ArtifactName' in value);
}

/** Result classes of Trivy's vulnerability scanner; `secret`, `config` and `license` come from others. */
const VULNERABILITY_CLASSES = new Set(['os-pkgs', 'lang-pkgs']);

/**
 * Refuses a report whose every result names a class and none is a package class: Trivy was run
 * with `--scanners secret,misconfig` (or similar) and looked for no vulnerability at all.
 * Results without `Class` (older Trivy) are taken as vulnerability results.
 */
function assertVulnerabilityClasses(results: unknown[], file: string): void {
  const classes = new Set<string>();
  for (const result of results) {
    const resultClass = isJsonObject(result) ? result.Class : undefined;
    if (typeof resultClass !== 'string' || VULNERABILITY_CLASSES.has(resultClass)) return;
    classes.add(resultClass);
  }
  const found = classes.size === 0 ? 'no result' : `results of class ${[...classes].join(', ')} only`;
  throw notAScan(file, `the Trivy report has ${found} (run it with the vuln scanner, \`--scanners vuln\`)`);
}

/** Reads a parsed Trivy JSON report: one finding per entry of each result's `Vulnerabilities`. */
export function parseTrivy(value: unknown, file: string): VulnerabilitySummary {
  const reader = new JsonReader(file, WHAT);
  let results: unknown[];
  let resultsPath: string;
  let version: string | undefined;
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
    resultsPath = 'Results';
    const trivy = reader.optObject(report.Trivy, 'Trivy');
    version = trivy ? reader.optString(trivy.Version, 'Trivy.Version') : undefined;
  }
  const findings: VulnerabilityFinding[] = [];
  let suppressed = 0;
  for (let r = 0; r < results.length; r++) {
    const resultPath = `${resultsPath}[${r}]`;
    const result = reader.object(results[r], resultPath);
    const vulnerabilities = reader.optArray(result.Vulnerabilities, `${resultPath}.Vulnerabilities`);
    for (let i = 0; i < vulnerabilities.length; i++) {
      const path = `${resultPath}.Vulnerabilities[${i}]`;
      const vuln = reader.object(vulnerabilities[i], path);
      const rawSeverity = reader.optString(vuln.Severity, `${path}.Severity`) ?? 'UNKNOWN';
      const dataSource = reader.optObject(vuln.DataSource, `${path}.DataSource`);
      const sourceId = dataSource ? reader.optString(dataSource.ID, `${path}.DataSource.ID`) : undefined;
      const finding: VulnerabilityFinding = {
        id: reader.string(vuln.VulnerabilityID, `${path}.VulnerabilityID`),
        severity: TRIVY_SEVERITY[rawSeverity.toUpperCase()] ?? 'unknown',
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
      findings.push(finding);
    }
    for (const key of ['ModifiedFindings', 'ExperimentalModifiedFindings']) {
      for (const modified of reader.optArray(result[key], `${resultPath}.${key}`)) {
        if (isJsonObject(modified) && (modified.Type === undefined || modified.Type === 'vulnerability'))
          suppressed++;
      }
    }
  }
  const summary: VulnerabilitySummary = {
    kind: 'vulnerabilities',
    scanner: 'trivy',
    findings,
    counts: countSeverities(findings),
    suppressed,
  };
  if (version) summary.scannerVersion = version;
  return summary;
}
