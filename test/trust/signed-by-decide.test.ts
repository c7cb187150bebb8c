import { describe, expect, it } from 'vitest';
import { decisionToJunit } from '../../src/ci/junit-report.js';
import { decide } from '../../src/decide.js';
import {
  renderDecisionJson,
  renderDecisionMarkdown,
  renderDecisionText,
} from '../../src/report/decision-report.js';
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

  it('with no evidence of its kinds: not applicable in text, JSON, Markdown and JUnit, never pass, and a risk', () => {
    const contract = contractOf(CONTRACT.replace('      tests: [{ suite: unit }]\n', ''));
    const decision = decide(contract, 'staging', factsOf({ evidence: [] }));
    const gate = decision.gates.find((g) => g.gate === 'signedBy');
    expect(gate?.status).toBe('not-applicable');
    expect(decision.validated).toEqual([]);
    expect(decision.risks.map((item) => item.gate)).toContain('signedBy');
    const text = renderDecisionText(decision);
    expect(text).toMatch(/– signedBy\s+n\/a\s+nothing to judge/);
    expect(text).not.toMatch(/signedBy\s+pass/);
    expect(text).toContain('Remaining risk:\n  - [signedBy] signedBy nothing to judge');
    const json = JSON.parse(renderDecisionJson(decision)) as { gates: { gate: string; status: string }[] };
    expect(json.gates.find((g) => g.gate === 'signedBy')?.status).toBe('not-applicable');
    const markdown = renderDecisionMarkdown(decision);
    expect(markdown).toContain('| signedBy | – n/a | nothing to judge');
    const junit = decisionToJunit(decision);
    expect(junit).toContain('<skipped message="not applicable: nothing to judge');
    expect(junit).toContain('skipped="1"');
    // An override has nothing to waive in it.
    const overridden = decide(contract, 'staging', factsOf({ evidence: [] }), {
      overrides: [{ gate: 'signedBy', reason: 'x', actor: 'lead' }],
    });
    expect(overridden.gates.find((g) => g.gate === 'signedBy')?.status).toBe('not-applicable');
  });

  it('blocks a stage whose signedBy requires a kind that was never attested', () => {
    const contract = contractOf(CONTRACT.replace('by: [ci]', 'by: [ci], require: [tests]'));
    const decision = decide(contract, 'staging', factsOf({ evidence: [] }));
    expect(decision.verdict).toBe('blocked');
    expect(decision.required.map((item) => item.text)).toContain(
      'tests evidence signed by ci is required (signedBy.require), and none was attested',
    );
    const signed = decide(
      contract,
      'staging',
      factsOf({ evidence: [testEvidence({ suite: 'unit' }, { signer: CI })] }),
    );
    expect(signed.verdict).toBe('allowed');
  });

  it('refuses, at load time, a required kind that `kinds` does not cover, or one given twice', () => {
    expect(() =>
      contractOf(CONTRACT.replace('by: [ci]', 'by: [ci], kinds: [tests], require: [sbom]')),
    ).toThrow(/tollgate.yaml:11:\d+: .*"sbom" is required but not covered by kinds \(tests\)/s);
    expect(() => contractOf(CONTRACT.replace('by: [ci]', 'by: [ci], require: [tests, tests]'))).toThrow(
      /"tests" is given twice/,
    );
  });

  it('refuses, at load time, a signedBy name the trust section does not declare', () => {
    expect(() => contractOf(CONTRACT.replace('by: [ci]', 'by: [ops]'))).toThrow(
      /"ops" is not a key or identity in the trust section; declared: ci/,
    );
  });
});
