/**
 * The contract is pinned. The first promotion of a pipeline records the contract it was decided
 * under (a `contract` ledger entry holding its digest and text); from then on every command that
 * records under the contract's rules (promote, approve and reject, attest, rollback) refuses to
 * run under any other contract (CONTRACT_CHANGED, exit 3) until the change itself is recorded with
 * `tollgate contract update` (or a server upload): a `contract` entry saying who changed it, when,
 * from which digest to which, and what changed per stage. Only the admins of the contract in force
 * may record a change, never those of the new one: otherwise whoever writes the new contract
 * could name himself its admin. A contract without `admins` can never be changed.
 */
import { type ContractChanges, diffContracts } from '../contract/contract-diff.js';
import { validateContract } from '../contract/load-contract.js';
import type { Contract } from '../contract/types.js';
import { TollgateError } from '../errors.js';
import { type ChainedEntry, ENTRY } from '../ledger/entry.js';
import type { LedgerReader, LedgerTransaction } from '../ledger/ledger-store.js';
import { isPrincipal, peopleOf } from '../policy/people.js';
import { authorise } from './authorise.js';
import { type AppRequest, assertRecordingClock, callerMarks } from './services.js';

/** The contract in force for a pipeline, as its latest `contract` entry records it. */
export interface PinnedContract {
  /** `sha256:` of the contract's text. */
  digest: string;
  /** The contract's text, as recorded. */
  text: string;
  /** The `contract` entry that pinned it. */
  seq: number;
  hash: string;
  actor: string;
  at: string;
  /** The contract in force before it (absent for the first pin). */
  previous?: string;
}

/** What a `contract` entry's payload holds. */
export interface ContractEntryPayload {
  digest: string;
  /** The digest of the contract it replaced; null when it is the pipeline's first. */
  previous: string | null;
  text: string;
  /** Per-stage changes from the previous contract (absent for the first). */
  changes?: ContractChanges;
  /** Why it was recorded: `first promotion`, `update`, `upload`. */
  via: 'first promotion' | 'update' | 'upload';
  reason?: string;
}

const SHA256 = /^sha256:[0-9a-f]{64}$/;

/** The pinned contract recorded in `entry` (a verified `contract` entry). */
export function pinOf(entry: ChainedEntry): PinnedContract {
  const payload = entry.payload as Partial<ContractEntryPayload>;
  if (
    typeof payload.digest !== 'string' ||
    !SHA256.test(payload.digest) ||
    typeof payload.text !== 'string'
  ) {
    throw new TollgateError(
      'LEDGER_CORRUPT',
      `ledger entry #${entry.seq} of pipeline ${entry.pipeline} is a contract entry without a contract digest and text; run \`tollgate ledger verify\``,
    );
  }
  return {
    digest: payload.digest,
    text: payload.text,
    seq: entry.seq,
    hash: entry.hash,
    actor: entry.actor,
    at: entry.at,
    ...(typeof payload.previous === 'string' ? { previous: payload.previous } : {}),
  };
}

/** The contract in force for `pipeline`, or undefined while nothing has pinned one. */
export async function pinnedContract(
  reader: LedgerReader,
  pipeline: string,
): Promise<PinnedContract | undefined> {
  const entry = await reader.latestUnstaged(pipeline, ENTRY.contract);
  return entry && pinOf(entry);
}

/** CONTRACT_CHANGED (exit 3, 409 on a server) naming both digests and what to do. */
export function contractChanged(contract: Contract, pin: PinnedContract, verb: string): TollgateError {
  return new TollgateError(
    'CONTRACT_CHANGED',
    `${verb} refused: the contract ${contract.file} is ${contract.digest}, but pipeline ${contract.pipeline} is pinned to ${pin.digest} (ledger entry #${pin.seq}, recorded by ${pin.actor} at ${pin.at}); nothing was recorded. Run under the pinned contract, or record the change first with \`tollgate contract update --contract ${contract.file}\` (only the pinned contract's admins may)`,
  );
}

/**
 * Refuses a recording act under a contract other than the pinned one. Read inside the write
 * transaction, so a contract change recorded concurrently is seen.
 * @throws TollgateError CONTRACT_CHANGED naming both digests
 */
export async function assertContractPinned(
  ctx: AppRequest,
  tx: LedgerReader,
  verb: string,
): Promise<PinnedContract | undefined> {
  const pin = await pinnedContract(tx, ctx.contract.pipeline);
  if (pin !== undefined && pin.digest !== ctx.contract.digest) throw contractChanged(ctx.contract, pin, verb);
  return pin;
}

/** Records the request's contract as the pipeline's first (the first promotion calls it). */
export async function recordFirstPin(ctx: AppRequest, tx: LedgerTransaction): Promise<ChainedEntry> {
  return appendContract(ctx, tx, { previous: undefined, via: 'first promotion' });
}

