/**
 * Grype JSON (`grype -o json`) → VulnerabilitySummary. Reads `matches[]`; `ignoredMatches[]`
 * (findings Grype's ignore rules, VEX, `--only-fixed` and the like set aside) count as suppressed,
 * and are kept with the rules that set them aside.
 */

import { ownValue } from '../records.js';
import { isJsonObject } from '../text/json-text.js';
import type { Severity, SuppressedFinding, VulnerabilityFinding, VulnerabilitySummary } from './evidence.js';
import { imageDigestOf, type NamedImageDigests, namedImageDigests, repoDigestOf } from './image-digests.js';
import { type JsonObject, JsonReader, shapeError } from './json-input.js';
import {
  countSeverities,
  cvssScoreAt,
  keepSuppressed,
  severityFromCvssScore,
  suppressedOf,
  worstSeverity,
} from './severity.js';

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

/** A Grype severity word, in any case, as a normalised severity; undefined for another word. */
function grypeSeverity(word: string): Severity | undefined {
  return ownValue(GRYPE_SEVERITY, word.trim().toLowerCase());
}

/** True when a parsed JSON value looks like a Grype JSON report. */
export function isGrype(value: unknown): boolean {
  if (!isJsonObject(value) || !Array.isArray(value.matches)) return false;
  const descriptor = value.descriptor;
  return (isJsonObject(descriptor) && descriptor.name === 'grype') || isJsonObject(value.source);
}

/**
 * Reads a parsed Grype JSON report: one finding per match (vulnerability × package). Each of
 * `ignoredMatches` is kept as a suppressed finding with the ignore rules Grype applied to it.
 */
export function parseGrype(value: unknown, file: string): VulnerabilitySummary {
  const reader = new JsonReader(file, WHAT);
  const report = reader.object(value, '');
  const matches = reader.array(report.matches, 'matches');
  const findings: VulnerabilityFinding[] = [];
  for (let i = 0; i < matches.length; i++) {
    findings.push(readMatch(reader, reader.object(matches[i], `matches[${i}]`), `matches[${i}]`));
  }
  const ignored = reader.optArray(report.ignoredMatches, 'ignoredMatches');
  const suppressedFindings: SuppressedFinding[] = [];
  for (let i = 0; i < ignored.length; i++) {
    const path = `ignoredMatches[${i}]`;
    const match = reader.object(ignored[i], path);
    const finding = readMatch(reader, match, path);
    const rules = reader.optArray(match.appliedIgnoreRules, `${path}.appliedIgnoreRules`);
    const reasons = rules.map((rule, j) =>
      describeIgnoreRule(reader.object(rule, `${path}.appliedIgnoreRules[${j}]`)),
    );
    suppressedFindings.push(
      suppressedOf(finding, reasons.filter((r) => r !== '').join('; ') || 'ignored by Grype'),
    );
  }
  const descriptor = reader.optObject(report.descriptor, 'descriptor');
  const summary: VulnerabilitySummary = {
    kind: 'vulnerabilities',
    scanner: 'grype',
    findings,
    counts: countSeverities(findings),
    suppressed: ignored.length,
  };
  if (suppressedFindings.length > 0) summary.suppressedFindings = keepSuppressed(suppressedFindings);
  const caveats = distroEolCaveats(reader, reader.optArray(report.alertsByPackage, 'alertsByPackage'));
  if (caveats.length > 0) summary.caveats = caveats;
  const version = descriptor ? reader.optString(descriptor.version, 'descriptor.version') : undefined;
  if (version) summary.scannerVersion = version;
  Object.assign(summary, scannedImages(report));
  const target = scannedTarget(report);
  if (target) summary.target = target;
  return summary;
}

/** `source.type` and what it names: `source.target.userInput`, or the target itself when a string (a path). */
function scannedTarget(report: JsonObject): VulnerabilitySummary['target'] {
  const source = isJsonObject(report.source) ? report.source : undefined;
  if (typeof source?.type !== 'string' || source.type === '') return undefined;
  const target = source.target;
  const name =
    typeof target === 'string'
      ? target
      : isJsonObject(target) && typeof target.userInput === 'string'
        ? target.userInput
        : undefined;
  return name ? { type: source.type, name } : { type: source.type };
}

/**
 * The image the report says it scanned, when `source.type` is `image`: `source.target`'s
 * `manifestDigest`, the digests of its `repoDigests` (`repo@sha256:…`), then its `imageID` (the
 * config digest). Other sources (a directory, an SBOM) name no image.
 */
function scannedImages(report: JsonObject): NamedImageDigests {
  const source = isJsonObject(report.source) ? report.source : undefined;
  if (source?.type !== 'image' || !isJsonObject(source.target)) return {};
  const target = source.target;
  const repoDigests = Array.isArray(target.repoDigests) ? target.repoDigests : [];
  return namedImageDigests(
    [imageDigestOf(target.manifestDigest), ...repoDigests.map(repoDigestOf)],
    [imageDigestOf(target.imageID)],
  );
}

/**
 * `alertsByPackage[].alerts[]` of type `distro-eol` (Grype ≥ 0.100): packages from a distro past its
 * end of life, one caveat per distro.
 */
