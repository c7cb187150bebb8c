import { describe, expect, it } from 'vitest';
import type { EvidenceRecord } from '../../src/evidence/evidence.js';
import { sbomGate } from '../../src/gates/sbom-gate.js';
import { testsGate } from '../../src/gates/tests-gate.js';
import { vulnerabilitiesGate } from '../../src/gates/vulnerabilities-gate.js';
import {
  component,
  contextOf,
  D1,
  entry,
  finding,
  pipeline,
  sbom,
  scan,
  testEvidence,
} from '../support/builders.js';

/** The attest entries that recorded `records`, one each, in the order given (the ledger order). */
function attested(...records: EvidenceRecord[]) {
  return records.map((record) =>
    entry('attest', { at: record.recordedAt, payload: { evidence: [{ id: record.id }] } }),
  );
}

// The recorder of the second report has a clock two hours slow: it reads earlier than the first.
const FIRST = '2026-11-25T10:00:00.000Z';
const SLOW = '2026-11-25T08:00:00.000Z';

describe('latest report per source follows ledger order, not the recorder clock', () => {
  it('vulnerabilities: a failing scan attested after a passing one blocks', () => {
    const contract = pipeline('      vulnerabilities: { critical: 0 }');
    const pass = scan([], { artifact: D1, recordedAt: FIRST });
    const fail = scan([finding('CVE-2026-1', 'critical')], { artifact: D1, recordedAt: SLOW });
    const context = contextOf(contract, { entries: attested(pass, fail), evidence: [pass, fail] });
    const result = vulnerabilitiesGate.evaluate(contract.stages.prod!.requires.vulnerabilities!, context);
    expect(result.status).toBe('fail');
    expect(result.required[0]!.text).toContain('CVE-2026-1');
  });

  it('vulnerabilities: a passing scan attested after a failing one passes', () => {
    const contract = pipeline('      vulnerabilities: { critical: 0 }');
    const fail = scan([finding('CVE-2026-1', 'critical')], { artifact: D1, recordedAt: FIRST });
    const pass = scan([], { artifact: D1, recordedAt: SLOW });
    const context = contextOf(contract, { entries: attested(fail, pass), evidence: [fail, pass] });
    expect(
      vulnerabilitiesGate.evaluate(contract.stages.prod!.requires.vulnerabilities!, context).status,
    ).toBe('pass');
  });

  it('sbom: a later SBOM naming a denied licence blocks', () => {
    const contract = pipeline('      sbom: { required: true, denyLicenses: [GPL-3.0-only] }');
    const clean = sbom([component('react', '18.3.1')], { artifact: D1, recordedAt: FIRST });
    const denied = sbom([component('readline', '8.2.0', ['GPL-3.0-only'])], {
      artifact: D1,
      recordedAt: SLOW,
    });
    const context = contextOf(contract, { entries: attested(clean, denied), evidence: [clean, denied] });
    expect(sbomGate.evaluate(contract.stages.prod!.requires.sbom!, context).status).toBe('fail');
  });

  it('tests: a failing run attested after a passing one blocks', () => {
    const contract = pipeline('      tests: [{ suite: unit }]');
    const pass = testEvidence(
      { suite: 'unit' },
      { id: `sha256:${'e'.repeat(64)}`, artifact: D1, recordedAt: FIRST },
    );
    const fail = testEvidence(
      { suite: 'unit', passed: 9, failed: 1 },
      {
        id: `sha256:${'f'.repeat(64)}`,
        artifact: D1,
        recordedAt: SLOW,
      },
    );
    const context = contextOf(contract, { entries: attested(pass, fail), evidence: [pass, fail] });
    const result = testsGate.evaluate(contract.stages.prod!.requires.tests!, context);
    expect(result.status).toBe('fail');
  });
});
