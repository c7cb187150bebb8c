/**
 * The CLI's wiring, in one place: flat options (flags, and the environment the shell passes in)
 * become the services of one run (contract source, store, clock, environment, fact providers) and
 * the one request the run makes (its contract and caller). A long-running process builds its
 * services with `createServices` (src/app/services.ts) instead, and a request per call.
 */
import { dirname, join, resolve } from 'node:path';
import { type ContractLimits, readContract } from '../contract/load-contract.js';
import { parseSize } from '../text/size.js';
import { resolveActorIdentity, resolveClockSetting } from './actor.js';
import { createServices } from './create-services.js';
import { withEventSinks } from './event-sinks.js';
import { openStore, pgUserOf } from './open-ledger.js';
import {
  type AppRequest,
  type AppServices,
  type ClockSource,
  contractSource,
  type Environment,
  fixedClock,
  requestOf,
  systemClock,
} from './services.js';

export interface AppOptions {
  /** The environment the process was started with (the CLI passes `process.env`). */
  env: Environment;
  /** Contract file (default TOLLGATE_CONTRACT, else `tollgate.yaml`). */
  contract?: string;
  /** PostgreSQL URL (default TOLLGATE_DATABASE_URL); when absent the embedded SQLite ledger is used. */
  databaseUrl?: string;
  /** Directory of the embedded ledger (default TOLLGATE_DATA_DIR, else `.tollgate/` beside the contract). */
  dataDir?: string;
  /** Who acts (`--as`; default TOLLGATE_ACTOR, the CI identity, the OS user). */
  as?: string;
  /** Evaluation time (`--now`, ISO 8601; default TOLLGATE_NOW, else the real time). */
  now?: string;
  /** Largest contract read, in bytes (default TOLLGATE_CONTRACT_MAX_BYTES, else 1 MiB). */
  contractMaxBytes?: number;
}

/** One CLI run: its request, and the services to close when it ends. */
export interface AppContext extends AppRequest {
  close(): Promise<void>;
}

/** `--as`, else TOLLGATE_ACTOR, else the CI identity (GitHub Actions, GitLab CI), else the OS user (src/app/actor.ts). */
export function resolveActor(options: Pick<AppOptions, 'as'>, env: Environment): string {
  return resolveActorIdentity(options.as === undefined ? {} : { as: options.as }, env).name;
}

/** Parses `--now` / TOLLGATE_NOW (src/app/actor.ts); a value that is not ISO 8601 with a zone is a usage error. */
export function resolveClock(options: Pick<AppOptions, 'now'>, env: Environment): ClockSource {
  const { fixed } = resolveClockSetting(options.now === undefined ? {} : { now: options.now }, env);
  return fixed === undefined ? systemClock : fixedClock(fixed);
}

/** The contract size limit: the option, else TOLLGATE_CONTRACT_MAX_BYTES (`4M`, `2097152`), else the default. */
export function contractLimits(
  options: Pick<AppOptions, 'contractMaxBytes'>,
  env: Environment,
): ContractLimits {
  if (options.contractMaxBytes !== undefined) return { maxBytes: options.contractMaxBytes };
  const text = env.TOLLGATE_CONTRACT_MAX_BYTES;
  if (text === undefined || text === '') return {};
  return { maxBytes: parseSize(text, 'a size for TOLLGATE_CONTRACT_MAX_BYTES') };
}

/** The services of one CLI run: the contract file, the ledger it names, the clock and environment. */
export function createCliServices(options: AppOptions): AppServices {
  const env = options.env;
  const contract = readContract(
    options.contract ?? env.TOLLGATE_CONTRACT ?? 'tollgate.yaml',
    contractLimits(options, env),
  );
  const clock = resolveClock(options, env);
  const databaseUrl = options.databaseUrl ?? env.TOLLGATE_DATABASE_URL;
  const dataDir = resolve(
    options.dataDir ?? env.TOLLGATE_DATA_DIR ?? join(dirname(resolve(contract.file)), '.tollgate'),
  );
  return createServices({
    contracts: contractSource([contract]),
    store: async () =>
      withEventSinks(await openStore(databaseUrl, dataDir, pgUserOf(env)), env, dataDir, (pipeline) =>
        pipeline === contract.pipeline ? contract : undefined,
      ),
    clock,
    env,
  });
}

/**
 * The CLI's convenience: services for one run and its one request, made by the actor the flags and
 * environment name, at the clock's time.
 */
export function createContext(options: AppOptions): AppContext {
  const services = createCliServices(options);
  const request = requestOf(services, { principal: resolveActor(options, options.env) });
  return { ...request, close: () => services.close() };
}

/** What libpq would take as the user when a PostgreSQL URL names none. */