async function appendContract(
  ctx: AppRequest,
  tx: LedgerTransaction,
  what: { previous: PinnedContract | undefined; via: ContractEntryPayload['via']; reason?: string },
): Promise<ChainedEntry> {
  const { contract } = ctx;
  const payload: ContractEntryPayload = {
    digest: contract.digest,
    previous: what.previous?.digest ?? null,
    text: contract.text,
    ...(what.previous ? { changes: diffContracts(what.previous.text, contract.text) } : {}),
    via: what.via,
    ...(what.reason ? { reason: what.reason } : {}),
  };
  return tx.append(contract.pipeline, {
    kind: ENTRY.contract,
    stage: null,
    artifact: null,
    actor: ctx.caller.principal,
    at: ctx.caller.at.toISOString(),
    payload: { ...payload, ...callerMarks(ctx) },
  });
}

/** The contract in force, loaded from its recorded text (to read its admins). */
function loadPinned(pin: PinnedContract, pipeline: string): Contract {
  try {
    return validateContract(
      pin.text,
      `the contract in force for ${pipeline} (ledger entry #${pin.seq})`,
      '.',
    );
  } catch (cause) {
    throw new TollgateError(
      'CONTRACT_INVALID',
      `the contract in force for ${pipeline} (${pin.digest}, ledger entry #${pin.seq}) no longer loads, so its admins cannot be read: ${(cause as Error).message}`,
      { cause },
    );
  }
}

/**
 * Who may replace the contract in force: its own `admins` (users or groups of its own `groups`).
 * @throws TollgateError NOT_ALLOWED when the caller is not one of them, or nobody is
 */
export function assertContractAdmin(inForce: Contract, pin: PinnedContract, actor: string): void {
  const { admins, groups } = peopleOf(inForce);
  if (admins.length === 0) {
    throw new TollgateError(
      'NOT_ALLOWED',
      `the contract in force for ${inForce.pipeline} (${pin.digest}) declares no \`admins\`, so nobody may change it; a pipeline's contract can only gain admins through a contract that already has them`,
    );
  }
  if (!isPrincipal(actor, admins, groups)) {
    throw new TollgateError(
      'NOT_ALLOWED',
      `${actor} may not change the contract of ${inForce.pipeline}: the contract in force (${pin.digest}) allows ${admins.join(', ')} (the new contract's admins count only once it is in force)`,
    );
  }
}

export interface ContractUpdateOptions {
  /** Why the contract changes; recorded. */
  reason?: string;
  /** How the change arrived: `update` (CLI) or `upload` (server). Default `update`. */
  via?: 'update' | 'upload';
}

export interface ContractUpdateResult {
  /** True when a `contract` entry was appended. */
  recorded: boolean;
  pipeline: string;
  digest: string;
  /** The digest in force before (absent when the pipeline had none). */
  previous?: string;
  /** The `contract` entry now in force (the new one, or the existing one when nothing changed). */
  entry: { seq: number; hash: string; actor: string; at: string };
  changes?: ContractChanges;
  message: string;
}

/**
 * `tollgate contract update`: records the request's contract as the one in force. The first
 * contract of a pipeline with no pin is recorded for anyone (a promotion would pin it anyway);
 * replacing a pinned contract needs an admin of the pinned one.
 * @throws TollgateError NOT_ALLOWED, CLOCK_SET, CONTRACT_INVALID (the pinned text no longer loads)
 */
export async function updateContract(
  ctx: AppRequest,
  options: ContractUpdateOptions = {},
): Promise<ContractUpdateResult> {
  assertRecordingClock(ctx, 'contract update');
  const { contract } = ctx;
  authorise(ctx.caller.grant, 'contract', contract.pipeline);
  const reason = options.reason?.trim();
  if (reason !== undefined && reason.length > 2000)
    throw new TollgateError('USAGE', `the reason is ${reason.length} characters; at most 2000 are kept`);
  const store = await ctx.services.store();
  return store.write(contract.pipeline, async (tx) => {
    const pin = await pinnedContract(tx, contract.pipeline);
    if (pin?.digest === contract.digest) {
      return {
        recorded: false,
        pipeline: contract.pipeline,
        digest: contract.digest,
        ...(pin.previous ? { previous: pin.previous } : {}),
        entry: { seq: pin.seq, hash: pin.hash, actor: pin.actor, at: pin.at },
        message: `${contract.digest} already is the contract in force for ${contract.pipeline} (ledger entry #${pin.seq}); nothing recorded`,
      };
    }
    if (pin) assertContractAdmin(loadPinned(pin, contract.pipeline), pin, ctx.caller.principal);
    const entry = await appendContract(ctx, tx, {
      previous: pin,
      via: options.via ?? 'update',
      ...(reason ? { reason } : {}),
    });
    const changes = (entry.payload as unknown as ContractEntryPayload).changes;
    return {
      recorded: true,
      pipeline: contract.pipeline,
      digest: contract.digest,
      ...(pin ? { previous: pin.digest } : {}),
      entry: { seq: entry.seq, hash: entry.hash, actor: entry.actor, at: entry.at },
      ...(changes ? { changes } : {}),
      message: pin
        ? `contract of ${contract.pipeline} changed from ${pin.digest} to ${contract.digest} by ${entry.actor}`
        : `contract ${contract.digest} pinned for ${contract.pipeline} by ${entry.actor}`,
    };
  });
}
