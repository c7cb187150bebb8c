/**
 * The dashboard's listing index moves with the ledger, in the same transaction, on every backend:
 * a promotion, a verification and a rollback each rewrite their stage's row; a write that fails
 * after appending leaves neither the entry nor the row; a contract entry lists its pipeline.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ENTRY, type NewEntry } from '../../src/ledger/entry.js';
import { fakeDigest } from '../support/cli.js';
import { BACKENDS, type StoreHandle } from '../support/stores.js';

const AT = '2026-11-24T09:00:00.000Z';
const entry = (kind: NewEntry['kind'], stage: string | null, artifact: string | null, payload = {}) =>
  ({ kind, stage, artifact, actor: 'ci', at: AT, payload }) as NewEntry;

let handle: StoreHandle | undefined;
afterEach(async () => {
  await handle?.dispose();
  handle = undefined;
});

describe.each(BACKENDS)('the listing index on $title', (backend) => {
  it('is written with each entry that changes a stage, and rolled back with a failed write', async () => {
    handle = await backend.open();
    const { store } = handle;
    const [a, b] = [fakeDigest('index-a'), fakeDigest('index-b')];
    const rows = async () =>
      (await store.overview.read()).stages.map((r) => [
        r.pipeline,
        r.stage,
        r.digest,
        r.status,
        r.rolledBack,
      ]);

    // Read once while empty: the index is built (of nothing), so every row below is written by an
    // append, not by a rebuild.
    expect(await store.overview.read()).toEqual({ pipelines: [], stages: [] });
    await store.write('shop', async (tx) => {
      await tx.append('shop', entry(ENTRY.contract, null, null, { digest: 'sha256:x' }));
      await tx.append('shop', entry(ENTRY.promotion, 'dev', a));
    });
    expect(await rows()).toEqual([['shop', 'dev', a, 'promoted', false]]);
    expect((await store.overview.read()).pipelines).toEqual([{ pipeline: 'shop', contract: 'sha256:x' }]);

    await store.write('shop', (tx) =>
      tx.append('shop', entry(ENTRY.verification, 'dev', a, { result: 'passed' })),
    );
    expect(await rows()).toEqual([['shop', 'dev', a, 'verified', false]]);

    // A write that fails after its append: neither the entry nor its row stays.
    await expect(
      store.write('shop', async (tx) => {
        await tx.append('shop', entry(ENTRY.promotion, 'dev', b));
        throw new Error('deploy failed');
      }),
    ).rejects.toThrow('deploy failed');
    expect(await rows()).toEqual([['shop', 'dev', a, 'verified', false]]);

    await store.write('shop', (tx) => tx.append('shop', entry(ENTRY.promotion, 'dev', b)));
    const [promotionOfB] = (await store.entriesForArtifact('shop', b)).filter(
      (e) => e.kind === ENTRY.promotion,
    );
    await store.write('shop', (tx) =>
      tx.append(
        'shop',
        entry(ENTRY.rollback, 'dev', b, { target: a, promotion: promotionOfB!.seq, reason: 'errors' }),
      ),
    );
    // Back to a, which a rollback made current; its own promotion stays verified.
    expect(await rows()).toEqual([['shop', 'dev', a, 'verified', true]]);
    // A verification of a digest the stage does not run changes nothing here.
    await store.write('shop', (tx) =>
      tx.append('shop', entry(ENTRY.verification, 'dev', b, { result: 'failed' })),
    );
    expect(await rows()).toEqual([['shop', 'dev', a, 'verified', true]]);
    // A failed verification of the digest it runs does.
    await store.write('shop', (tx) =>
      tx.append('shop', entry(ENTRY.verification, 'dev', a, { result: 'failed' })),
    );
    expect(await rows()).toEqual([['shop', 'dev', a, 'failed', true]]);
    // Entries of other kinds leave the index alone.
    await store.write('shop', (tx) =>
      tx.append('shop', entry(ENTRY.approval, 'prod', a, { decision: 'approve' })),
    );
    expect(await rows()).toEqual([['shop', 'dev', a, 'failed', true]]);
    // And a rebuild from the entries alone says the same as the rows kept by the appends.
    const kept = await rows();
    await store.overview.rebuild('shop');
    expect(await rows()).toEqual(kept);
  });
});
