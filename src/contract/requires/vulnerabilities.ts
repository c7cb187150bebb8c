import { z } from 'zod';
import { sharedReports } from './shared-reports.js';

const maxCount = (severity: string) =>
  z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe(
      `Most ${severity} findings allowed (not counting allowed ids). Absent: no limit, and any ${severity} findings are listed as remaining risk.`,
    );

export const vulnerabilityAllowance = z
  .strictObject({
    id: z
      .string()
      .min(1)
      .describe(
        'Vulnerability id (CVE-…, GHSA-…, or a SARIF rule id); also matches the aliases a scanner reports.',
      ),
    reason: z.string().min(1).describe('Why the finding is acceptable for now (shown in every decision).'),
    until: z
      .union([z.iso.date(), z.iso.datetime({ offset: true })], {
        error: 'expected a date (2027-01-31) or a date-time with offset (2027-01-31T18:00:00Z)',
      })
      .describe(
        'Expiry: a date (the allowance holds through the end of that day, UTC) or a date-time. After it the gate fails and says the allowance expired.',
      ),
  })
  .describe('A finding accepted until a date: it moves to remaining risk instead of counting.');

export const vulnerabilitiesRequirement = z
  .strictObject({
    critical: maxCount('critical'),
    high: maxCount('high'),
    medium: maxCount('medium'),
    low: maxCount('low'),
    unknown: maxCount('unknown-severity'),
    allow: z
      .array(vulnerabilityAllowance)
      .default([])
      .describe('Accepted findings, each with a reason and an expiry.'),
    reportSuppressions: z
      .enum(['count', 'honour'])
      .default('count')
      .describe(
        'Findings a report sets aside itself (SARIF suppressions, Grype ignoredMatches, Trivy ignore files and VEX, CycloneDX not_affected): `count` (default) counts them like any finding, since whoever produced the report could waive anything; `honour` leaves them uncounted. Either way they are listed as remaining risk.',
      ),
    scanners: z
      .array(z.string().trim().min(1))
      .min(1)
      .optional()
      .describe(
        "Scanners whose scans count (`trivy`, `grype`, `Snyk Open Source`, `osv-scanner`…), compared case-insensitively with the scanner name the scan records (a SARIF run's tool.driver.name, a CycloneDX tool name without its version). Scans by other tools are listed and not counted; without a scan by one of them the gate fails. Absent: every scan counts.",
      ),
    sharedReports,
  })
  .describe(
    'A vulnerability scan (SARIF, Grype, Trivy, CycloneDX VEX/VDR, in-toto vulns) attested for the digest, with at most this many findings per severity.',
  );

export type VulnerabilitiesRequirement = z.infer<typeof vulnerabilitiesRequirement>;
export type VulnerabilityAllowance = z.infer<typeof vulnerabilityAllowance>;
