/**
 * The embedded ledger's SQLite connection, from whichever driver the runtime offers: Node's own
 * `node:sqlite` (Node ≥ 22.13: nothing to build or download at install) or the better-sqlite3
 * native addon (Node 20, which has no built-in SQLite). Both are wrapped in the one small
 * interface the store and the verify worker use, so the same store code and the same store test
 * suite run on either.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { TollgateError } from '../errors.js';

/** Which SQLite driver opens the embedded ledger. */
export type SqliteDriverName = 'node:sqlite' | 'better-sqlite3';

/** Every SQLite driver Tollgate knows, preferred first; `sqliteDriverAvailable` says which load here. */
export const SQLITE_DRIVERS: readonly SqliteDriverName[] = ['node:sqlite', 'better-sqlite3'];

/** A prepared statement: parameters are given as one array, in the order of the `?` marks. */
export interface SqliteStatement {
  /** True when the statement returns rows (a SELECT, a PRAGMA that answers, a RETURNING clause). */
  readonly reader: boolean;
  all(parameters?: readonly unknown[]): unknown[];
  get(parameters?: readonly unknown[]): unknown;
  run(parameters?: readonly unknown[]): { changes: number };
  /** Rows as arrays of column values, one at a time. */
  iterateRaw(parameters?: readonly unknown[]): Iterable<unknown[]>;
}

export interface SqliteConnection {
  readonly driver: SqliteDriverName;
  prepare(sql: string): SqliteStatement;
  exec(sql: string): void;
  readonly inTransaction: boolean;
  /** False once closed. */
  readonly open: boolean;
  close(): void;
}

export interface OpenSqliteOptions {
  readonly?: boolean;
  /** Refuse to create the file when it does not exist. */
  fileMustExist?: boolean;
  /** The driver to use; by default node:sqlite where the runtime has it, else better-sqlite3. */
  driver?: SqliteDriverName;
}

// The CommonJS bundles define import.meta.url as their own file's URL (scripts/build.mjs). Not a
// `typeof __filename` test: `node -e` sets a global __filename ('[eval]') that an ES module sees.
const load = createRequire(import.meta.url);

/**
 * Defined only in the CLI's core bundle (scripts/build.mjs), which carries better-sqlite3's
 * JavaScript and loads just its addon from node_modules: Node's module loader took ~5% of a `check`
 * to find, read and compile the package's thirteen files. Elsewhere (the library, the server,
 * tests) the package is required from node_modules.
 */
declare const TOLLGATE_BUNDLED_BETTER_SQLITE3: (() => unknown) | undefined;

function requireBetterSqlite3(): NativeDatabaseConstructor {
  return (
    typeof TOLLGATE_BUNDLED_BETTER_SQLITE3 === 'function'
      ? TOLLGATE_BUNDLED_BETTER_SQLITE3()
      : load('better-sqlite3')
  ) as NativeDatabaseConstructor;
}

// ---------------------------------------------------------------------------------------------
// node:sqlite

interface NodeStatement {
  all(...parameters: unknown[]): unknown[];
  get(...parameters: unknown[]): unknown;
  run(...parameters: unknown[]): { changes: number | bigint };
  iterate?(...parameters: unknown[]): Iterable<unknown>;
  columns?(): unknown[];
  setReturnArrays?(enabled: boolean): void;
}
interface NodeDatabase {
  prepare(sql: string): NodeStatement;
  exec(sql: string): void;
  close(): void;
  readonly isTransaction?: boolean;
}
type NodeDatabaseConstructor = new (
  file: string,
  options?: { readOnly?: boolean; open?: boolean },
) => NodeDatabase;

let builtin: NodeDatabaseConstructor | null | undefined;

/**
 * Node's built-in SQLite when it can serve the ledger without flags (Node ≥ 22.13, where
 * statements can also be iterated), else null. Loading it on Node 22 and 24 prints an
 * ExperimentalWarning; the module is stable enough for what the ledger asks of it (prepared
 * statements, transactions, WAL), so that one warning is not shown to users.
 */
export function builtinSqlite(): NodeDatabaseConstructor | null {
  if (builtin !== undefined) return builtin;
  builtin = null;
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (/SQLite is an experimental feature/i.test(text)) return;
    (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    const sqlite = load('node:sqlite') as { DatabaseSync?: NodeDatabaseConstructor };
    const Database = sqlite.DatabaseSync;
    const probe = Database ? new Database(':memory:') : undefined;
    if (Database && probe && typeof probe.prepare('select 1').iterate === 'function') builtin = Database;
    probe?.close();
  } catch {
    builtin = null;
  } finally {
    process.emitWarning = emitWarning;
  }
  return builtin;
}

/** Without `StatementSync#columns` (Node 22.13–22.15), whether SQL returns rows is read from its text. */
function readsRows(sql: string): boolean {
  return /^\s*(select|with|pragma|values|explain)\b/i.test(sql) || /\breturning\b/i.test(sql);
}

function bindable(parameters: readonly unknown[] | undefined): unknown[] {
  return (parameters ?? []) as unknown[];
}

