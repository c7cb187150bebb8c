/**
 * Evidence held to the chain (src/ledger/evidence-chain.ts), on values: the signer counts only
 * when the recording entry names it, and entries written before signers were chained make their
 * records unsigned, whatever the evidence table's signer column says.
 */
import { describe, expect, it } from 'vitest';
import type { EvidenceRecord, EvidenceSigner } from '../../src/evidence/evidence.js';
import { checkEvidence, evidenceId } from '../../src/ledger/evidence-chain.js';
import { canonicalJson, chainEntry, GENESIS_HASH } from '../../src/ledger/hash-chain.js';
import { testEvidence } from '../support/builders.js';
import { fakeDigest } from '../support/cli.js';

const SIGNER: EvidenceSigner = { name: 'ci', method: 'key', subject: 'SHA256:abc' };

function record(signer: EvidenceSigner | null): EvidenceRecord {
  const base = testEvidence({ suite: 'unit' }, { signer });
  const dataJson = canonicalJson(base.data);
  return { ...base, id: evidenceId(base.artifact, base, dataJson), dataJson };
}

function attestEntry(r: EvidenceRecord, item: Record<string, unknown>) {
  return chainEntry(
    {
      pipeline: 'shop',
      seq: 1,
      kind: 'attest',
      stage: null,
      artifact: r.artifact,
      actor: r.actor,
      at: r.recordedAt,
      payload: { evidence: [{ id: r.id, kind: 'tests', format: 'junit', source: r.sourceDigest, ...item }] },
    },
    GENESIS_HASH,
  );
}

describe('checkEvidence', () => {
  it('keeps a signer the recording entry names', () => {
    const r = record(SIGNER);
    expect(checkEvidence([r], [attestEntry(r, { signer: SIGNER })])).toEqual({ records: [r] });
  });

  it('counts a record as unsigned when its entry predates chained signers', () => {
    const r = record(SIGNER);
    const checked = checkEvidence([r], [attestEntry(r, {})]);
    expect('records' in checked && checked.records[0]!.signer).toBe(null);
  });

  it('names a signer the entry does not vouch for', () => {
    const r = record(SIGNER);
    expect(checkEvidence([r], [attestEntry(r, { signer: null })])).toMatchObject({
      problem: { id: r.id, seq: 1, reason: expect.stringContaining('signer column says ci') },
    });
  });

  it('names a row whose actor or time differ from the entry', () => {
    const r = record(null);
    const entry = attestEntry(r, { signer: null });
    expect(checkEvidence([{ ...r, recordedAt: '2020-01-01T00:00:00.000Z' }], [entry])).toMatchObject({
      problem: { reason: expect.stringContaining('actor or time') },
    });
    expect(checkEvidence([{ ...r, artifact: fakeDigest('other') }], [entry])).toMatchObject({
      problem: { reason: expect.stringContaining('content hashes to') },
    });
  });
});
