/**
 * The one place that wires things together: flat options (flags, environment) become the contract,
 * the store, the actor and the clock. Every use case receives an AppContext; nothing else reads
 * process.env or decides where the ledger lives.
 */
import { dirname, join, resolve } from 'node:path';
import { type ContractLimits, readContract } from '../contract/load-contract.js';
import type { Contract } from '../contract/types.js';
import { TollgateError } from '../errors.js';
import type { LedgerStore } from '../ledger/ledger-store.js';
import { parseSize } from '../text/size.js';
import { resolveActorIdentity, resolveClockSetting } from './actor.js';

export interface AppOptions {
  /** Contract file (default `tollgate.yaml`, or TOLLGATE_CONTRACT). */
  contract?: string;
  /** PostgreSQL URL (default TOLLGATE_DATABASE_URL); when absent the embedded SQLite ledger is used. */
  databaseUrl?: string;
  /** Directory of the embedded ledger (default TOLLGATE_DATA_DIR, else `.tollgate/` beside the contract). */
  dataDir?: string;
  /** Who acts (`--as`). */
  as?: string;
  /** Evaluation time (`--now`, ISO 8601). */
  now?: string;
  /** Largest contract read, in bytes (default TOLLGATE_CONTRACT_MAX_BYTES, else 1 MiB). */
  contractMaxBytes?: number;
  env?: NodeJS.ProcessEnv;
}

export interface AppContext {
  readonly contract: Contract;
  readonly actor: string;
  /** The clock: fixed when `--now` or TOLLGATE_NOW is set, otherwise the real time. */
  now(): Date;
  /** True when the clock was set by the user; recorded with every write. */
  readonly clockSet: boolean;
  /** The environment the context was built from (metrics URL and token variables are read from it). */
  readonly env?: NodeJS.ProcessEnv;
  store(): Promise<LedgerStore>;
  close(): Promise<void>;
}

/** `--as`, else TOLLGATE_ACTOR, else the CI identity (GitHub Actions, GitLab CI), else the OS user (src/app/actor.ts). */
export function resolveActor(options: AppOptions, env: NodeJS.ProcessEnv): string {
  return resolveActorIdentity(options.as === undefined ? {} : { as: options.as }, env).name;
}

/** Parses `--now` / TOLLGATE_NOW (src/app/actor.ts); a value that is not ISO 8601 with a zone is a usage error. */
export function resolveClock(options: AppOptions, env: NodeJS.ProcessEnv): { now: () => Date; set: boolean } {
  const { fixed } = resolveClockSetting(options.now === undefined ? {} : { now: options.now }, env);
  if (fixed === undefined) return { now: () => new Date(), set: false };
  return { now: () => new Date(fixed), set: true };
}

/** The contract size limit: the option, else TOLLGATE_CONTRACT_MAX_BYTES (`4M`, `2097152`), else the default. */
export function contractLimits(options: AppOptions, env: NodeJS.ProcessEnv): ContractLimits {
  if (options.contractMaxBytes !== undefined) return { maxBytes: options.contractMaxBytes };
  const text = env.TOLLGATE_CONTRACT_MAX_BYTES;
  if (text === undefined || text === '') return {};
  return { maxBytes: parseSize(text, 'a size for TOLLGATE_CONTRACT_MAX_BYTES') };
}

export function createContext(options: AppOptions = {}): AppContext {
  const env = options.env ?? process.env;
  const contract = readContract(
    options.contract ?? env.TOLLGATE_CONTRACT ?? 'tollgate.yaml',
    contractLimits(options, env),
  );
  const actor = resolveActor(options, env);
  const clock = resolveClock(options, env);
  const databaseUrl = options.databaseUrl ?? env.TOLLGATE_DATABASE_URL;
  const dataDir = resolve(
    options.dataDir ?? env.TOLLGATE_DATA_DIR ?? join(dirname(resolve(contract.file)), '.tollgate'),
  );
  let opened: Promise<LedgerStore> | undefined;
  return {
    contract,
    actor,
    now: clock.now,
    clockSet: clock.set,
    env,
    store() {
      opened ??= openStore(databaseUrl, dataDir);
      return opened;
    },
    async close() {
      if (opened) await (await opened).close();
    },
  };
}

/** Opens PostgreSQL when a URL is given, else the embedded SQLite ledger in `dataDir`. */
export async function openStore(databaseUrl: string | undefined, dataDir: string): Promise<LedgerStore> {
  if (databaseUrl) {
    assertDatabaseUrl(databaseUrl);
    const { openPostgresStore } = await import('../ledger/postgres-store.js');
    return openPostgresStore(databaseUrl);
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
