import { userInfo } from 'node:os';
import { type CompiledQuery, Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { TollgateError } from '../errors.js';
import { maskUrl } from '../text/secret-detector.js';
import type { SqlRunner } from './prepared-query.js';
import type { Database } from './schema.js';
import { type DialectCapabilities, SqlLedgerStore } from './sql-ledger-store.js';

/** Runs compiled queries through Kysely on the pool, or on the connection holding a transaction. */
function kyselyRunner(db: Kysely<Database>): SqlRunner {
  return {
    async execute<R>(query: CompiledQuery) {
      const result = await db.executeQuery<R>(query);
      return { rows: result.rows, affected: Number(result.numAffectedRows ?? 0n) };
    },
  };
}

function capabilitiesOf(kysely: Kysely<Database>, schema: string): DialectCapabilities {
  return {
    backend: 'postgres',
    migrationSchema: schema,
    runner: kyselyRunner(kysely),
    // A transaction-scoped advisory lock per pipeline: appends to one pipeline's chain are
    // serialised across every process and server replica on this database, and released at
    // commit or rollback.
    write: (pipeline, work) =>
      kysely.connection().execute(async (connection) => {
        await sql`begin`.execute(connection);
        try {
          await sql`select pg_advisory_xact_lock(hashtextextended(${`tollgate:${pipeline}`}, 0))`.execute(
            connection,
          );
          const value = await work(kyselyRunner(connection));
          await sql`commit`.execute(connection);
          return value;
        } catch (error) {
          await sql`rollback`.execute(connection).catch(() => undefined);
          throw error;
        }
      }),
  };
}

/** The URL with its user information and secret parameters hidden, for messages. */
export function redactUrl(url: string): string {
  return URL.canParse(url) ? maskUrl(url) : 'postgres://(unparseable URL)';
}

export interface PostgresStoreOptions {
  poolSize?: number;
  /**
   * The user when the URL names none. The wiring passes what libpq would use (PGUSER, else USER,
   * else the OS user), since pg itself only reads $USER; default: the OS user.
   */
  defaultUser?: string;
}

/** Connects to the PostgreSQL ledger at `url` and brings its schema up to date. */
export async function openPostgresStore(
  url: string,
  options: PostgresStoreOptions = {},
): Promise<SqlLedgerStore> {
  const location = redactUrl(url);
  const user = new URL(url).username || options.defaultUser || userInfo().username;
  const pool = new pg.Pool({
    connectionString: url,
    user,
    max: options.poolSize ?? 4,
    connectionTimeoutMillis: 10_000,
  });
  let schema: string | undefined;
  try {
    const client = await pool.connect();
    try {
      schema = (await client.query<{ schema: string }>('select current_schema() as schema')).rows[0]?.schema;
    } finally {
      client.release();
    }
    if (!schema) throw new Error('no current schema: the search_path names no existing schema');
  } catch (cause) {
    await pool.end().catch(() => undefined);
    throw new TollgateError(
      'STORE_UNAVAILABLE',
      `cannot connect to the PostgreSQL ledger ${location}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return SqlLedgerStore.open(kysely, capabilitiesOf(kysely, schema), location);
}
