/**
 * A rollback reads the stage's entries, not one artifact's, so the gap count of an artifact read
 * did not cover it: a rollback entry deleted between two other artifacts' entries made the digest
 * it rolled back "good" again, and the next rollback went back to it. The rollback now reads its
 * target's and its source's entries too, whose gap count runs to the head. On every backend.
 */
import { describe, expect, it } from 'vitest';
import { checkStage } from '../../src/app/check.js';
import { promote } from '../../src/app/promote.js';
import { registerArtifact } from '../../src/app/register.js';
import { rollbackStage } from '../../src/app/rollback.js';
import { attestVerification } from '../../src/app/verification.js';
import { ENTRY } from '../../src/ledger/entry.js';
import { contractOf, rollbackYaml, tollgateRejectionOf } from '../support/builders.js';
import { fakeDigest } from '../support/cli.js';
import { BACKENDS, deleteEntryBehindTheStore, requestUnder, storePerTest } from '../support/stores.js';

const CONTRACT = contractOf(`version: 1
pipeline: shop
artifact: { type: file }
stages:
  prod: { purpose: live }
`);
const [A, B, C, X, Y] = ['a', 'b', 'c', 'x', 'y'].map((name) => fakeDigest(`${name}-stage-gap`)) as [
  string,
  string,
  string,
  string,
  string,
];

/** prod rolls back to B, pinned: a promotion is blocked while B is known bad in prod. */
const PINNED = contractOf(
  rollbackYaml({
    within: '1h',
    target: B,
    condition: "'sum(rate(errors[5m]))'",
    head: 'artifact: { type: file }',
  }),
);

const scope = storePerTest();

describe.each(BACKENDS)('a deleted rollback ($title)', (backend) => {
  /** A then B into prod, B rolled back (between two registrations), then C into prod. */
  async function setup() {
    const store = (await scope.open(backend)).store;
    const as = (principal: string) => requestUnder(store, principal, CONTRACT);
    for (const digest of [A, B, C]) await registerArtifact(as('ci'), { digest });
    await promote(as('ci'), 'prod', A);
    await promote(as('ci'), 'prod', B);
    await registerArtifact(as('ci'), { digest: X });
    const first = await rollbackStage(as('oncall'), 'prod', { reason: 'B broke checkout' });
    expect([first.from.artifact, first.to.digest]).toEqual([B, A]);
    await registerArtifact(as('ci'), { digest: Y });
    await promote(as('ci'), 'prod', C);
    return { as, store, rollback: first.entry };
  }

  it('the next rollback skips the digest rolled back before', async () => {
    const { as } = await setup();
    const next = await rollbackStage(as('oncall'), 'prod', { reason: 'C broke too' });
    expect([next.from.artifact, next.to.digest]).toEqual([C, A]);
  });

  it('with that rollback deleted, the next rollback stops with exit 4 instead of going back to B', async () => {
    const { as, store, rollback } = await setup();
    expect(rollback.kind).toBe(ENTRY.rollback);
    // Neither neighbour of the rollback is a prod entry: the stage read does not touch them.
    await deleteEntryBehindTheStore(backend.name, scope.handle, rollback.seq);
    const before = await store.head('shop');
    const refused = await tollgateRejectionOf(rollbackStage(as('oncall'), 'prod', { reason: 'C broke too' }));
    expect(refused.code).toBe('LEDGER_CORRUPT');
    expect(refused.exitCode).toBe(4);
    expect(refused.message).toMatch(new RegExp(`entry #${rollback.seq} is missing`));
    expect(await store.head('shop')).toBe(before);
  });
});

describe.each(BACKENDS)('a deleted failed verification of a pinned rollback target ($title)', (backend) => {
  it('no longer lets a promotion pass the rollback gate: check and promote stop with exit 4', async () => {
    const store = (await scope.open(backend)).store;
    const as = (principal: string) => requestUnder(store, principal, PINNED);
    await registerArtifact(as('ci'), { digest: B });
    await promote(as('ci'), 'prod', B);
    await registerArtifact(as('ci'), { digest: X });
    const failed = await attestVerification(as('ci'), { artifact: B, stage: 'prod', result: 'failed' });
    await registerArtifact(as('ci'), { digest: Y });
    // C is first recorded after the verification: the count of its own entries starts after it.
    await registerArtifact(as('ci'), { digest: C });
    const blocked = await checkStage(as('ci'), 'prod', C);
    expect(blocked.gates.find((g) => g.gate === 'rollback')?.status).toBe('fail');
    // The verification's neighbours are registrations: no prod entry links to it.
    await deleteEntryBehindTheStore(backend.name, scope.handle, failed.entry.seq);
    const before = await store.head('shop');
    for (const attempt of [() => checkStage(as('ci'), 'prod', C), () => promote(as('ci'), 'prod', C)]) {
      const refused = await tollgateRejectionOf(attempt());
      expect(refused.code).toBe('LEDGER_CORRUPT');
      expect(refused.message).toMatch(new RegExp(`entry #${failed.entry.seq} is missing`));
    }
    expect(await store.head('shop')).toBe(before);
  });
});

describe.each(BACKENDS)('the checks of an artifact read on their own ($title)', (backend) => {
  it('assertArtifactEntriesIntact passes an intact artifact and stops where entriesForArtifact stops', async () => {
    const store = (await scope.open(backend)).store;
    const as = (principal: string) => requestUnder(store, principal, CONTRACT);
    for (const digest of [A, B]) await registerArtifact(as('ci'), { digest });
    await promote(as('ci'), 'prod', A);
    const promoted = await promote(as('ci'), 'prod', B);
    await registerArtifact(as('ci'), { digest: X });
    await expect(store.assertArtifactEntriesIntact('shop', A)).resolves.toBeUndefined();
    await expect(store.assertArtifactEntriesIntact('shop', B)).resolves.toBeUndefined();
    await deleteEntryBehindTheStore(backend.name, scope.handle, promoted.entry!.seq);
    for (const digest of [A, B]) {
      const read = await tollgateRejectionOf(store.entriesForArtifact('shop', digest));
      const checked = await tollgateRejectionOf(store.assertArtifactEntriesIntact('shop', digest));
      expect(read.code).toBe('LEDGER_CORRUPT');
      expect([checked.code, checked.message]).toEqual([read.code, read.message]);
    }
  });
});
