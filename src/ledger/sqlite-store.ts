import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  type CompiledQuery,
  DEFAULT_MIGRATION_TABLE,
  Kysely,
  type SqliteDatabase,
  SqliteDialect,
} from 'kysely';
import { TollgateError } from '../errors.js';
import type { SqlRunner } from './prepared-query.js';
import { type Database, migrationProvider } from './schema.js';
import { type DialectCapabilities, SqlLedgerStore } from './sql-ledger-store.js';
import {
  openSqlite,
  type SqliteConnection,
  type SqliteDriverName,
  type SqliteStatement,
} from './sqlite-driver.js';
import { LEDGER_MMAP_BYTES, sliceWorkerScript, verifySliceInWorker } from './sqlite-slices.js';

/**
 * Runs compiled queries on the one SQLite connection (node:sqlite or better-sqlite3), keeping each prepared statement by
 * its SQL text. SQLite calls are synchronous, so going straight to the driver (instead of through
 * Kysely's async connection handling) is what lets a promotion cost little more than its commit.
 */
class SqliteRunner implements SqlRunner {
  private readonly statements = new Map<string, SqliteStatement>();
  /** Serialises this process's use of the one connection while a write transaction is open. */
  private queue: Promise<unknown> = Promise.resolve();
  private inTransaction = false;

  constructor(readonly db: SqliteConnection) {}

  /**
   * Runs of statements on this connection that may change a row: every statement (Kysely's too)
   * is prepared here, so this counts what SQLite's total_changes() would show, without asking
   * it (a native call per read). A statement that may write is counted before it runs, whether it
   * changes anything or fails: counting too often only costs a kept read.
   */
  private writes = 0;

  statement(text: string): SqliteStatement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      if (mayWrite(text)) statement = countedRuns(statement, () => this.writes++);
      this.statements.set(text, statement);
    }
    return statement;
  }

  run<R>(query: CompiledQuery): { rows: R[]; affected: number } {
    const statement = this.statement(query.sql);
    const parameters = query.parameters as unknown[];
    if (statement.reader) return { rows: statement.all(parameters) as R[], affected: 0 };
    return { rows: [], affected: statement.run(parameters).changes };
  }

  iterateRaw(query: CompiledQuery): Iterable<unknown[]> {
    if (mayWrite(query.sql)) this.writes++;
    // A statement of its own: raw mode is a property of the statement, and cached ones return objects.
    return this.db.prepare(query.sql).iterateRaw(query.parameters);
  }

  /**
   * data_version moves when another connection (another process, `sqlite3` on the file) commits;
   * the count of this connection's writes ({@link writes}) moves with every statement of its own
   * that may change a row. Together: whether anything in the database changed since the last time
   * they were asked (src/ledger/read-memo.ts). No table is read, but data_version opens and closes
   * a read transaction (the WAL index's read lock taken and dropped, the file's size looked at:
   * 3–6 system calls, 6–10 µs), so while a batch of reads is open ({@link batchReads}) it is asked once for the batch;
   * the write count is read every time, so this connection's own writes always show at the next
   * read.
   */
  changeStamp(): string | Promise<string> {
    // A read asked for while this connection's write transaction is open waits for its end. Else
    // the answer is at hand: no promise (a server asks once a request, for the contract in force).
    if (this.inTransaction) return this.queue.then(() => this.currentStamp());
    return this.currentStamp();
  }

  /**
   * SQLite's `data_version`: moves when another connection commits, never with this one's own
   * writes; asked at once, also inside this connection's write transaction.
   */
  othersVersion(): number {
    return (this.statement('pragma data_version').get() as { data_version: number }).data_version;
  }

  private currentStamp(): string {
    let version = this.batchVersion;
    if (version === undefined) {
      version = (this.statement('pragma data_version').get() as { data_version: number }).data_version;
      if (this.batchOpen) this.batchVersion = version;
    }
    return `${version}:${this.writes}`;
  }

  private batchOpen = false;
  private batchVersion: number | undefined;

  /**
   * Until the end of this turn of the event loop (the next check phase), other connections'
   * commits are looked for once instead of before every read. A ref'd immediate ends the batch,
   * so the loop cannot block in its next poll with the batch still open.
   */
  batchReads(): void {
    if (this.batchOpen) return;
    this.batchOpen = true;
    setImmediate(() => {
      this.batchOpen = false;
      this.batchVersion = undefined;
    });
  }

  async execute<R>(query: CompiledQuery) {
    // Outside a transaction a read is one synchronous call: nothing can interleave with it.
    if (!this.inTransaction) return this.run<R>(query);
    await this.queue;
    return this.run<R>(query);
  }

  /**
   * BEGIN IMMEDIATE takes the database's write lock at once, so two processes cannot both read
   * the chain head and then append after it; the second waits (busy_timeout) for the first.
   */
  write<T>(work: (runner: SqlRunner) => Promise<T>): Promise<T> {
    const inside: SqlRunner = { execute: async <R>(query: CompiledQuery) => this.run<R>(query) };
    const result = this.queue.then(async () => {
      this.statement('begin immediate').run();
      this.inTransaction = true;
      try {
        const value = await work(inside);
        this.statement('commit').run();
        return value;
      } catch (error) {
        if (this.db.inTransaction) this.statement('rollback').run();
        throw error;
      } finally {
        this.inTransaction = false;
      }
    });
    this.queue = result.catch(() => undefined);
    return result;
  }
}

