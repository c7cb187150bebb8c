/**
 * Group commit (src/ledger/group-commit.ts), every backend: writes to one pipeline that arrive
 * while another is running are made in one transaction, one after the other, each seeing the one
 * before it; a work that fails is undone alone (its entry, its evidence) and its caller gets its
 * error; the chain verifies; and a transaction that does not commit fails every write in it.
 */
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/errors.js';
import { ENTRY } from '../../src/ledger/entry.js';
import { GroupCommit } from '../../src/ledger/group-commit.js';
import { CONTRACT_ANCHOR, CONTRACT_ENTRY, type SqlLedgerStore } from '../../src/ledger/sql-ledger-store.js';
import { fakeDigest } from '../support/cli.js';
import { BACKENDS, type StoreHandle } from '../support/stores.js';

const entry = (n: number) => ({
  kind: ENTRY.attest,
  stage: null,
  artifact: fakeDigest(`a${n}`),
  actor: 'ci',
  at: '2026-12-05T10:00:00Z',
  payload: { n },
});

for (const backend of BACKENDS) {
  describe(`group commit on ${backend.title}`, () => {
    let handle: StoreHandle;
    let store: SqlLedgerStore;
    beforeEach(async () => {
      handle = await backend.open();
      store = handle.store as SqlLedgerStore;
    });
    afterEach(async () => {
      await handle.dispose();
    });

    it('writes that wait are made together, in order; a failing one is undone alone', async () => {
      const before = store.writes.transactions;
      const seen: number[] = [];
      const writes = Array.from({ length: 12 }, (_, n) =>
        store.write('shop', async (tx) => {
          // Each work sees the entries of the works before it, in the same transaction.
          seen.push((await tx.unstagedEntries('shop', ENTRY.attest)).length);
          const appended = await tx.append('shop', entry(n));
          if (n === 5) throw new TollgateError('USAGE', 'work 5 changed its mind after appending');
          return appended.seq;
        }),
      );
      const settled = await Promise.allSettled(writes);
      const failed = settled[5] as PromiseRejectedResult;
      expect(failed.status).toBe('rejected');
      expect((failed.reason as TollgateError).message).toMatch(/work 5 changed its mind/);
      const seqs = settled.filter((s) => s.status === 'fulfilled').map((s) => s.value);
      expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      // Work 5 saw 5 entries, appended a 6th, was undone; work 6 saw 5 again.
      expect(seen).toEqual([0, 1, 2, 3, 4, 5, 5, 6, 7, 8, 9, 10]);
      // The first ran alone at once; the eleven that came while it ran were one transaction.
      expect(store.writes.transactions - before).toBe(2);
      const entries = await store.unstagedEntries('shop', ENTRY.attest);
      expect(entries.map((e) => e.payload.n)).toEqual([0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11]);
      expect((await store.verify('shop')).ok).toBe(true);
      // The tree holds the same entries: a checkpoint of all eleven.
      expect((await store.treeHead('shop')).size).toBe(11);
    });

    it('a batch keeps the contract in force and the artifacts seen as its own appends change them', async () => {
      const contract = (n: number) => ({
        kind: ENTRY.contract,
        stage: null,
        artifact: null,
        actor: 'admin',
        at: '2026-12-05T10:00:00Z',
        payload: { n },
      });
      const first = await store.write('shop', (tx) => tx.append('shop', contract(1)));
      const inForce: Array<number | undefined> = [];
      const read = () =>
        store.write('shop', async (tx) => {
          inForce.push((await tx.latestUnstaged('shop', ENTRY.contract))?.seq);
        });
      const writes = [
        read(),
        // Appends a contract entry, then fails: undone, so the next read must not see it.
        store.write('shop', async (tx) => {
          await tx.append('shop', contract(2));
          throw new TollgateError('USAGE', 'undone');
        }),
        read(),
        store.write('shop', (tx) => tx.append('shop', contract(3))),
        read(),
        // The artifact's first entry anchors the contract in force (the one appended just before).
        store.write('shop', (tx) => tx.append('shop', entry(7))),
        // Its second entry, in the same transaction, does not.
        store.write('shop', (tx) => tx.append('shop', entry(7))),
      ];
      const settled = await Promise.allSettled(writes);
      expect(settled.map((s) => s.status)).toEqual([
        'fulfilled',
        'rejected',
        'fulfilled',
        'fulfilled',
        'fulfilled',
        'fulfilled',
        'fulfilled',
      ]);
      const third = (settled[3] as PromiseFulfilledResult<{ seq: number }>).value.seq;
      expect(inForce).toEqual([first.seq, first.seq, third]);
      const [firstOf7, secondOf7] = [5, 6].map(
        (i) => (settled[i] as PromiseFulfilledResult<{ payload: Record<string, unknown> }>).value.payload,
      );
      expect(firstOf7![CONTRACT_ANCHOR]).toEqual({ seq: third, hash: expect.any(String) });
      expect(firstOf7![CONTRACT_ENTRY]).toBe(third);
      expect(secondOf7![CONTRACT_ANCHOR]).toBeUndefined();
      expect(secondOf7![CONTRACT_ENTRY]).toBe(third);
      expect((await store.verify('shop')).ok).toBe(true);
    });

    it('writes to different pipelines do not wait for each other’s batches', async () => {
      const results = await Promise.all([
        store.write('shop', (tx) => tx.append('shop', entry(1))),
        store.write('billing', (tx) => tx.append('billing', entry(2))),
        store.write('shop', (tx) => tx.append('shop', entry(3))),
      ]);
      expect(results.map((e) => [e.pipeline, e.seq])).toEqual([
        ['shop', 1],
        ['billing', 1],
        ['shop', 2],
      ]);
    });
  });
}

