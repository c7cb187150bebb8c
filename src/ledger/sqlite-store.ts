import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, type SqliteDatabase, SqliteDialect, sql } from 'kysely';
import { TollgateError } from '../errors.js';
import type { Database } from './schema.js';
import { type DialectCapabilities, SqlLedgerStore } from './sql-ledger-store.js';

const capabilities: DialectCapabilities = {
  backend: 'sqlite',
  // IMMEDIATE takes the database's write lock at once, so two processes cannot both read the
  // chain head and then append after it; the second waits (busy_timeout) for the first to commit.
  beginWrite: async (db) => {
    await sql`begin immediate`.execute(db);
  },
};

/**
 * Kysely prepares a statement for every query; better-sqlite3 statements are reusable, so keep
 * them by SQL text. The slice of the driver Kysely uses is just `prepare` and `close`.
 */
function withStatementCache(db: BetterSqlite3.Database): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => db.close(),
    prepare: (text: string) => {
      let statement = statements.get(text);
      if (!statement) {
        statement = db.prepare(text);
        statements.set(text, statement);
      }
      return statement as unknown as ReturnType<SqliteDatabase['prepare']>;
    },
  };
}

/** Opens (creating when needed) the embedded SQLite ledger at `file`. */
export async function openSqliteStore(file: string): Promise<SqlLedgerStore> {
  let db: BetterSqlite3.Database;
  try {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    db = new BetterSqlite3(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 60000');
    db.pragma('foreign_keys = ON');
  } catch (cause) {
    throw new TollgateError(
      'STORE_UNAVAILABLE',
      `cannot open the SQLite ledger ${file}: ${(cause as Error).message}`,
      { cause },
    );
  }
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(db) }) });
  return SqlLedgerStore.open(kysely, capabilities, file);
}
