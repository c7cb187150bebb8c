/** Severity helpers shared by the scan parsers. The mappings are documented in docs/evidence.md. */
import {
  SEVERITIES,
  type Severity,
  SUPPRESSED_FINDINGS_CAP,
  type SuppressedFinding,
  type VulnerabilityFinding,
} from './evidence.js';
import { shapeError } from './json-input.js';

/**
 * Maps a CVSS-style score (0–10) the way GitHub maps SARIF `security-severity`: 9.0 and above
 * critical, 7.0–8.9 high, 4.0–6.9 medium, below 4.0 low; not a number → unknown.
 * @example severityFromCvssScore(7.5) // 'high'
 */
export function severityFromCvssScore(score: number): Severity {
  if (!Number.isFinite(score) || score < 0 || score > 10) return 'unknown';
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  return 'low';
}

/**
 * A CVSS base score a report gives: a number, or a numeric string, from 0 to 10; undefined when
 * absent or null. Anything else (98, "NaN", "n/a", true) is refused at `path`: skipped, or banded
 * as unknown, a critical passed `critical: 0`.
 */
export function cvssScoreAt(raw: unknown, file: string, path: string, what: string): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  const score =
    typeof raw === 'number'
      ? raw
      : typeof raw === 'string' && raw.trim() !== ''
        ? Number(raw.trim())
        : Number.NaN;
  if (score >= 0 && score <= 10) return score;
  throw shapeError(file, path, 'a CVSS score from 0 to 10 (a number or numeric string)', raw, what);
}

const RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1, unknown: 0 };

/** The worst known severity of a list; `unknown` only when none is known. */
export function worstSeverity(severities: readonly Severity[]): Severity {
  let worst: Severity = 'unknown';
  for (const severity of severities) if (RANK[severity] > RANK[worst]) worst = severity;
  return worst;
}

/** Compares severities for sorting, worst first. */
export function compareSeverity(a: Severity, b: Severity): number {
  return RANK[b] - RANK[a];
}

export function emptyCounts(): Record<Severity, number> {
  return { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 };
}

/** Findings per severity. */
export function countSeverities(findings: readonly VulnerabilityFinding[]): Record<Severity, number> {
  const counts = emptyCounts();
  for (const finding of findings) counts[finding.severity]++;
  return counts;
}

/** A finding the scanner set aside, kept with its reason (its id, severity, package and version). */
export function suppressedOf(finding: VulnerabilityFinding, reason: string): SuppressedFinding {
  const suppressed: SuppressedFinding = { id: finding.id, severity: finding.severity, reason };
  if (finding.package) suppressed.package = finding.package;
  if (finding.version) suppressed.version = finding.version;
  if (finding.product) suppressed.product = finding.product;
  return suppressed;
}

/** Suppressed findings worst first (then by id), capped at `SUPPRESSED_FINDINGS_CAP`. */
export function keepSuppressed(findings: readonly SuppressedFinding[]): SuppressedFinding[] {
  return [...findings]
    .sort((a, b) => compareSeverity(a.severity, b.severity) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, SUPPRESSED_FINDINGS_CAP);
}

/** True for one of the five normalised severity names. */
export function isSeverity(value: string): value is Severity {
  return (SEVERITIES as readonly string[]).includes(value);
}