function distroEolCaveats(reader: JsonReader, alertsByPackage: unknown[]): string[] {
  const packagesByDistro = new Map<string, number>();
  for (let i = 0; i < alertsByPackage.length; i++) {
    const entry = reader.object(alertsByPackage[i], `alertsByPackage[${i}]`);
    const alerts = reader.optArray(entry.alerts, `alertsByPackage[${i}].alerts`);
    for (const alert of alerts) {
      if (!isJsonObject(alert) || alert.type !== 'distro-eol') continue;
      const meta = isJsonObject(alert.metadata) ? alert.metadata : {};
      const distro = [meta.name, meta.version].filter((p) => typeof p === 'string' && p !== '').join(' ');
      const key = distro || 'unknown';
      packagesByDistro.set(key, (packagesByDistro.get(key) ?? 0) + 1);
      break;
    }
  }
  return [...packagesByDistro].map(
    ([distro, count]) =>
      `${count} package(s) are from the end-of-life distro ${distro}: Grype's advisories for them may be incomplete`,
  );
}

/** The CVSS base scores of a vulnerability record's `cvss[]` (at `path`), as severities. */
function cvssSeverities(record: JsonObject, path: string, file: string): Severity[] {
  const entries = Array.isArray(record.cvss) ? record.cvss : [];
  return entries.flatMap((cvss, i) => {
    const metrics = isJsonObject(cvss) && isJsonObject(cvss.metrics) ? cvss.metrics : undefined;
    const score = cvssScoreAt(metrics?.baseScore, file, `${path}.cvss[${i}].metrics.baseScore`, WHAT);
    return score === undefined ? [] : [severityFromCvssScore(score)];
  });
}

/**
 * The match's severity; when Grype says Unknown but the vulnerability's CVSS or a related record
 * (the NVD entry of a GHSA) rates it, the worst of those: "no severity" must not hide a 9.8.
 */
function matchSeverity(
  severity: Severity,
  vuln: JsonObject,
  match: JsonObject,
  path: string,
  file: string,
): Severity {
  if (severity !== 'unknown') return severity;
  const related = Array.isArray(match.relatedVulnerabilities) ? match.relatedVulnerabilities : [];
  return worstSeverity([
    ...cvssSeverities(vuln, `${path}.vulnerability`, file),
    ...related.flatMap((record, i) =>
      isJsonObject(record)
        ? [
            ...(typeof record.severity === 'string' ? [grypeSeverity(record.severity) ?? 'unknown'] : []),
            ...cvssSeverities(record, `${path}.relatedVulnerabilities[${i}]`, file),
          ]
        : [],
    ),
  ]);
}

function readMatch(reader: JsonReader, match: JsonObject, path: string): VulnerabilityFinding {
  const vuln = reader.object(match.vulnerability, `${path}.vulnerability`);
  const artifact = reader.object(match.artifact, `${path}.artifact`);
  const rawSeverity = reader.optString(vuln.severity, `${path}.vulnerability.severity`) ?? 'Unknown';
  const named = grypeSeverity(rawSeverity);
  // A word outside Grype's scale would read as unknown, which only an `unknown` limit counts: an
  // edited or foreign report is refused rather than passed under `high: 0`.
  if (named === undefined) {
    throw shapeError(
      reader.file,
      `${path}.vulnerability.severity`,
      'one of Grype\'s severities "Critical", "High", "Medium", "Low", "Negligible", "Unknown"',
      rawSeverity,
      'Grype report',
    );
  }
  const namespace = reader.optString(vuln.namespace, `${path}.vulnerability.namespace`);
  const finding: VulnerabilityFinding = {
    id: reader.string(vuln.id, `${path}.vulnerability.id`),
    severity: matchSeverity(named, vuln, match, path, reader.file),
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
  return finding;
}

/**
 * One applied ignore rule in words: its own `reason` when the user gave one, else its criteria
 * (`fix-state wont-fix`, `vex-status not_affected (…)`, `package linux-headers-.*`).
 */
function describeIgnoreRule(rule: JsonObject): string {
  const text = (key: string) => (typeof rule[key] === 'string' && rule[key] !== '' ? rule[key] : undefined);
  const criteria: string[] = [];
  const vulnerability = text('vulnerability');
  if (vulnerability) criteria.push(`vulnerability ${vulnerability}`);
  const fixState = text('fix-state');
  if (fixState) criteria.push(`fix-state ${fixState}`);
  const vexStatus = text('vex-status');
  const justification = text('vex-justification');
  if (vexStatus) criteria.push(`vex-status ${vexStatus}${justification ? ` (${justification})` : ''}`);
  const pkg = isJsonObject(rule.package) ? rule.package : undefined;
  if (pkg) {
    const parts = ['name', 'version', 'type', 'location', 'upstream-name']
      .map((key) => (typeof pkg[key] === 'string' && pkg[key] !== '' ? `${key} ${pkg[key]}` : ''))
      .filter((part) => part !== '');
    if (parts.length > 0) criteria.push(`package ${parts.join(' ')}`);
  }
  const matchType = text('match-type');
  if (matchType) criteria.push(`match-type ${matchType}`);
  const reason = text('reason');
  if (reason) return criteria.length > 0 ? `${reason} (${criteria.join(', ')})` : reason;
  return criteria.join(', ');
}
