import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EvidenceRecord } from '../../src/evidence/evidence.js';
import { ENTRY } from '../../src/ledger/entry.js';
import type { LedgerStore } from '../../src/ledger/ledger-store.js';
import { buildLedgerView } from '../../src/ledger/ledger-view.js';
import { fakeDigest } from '../support/cli.js';
import {
  BACKENDS,
  execBehindTheStore,
  POSTGRES_AVAILABLE,
  postgresBackend,
  type StoreHandle,
} from '../support/stores.js';

const D1 = fakeDigest('one');
const D2 = fakeDigest('two');

function evidence(id: string, artifact = D1): EvidenceRecord {
  return {
    id: `sha256:${id.padStart(64, '0')}`,
    artifact,
    stage: null,
    format: 'junit',
    sourceDigest: fakeDigest(`src-${id}`),
    signer: null,
    actor: 'ci',
    recordedAt: `2026-11-26T10:00:0${id.length % 10}Z`,
    data: {
      kind: 'tests',
      suite: 'unit',
      tests: 3,
      passed: 3,
      failed: 0,
      errored: 0,
      skipped: 0,
      failures: [],
      failuresOmitted: 0,
    },
  };
}

async function promoteEntry(
  store: LedgerStore,
  stage: string,
  artifact: string,
  at = '2026-11-26T10:00:00Z',
) {
  return store.write('shop', (tx) =>
    tx.append('shop', {
      kind: ENTRY.promotion,
      stage,
      artifact,
      actor: 'ci',
      at,
      payload: { contractDigest: fakeDigest('c') },
    }),
  );
}

