import { describe, expect, it } from 'vitest';
import { validateContract } from '../../src/contract/load-contract.js';
import { tollgateErrorOf } from '../support/builders.js';

const contract = (requires: string) =>
  `version: 1\npipeline: p\nartifact: { type: oci }\nstages:\n  s:\n    purpose: x\n    requires:\n${requires}`;

describe('sbom, vulnerabilities and provenance contract sections', () => {
  it('load in every form', () => {
    const loaded = validateContract(
      contract(
        '      sbom: { denyLicenses: [GPL-3.0-or-later, "MIT OR Apache-2.0"], bannedComponents: ["pkg:npm/left-pad"] }\n' +
          '      vulnerabilities: { critical: 0, allow: [{ id: CVE-1, reason: r, until: 2027-01-31 }] }\n' +
          '      provenance: required\n',
      ),
      'tollgate.yaml',
    );
    const requires = loaded.stages.s!.requires;
    expect(requires.sbom).toMatchObject({
      required: true,
      denyLicenses: ['GPL-3.0-or-later', 'MIT OR Apache-2.0'],
    });
    // Compiled when the contract loads: ready to match.
    expect(requires.sbom?.bannedComponents.map((p) => p.pattern)).toEqual(['pkg:npm/left-pad']);
    expect(requires.sbom?.bannedComponents[0]?.matches('pkg:npm/left-pad@1.3.0')).toBe(true);
    expect(requires.vulnerabilities).toEqual({
      critical: 0,
      allow: [{ id: 'CVE-1', reason: 'r', until: '2027-01-31' }],
      reportSuppressions: 'count',
      sharedReports: 'refuse',
    });
    expect(requires.provenance).toEqual({ commitMatchesLabel: false });
  });

  it('name the line and column of a bad licence, a bad date and a misspelt shorthand', () => {
    const error = tollgateErrorOf(() =>
      validateContract(
        contract(
          '      sbom: { denyLicenses: [MIT, "GPL v3"] }\n' +
            '      vulnerabilities: { allow: [{ id: CVE-1, reason: r, until: soon }] }\n' +
            '      provenance: optional\n',
        ),
        'tollgate.yaml',
      ),
    );
    expect(error.code).toBe('CONTRACT_INVALID');
    expect(error.message).toContain(
      'tollgate.yaml:8:35: stages.s.requires.sbom.denyLicenses.1: an SPDX licence id or expression',
    );
    expect(error.message).toContain(
      'stages.s.requires.vulnerabilities.allow.0.until: expected a date (2027-01-31) or a date-time with offset',
    );
    expect(error.message).toContain(
      'stages.s.requires.provenance: expected "required" or { builderId, sourceRepository, commitMatchesLabel }',
    );
  });
});