/** True when the ledger records exactly this code's migrations as applied. */
async function appliedEveryMigration(runner: SqliteRunner): Promise<boolean> {
  let applied: string[];
  try {
    const rows = runner.statement(`select name from ${DEFAULT_MIGRATION_TABLE}`).all() as Array<{
      name: string;
    }>;
    applied = rows.map((row) => row.name).sort();
  } catch {
    return false; // no migration table yet: a new ledger
  }
  const known = Object.keys(await migrationProvider.getMigrations()).sort();
  return applied.length === known.length && applied.every((name, i) => name === known[i]);
}

/**
 * Whether running `sql` may change a row: anything but a plain read (SELECT, WITH … SELECT). Errs
 * towards yes (a read that names a writing keyword anywhere, any PRAGMA but data_version, BEGIN
 * and COMMIT).
 */
function mayWrite(sql: string): boolean {
  return (
    !/^\s*(select|with|pragma\s+data_version)\b/i.test(sql) ||
    /\b(insert|update|delete|replace|returning|upsert)\b/i.test(sql)
  );
}

/** `statement`, counting each of its runs with `count` before it runs. */
function countedRuns(statement: SqliteStatement, count: () => void): SqliteStatement {
  return {
    reader: statement.reader,
    all(parameters) {
      count();
      return statement.all(parameters);
    },
    get(parameters) {
      count();
      return statement.get(parameters);
    },
    run(parameters) {
      count();
      return statement.run(parameters);
    },
    iterateRaw(parameters) {
      count();
      return statement.iterateRaw(parameters);
    },
  };
}

/**
 * Opens (creating when needed) the embedded SQLite ledger at `file`.
 * @param options.sliceWorker the worker script that verifies half of a long chain
 *   (dist/verify-worker.cjs, found beside the CLI bundle by default; `false` for none)
 * @param options.driver node:sqlite or better-sqlite3 (default: node:sqlite where the runtime has it)
 */
export async function openSqliteStore(
  file: string,
  options: { sliceWorker?: string | false; driver?: SqliteDriverName } = {},
): Promise<SqlLedgerStore> {
  let db: SqliteConnection;
  try {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    db = openSqlite(file, options.driver ? { driver: options.driver } : {});
    db.exec('pragma busy_timeout = 60000');
    db.exec('pragma journal_mode = WAL');
    db.exec('pragma synchronous = NORMAL');
    db.exec(`pragma mmap_size = ${LEDGER_MMAP_BYTES}`);
    // A long-running writer (a server, a batch of promotions) keeps the pages a decision reads
    // (artifact and ledger index leaves) in memory instead of re-reading them from the WAL: 64 MiB
    // at most, grown only as pages are used (the default is 2 MiB).
    db.exec('pragma cache_size = -65536');
    // Each checkpoint syncs the WAL and the database file. Every 10,000 pages (~40 MiB of WAL)
    // instead of every 1,000, one promotion in ~2,500 pays for one instead of one in ~250; closing
    // the last connection still checkpoints and removes the WAL, as before.
    db.exec('pragma wal_autocheckpoint = 10000');
  } catch (cause) {
    if (cause instanceof TollgateError) throw cause;
    throw new TollgateError(
      'STORE_UNAVAILABLE',
      `cannot open the SQLite ledger ${file}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  const runner = new SqliteRunner(db);
  const worker = file === ':memory:' ? undefined : (options.sliceWorker ?? sliceWorkerScript());
  const capabilities: DialectCapabilities = {
    backend: 'sqlite',
    runner,
    write: (_pipeline, work) => runner.write(work),
    // data_version moves when another connection commits; total_changes() counts this one's rows.
    changeStamp: () => runner.changeStamp(),
    othersVersion: () => runner.othersVersion(),
    batchReads: () => runner.batchReads(),
    ...(worker
      ? {
          verifyElsewhere: (query, pipeline, from) =>
            verifySliceInWorker(worker, {
              file,
              driver: db.driver,
              sql: query.sql,
              parameters: query.parameters,
              pipeline,
              from,
            }),
        }
      : {}),
  };
  // Kysely builds and compiles the queries and runs the migrations; it shares the connection.
  const kysely = new Kysely<Database>({
    dialect: new SqliteDialect({
      database: {
        close: () => db.close(),
        prepare: (text) => runner.statement(text) as unknown as ReturnType<SqliteDatabase['prepare']>,
      },
    }),
  });
  // Every open after the first finds the schema up to date. Kysely's migrator would read every
  // table's columns and take the write lock to learn that (10–20 ms of a `check`); the names of the
  // applied migrations say the same in one read. Anything else (a new ledger, a migration to run,
  // one this code does not know) goes through the migrator below, as before.
  if (await appliedEveryMigration(runner)) {
    return SqlLedgerStore.open(kysely, capabilities, file, { upToDate: true });
  }
  // Kysely runs SQLite migrations without a transaction (its adapter has no transactional DDL and no
  // migration lock), so processes opening a fresh ledger at once all read "nothing applied" and race
  // to create the tables ("table artifacts already exists"). One immediate transaction around the
  // whole migration takes the write lock first (waiting up to busy_timeout): whoever comes second
  // reads the migrations the first committed and has nothing left to do. SQLite's DDL is
  // transactional, so a failed migration leaves nothing behind either.
  try {
    runner.statement('begin immediate').run();
  } catch (cause) {
    db.close();
    throw new TollgateError(
      'STORE_UNAVAILABLE',
      `cannot lock the SQLite ledger ${file}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  try {
    const store = await SqlLedgerStore.open(kysely, capabilities, file);
    runner.statement('commit').run();
    return store;
  } catch (error) {
    if (db.open && db.inTransaction) db.exec('rollback');
    throw error;
  }
}