describe.skipIf(!BACKENDS.some((b) => b.name === 'postgres'))(
  'group commit round trips on PostgreSQL',
  () => {
    it('a batch reads the contract in force and the tree nodes it wrote once, not once a write', async () => {
      const handle = await BACKENDS.find((b) => b.name === 'postgres')!.open();
      const store = handle.store as SqlLedgerStore;
      const statements: string[] = [];
      const query = pg.Client.prototype.query;
      try {
        // Seen on their way to the real database: what each write of a batch asks it.
        pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
          const text = args[0];
          statements.push(typeof text === 'string' ? text : String((text as { text?: string }).text));
          return (query as (...a: unknown[]) => unknown).apply(this, args);
        } as typeof query;
        const attest = (n: number) =>
          store.write('shop', async (tx) => {
            await tx.latestUnstaged('shop', ENTRY.contract);
            return tx.append('shop', entry(n));
          });
        await attest(0);
        statements.length = 0;
        const before = store.writes.transactions;
        await Promise.all(Array.from({ length: 16 }, (_, n) => attest(n + 1)));
        // The first ran alone; the fifteen that waited were one transaction.
        expect(store.writes.transactions - before).toBe(2);
        const contractReads = statements.filter((s) => /"kind" = \$\d/.test(s) && /"stage" is null/.test(s));
        const nodeReads = statements.filter((s) => /^select "hash" from "ledger_tree"/.test(s));
        // Per transaction: the pin check's read and `append`'s (the contract an entry records).
        expect(contractReads.length).toBeLessThanOrEqual(4);
        // Entries 2 to 17 complete 16 nodes; all but the ones under entries before the batch were written in it.
        expect(nodeReads.length).toBeLessThanOrEqual(3);
        // The nodes one entry completes are inserted in one statement: entries 2 to 17 complete 16
        // nodes, in the 8 appends of an even entry.
        const nodeInserts = statements.filter((s) => /^insert into "ledger_tree"/.test(s));
        expect(nodeInserts.length).toBe(8);
        expect((await store.verify('shop')).ok).toBe(true);
      } finally {
        pg.Client.prototype.query = query;
        await handle.dispose();
      }
    });
  },
);

describe('GroupCommit', () => {
  it('fails every write of a batch whose transaction does not commit', async () => {
    let calls = 0;
    const commit = new GroupCommit(async (_pipeline, body) => {
      calls++;
      const value = await body({ execute: async () => ({ rows: [], affected: 0 }) });
      if (calls === 2) throw new Error('commit failed: disk full');
      return value;
    });
    const results = await Promise.allSettled([1, 2, 3].map((n) => commit.run('p', async () => n)));
    expect(results[0]).toEqual({ status: 'fulfilled', value: 1 });
    expect(results.slice(1).map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(((results[1] as PromiseRejectedResult).reason as Error).message).toMatch(/disk full/);
    expect(commit.works).toBe(1);
  });

  it('holds at most `max` works in one transaction', async () => {
    const sizes: number[] = [];
    const commit = new GroupCommit(async (_pipeline, body) => {
      let n = 0;
      const value = await body({
        execute: async (query) => {
          if (query.sql.startsWith('savepoint')) n++;
          return { rows: [], affected: 0 };
        },
      });
      sizes.push(n);
      return value;
    }, 4);
    await Promise.all(Array.from({ length: 10 }, (_, n) => commit.run('p', async () => n)));
    // The first runs at once; a batch of one runs as it would alone, without a savepoint.
    expect(sizes).toEqual([0, 4, 4, 0]);
  });
});
