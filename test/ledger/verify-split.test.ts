/**
 * `ledger verify` on a long SQLite chain verifies its far part on a worker thread
 * (dist/verify-worker.cjs, built by `npm test` before the tests run). Whatever the chain holds, the
 * split verdict must be the one a single pass gives.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPLIT_VERIFY_MIN_ENTRIES, type SqlLedgerStore } from '../../src/ledger/sql-ledger-store.js';
import { openSqlite } from '../../src/ledger/sqlite-driver.js';
import { openSqliteStore } from '../../src/ledger/sqlite-store.js';
import { fakeDigest, runCli } from '../support/cli.js';

const WORKER = join(import.meta.dirname, '..', '..', 'dist', 'verify-worker.cjs');
const ENTRIES = SPLIT_VERIFY_MIN_ENTRIES + 10;

describe('verifying a long SQLite chain on two threads', () => {
  let dir: string;
  let file: string;
  let single: SqlLedgerStore;
  let split: SqlLedgerStore;

  beforeAll(async () => {
    if (!existsSync(WORKER))
      throw new Error(`${WORKER} is missing: run \`npm run build\` (npm test does) first`);
    dir = mkdtempSync(join(tmpdir(), 'tollgate-split-'));
    file = join(dir, 'ledger.db');
    single = await openSqliteStore(file, { sliceWorker: false });
    await single.write('shop', async (tx) => {
      for (let i = 1; i <= ENTRIES; i++)
        await tx.append('shop', {
          kind: 'promotion',
          stage: i % 3 === 0 ? 'prod' : 'dev',
          artifact: fakeDigest(String(i)),
          actor: i % 7 === 0 ? 'Zoë "the reviewer"' : 'ci',
          at: new Date(1_800_000_000_000 + i * 1000).toISOString(),
          payload: { n: i },
        });
    });
    split = await openSqliteStore(file, { sliceWorker: WORKER });
  }, 60_000);

  afterAll(async () => {
    await single?.close();
    await split?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const tamper = (sql: string) => {
    const db = openSqlite(file);
    db.exec(sql);
    db.close();
  };

  it('gives the single pass verdict for an intact chain', async () => {
    const verdict = await split.verify('shop');
    expect(verdict).toMatchObject({ ok: true, entries: ENTRIES });
    expect(verdict).toEqual(await single.verify('shop'));
    // The CLI bundle finds dist/verify-worker.cjs beside itself.
    writeFileSync(
      join(dir, 'tollgate.yaml'),
      'version: 1\npipeline: shop\nartifact: { type: file }\nstages:\n  dev: { purpose: test }\n',
    );
    const cli = await runCli(['ledger', 'verify', '--json'], { cwd: dir, env: { TOLLGATE_DATA_DIR: dir } });
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({
      ok: true,
      entries: ENTRIES,
      head: (verdict as { head: string }).head,
    });
  });

  it('takes the verdict on the far part from the worker', async () => {
    // A stand-in worker that answers with a verdict no real pass would give.
    const fake = join(dir, 'fake-worker.cjs');
    writeFileSync(
      fake,
      `require('node:worker_threads').parentPort.postMessage({ ok: false, entries: 1, seq: 19999, first: 19999, reason: 'from the stand-in worker' });`,
    );
    const store = await openSqliteStore(file, { sliceWorker: fake });
    try {
      expect(await store.verify('shop')).toMatchObject({ ok: false, reason: 'from the stand-in worker' });
    } finally {
      await store.close();
    }
  });

  it('verifies the far part on this thread when the worker cannot start', async () => {
    const store = await openSqliteStore(file, { sliceWorker: join(dir, 'no-such-worker.cjs') });
    try {
      expect(await store.verify('shop')).toEqual(await single.verify('shop'));
    } finally {
      await store.close();
    }
  });

  // Each case adds a break before the previous ones, so each verdict names a new first entry.
  const cases: Array<[string, string, number]> = [
    [
      'a body edited in the far part',
      'update ledger_entries set body = replace(body, \'"n":\', \'"m":\') where seq = 18000',
      18000,
    ],
    // The columns are computed from the body (migration 0010): a stage or actor is edited there.
    [
      'a stage edited in the far part',
      'update ledger_entries set body = replace(body, \'"stage":"\', \'"stage":"q\') where seq = 15000',
      15000,
    ],
    [
      'the last entry of the near part removed',
      `delete from ledger_entries where seq = ${Math.floor(ENTRIES * 0.55)}`,
      Math.floor(ENTRIES * 0.55) + 1,
    ],
    [
      'an actor edited in the near part',
      'update ledger_entries set body = replace(body, \'"actor":"\', \'"actor":"m\') where seq = 7',
      7,
    ],
  ];
  for (const [name, sql, seq] of cases) {
    it(`names the same first broken entry as a single pass: ${name}`, async () => {
      tamper(sql);
      const verdict = await split.verify('shop');
      expect(verdict).toMatchObject({ ok: false, seq });
      expect(verdict).toEqual(await single.verify('shop'));
    });
  }
});
