/**
 * Grype JSON (`grype -o json`) → VulnerabilitySummary. Reads `matches[]`; `ignoredMatches[]`
 * (findings Grype's own ignore rules or VEX removed) count as suppressed.
 */

import { isJsonObject } from '../text/json-text.js';
import type { Severity, VulnerabilityFinding, VulnerabilitySummary } from './evidence.js';
import { JsonReader } from './json-input.js';
import { countSeverities } from './severity.js';

const WHAT = 'Grype report';

/** Grype's severities (Unknown, Negligible, Low, Medium, High, Critical) → normalised ones. */
const GRYPE_SEVERITY: Record<string, Severity> = {
  critical: 'critical',
  high: 'high',
  medium: 'medium',
  low: 'low',
  negligible: 'low',
  unknown: 'unknown',
};

/** True when a parsed JSON value looks like a Grype JSON report. */
export function isGrype(value: unknown): boolean {
  if (!isJsonObject(value) || !Array.isArray(value.matches)) return false;
  const descriptor = value.descriptor;
  return (isJsonObject(descriptor) && descriptor.name === 'grype') || isJsonObject(value.source);
}

/** Reads a parsed Grype JSON report: one finding per match (vulnerability × package). */
export function parseGrype(value: unknown, file: string): VulnerabilitySummary {
  const reader = new JsonReader(file, WHAT);
  const report = reader.object(value, '');
  const matches = reader.array(report.matches, 'matches');
  const findings: VulnerabilityFinding[] = [];
  for (let i = 0; i < matches.length; i++) {
    const path = `matches[${i}]`;
    const match = reader.object(matches[i], path);
    const vuln = reader.object(match.vulnerability, `${path}.vulnerability`);
    const artifact = reader.object(match.artifact, `${path}.artifact`);
    const rawSeverity = reader.optString(vuln.severity, `${path}.vulnerability.severity`) ?? 'Unknown';
    const namespace = reader.optString(vuln.namespace, `${path}.vulnerability.namespace`);
    const finding: VulnerabilityFinding = {
      id: reader.string(vuln.id, `${path}.vulnerability.id`),
      severity: GRYPE_SEVERITY[rawSeverity.toLowerCase()] ?? 'unknown',
      package: reader.string(artifact.name, `${path}.artifact.name`),
      source: namespace ? `grype:${namespace}` : 'grype',
    };
    const version = reader.optString(artifact.version, `${path}.artifact.version`);
    if (version) finding.version = version;
    const purl = reader.optString(artifact.purl, `${path}.artifact.purl`);
    if (purl) finding.purl = purl;
    const fix = reader.optObject(vuln.fix, `${path}.vulnerability.fix`);
    const fixVersions = fix ? reader.optArray(fix.versions, `${path}.vulnerability.fix.versions`) : [];
    const fixed = fixVersions.filter((v): v is string => typeof v === 'string');
    if (fixed.length > 0) finding.fixedIn = fixed.join(', ');
    const aliases = reader
      .optArray(match.relatedVulnerabilities, `${path}.relatedVulnerabilities`)
      .map((related) => (isJsonObject(related) && typeof related.id === 'string' ? related.id : undefined))
      .filter((id): id is string => id !== undefined && id !== finding.id);
    if (aliases.length > 0) finding.aliases = [...new Set(aliases)];
    const description = reader.optString(vuln.description, `${path}.vulnerability.description`);
    if (description) finding.title = description.length > 200 ? `${description.slice(0, 199)}…` : description;
    findings.push(finding);
  }
  const descriptor = reader.optObject(report.descriptor, 'descriptor');
  const summary: VulnerabilitySummary = {
    kind: 'vulnerabilities',
    scanner: 'grype',
    findings,
    counts: countSeverities(findings),
    suppressed: reader.optArray(report.ignoredMatches, 'ignoredMatches').length,
  };
  const version = descriptor ? reader.optString(descriptor.version, 'descriptor.version') : undefined;
  if (version) summary.scannerVersion = version;
  return summary;
}
