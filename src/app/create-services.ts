/**
 * Building the services a process shares (src/app/services.ts), with the built-in fact providers
 * unless others are given. Apart from services.ts so that the providers, which take requests, and
 * the services, which hold providers, do not import each other.
 */
import type { LedgerStore } from '../ledger/ledger-store.js';
import { DEFAULT_FACT_PROVIDERS } from './fact-providers.js';
import {
  type AnyFactProvider,
  type AppServices,
  type ClockSource,
  type ContractSource,
  type Environment,
  systemClock,
} from './services.js';
import { TrustFileDigests } from './trust-file-digests.js';

export interface AppServicesOptions {
  contracts: ContractSource;
  /** An open store, or how to open one on first use. */
  store: LedgerStore | (() => Promise<LedgerStore>);
  /** Default: the real clock. */
  clock?: ClockSource;
  /** Default: empty (nothing is read from the process's environment unless the shell passes it). */
  env?: Environment;
  /** Default: the built-in providers (drift, rollback). */
  factProviders?: readonly AnyFactProvider[];
  /** Default: a new one (each services object keeps its own trusted files' digests). */
  trustFiles?: TrustFileDigests;
}

/**
 * Builds the services a process shares.
 * @example
 * const services = createServices({ contracts: contractSource([contract]), store: await openSqliteStore(path) });
 */
export function createServices(options: AppServicesOptions): AppServices {
  const given = options.store;
  let opened: Promise<LedgerStore> | undefined =
    typeof given === 'function' ? undefined : Promise.resolve(given);
  return {
    contracts: options.contracts,
    store() {
      opened ??= (given as () => Promise<LedgerStore>)();
      return opened;
    },
    clock: options.clock ?? systemClock,
    env: options.env ?? {},
    factProviders: options.factProviders ?? DEFAULT_FACT_PROVIDERS,
    trustFiles: options.trustFiles ?? new TrustFileDigests(),
    async close() {
      if (opened) await (await opened).close();
    },
  };
}
