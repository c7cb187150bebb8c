/**
 * Reads kept while the database is unchanged (src/ledger/read-memo.ts): a kept read must never
 * hide a change. Every backend: an entry edited behind the store's back (another connection, in
 * the same turn of the event loop) stops the next `status` exactly as without the memo; the
 * store's own writes show at once; a token revoked through another connection stops working at
 * the next request. And the memo itself: one load while nothing changes, a new one after any
 * change, results frozen, arrays copied per caller.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServices } from '../../src/app/create-services.js';
import { promote } from '../../src/app/promote.js';
import { registerArtifact } from '../../src/app/register.js';
import { type AppServices, contractSource, requestOf } from '../../src/app/services.js';
import { stageStatus } from '../../src/app/status.js';
import { createToken, verifyToken } from '../../src/app/tokens.js';
import { ReadMemo } from '../../src/ledger/read-memo.js';
import { openSqlite } from '../../src/ledger/sqlite-driver.js';
import { openSqliteStore } from '../../src/ledger/sqlite-store.js';
import { contractOf, tollgateRejectionOf } from '../support/builders.js';
import { fakeDigest } from '../support/cli.js';
import { BACKENDS, execBehindTheStore, type StoreHandle } from '../support/stores.js';

const CONTRACT = contractOf(`version: 1
pipeline: shop
artifact: { type: file }
stages:
  dev: { purpose: first }
  prod: { purpose: live, from: dev }
`);

const A = fakeDigest('memo-a');
const B = fakeDigest('memo-b');

/**
 * A SQLite ledger in a fresh directory (no slice worker) and a second connection to the same file:
 * `read` counts its loads while the store keeps them, `commitElsewhere` commits through the other
 * connection, behind the store's back.
 */
