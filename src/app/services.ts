/**
 * Services and requests apart. A process builds its services once — where contracts come from, the
 * ledger store, the clock, the environment it was started with, the fact providers — and every
 * use-case call carries an `AppRequest`: the contract it is about and its caller (who acts, and the
 * time of the request). The CLI builds one of each per run (src/app/context.ts); a long-running
 * server holds one `AppServices` with one store and serves many pipelines and many callers with it.
 *
 * Nothing below the shells reads `process.env` or the real clock: they read `services.env` and
 * `caller.at` (or `services.clock` when time must move, as in `watch`).
 */
import type { Contract, ContractStage } from '../contract/types.js';
import { field, msg, TollgateError } from '../errors.js';
import type { ExtraFacts } from '../gates/extra-facts.js';
import type { LedgerReader, LedgerStore } from '../ledger/ledger-store.js';
import { normaliseName } from '../policy/names.js';
import type { Grant } from './authorise.js';
import type { TrustFileDigests } from './trust-file-digests.js';

/** The environment a process was started with (variables by name), injected, never read globally. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Where time comes from. */
export interface ClockSource {
  now(): Date;
  /** True when the time is fixed by the operator (`--now`, TOLLGATE_NOW); recorded with every write. */
  readonly fixed: boolean;
}

/** The real clock. */
export const systemClock: ClockSource = { now: () => new Date(), fixed: false };

/** A clock stopped at `at` (demos, tests, `--now`). */
export function fixedClock(at: Date): ClockSource {
  const ms = at.getTime();
  return { now: () => new Date(ms), fixed: true };
}

/** Where contracts come from: the CLI reads one file; a server holds one contract per pipeline. */
export interface ContractSource {
  /**
   * The contract of `pipeline`; without a name, the source's only contract.
   * @throws TollgateError CONTRACT_NOT_FOUND for a pipeline the source does not hold
   */
  get(pipeline?: string): Contract;
  /** The pipelines the source holds, in the order given. */
  pipelines(): string[];
  /**
   * Whether the source holds `pipeline`, without listing them all (a server asks on every
   * request). Optional: a source without it is asked for {@link pipelines}.
   */
  has?(pipeline: string): boolean;
}

/**
 * The contract `contracts` holds for `pipeline`, or undefined when it holds none (asked through its
 * `has`, or a look through its pipelines where it has no `has`).
 */
export function heldContract(contracts: ContractSource, pipeline: string): Contract | undefined {
  const held = contracts.has ? contracts.has(pipeline) : contracts.pipelines().includes(pipeline);
  return held ? contracts.get(pipeline) : undefined;
}

/**
 * A source over contracts already loaded, one per pipeline (a pipeline named twice is refused).
 * @example contractSource([readContract('checkout/tollgate.yaml'), readContract('billing/tollgate.yaml')])
 */
export function contractSource(contracts: readonly Contract[]): ContractSource {
  const byPipeline = new Map<string, Contract>();
  for (const contract of contracts) {
    const other = byPipeline.get(contract.pipeline);
    if (other) {
      throw new TollgateError(
        'CONFIG_INVALID',
        `pipeline ${contract.pipeline} is defined twice: in ${other.file} and ${contract.file}`,
      );
    }
    byPipeline.set(contract.pipeline, contract);
  }
  return {
    get(pipeline) {
      if (pipeline === undefined) {
        if (byPipeline.size === 1) return byPipeline.values().next().value as Contract;
        throw new TollgateError(
          'USAGE',
          `name a pipeline: this process holds ${byPipeline.size === 0 ? 'none' : [...byPipeline.keys()].join(', ')}`,
        );
      }
      const contract = byPipeline.get(pipeline);
      if (!contract) {
        throw new TollgateError(
          'CONTRACT_NOT_FOUND',
          `no contract for pipeline ${pipeline}; known pipelines: ${[...byPipeline.keys()].join(', ') || 'none'}`,
        );
      }
      return contract;
    },
    pipelines: () => [...byPipeline.keys()],
    has: (pipeline) => byPipeline.has(pipeline),
  };
}

/** Process-wide services, built once and shared by every request. */
export interface AppServices {
  readonly contracts: ContractSource;
  /** The ledger, opened on first use and then shared (one store for every pipeline and caller). */
  store(): Promise<LedgerStore>;
  readonly clock: ClockSource;
  readonly env: Environment;
  /** Facts from outside the ledger, each gathered only for a stage that uses its gate. */
  readonly factProviders: readonly AnyFactProvider[];
  /** Digests of the files contracts trust, kept while each file's stat is unchanged (src/app/trust-file-digests.ts). */
  readonly trustFiles: TrustFileDigests;
  /** Closes the store, when it was opened. */
  close(): Promise<void>;
}

/** What a provider is asked with: the request, the stage (already looked up) and a ledger reader. */
export interface FactRequest {
  request: AppRequest;
  stageName: string;
  stage: ContractStage;
  reader: LedgerReader;
}

/**
 * A fact provider: facts some gates need beyond the ledger (a drift report from config files,
 * the rollback section's metrics source, …), gathered at the edge only for a stage that uses the
 * gate, once per check or promotion, before any write lock. Its value reaches the gates as
 * `facts.extra[key]`, typed by `ExtraFacts` (src/gates/extra-facts.ts); its `snapshot` (when
 * given) is what of the fact is stored with a promotion.
 */
