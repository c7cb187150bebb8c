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
  /**
   * When `store` is how to open one and an opening failed (the database down, not created yet): the
   * least time, in ms, before the next call tries again (default 1000). Calls in between get the
   * failure at once, and one opening at a time is ever under way.
   */
  storeRetryMs?: number;
}

/** Default for {@link AppServicesOptions.storeRetryMs}. */
export const DEFAULT_STORE_RETRY_MS = 1000;

/**
 * Builds the services a process shares.
 * @example
 * const services = createServices({ contracts: contractSource([contract]), store: await openSqliteStore(path) });
 */
export function createServices(options: AppServicesOptions): AppServices {
  const given = options.store;
  const retryMs = options.storeRetryMs ?? DEFAULT_STORE_RETRY_MS;
  let opened: Promise<LedgerStore> | undefined =
    typeof given === 'function' ? undefined : Promise.resolve(given);
  // When the last opening failed (real time, whatever the services' clock says): a server started
  // while its database was down must not stay down once the database is back, and a burst of
  // requests meanwhile must not become a burst of connection attempts.
  let failedAt: number | undefined;
  return {
    contracts: options.contracts,
    store() {
      if (opened === undefined || (failedAt !== undefined && Date.now() - failedAt >= retryMs)) {
        failedAt = undefined;
        const attempt = (given as () => Promise<LedgerStore>)();
        opened = attempt;
        attempt.catch(() => {
          if (opened === attempt) failedAt = Date.now();
        });
      }
      return opened;
    },
    clock: options.clock ?? systemClock,
    env: options.env ?? {},
    factProviders: options.factProviders ?? DEFAULT_FACT_PROVIDERS,
    trustFiles: options.trustFiles ?? new TrustFileDigests(),
    async close() {
      // A store that never opened has nothing to close.
      const store = await opened?.catch(() => undefined);
      await store?.close();
    },
  };
}
