/**
 * One store test suite, every backend: SQLite in a temp file, and PostgreSQL (127.0.0.1:5432,
 * database `test`, or TOLLGATE_TEST_DATABASE_URL) in a fresh schema per store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach } from 'vitest';
import { createServices } from '../../src/app/create-services.js';
import { pgUserOf } from '../../src/app/open-ledger.js';
import { contractSource, requestOf, systemClock } from '../../src/app/services.js';
import type { Contract } from '../../src/contract/types.js';
import type { LedgerStore } from '../../src/ledger/ledger-store.js';
import { openPostgresStore } from '../../src/ledger/postgres-store.js';
import {
  defaultSqliteDriver,
  openSqlite,
  SQLITE_DRIVERS,
  type SqliteDriverName,
  sqliteDriverAvailable,
} from '../../src/ledger/sqlite-driver.js';
import { openSqliteStore } from '../../src/ledger/sqlite-store.js';
import { serviceAvailable } from './services.js';

export const POSTGRES_URL =
  process.env.TOLLGATE_TEST_DATABASE_URL ??
  `postgres://${encodeURIComponent(userInfo().username)}@127.0.0.1:5432/test`;

async function postgresReachable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const pgProblem = await postgresReachable();
export const POSTGRES_AVAILABLE = serviceAvailable(
  'PostgreSQL',
  pgProblem === undefined,
  `${POSTGRES_URL}: ${pgProblem}`,
);

export interface StoreHandle {
  store: LedgerStore;
  /** The URL or directory a second process can open the same store with. */
  env: Record<string, string>;
  dispose(): Promise<void>;
}

export interface Backend {
  name: 'sqlite' | 'postgres';
  /** What a test title calls it: the SQLite backends name their driver. */
  title: string;
  open(): Promise<StoreHandle>;
}

/** A URL whose connections use `schema` as search_path, so tests do not see each other's tables. */
export function schemaUrl(schema: string): string {
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

export async function createSchema(): Promise<{ url: string; drop(): Promise<void> }> {
  const schema = `tollgate_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  return {
    url: schemaUrl(schema),
    async drop() {
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}

function sqliteWith(driver: SqliteDriverName): Backend {
  return {
    name: 'sqlite',
    title: `sqlite (${driver})`,
    open: () => openSqliteHandle(driver),
  };
}

async function openSqliteHandle(driver: SqliteDriverName): Promise<StoreHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-store-'));
  const store = await openSqliteStore(join(dir, 'ledger.db'), { driver });
  return {
    store,
    env: { TOLLGATE_DATA_DIR: dir },
    async dispose() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The embedded ledger as a user of this runtime gets it: node:sqlite on Node ≥ 22.13, else better-sqlite3. */
export const sqliteBackend: Backend = sqliteWith(defaultSqliteDriver());

/**
 * Every SQLite driver this runtime can load: on Node 20 better-sqlite3 only; on Node 22/24 node:sqlite,
 * and better-sqlite3 too when its addon was built for this runtime.
 */
export const SQLITE_BACKENDS: Backend[] = SQLITE_DRIVERS.filter((driver) =>
  sqliteDriverAvailable(driver),
).map((driver) => (driver === defaultSqliteDriver() ? sqliteBackend : sqliteWith(driver)));

export const postgresBackend: Backend = {
  name: 'postgres',
  title: 'postgres',
  async open() {
    const schema = await createSchema();
    const store = await openPostgresStore(schema.url, pgUserOf(process.env));
    return {
      store,
      env: { TOLLGATE_DATABASE_URL: schema.url },
      async dispose() {
        await store.close();
        await schema.drop();
      },
    };
  },
};

/** The backends to run a store suite against (PostgreSQL only when reachable). */
export const BACKENDS: Backend[] = POSTGRES_AVAILABLE
  ? [...SQLITE_BACKENDS, postgresBackend]
  : SQLITE_BACKENDS;

/**
 * Runs SQL on a store's database from outside Tollgate, as someone tampering with it would: a
 * separate connection to the SQLite file or the PostgreSQL schema. Returns the rows of the last
 * statement (SQLite: only for a single query).
 */
export async function execBehindTheStore(
  backend: 'sqlite' | 'postgres',
  handle: StoreHandle,
  statement: string,
  params: unknown[] = [],
): Promise<Record<string, unknown>[]> {
  if (backend === 'sqlite') {
    const db = openSqlite(join(handle.env.TOLLGATE_DATA_DIR!, 'ledger.db'));
    try {
      const prepared = params.length > 0 || /^\s*select/i.test(statement) ? db.prepare(statement) : undefined;
      if (!prepared) {
        db.exec(statement);
        return [];
      }
      if (prepared.reader) return prepared.all(params) as Record<string, unknown>[];
      prepared.run(params);
      return [];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: handle.env.TOLLGATE_DATABASE_URL });
  await client.connect();
  try {
    const pgStatement = statement.replace(
      /\?/g,
      (() => {
        let n = 0;
        return () => `$${++n}`;
      })(),
    );
    return (await client.query(pgStatement, params)).rows;
  } finally {
    await client.end();
  }
}

/** Deletes ledger entry `seq` from outside Tollgate, as {@link execBehindTheStore} runs SQL. */
export async function deleteEntryBehindTheStore(
  backend: 'sqlite' | 'postgres',
  handle: StoreHandle,
  seq: number,
): Promise<void> {
  await execBehindTheStore(backend, handle, `delete from ledger_entries where seq = ${seq}`);
}

/** A request by `principal` under `contract` on the shared ledger of `store`: what `-c FILE` does. */
export function requestUnder(store: LedgerStore, principal: string, contract: Contract) {
  return requestOf(createServices({ contracts: contractSource([contract]), store, clock: systemClock }), {
    principal,
    pipeline: contract.pipeline,
  });
}

/**
 * The stores and scratch folder of the running test, all disposed after it (the `afterEach` is
 * registered here, and disposes the stores in the order they were opened): `open(backend)` opens a
 * store (a test may open several), `scratch(prefix)` makes the folder.
 */
export function storePerTest() {
  const handles: StoreHandle[] = [];
  let dir: string | undefined;
  afterEach(async () => {
    for (const handle of handles.splice(0)) await handle.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  return {
    async open(backend: Backend): Promise<StoreHandle> {
      const handle = await backend.open();
      handles.push(handle);
      return handle;
    },
    /** Disposes after the test a store opened elsewhere (a test server's). */
    adopt(opened: StoreHandle): StoreHandle {
      handles.push(opened);
      return opened;
    },
    scratch(prefix: string): string {
      dir = mkdtempSync(join(tmpdir(), prefix));
      return dir;
    },
    /** The store this test opened last. */
    get handle(): StoreHandle {
      const handle = handles.at(-1);
      if (handle === undefined) throw new Error('no store opened in this test');
      return handle;
    },
    /** The folder this test made. */
    get dir(): string {
      if (dir === undefined) throw new Error('no scratch folder made in this test');
      return dir;
    },
  };
}
