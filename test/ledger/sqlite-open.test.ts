/**
 * Opening the embedded ledger: a ledger that records exactly this code's migrations opens without
 * Kysely's migrator; any other state (new, behind, or with a migration this code does not know)
 * still goes through it, with its answers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrationProvider } from '../../src/ledger/schema.js';
import { openSqlite } from '../../src/ledger/sqlite-driver.js';
import { openSqliteStore } from '../../src/ledger/sqlite-store.js';

const known = async () => Object.keys(await migrationProvider.getMigrations()).sort();

function appliedIn(file: string): string[] {
  const db = openSqlite(file);
  try {
    return (
      db.prepare('select name from kysely_migration order by name').all() as Array<{ name: string }>
    ).map((row) => row.name);
  } finally {
    db.close();
  }
}

/** Makes the ledger `file` (every migration run) holding one entry in pipeline p, and closes it. */
async function newLedgerOfOneEntry(file: string): Promise<void> {
  const store = await openSqliteStore(file, { sliceWorker: false });
  await store.write('p', (tx) =>
    tx.append('p', {
      kind: 'approval',
      stage: 'dev',
      artifact: `sha256:${'a'.repeat(64)}`,
      actor: 'x',
      at: '2026-12-05T00:00:00.000Z',
      payload: {},
    }),
  );
  await store.close();
}

describe('opening the SQLite ledger', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('migrates a new ledger, then reopens it as it is, entries intact', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-open-'));
    const file = join(dir, 'ledger.db');
    await newLedgerOfOneEntry(file);
    expect(appliedIn(file)).toEqual(await known());
    const again = await openSqliteStore(file, { sliceWorker: false });
    expect(await again.head('p')).toBe(1);
    expect((await again.verify('p')).ok).toBe(true);
    await again.close();
  });

  it('opens an up-to-date ledger while another connection holds its write lock', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-open-'));
    const file = join(dir, 'ledger.db');
    await (await openSqliteStore(file, { sliceWorker: false })).close();
    // Another writer (a promotion in another process) in the middle of its transaction: the
    // migrator would wait for its lock (busy_timeout, 60 s); a reader has no reason to.
    const writer = openSqlite(file);
    writer.exec('pragma journal_mode = WAL');
    writer.exec('begin immediate');
    try {
      const store = await Promise.race([
        openSqliteStore(file, { sliceWorker: false }),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('open waited for the write lock')), 10_000),
        ),
      ]);
      expect(await store.head('p')).toBe(0);
      await store.close();
    } finally {
      writer.exec('rollback');
      writer.close();
    }
  });

  it('runs the migrations a ledger lacks, through the migrator', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-open-'));
    const file = join(dir, 'ledger.db');
    const names = await known();
    const last = names.at(-1)!;
    // Forget the last migration: only the migrator records it again, which shows it ran instead
    // of the store trusting the ledger to be up to date. (The last ones stand being run again over
    // their own result: 0010 rebuilds the ledger table from the entries' bodies, keeping every
    // entry; 0011 adds its column only when it is missing.)
    await newLedgerOfOneEntry(file);
    const db = openSqlite(file);
    db.prepare('delete from kysely_migration where name = ?').run([last]);
    db.close();
    expect(appliedIn(file)).not.toContain(last);
    const again = await openSqliteStore(file, { sliceWorker: false });
    expect(appliedIn(file)).toEqual(names);
    expect(await again.verify('p')).toMatchObject({ ok: true, entries: 1 });
    await again.close();
  });

  it('refuses a ledger with a migration this code does not know, as the migrator does', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-open-'));
    const file = join(dir, 'ledger.db');
    await (await openSqliteStore(file, { sliceWorker: false })).close();
    const db = openSqlite(file);
    db.prepare(
      "insert into kysely_migration (name, timestamp) values ('9999_from_the_future', '2027-01-01')",
    ).run([]);
    db.close();
    await expect(openSqliteStore(file, { sliceWorker: false })).rejects.toThrow(/cannot prepare the ledger/);
  });
});
