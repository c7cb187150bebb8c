import { describe, expect, it } from 'vitest';
import type { EvidenceRecord } from '../../src/evidence/evidence.js';
import type { GateContext, SharedReport } from '../../src/gates/gate.js';
import { sbomGate } from '../../src/gates/sbom-gate.js';
import { testsGate } from '../../src/gates/tests-gate.js';
import { vulnerabilitiesGate } from '../../src/gates/vulnerabilities-gate.js';
import {
  component,
  contextOf,
  D1,
  D2,
  entry,
  pipeline,
  sbom,
  scan,
  testEvidence,
} from '../support/builders.js';

const SOURCE = `sha256:${'5'.repeat(64)}`;

/** The context with `record` recorded at ledger#2 and the same bytes recorded for D2 at `seq`. */
function sharedContext(requires: string, record: EvidenceRecord, seq: number): GateContext {
  const contract = pipeline(requires);
  const entries = [
    entry('register', { at: '2026-11-25T09:00:00.000Z' }),
    entry('attest', { at: record.recordedAt, payload: { evidence: [{ id: record.id }] } }),
  ];
  const context = contextOf(contract, { entries, evidence: [record] });
  const shared: SharedReport[] = [{ source: SOURCE, artifact: D2, id: `sha256:${'9'.repeat(64)}`, seq }];
  return { ...context, facts: { ...context.facts, sharedReports: shared } };
}

const unitRecord = (over: Partial<EvidenceRecord> = {}) =>
  testEvidence({ suite: 'unit' }, { artifact: D1, sourceDigest: SOURCE, ...over });

describe('one raw report attested for several artifacts', () => {
  it('tests: the same unsigned bytes recorded for another digest first block, naming it', () => {
    const context = sharedContext('      tests: [{ suite: unit }]', unitRecord(), 1);
    const result = testsGate.evaluate(context.stage.requires.tests!, context);
    expect(result.status).toBe('fail');
    expect(result.required[0]!.text).toContain(`recorded for artifact ${D2} at ledger#1`);
    expect(result.required[0]!.evidence).toContain('ledger#1');
  });

  it('tests: sharedReports allow counts it and says so as remaining risk', () => {
    const context = sharedContext('      tests: [{ suite: unit, sharedReports: allow }]', unitRecord(), 1);
    const result = testsGate.evaluate(context.stage.requires.tests!, context);
    expect(result.status).toBe('pass');
    expect(result.risks.map((item) => item.text).join('\n')).toContain('counted: sharedReports: allow');
  });

  it('tests: the artifact that recorded the bytes first is not blocked by a later copy', () => {
    const context = sharedContext('      tests: [{ suite: unit }]', unitRecord(), 7);
    expect(testsGate.evaluate(context.stage.requires.tests!, context).status).toBe('pass');
  });

  it('tests: signed evidence is not affected', () => {
    const signer = { name: 'ci', method: 'key' as const, subject: 'SHA256:abc' };
    const context = sharedContext('      tests: [{ suite: unit }]', unitRecord({ signer }), 1);
    expect(testsGate.evaluate(context.stage.requires.tests!, context).status).toBe('pass');
  });

  it('vulnerabilities and sbom: the same unsigned bytes recorded for another digest first block', () => {
    const scanned = sharedContext(
      '      vulnerabilities: { critical: 0 }',
      scan([], { artifact: D1, sourceDigest: SOURCE }),
      1,
    );
    expect(vulnerabilitiesGate.evaluate(scanned.stage.requires.vulnerabilities!, scanned).status).toBe(
      'fail',
    );
    const listed = sharedContext(
      '      sbom: required',
      sbom([component('react', '18.3.1')], { artifact: D1, sourceDigest: SOURCE }),
      1,
    );
    const result = sbomGate.evaluate(listed.stage.requires.sbom!, listed);
    expect(result.status).toBe('fail');
    expect(result.required[0]!.text).toContain(`recorded for artifact ${D2}`);
  });
});
