/**
 * Trivy JSON (`trivy image -f json`) → VulnerabilitySummary. Reads `Results[].Vulnerabilities[]`
 * (schema 2, Trivy ≥ 0.20) or the bare array of results older versions print. Findings Trivy moved
 * to `ModifiedFindings` / `ExperimentalModifiedFindings` (ignored or VEX-suppressed) count as suppressed.
 */

import { isJsonObject } from '../text/json-text.js';
import type { Severity, VulnerabilityFinding, VulnerabilitySummary } from './evidence.js';
import { JsonReader } from './json-input.js';
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
    results = reader.optArray(report.Results, 'Results');
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
