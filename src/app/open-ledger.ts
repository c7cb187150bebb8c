/**
 * Opening a ledger by where it lives, for library users and shells alike: a PostgreSQL URL, or the
 * embedded SQLite ledger in a directory (node:sqlite on Node ≥ 22.13, better-sqlite3 before).
 */
import { join } from 'node:path';
import { TollgateError } from '../errors.js';
import type { LedgerStore } from '../ledger/ledger-store.js';
import type { PostgresStoreOptions } from '../ledger/postgres-store.js';
import type { Environment } from './services.js';

/** Where a ledger lives: exactly one of a PostgreSQL URL or the embedded ledger's directory. */
export type LedgerLocation =
  | { readonly databaseUrl: string; readonly postgres?: PostgresStoreOptions }
  | { readonly dataDir: string };

/**
 * Opens (creating and migrating when needed) the ledger at `location`.
 * @example const store = await openLedger({ dataDir: '.tollgate' });
 * @throws TollgateError USAGE for a missing, empty or malformed URL or directory, STORE_UNAVAILABLE
 *   when it cannot be opened
 */
export async function openLedger(location: LedgerLocation): Promise<LedgerStore> {
  // Checked here, not trusted to the types: a JavaScript caller passing an unset variable
  // (`{ databaseUrl: process.env.X }`) would otherwise get a SQLite ledger.db in the working
  // directory, and a decision about an empty ledger instead of an error.
  if ('databaseUrl' in location) {
    if (typeof location.databaseUrl !== 'string' || location.databaseUrl === '')
      throw new TollgateError(
        'USAGE',
        `openLedger: databaseUrl is ${describe(location.databaseUrl)}; expected postgres://USER:PASSWORD@HOST:PORT/DATABASE (or pass { dataDir } for the embedded ledger)`,
      );
    return openStore(location.databaseUrl, '', location.postgres ?? {});
  }
  const dataDir = (location as { dataDir?: unknown }).dataDir;
  if (typeof dataDir !== 'string' || dataDir === '')
    throw new TollgateError(
      'USAGE',
      `openLedger: dataDir is ${describe(dataDir)}; expected the directory of the embedded ledger (for example '.tollgate'), or pass { databaseUrl }`,
    );
  return openStore(undefined, dataDir);
}

/** How a location field that is not a usable string reads in a message. */
function describe(value: unknown): string {
  if (value === undefined) return 'missing (undefined)';
  if (value === '') return 'empty';
  return `a ${value === null ? 'null' : typeof value}, not a string`;
}

export function pgUserOf(env: Environment): PostgresStoreOptions {
  const user = env.PGUSER || env.USER;
  return user ? { defaultUser: user } : {};
}

/** Opens PostgreSQL when a URL is given, else the embedded SQLite ledger in `dataDir`. */
export async function openStore(
  databaseUrl: string | undefined,
  dataDir: string,
  postgres: PostgresStoreOptions = {},
): Promise<LedgerStore> {
  if (databaseUrl) {
    assertDatabaseUrl(databaseUrl);
    const { openPostgresStore } = await import('../ledger/postgres-store.js');
    return openPostgresStore(databaseUrl, postgres);
  }
  const { openSqliteStore } = await import('../ledger/sqlite-store.js');
  return openSqliteStore(join(dataDir, 'ledger.db'));
}

/**
 * A PostgreSQL URL the driver can use, or a usage error saying what is wrong with it. The URL itself
 * is never echoed: it may hold a password.
 * @throws TollgateError USAGE
 */
export function assertDatabaseUrl(url: string): void {
  const expected = 'expected postgres://USER:PASSWORD@HOST:PORT/DATABASE';
  const fail = (why: string) => new TollgateError('USAGE', `TOLLGATE_DATABASE_URL ${why}; ${expected}`);
  if (!/^postgres(ql)?:\/\//.test(url)) throw fail('must be a postgres:// or postgresql:// URL');
  // The authority, without the user information (which may hold a password), names host and port.
  const authority = url.slice(url.indexOf('//') + 2).split(/[/?#]/, 1)[0]!;
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  if (hostPort.startsWith('[') && !hostPort.includes(']'))
    throw fail('has an IPv6 host without its closing "]"');
  const port = /^(?:\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(hostPort)?.[1];
  if (port !== undefined && port !== '' && !(/^\d{1,5}$/.test(port) && Number(port) <= 65535))
    throw fail(`has the port "${port.slice(0, 20)}", which is not a number from 0 to 65535`);
  if (!URL.canParse(url)) throw fail('is not a valid URL');
}
