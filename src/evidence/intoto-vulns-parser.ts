/**
 * The in-toto vulnerability predicate (`https://in-toto.io/attestation/vulns/v0.2`) →
 * VulnerabilitySummary. It names vulnerabilities and their severities, but not the packages.
 */
import { ownValue } from '../records.js';
import type { Severity, VulnerabilityFinding, VulnerabilitySummary } from './evidence.js';
import { JsonReader, shapeError } from './json-input.js';
import { countSeverities, severityFromCvssScore, worstSeverity } from './severity.js';

export const INTOTO_VULNS_V02 = 'https://in-toto.io/attestation/vulns/v0.2';

const NAMED: Record<string, Severity> = {
  critical: 'critical',
  high: 'high',
  important: 'high',
  medium: 'medium',
  moderate: 'medium',
  low: 'low',
  negligible: 'low',
  info: 'low',
  none: 'low',
  unknown: 'unknown',
};

/** One severity entry's score: a word ("HIGH", "moderate") or a CVSS number ("7.5"). */
export function severityFromScore(score: string): Severity {
  // Own keys only: "constructor" is no severity (a plain lookup returned Object's function).
  const word = ownValue(NAMED, score.trim().toLowerCase());
  if (word) return word;
  const number = Number(score);
  return score.trim() !== '' && Number.isFinite(number) ? severityFromCvssScore(number) : 'unknown';
}

const WHAT = 'in-toto vulns predicate';

/** Severity entry methods whose score is no severity: EPSS (a probability) and KEV (a listing). */
const NO_SEVERITY_METHOD = /(?:^|[^a-z])(?:epss|kev)(?:$|[^a-z])/i;

function methodOf(entry: unknown): string {
  const method = (entry as { method?: unknown }).method;
  return typeof method === 'string' ? method : '';
}

/** Whether a score says how bad a finding is: a word of the scale (unknown included) or a CVSS number. */
function readableScore(score: string | number): boolean {
  if (typeof score === 'number') return score >= 0 && score <= 10;
  if (ownValue(NAMED, score.trim().toLowerCase())) return true;
  const number = Number(score);
  return score.trim() !== '' && number >= 0 && number <= 10;
}

/**
 * Reads a vulns v0.2 predicate: `scanner.uri` (a purl of the scanner), `scanner.version`,
 * `scanner.result[]` of `{ id, severity: [{ method, score }] }`; the worst severity entry wins. The
 * list and each result's severity list are required (an empty severity list reads as unknown).
 */
export function parseIntotoVulns(predicate: unknown, file: string): VulnerabilitySummary {
  const reader = new JsonReader(file, WHAT);
  const root = reader.object(predicate, 'predicate');
  const scanner = reader.object(root.scanner, 'predicate.scanner');
  const uri = reader.optString(scanner.uri, 'predicate.scanner.uri');
  // Required by the spec: an empty list says the scanner found nothing, a missing one says nothing
  // at all, and must not read as a clean scan.
  const results = reader.array(scanner.result, 'predicate.scanner.result');
  const scannerName = uri ? scannerNameOf(uri) : 'in-toto-vulns';
  const findings: VulnerabilityFinding[] = [];
  for (let i = 0; i < results.length; i++) {
    const path = `predicate.scanner.result[${i}]`;
    const result = reader.object(results[i], path);
    // Required too; an empty list is a finding of unknown severity.
    const entries = reader.array(result.severity, `${path}.severity`);
    const scores = entries.map((entry, j) => {
      const item = reader.object(entry, `${path}.severity[${j}]`);
      const score = item.score;
      return typeof score === 'number' ? score : reader.string(score, `${path}.severity[${j}].score`);
    });
    // An EPSS entry (a probability, 0.03) or a KEV one (1 when listed) rates no severity: read as
    // a CVSS number it was low, and a finding nothing else rated passed `high: 0`.
    const rates = entries.map((entry) => !NO_SEVERITY_METHOD.test(methodOf(entry)));
    const severities = scores.map((score, j) =>
      !rates[j]
        ? 'unknown'
        : typeof score === 'number'
          ? severityFromCvssScore(score)
          : severityFromScore(score),
    );
    // A score that is no word of the scale and no CVSS number ("severe", "n/a", 98) reads as
    // unknown, which only an `unknown` limit counts: when no other entry rates the finding, the
    // predicate is refused rather than passed under `critical: 0` (as Grype's, Trivy's and
    // CycloneDX's readers refuse a word outside their scale).
    if (scores.length > 0 && scores.every((score, j) => !rates[j] || !readableScore(score))) {
      throw shapeError(
        file,
        `${path}.severity[0].score`,
        `a severity word (${Object.keys(NAMED).join(', ')}) or a CVSS score from 0 to 10, in at least one entry (an EPSS or KEV entry rates no severity)`,
        scores[0],
        WHAT,
      );
    }
    findings.push({
      id: reader.string(result.id, `${path}.id`),
      severity: worstSeverity(severities),
      source: scannerName,
    });
  }
  const summary: VulnerabilitySummary = {
    kind: 'vulnerabilities',
    scanner: scannerName,
    findings,
    counts: countSeverities(findings),
    suppressed: 0,
  };
  const version = reader.optString(scanner.version, 'predicate.scanner.version');
  if (version) summary.scannerVersion = version;
  return summary;
}

/** `pkg:github/aquasecurity/trivy@0.19.2` → `trivy`; anything else is kept as given. */
function scannerNameOf(uri: string): string {
  const purl = /^pkg:[^/]+\/(?:[^/]+\/)?([^@?#/]+)/.exec(uri);
  return purl ? purl[1]! : uri;
}