function openBuiltin(Database: NodeDatabaseConstructor, file: string, options: OpenSqliteOptions) {
  // node:sqlite has no "must exist" option: check first, as better-sqlite3 does.
  if (options.fileMustExist === true && file !== ':memory:' && !existsSync(file))
    throw new Error(`unable to open database file: ${file} does not exist`);
  const db = new Database(file, { readOnly: options.readonly === true });
  let transactionDepth = 0;
  let open = true;
  const connection: SqliteConnection = {
    driver: 'node:sqlite',
    prepare(sql) {
      const statement = db.prepare(sql);
      const reader =
        typeof statement.columns === 'function' ? statement.columns().length > 0 : readsRows(sql);
      let rawStatement: NodeStatement | undefined;
      return {
        reader,
        all: (parameters) => statement.all(...bindable(parameters)),
        get: (parameters) => statement.get(...bindable(parameters)),
        run(parameters) {
          const result = statement.run(...bindable(parameters));
          return { changes: Number(result.changes) };
        },
        iterateRaw(parameters) {
          if (!rawStatement) {
            rawStatement = db.prepare(sql);
            if (typeof rawStatement.setReturnArrays === 'function') rawStatement.setReturnArrays(true);
          }
          const rows = (rawStatement.iterate as NonNullable<NodeStatement['iterate']>)(
            ...bindable(parameters),
          );
          if (typeof rawStatement.setReturnArrays === 'function') return rows as Iterable<unknown[]>;
          return (function* () {
            for (const row of rows) yield Object.values(row as Record<string, unknown>);
          })();
        },
      };
    },
    exec(sql) {
      db.exec(sql);
      if (/^\s*begin\b/i.test(sql)) transactionDepth = 1;
      else if (/^\s*(commit|rollback|end)\b/i.test(sql)) transactionDepth = 0;
    },
    get inTransaction() {
      return typeof db.isTransaction === 'boolean' ? db.isTransaction : transactionDepth > 0;
    },
    get open() {
      return open;
    },
    close() {
      db.close();
      open = false;
    },
  };
  return connection;
}

// ---------------------------------------------------------------------------------------------
// better-sqlite3

interface NativeStatement {
  readonly reader: boolean;
  all(...parameters: unknown[]): unknown[];
  get(...parameters: unknown[]): unknown;
  run(...parameters: unknown[]): { changes: number };
  raw(enabled: boolean): NativeStatement;
  iterate(...parameters: unknown[]): Iterable<unknown>;
}
interface NativeDatabase {
  prepare(sql: string): NativeStatement;
  exec(sql: string): void;
  close(): void;
  readonly inTransaction: boolean;
  readonly open: boolean;
}
type NativeDatabaseConstructor = new (
  file: string,
  options?: { readonly?: boolean; fileMustExist?: boolean },
) => NativeDatabase;

function nativeSqlite(): NativeDatabaseConstructor {
  try {
    return requireBetterSqlite3();
  } catch (cause) {
    throw new TollgateError(
      'STORE_UNAVAILABLE',
      `this Node.js (${process.version}) has no built-in SQLite (node:sqlite needs Node 22.13 or later) and the better-sqlite3 driver does not load: ${(cause as Error).message.split('\n')[0]}. Use Node 22.13 or later, or build the driver with \`npm rebuild better-sqlite3\``,
      { cause },
    );
  }
}

function openNative(file: string, options: OpenSqliteOptions): SqliteConnection {
  const Database = nativeSqlite();
  const db = new Database(file, {
    readonly: options.readonly === true,
    fileMustExist: options.fileMustExist === true,
  });
  return {
    driver: 'better-sqlite3',
    prepare(sql) {
      const statement = db.prepare(sql);
      let rawStatement: NativeStatement | undefined;
      return {
        reader: statement.reader,
        all: (parameters) => statement.all(bindable(parameters)),
        get: (parameters) => statement.get(bindable(parameters)),
        run: (parameters) => ({ changes: statement.run(bindable(parameters)).changes }),
        iterateRaw(parameters) {
          rawStatement ??= db.prepare(sql).raw(true);
          return rawStatement.iterate(bindable(parameters)) as Iterable<unknown[]>;
        },
      };
    },
    exec: (sql) => db.exec(sql),
    get inTransaction() {
      return db.inTransaction;
    },
    get open() {
      return db.open;
    },
    close: () => db.close(),
  };
}

/** The driver `openSqlite` uses when none is asked for. */
export function defaultSqliteDriver(): SqliteDriverName {
  return builtinSqlite() ? 'node:sqlite' : 'better-sqlite3';
}

/** Whether `driver` can open a database in this runtime (for tests and `tollgate doctor`-style reports). */
export function sqliteDriverAvailable(driver: SqliteDriverName): boolean {
  if (driver === 'node:sqlite') return builtinSqlite() !== null;
  try {
    const Database = requireBetterSqlite3();
    new Database(':memory:').close();
    return true;
  } catch {
    return false;
  }
}

/** Opens `file` (`:memory:` for a private in-memory database) with the chosen or default driver. */
export function openSqlite(file: string, options: OpenSqliteOptions = {}): SqliteConnection {
  const driver = options.driver ?? defaultSqliteDriver();
  if (driver === 'node:sqlite') {
    const Database = builtinSqlite();
    if (!Database)
      throw new TollgateError(
        'STORE_UNAVAILABLE',
        `node:sqlite is not available in Node.js ${process.version} (it needs 22.13 or later)`,
      );
    return openBuiltin(Database, file, options);
  }
  return openNative(file, options);
}
