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

/** The record with the run time its report states, under an id of its own. */
function ranAt(record: EvidenceRecord, time: string | undefined, id: string): EvidenceRecord {
  const data = { ...record.data } as EvidenceRecord['data'] & { ranAt?: string };
  if (time === undefined) delete data.ranAt;
  else data.ranAt = time;
  return { ...record, id: `sha256:${id.repeat(64)}`, data };
}

const EARLY = '2026-11-20T10:00:00.000Z';
const LATE = '2026-11-25T10:00:00.000Z';
const RECORDED_1 = '2026-11-25T11:00:00.000Z';
const RECORDED_2 = '2026-11-25T12:00:00.000Z';

const unitContract = pipeline('      tests: [{ suite: unit }]');
const passing = (time: string | undefined, recordedAt: string, id = 'a') =>
  ranAt(testEvidence({ suite: 'unit' }, { artifact: D1, recordedAt }), time, id);
const failing = (time: string | undefined, recordedAt: string, id = 'b') =>
  ranAt(
    testEvidence(
      { suite: 'unit', passed: 9, failed: 1, failures: [{ name: 'pays', kind: 'failure' }] },
      { artifact: D1, recordedAt },
    ),
    time,
    id,
  );

function judgeTests(...records: EvidenceRecord[]) {
  const context = contextOf(unitContract, { entries: attested(...records), evidence: records });
  return testsGate.evaluate(unitContract.stages.prod!.requires.tests!, context);
}

describe('a report stating an earlier run than the one it replaces', () => {
  it('tests: an old passing report recorded after a newer failing run blocks', () => {
    const result = judgeTests(failing(LATE, RECORDED_1), passing(EARLY, RECORDED_2));
    expect(result.status).toBe('fail');
    const line = result.required.find((item) => item.text.includes('record a run newer than'));
    expect(line?.text).toContain(`says it ran ${EARLY}`);
    expect(line?.text).toContain(`record a run newer than ${LATE}`);
    expect(line?.text).toContain('ledger#1');
  });

  it('tests: a re-run stating a later run time replaces the failing one', () => {
    const result = judgeTests(failing(EARLY, RECORDED_1), passing(LATE, RECORDED_2));
    expect(result.status).toBe('pass');
    expect(result.risks).toEqual([]);
  });

  it('tests: a re-run stating the same run time replaces the failing one', () => {
    const result = judgeTests(failing(LATE, RECORDED_1), passing(LATE, RECORDED_2));
    expect(result.status).toBe('pass');
  });

  it('tests: a passing report stating a far-future run does not shield it from a later failing one', () => {
    const result = judgeTests(passing('2099-01-01T00:00:00.000Z', RECORDED_1), failing(LATE, RECORDED_2));
    expect(result.status).toBe('fail');
    expect(result.required.map((item) => item.text).join('\n')).toContain('1 failed');
  });

  it('tests: a report stating a run after it was recorded is ordered by its ledger time, so it cannot block every later run', () => {
    const FUTURE = '2099-01-01T00:00:00.000Z';
    const AFTER_1 = '2026-11-25T11:30:00.000Z';
    // A failing report that claims to have run in 2099, then the honest re-run that fixed it.
    const fixed = judgeTests(failing(FUTURE, RECORDED_1), passing(AFTER_1, RECORDED_2));
    expect(fixed.status).toBe('pass');
    expect(fixed.required).toEqual([]);
    // An older run recorded over it is still caught, against the ledger time, and the line says so.
    const replayed = judgeTests(failing(FUTURE, RECORDED_1), passing(EARLY, RECORDED_2));
    expect(replayed.status).toBe('fail');
    const line = replayed.required.find((item) => item.text.includes('record a run newer than'));
    expect(line?.text).toContain(`says it ran ${EARLY} (unsigned), before the report recorded ahead of it`);
    expect(line?.text).toContain(
      `was recorded ${RECORDED_1} (its report, unsigned, says it ran ${FUTURE}, after that: the ledger time is used)`,
    );
    expect(line?.text).toContain(`record a run newer than ${RECORDED_1}`);
  });

  it('tests: the run-order line says whether each stated time came signed', () => {
    const signer = { name: 'ci', method: 'key' as const, subject: 'f'.repeat(64) };
    const result = judgeTests({ ...failing(LATE, RECORDED_1), signer }, passing(EARLY, RECORDED_2));
    const line = result.required.find((item) => item.text.includes('record a run newer than'));
    expect(line?.text).toContain(`that says it ran ${LATE} (signed by ci)`);
  });

  it('tests: when either report states no run time the order is named as unchecked risk', () => {
    const result = judgeTests(failing(undefined, RECORDED_1), passing(EARLY, RECORDED_2));
    expect(result.status).toBe('pass');
    expect(result.risks.map((item) => item.text).join('\n')).toContain(
      'a report it replaced states no run time, so whether it is the newest run was not checked',
    );
  });

  it('tests: one report alone raises no run-order line', () => {
    const result = judgeTests(passing(undefined, RECORDED_1));
    expect(result.status).toBe('pass');
    expect(result.risks).toEqual([]);
  });

  it('vulnerabilities: an old clean scan recorded after a newer scan with findings blocks', () => {
    const contract = pipeline('      vulnerabilities: { critical: 0 }');
    const newer = ranAt(
      scan([finding('CVE-2026-1', 'critical')], { artifact: D1, recordedAt: RECORDED_1 }),
      LATE,
      'c',
    );
    const older = ranAt(scan([], { artifact: D1, recordedAt: RECORDED_2 }), EARLY, 'd');
    const context = contextOf(contract, { entries: attested(newer, older), evidence: [newer, older] });
    const result = vulnerabilitiesGate.evaluate(contract.stages.prod!.requires.vulnerabilities!, context);
    expect(result.status).toBe('fail');
    expect(result.required.map((item) => item.text).join('\n')).toContain(`record a run newer than ${LATE}`);
  });

  it('sbom: an old SBOM recorded after a newer one naming a denied licence blocks', () => {
    const contract = pipeline('      sbom: { required: true, denyLicenses: [GPL-3.0-only] }');
    const newer = ranAt(
      sbom([component('readline', '8.2.0', ['GPL-3.0-only'])], { artifact: D1, recordedAt: RECORDED_1 }),
      LATE,
      'e',
    );
    const older = ranAt(
      sbom([component('react', '18.3.1')], { artifact: D1, recordedAt: RECORDED_2 }),
      EARLY,
      'f',
    );
    const context = contextOf(contract, { entries: attested(newer, older), evidence: [newer, older] });
    const result = sbomGate.evaluate(contract.stages.prod!.requires.sbom!, context);
    expect(result.status).toBe('fail');
    expect(result.required.map((item) => item.text).join('\n')).toContain(`record a run newer than ${LATE}`);
  });
});
