import { describe, expect, it } from 'vitest';
import { decide } from '../../src/decide.js';
import { contractOf, factsOf, testEvidence } from '../support/builders.js';

const CONTRACT = `
version: 1
pipeline: shop
artifact: { type: file }
trust:
  keys: { ci: keys/ci.pub }
stages:
  staging:
    purpose: release candidates
    requires:
      signedBy: { by: [ci] }
      tests: [{ suite: unit }]
`;

const CI = { name: 'ci', method: 'key' as const, subject: 'f'.repeat(64) };

describe('signedBy in a decision', () => {
  it('blocks when the only test results are unsigned, and says why', () => {
    const decision = decide(
      contractOf(CONTRACT),
      'staging',
      factsOf({ evidence: [testEvidence({ suite: 'unit' })] }),
    );
    expect(decision.verdict).toBe('blocked');
    expect(decision.required.map((item) => item.text)).toEqual([
      'tests evidence must be signed by ci; what was attested counts as missing (junit: unsigned)',
      'suite unit has no results for this digest',
    ]);
  });

  it('allows when the results are signed by ci', () => {
    const evidence = [testEvidence({ suite: 'unit' }, { signer: CI })];
    const decision = decide(contractOf(CONTRACT), 'staging', factsOf({ evidence }));
    expect(decision.verdict).toBe('allowed');
    expect(decision.validated.map((item) => item.gate)).toContain('signedBy');
  });

  it('uses the signed results and ignores failing unsigned ones', () => {
    const evidence = [
      testEvidence({ suite: 'unit' }, { signer: CI }),
      testEvidence({ suite: 'unit', passed: 5, failed: 5 }, { recordedAt: '2026-11-26T11:00:00.000Z' }),
    ];
    const decision = decide(contractOf(CONTRACT), 'staging', factsOf({ evidence }));
    expect(decision.verdict).toBe('allowed');
    expect(decision.risks.map((item) => item.text)).toContain(
      '1 tests record(s) not signed by ci were ignored (junit: unsigned); the signed ones are used',
    );
  });

  it('refuses, at load time, a signedBy name the trust section does not declare', () => {
    expect(() => contractOf(CONTRACT.replace('by: [ci]', 'by: [ops]'))).toThrow(
      /"ops" is not a key or identity in the trust section; declared: ci/,
    );
  });
});
