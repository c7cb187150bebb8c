/**
 * Migration 0011 records which credential made a token over the API (`made_with`), so revoking a
 * token revokes what it made. Tokens made before it have no maker: after the migration they work
 * as they did, and revoking one revokes it alone (its maker is unknown, so nothing is guessed).
 * On SQLite and PostgreSQL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, Migrator, PostgresDialect, type SqliteDatabase, SqliteDialect } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createServices } from '../../src/app/create-services.js';
import { pgUserOf } from '../../src/app/open-ledger.js';
import { contractSource } from '../../src/app/services.js';
import { revokeToken, verifyToken } from '../../src/app/tokens.js';
import { sha256 } from '../../src/ledger/hash-chain.js';
import { openPostgresStore } from '../../src/ledger/postgres-store.js';
import { migrationProvider } from '../../src/ledger/schema.js';
import { openSqlite } from '../../src/ledger/sqlite-driver.js';
import { openSqliteStore } from '../../src/ledger/sqlite-store.js';
import { BACKENDS, type Backend, createSchema, execBehindTheStore } from '../support/stores.js';

const SECRET_A = 'A'.repeat(43);
const SECRET_B = 'B'.repeat(43);
const row = (id: string, secret: string, principal: string, createdBy: string) => ({
  id,
  secret_hash: sha256(secret),
  principal,
  role: 'admin',
  pipelines: JSON.stringify(['checkout']),
  stages: null,
  created_at: '2026-12-01T00:00:00.000Z',
  created_by: createdBy,
  expires_at: '2027-03-01T00:00:00.000Z',
  revoked_at: null,
  revoked_by: null,
  made_via: 'api',
});

/** A database as migrations 0001–0010 left it, holding a token and one it made over the API. */
async function previousSchemaDatabase(backend: Backend) {
  const previous = Object.fromEntries(
    Object.entries(await migrationProvider.getMigrations()).filter(([name]) => name < '0011'),
  );
  let kysely: Kysely<unknown>;
  let migrationTableSchema: string | undefined;
  let env: Record<string, string>;
  let dispose: () => Promise<void>;
  if (backend.name === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-made-with-'));
    const db = openSqlite(join(dir, 'ledger.db'));
    kysely = new Kysely({
      dialect: new SqliteDialect({
        database: {
          close: () => db.close(),
          prepare: (text: string) => db.prepare(text) as unknown as ReturnType<SqliteDatabase['prepare']>,
        },
      }),
    });
    env = { TOLLGATE_DATA_DIR: dir };
    dispose = async () => rmSync(dir, { recursive: true });
  } else {
    const schema = await createSchema();
    kysely = new Kysely({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: schema.url }) }),
    });
    migrationTableSchema = new URL(schema.url).searchParams.get('options')!.replace('-c search_path=', '');
    env = { TOLLGATE_DATABASE_URL: schema.url };
    dispose = schema.drop;
  }
  const migrator = new Migrator({
    db: kysely,
    provider: { getMigrations: async () => previous },
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
  await kysely
    .insertInto('api_tokens' as never)
    .values([
      row('aaaaaaaaaaaaaaaa', SECRET_A, 'ops-bot', 'root'),
      row('bbbbbbbbbbbbbbbb', SECRET_B, 'minted', 'ops-bot'),
    ] as never)
    .execute();
  await kysely.destroy();
  return { env, dispose };
}

describe.each(BACKENDS)('tokens made before migration 0011 ($title)', (backend) => {
  it('keep working after it, and revoking one revokes it alone', async () => {
    const old = await previousSchemaDatabase(backend);
    try {
      const store =
        backend.name === 'sqlite'
          ? await openSqliteStore(join(old.env.TOLLGATE_DATA_DIR!, 'ledger.db'))
          : await openPostgresStore(old.env.TOLLGATE_DATABASE_URL!, pgUserOf(process.env));
      const handle = { store, env: old.env, dispose: async () => store.close() };
      try {
        const made = await execBehindTheStore(
          backend.name,
          handle,
          'select id, made_with from api_tokens order by id',
        );
        expect(made).toEqual([
          { id: 'aaaaaaaaaaaaaaaa', made_with: null },
          { id: 'bbbbbbbbbbbbbbbb', made_with: null },
        ]);
        const services = createServices({ contracts: contractSource([]), store });
        const at = new Date('2026-12-07T00:00:00Z');
        for (const [id, secret] of [
          ['aaaaaaaaaaaaaaaa', SECRET_A],
          ['bbbbbbbbbbbbbbbb', SECRET_B],
        ] as const)
          expect((await verifyToken(services, `tg_${id}_${secret}`, at)).tokenId).toBe(id);
        const listed = await store.tokens.list();
        expect(listed.every((t) => t.madeWith === undefined)).toBe(true);
        const revoked = await revokeToken(services, 'aaaaaaaaaaaaaaaa', 'root', at);
        expect(revoked.revokedAt).toBe(at.toISOString());
        expect(revoked.revokedWith).toEqual([]);
        expect((await verifyToken(services, `tg_bbbbbbbbbbbbbbbb_${SECRET_B}`, at)).principal).toBe('minted');
      } finally {
        await store.close();
      }
    } finally {
      await old.dispose();
    }
  });
});
