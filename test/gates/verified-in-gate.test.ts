import { describe, expect, it } from 'vitest';
import type { EvidenceRecord } from '../../src/evidence/evidence.js';
import { evaluateVerifiedIn } from '../../src/gates/verified-in-gate.js';
import { contextOf, D1, D2, pipeline, promotionEntry, verification } from '../support/builders.js';

const contract = pipeline('      verifiedIn: staging');
const config = contract.stages.prod!.requires.verifiedIn!;

describe('verifiedIn gate', () => {
  it('passes with a passing verification after the latest promotion', () => {
    const entries = [
      promotionEntry('staging', '2026-11-26T09:00:00.000Z'),
      verification('staging', '2026-11-26T09:20:00.000Z', 'passed'),
    ];
    const result = evaluateVerifiedIn(config, contextOf(contract, { entries }));
    expect(result.status).toBe('pass');
    expect(result.validated[0]!.text).toBe(
      'post-deploy verification passed in staging at 2026-11-26T09:20:00.000Z (reported by smoke-bot)',
    );
  });

  it('does not accept a verification from before the digest re-entered the stage', () => {
    const entries = [
      promotionEntry('staging', '2026-11-25T09:00:00.000Z'),
      verification('staging', '2026-11-25T09:20:00.000Z', 'passed'),
      promotionEntry('staging', '2026-11-26T09:00:00.000Z'),
    ];
    const result = evaluateVerifiedIn(config, contextOf(contract, { entries }));
    expect(result.status).toBe('pending');
    expect(result.required[0]!.text).toContain(
      'a passing post-deploy verification in staging after 2026-11-26T09:00:00.000Z',
    );
  });

  it('fails when the latest verification failed, even after a pass', () => {
    const entries = [
      promotionEntry('staging', '2026-11-26T09:00:00.000Z'),
      verification('staging', '2026-11-26T09:20:00.000Z', 'passed'),
      verification('staging', '2026-11-26T10:20:00.000Z', 'failed'),
    ];
    expect(evaluateVerifiedIn(config, contextOf(contract, { entries })).status).toBe('fail');
  });

  it('takes the latest verification in ledger order, whatever clock each recorder read', () => {
    // Two runners share the ledger; the one that reported the failure has a clock 2 minutes slow,
    // so its later entry carries an earlier time. Sorting by time would let the pass stand.
    const entries = [
      promotionEntry('staging', '2026-11-26T09:00:00.000Z'),
      verification('staging', '2026-11-26T09:20:00.000Z', 'passed'),
      verification('staging', '2026-11-26T09:18:30.000Z', 'failed'),
    ];
    const result = evaluateVerifiedIn(config, contextOf(contract, { entries }));
    expect(result.status).toBe('fail');
    expect(result.required[0]!.text).toContain('failed at 2026-11-26T09:18:30.000Z');
  });

  it("ignores another digest's verification and fails when the digest never entered", () => {
    const entries = [
      promotionEntry('staging', '2026-11-26T09:00:00.000Z', D2),
      verification('staging', '2026-11-26T09:20:00.000Z', 'passed', D2),
    ];
    const result = evaluateVerifiedIn(config, contextOf(contract, { entries }));
    expect(result.status).toBe('fail');
    expect(result.summary).toBe('not in staging');
  });

  it('also reads verification evidence recorded in the stage', () => {
    const evidence: EvidenceRecord = {
      id: 'sha256:v',
      artifact: D1,
      stage: 'staging',
      format: 'verification',
      sourceDigest: 'sha256:s',
      signer: null,
      actor: 'smoke-bot',
      recordedAt: '2026-11-26T09:30:00.000Z',
      data: { kind: 'verification', result: 'passed' },
    };
    const entries = [promotionEntry('staging', '2026-11-26T09:00:00.000Z')];
    expect(evaluateVerifiedIn(config, contextOf(contract, { entries, evidence: [evidence] })).status).toBe(
      'pass',
    );
  });
});