export interface FactProvider<K extends keyof ExtraFacts> {
  readonly key: K;
  /** True when the stage needs this fact. */
  applies(stage: ContractStage): boolean;
  provide(input: FactRequest): Promise<NonNullable<ExtraFacts[K]>>;
  /** What of the fact to keep with a promotion (no secret values). */
  snapshot?(value: NonNullable<ExtraFacts[K]>): unknown;
}

/** A provider of any one of the extra facts. */
export type AnyFactProvider = { [K in keyof ExtraFacts]-?: FactProvider<K> }[keyof ExtraFacts];

/** Who makes a request, and when. A server decides both; the CLI takes them from flags and the OS. */
export interface Caller {
  /** The acting principal's name, normalised (src/policy/names.ts), as recorded and compared. */
  readonly principal: string;
  /** The name as the caller wrote it, when it differs from `principal` (kept in records as `actorTyped`). */
  readonly typed?: string;
  /** What a server granted the caller (src/app/authorise.ts); absent for the CLI on a local ledger. */
  readonly grant?: Grant;
  /**
   * For a CI job a server authenticated: the people who triggered it, normalised, as the job's
   * issuer signed them. Recorded with every write (`actingFor`); separation of duties takes the
   * job for each of them too.
   */
  readonly actingFor?: readonly string[];
  /** The time of the request: what a use case decides at and records. */
  readonly at: Date;
  /** True when `at` was set by someone (`--now`, a test) rather than read from a real clock. */
  readonly timeSet?: boolean;
}

/** What every use-case call carries: the services, the contract it is about, and its caller. */
export interface AppRequest {
  readonly services: AppServices;
  readonly contract: Contract;
  readonly caller: Caller;
}

export interface RequestOptions {
  principal: string;
  /** What the caller was granted (a server's callers); default none: not limited by roles. */
  grant?: Grant;
  /** The pipeline the request is about (default: the source's only contract). */
  pipeline?: string;
  /** Default: the services' clock, now. */
  at?: Date;
}

/**
 * One request against shared services.
 * @example await checkStage(requestOf(services, { principal: 'ci', pipeline: 'checkout' }), 'prod', digest)
 */
export function requestOf(services: AppServices, options: RequestOptions): AppRequest {
  const timeSet = options.at !== undefined || services.clock.fixed;
  const who = principalOf(options.principal);
  return {
    services,
    contract: services.contracts.get(options.pipeline),
    caller: {
      ...who,
      ...(options.grant ? { grant: options.grant } : {}),
      at: options.at ?? services.clock.now(),
      ...(timeSet ? { timeSet: true } : {}),
    },
  };
}

/** The same request at the clock's current time (for a use case that runs on, like `watch`). */
export function renewed<R extends AppRequest>(request: R): R {
  const fixed = request.services.clock.fixed;
  const { timeSet: _earlier, ...caller } = request.caller;
  return {
    ...request,
    caller: { ...caller, at: request.services.clock.now(), ...(fixed ? { timeSet: true } : {}) },
  };
}

/**
 * What a record keeps about its caller beside the actor column: `clockSet` for records made at a
 * time someone set, so nobody mistakes a demo for history, `actorTyped`, the name as the caller
 * wrote it when it differs from the normalised principal recorded as the actor, and `actingFor`,
 * the person behind a CI job (whose approval or promotion it then also is).
 */
export function callerMarks(request: AppRequest): {
  clockSet?: true;
  actorTyped?: string;
  actingFor?: string[];
} {
  const { timeSet, typed, actingFor } = request.caller;
  return {
    ...(timeSet ? { clockSet: true as const } : {}),
    ...(typed ? { actorTyped: typed } : {}),
    ...(actingFor?.length ? { actingFor: [...actingFor] } : {}),
  };
}

/** The caller as someone else would be: without the person behind a CI job. */
export function withoutActingFor(caller: Caller): Caller {
  const { actingFor: _theirs, ...rest } = caller;
  return rest;
}

/**
 * A principal as recorded and compared: the name normalised (src/policy/names.ts), and the name as
 * typed when it differs. Every shell's caller passes through here (requestOf, the server's
 * requestFor), so "Dana", "dana" and "DANA" are one person everywhere.
 * @throws TollgateError NAME_INVALID for an empty name, an invisible character or mixed scripts
 * @example principalOf('Dana') // { principal: 'dana', typed: 'Dana' }
 */
export function principalOf(typed: string, where = 'the actor name'): { principal: string; typed?: string } {
  const checked = normaliseName(typed);
  if (!checked.ok)
    throw new TollgateError('NAME_INVALID', `${where} ${JSON.stringify(typed)} ${checked.problem}`);
  const trimmed = typed.trim();
  return { principal: checked.name, ...(trimmed === checked.name ? {} : { typed: trimmed }) };
}

/**
 * Refuses a set clock for a use case that records (promote, approve, attest, rollback) unless the
 * contract declares the pipeline a demo: what is recorded at a time someone chose could start a
 * soak in the past or step out of a freeze window. `check` at a set clock stays a "what if".
 * @throws TollgateError CLOCK_SET naming the verb, the time set and what to do
 */
export function assertRecordingClock(request: AppRequest, verb: string): void {
  if (!request.caller.timeSet || request.contract.demo === true) return;
  throw new TollgateError(
    'CLOCK_SET',
    msg`${verb} records what it decides, so it runs on the real clock, not at ${field('now')} ${request.caller.at.toISOString()}: only a demo pipeline (\`demo: true\` in ${request.contract.file}) may set the clock. \`tollgate check\` at a set time asks "what if" and records nothing.`,
  );
}