async function scratchLedger() {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-memo-'));
  const store = await openSqliteStore(join(dir, 'ledger.db'), { sliceWorker: false });
  const writer = openSqlite(join(dir, 'ledger.db'));
  const insert = writer.prepare(
    'insert into request_keys (principal, key, fingerprint, value, answer, created_at) values (?, ?, ?, ?, ?, ?)',
  );
  let loads = 0;
  return {
    store,
    read: () => store.whileUnchanged(['probe'], async () => ++loads),
    commitElsewhere: (key: string) => insert.run(['p', key, 'f', 'null', null, new Date().toISOString()]),
    async dispose() {
      writer.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

for (const backend of BACKENDS) {
  describe(`reads kept while the ${backend.title} database is unchanged`, () => {
    let handle: StoreHandle;
    let services: AppServices;
    const as = (principal: string) => requestOf(services, { principal, pipeline: 'shop' });
    const sql = (statement: string, params: unknown[] = []) =>
      execBehindTheStore(backend.name, handle, statement, params);

    beforeEach(async () => {
      handle = await backend.open();
      services = createServices({ contracts: contractSource([CONTRACT]), store: handle.store });
      await registerArtifact(as('ci'), { digest: A });
      await registerArtifact(as('ci'), { digest: B });
      await promote(as('ci'), 'dev', A);
    });
    afterEach(async () => {
      await handle.dispose();
    });

    it('an entry edited behind the store after a status read stops the next status read', async () => {
      const first = await stageStatus(as('reader'));
      expect(first[0]!.current?.artifact.digest).toBe(A);
      expect(await stageStatus(as('reader'))).toEqual(first);
      // Move the promotion's time back (a soak made to look served): its body no longer hashes to
      // its hash. No await on anything but the edit itself between the reads.
      await sql(
        "update ledger_entries set body = replace(body, at, '2020-01-01T00:00:00.000Z') where kind = 'promotion'",
      );
      const error = await tollgateRejectionOf(stageStatus(as('reader')));
      expect(error.code).toBe('LEDGER_CORRUPT');
      expect(error.message).toMatch(/ledger entry #\d+ of pipeline shop fails verification/);
    });

    it("the store's own writes show at the next read", async () => {
      expect((await stageStatus(as('reader')))[0]!.current?.artifact.digest).toBe(A);
      await promote(as('ci'), 'dev', B);
      expect((await stageStatus(as('reader')))[0]!.current?.artifact.digest).toBe(B);
      await promote(as('ci'), 'prod', B);
      const rows = await stageStatus(as('reader'));
      expect(rows.map((r) => r.current?.artifact.digest)).toEqual([B, B]);
    });

    // PostgreSQL cannot say whether another replica committed, so it keeps nothing.
    it.runIf(backend.name === 'sqlite')(
      'kept rows are frozen and each caller gets its own list',
      async () => {
        const one = await stageStatus(as('reader'));
        const two = await stageStatus(as('reader'));
        expect(one).not.toBe(two);
        expect(one[0]).toBe(two[0]);
        expect(Object.isFrozen(one[0])).toBe(true);
        one.reverse();
        expect((await stageStatus(as('reader')))[0]!.stage).toBe('dev');
      },
    );

    it('a token revoked through another connection stops working at the next request', async () => {
      const at = new Date();
      const { token, record } = await createToken(services, { role: 'ci', pipelines: ['shop'] }, 'admin', at);
      expect((await verifyToken(services, token, at)).principal).toBe(record.principal);
      expect((await verifyToken(services, token, at)).principal).toBe(record.principal);
      await sql('update api_tokens set revoked_at = ?, revoked_by = ? where id = ?', [
        at.toISOString(),
        'security',
        record.id,
      ]);
      const error = await tollgateRejectionOf(verifyToken(services, token, at));
      expect(error.code).toBe('UNAUTHENTICATED');
      expect(error.message).toMatch(/revoked/);
    });
  });
}

describe('a batch of reads (a socket server: one turn of the event loop)', () => {
  const turn = () => new Promise((resolve) => setImmediate(resolve));

  it("asks about other connections' commits once a turn, and sees its own writes at once", async () => {
    const { store, read, commitElsewhere, dispose } = await scratchLedger();
    try {
      store.batchReads();
      expect(await read()).toBe(1);
      // Another connection commits within the turn: the batch's one look was taken before it.
      commitElsewhere('k1');
      expect(await read()).toBe(1);
      // The store's own write shows at once, batch or not.
      await store.requests.purge(new Date(Date.now() + 60_000));
      expect(await read()).toBe(2);
      // The batch ends with the turn: the next one looks again and sees the other commit.
      await turn();
      commitElsewhere('k2');
      expect(await read()).toBe(3);
      // Without a batch every read looks, as in the tests above.
      commitElsewhere('k3');
      expect(await read()).toBe(4);
    } finally {
      await dispose();
    }
  });
});

describe('ReadMemo', () => {
  it('loads once while the stamp stays, again after it moves, and keeps nothing without a stamp', async () => {
    let stamp = 's1';
    let loads = 0;
    const memo = new ReadMemo(async () => stamp);
    const load = async () => {
      loads++;
      return [{ n: loads }];
    };
    const first = await memo.read('k', load);
    const second = await memo.read('k', load);
    expect(loads).toBe(1);
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
    expect(Object.isFrozen(first[0])).toBe(true);
    stamp = 's2';
    expect(await memo.read('k', load)).toEqual([{ n: 2 }]);
    expect(loads).toBe(2);

    const none = new ReadMemo(undefined);
    await none.read('k', load);
    await none.read('k', load);
    expect(loads).toBe(4);
  });

  it('does not keep a result whose load overlapped a change', async () => {
    let stamp = 's1';
    let loads = 0;
    const memo = new ReadMemo(async () => stamp);
    const read = memo.read('k', async () => {
      loads++;
      // The database changes while this load runs; another read sees the new stamp first.
      stamp = 's2';
      await memo.read('other', async () => 0);
      return 'old';
    });
    expect(await read).toBe('old');
    expect(await memo.read('k', async () => `new${++loads}`)).toBe('new2');
  });

  it('the SQLite stamp moves on a commit by another connection and on its own writes', async () => {
    const { store, read, commitElsewhere, dispose } = await scratchLedger();
    try {
      expect(await read()).toBe(1);
      expect(await read()).toBe(1);
      commitElsewhere('k');
      expect(await read()).toBe(2);
      await store.requests.purge(new Date(Date.now() + 60_000));
      expect(await read()).toBe(3);
    } finally {
      await dispose();
    }
  });
});