for (const backend of BACKENDS) {
  describe(`LedgerStore on ${backend.title}`, () => {
    let handle: StoreHandle;
    let store: LedgerStore;
    beforeEach(async () => {
      handle = await backend.open();
      store = handle.store;
    });
    afterEach(async () => {
      await handle.dispose();
    });

    it('reads an artifact as its register entry records it; a row without one stops the read', async () => {
      const artifact = {
        digest: D1,
        labels: { version: '1.0.0' },
        registeredAt: '2026-11-26T10:00:00Z',
        source: 'digest',
      };
      await store.write('shop', async (tx) => {
        await tx.insertArtifact('shop', artifact, 'ci');
        await tx.append('shop', {
          kind: 'register',
          stage: null,
          artifact: D1,
          actor: 'ci',
          at: artifact.registeredAt,
          payload: { labels: artifact.labels, source: artifact.source },
        });
      });
      expect(await store.getArtifact('shop', D1)).toEqual(artifact);
      expect(await store.getArtifact('other-pipeline', D1)).toBeUndefined();
      expect(await store.getArtifact('shop', D2)).toBeUndefined();
      // The artifacts table is an index beside the chain: a row alone is not a registration.
      await store.write('shop', (tx) => tx.insertArtifact('shop', { ...artifact, digest: D2 }, 'ci'));
      await expect(store.getArtifact('shop', D2)).rejects.toMatchObject({ code: 'LEDGER_CORRUPT' });
    });

    it('inserts evidence once per id and lists it for its artifact only', async () => {
      const inserted = await store.write('shop', (tx) =>
        tx.insertEvidence('shop', [evidence('a'), evidence('b'), evidence('c', D2)]),
      );
      expect(inserted).toHaveLength(3);
      const again = await store.write('shop', (tx) => tx.insertEvidence('shop', [evidence('a')]));
      expect(again).toHaveLength(0);
      const listed = await store.listEvidence('shop', D1);
      expect(listed.map((e) => e.id).sort()).toEqual([evidence('a').id, evidence('b').id].sort());
      expect(listed[0]!.data).toMatchObject({ kind: 'tests', suite: 'unit' });
    });

    it('refuses an entry whose time runs backwards past the tolerance and records nothing', async () => {
      await promoteEntry(store, 'staging', D1, '2026-11-26T10:00:00Z');
      // Within a few minutes (clocks of two machines) is accepted.
      await promoteEntry(store, 'staging', D2, '2026-11-26T09:56:00Z');
      const error = await promoteEntry(store, 'prod', D1, '2026-11-20T10:00:00Z').catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'CLOCK_BACKWARDS' });
      expect((error as Error).message).toContain(
        'the clock of this recorder reads 2026-11-20T10:00:00Z, but ledger entry #2 of pipeline shop was recorded at 2026-11-26T09:56:00Z',
      );
      expect(await store.head('shop')).toBe(2);
      // A demo pipeline at a set clock may go back in time.
      await store.write('shop', (tx) =>
        tx.append('shop', {
          kind: ENTRY.promotion,
          stage: 'prod',
          artifact: D1,
          actor: 'ci',
          at: '2026-11-20T10:00:00Z',
          payload: { contractDigest: fakeDigest('c'), clockSet: true },
        }),
      );
      expect(await store.head('shop')).toBe(3);
    });

    it('chains entries and verifies the chain', async () => {
      const first = await promoteEntry(store, 'dev', D1);
      const second = await promoteEntry(store, 'dev', D2);
      expect(first.seq).toBe(1);
      expect(second.seq).toBe(2);
      expect(second.prevHash).toBe(first.hash);
      const verdict = await store.verify('shop');
      expect(verdict).toEqual({ ok: true, entries: 2, head: second.hash });
      expect((await store.entriesForStage('shop', 'dev')).map((e) => e.artifact)).toEqual([D1, D2]);
      expect((await store.entriesForArtifact('shop', D2)).map((e) => e.seq)).toEqual([2]);
      expect(await store.pipelines()).toEqual(['shop']);
    });

    it('rolls back everything written in a failed transaction', async () => {
      await expect(
        store.write('shop', async (tx) => {
          await tx.insertEvidence('shop', [evidence('z')]);
          await tx.append('shop', {
            kind: ENTRY.attest,
            stage: null,
            artifact: D1,
            actor: 'ci',
            at: 'now',
            payload: {},
          });
          throw new Error('disk on fire');
        }),
      ).rejects.toThrow('disk on fire');
      expect(await store.listEvidence('shop', D1)).toEqual([]);
      expect(await store.verify('shop')).toEqual({ ok: true, entries: 0, head: expect.any(String) });
    });

    it('derives rollback status of a promotion from later entries', async () => {
      const promotion = await promoteEntry(store, 'prod', D1);
      await store.write('shop', (tx) =>
        tx.append('shop', {
          kind: ENTRY.rollback,
          stage: 'prod',
          artifact: D1,
          actor: 'oncall',
          at: 'later',
          payload: { promotion: promotion.seq, reason: 'error rate' },
        }),
      );
      const view = buildLedgerView(await store.entriesForArtifact('shop', D1));
      expect(view.promotions[0]).toMatchObject({ stage: 'prod', status: 'rolled-back' });
      expect(view.promotions[0]!.statusReason).toContain('error rate');
    });

    it('names the first entry that was tampered with', async () => {
      await promoteEntry(store, 'dev', D1);
      await promoteEntry(store, 'staging', D1);
      await promoteEntry(store, 'prod', D1);
      const tamper = `update ledger_entries set body = replace(body, 'staging', 'prod') where seq = 2`;
      await execBehindTheStore(backend.name, handle, tamper);
      const verdict = await store.verify('shop');
      expect(verdict.ok).toBe(false);
      expect(verdict).toMatchObject({ seq: 2 });
    });

    it('refuses an edit of a column behind an intact body: the database computes it', async () => {
      await promoteEntry(store, 'dev', D1);
      await promoteEntry(store, 'staging', D1);
      await promoteEntry(store, 'prod', D1);
      const tamper = `update ledger_entries set stage = 'dev' where seq = 3`;
      await expect(execBehindTheStore(backend.name, handle, tamper)).rejects.toThrow(
        /cannot UPDATE generated column|can only be updated to DEFAULT/,
      );
      expect(await store.verify('shop')).toMatchObject({ ok: true, entries: 3 });
    });
  });
}

describe.skipIf(!POSTGRES_AVAILABLE)('PostgreSQL stores in several schemas of one database', () => {
  it('migrates a fresh schema while another schema already holds Tollgate tables', async () => {
    const first = await postgresBackend.open();
    const second = await postgresBackend.open();
    try {
      await promoteEntry(first.store, 'dev', D1);
      await promoteEntry(second.store, 'dev', D2);
      expect((await first.store.entriesForStage('shop', 'dev')).map((e) => e.artifact)).toEqual([D1]);
      expect((await second.store.entriesForStage('shop', 'dev')).map((e) => e.artifact)).toEqual([D2]);
    } finally {
      await first.dispose();
      await second.dispose();
    }
  });
});
