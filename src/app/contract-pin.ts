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
import { isAbsolute, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  type ContractChanges,
  contractData,
  describeChanges,
  diffContractData,
  diffContracts,
  type StageChange,
} from '../contract/contract-diff.js';
import {
  type ContractPeople,
  readPeopleInForce,
  validateContractInForce,
} from '../contract/load-contract.js';
import type { Contract } from '../contract/types.js';
import { TollgateError } from '../errors.js';
import type { UpstreamRulesFact } from '../gates/extra-facts.js';
import type { DecisionItem } from '../gates/gate.js';
import { type ChainedEntry, ENTRY } from '../ledger/entry.js';
import type { LedgerReader, LedgerStore, LedgerTransaction } from '../ledger/ledger-store.js';
import { groupName, isPrincipal, peopleOf } from '../policy/people.js';
import { hasOwnKey, mapOf, ownValue } from '../records.js';
import { authorise } from './authorise.js';
import {
  type AppRequest,
  type AppServices,
  assertRecordingClock,
  callerMarks,
  heldContract,
} from './services.js';
import { TrustFileDigests } from './trust-file-digests.js';

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
  /** The files it trusted when pinned ({@link trustFilesOf}); absent in pins recorded before they were. */
  trustFiles?: Record<string, string>;
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
  /** The files the contract trusts by reference, by contract key: `sha256:` of each file's bytes. */
  trustFiles?: Record<string, string>;
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
  const trustFiles = payload.trustFiles;
  if (
    trustFiles !== undefined &&
    (trustFiles === null ||
      typeof trustFiles !== 'object' ||
      Array.isArray(trustFiles) ||
      Object.values(trustFiles).some((value) => typeof value !== 'string'))
  ) {
    throw new TollgateError(
      'LEDGER_CORRUPT',
      `ledger entry #${entry.seq} of pipeline ${entry.pipeline} is a contract entry whose trusted files are not a map of digests; run \`tollgate ledger verify\``,
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
    ...(trustFiles === undefined ? {} : { trustFiles: { ...trustFiles } }),
  };
}

/**
 * The files a contract trusts by reference — `trust.keys.NAME`, `trust.identities.NAME.trustedRoot`,
 * `trust.verifier.key` and `trust.verifier.publicKey` — each as the `sha256:` of its bytes (or `unreadable`), by contract key.
 * They are part of what the pin holds: the contract's digest covers its text only, and whoever
 * replaces `keys/ci.pub` would otherwise choose whom an unchanged contract trusts as `ci`, and
 * whoever replaces the verifier key whose signature the VSAs, the ledger's checkpoints and the
 * `checkpoint` gate rest on. Config files and the metrics file are not policy: they feed decisions.
 * `digests` keeps each file's digest while its stat is unchanged (one per services object).
 */
export async function trustFilesOf(
  contract: Contract,
  digests: TrustFileDigests = new TrustFileDigests(),
): Promise<Record<string, string>> {
  const refs: Array<[string, string]> = [];
  for (const [name, path] of Object.entries(contract.trust?.keys ?? {}))
    refs.push([`trust.keys.${name}`, path]);
  for (const [name, identity] of Object.entries(contract.trust?.identities ?? {}))
    if (identity.trustedRoot !== undefined)
      refs.push([`trust.identities.${name}.trustedRoot`, identity.trustedRoot]);
  if (contract.trust?.verifier?.key !== undefined) refs.push([VERIFIER_KEY, contract.trust.verifier.key]);
  if (contract.trust?.verifier?.publicKey !== undefined)
    refs.push([VERIFIER_PUBLIC_KEY, contract.trust.verifier.publicKey]);
  const files: Record<string, string> = {};
  for (const [key, path] of refs) files[key] = await digests.digestOf(resolve(contract.root, path));
  return files;
}

const VERIFIER_KEY = 'trust.verifier.key';
const VERIFIER_PUBLIC_KEY = 'trust.verifier.publicKey';

/**
 * The contract keys whose trusted file differs between the pin and now, sorted. A key the pin does
 * not hold under the pinned text was not recorded by the version that pinned it (the verifier key
 * before it was pinned): it is compared once `contract update` records it, as a pin without
 * `trustFiles` at all is.
 */
function changedSincePin(pin: PinnedContract, now: Record<string, string>): string[] {
  const before = pin.trustFiles ?? {};
  return changedTrustFiles(before, now).filter((key) => key in before);
}

/** The contract keys whose trusted file differs between `before` and `after`, sorted. */
function changedTrustFiles(before: Record<string, string>, after: Record<string, string>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((key) => before[key] !== after[key]).sort();
}

/**
 * Which of a stage's gates (its `requires` keys) read each top-level section or trusted file, for
 * those that only some gates read: `admins` says only who may change the contract and `overrides`
 * who may waive a gate, so neither changes what passing requires. Any other section (`demo`,
 * `artifact`, …) may change every decision.
 */
const READ_BY: Record<string, readonly string[]> = {
  admins: [],
  overrides: [],
  groups: ['approvals', 'rules'],
  trust: ['signedBy', 'rules', 'checkpoint', 'provenance'],
};

/**
 * What a stage's gates read of `groups` and `trust`, in either of two versions of the contract: the
 * groups its approvals name (and the groups those name, through members), the signer names its
 * `signedBy` names, and whether it reads the verifier (`checkpoint`). `all` where which entries
 * are read cannot be told: `rules` (CEL reads `actor.groups` and evidence signers as data), and
 * `provenance` (it reads whether evidence is signed, by whichever trusted signer).
 */
interface StageReads {
  groups: ReadonlySet<string> | 'all';
  signers: ReadonlySet<string> | 'all';
  verifier: boolean;
}

function stageReads(madeUnder: YamlMap, inForce: YamlMap, stage: string): StageReads {
  const requires = [madeUnder, inForce].map(
    (data) => mapOf(mapOf(ownValue(mapOf(data.stages) ?? {}, stage))?.requires) ?? {},
  );
  const has = (gate: string) => requires.some((r) => hasOwnKey(r, gate));
  /** Strings under `requires.GATE.FIELD` in both versions; undefined when one is not a list of strings. */
  const named = (gate: string, field: string): string[] | undefined => {
    const names: string[] = [];
    for (const r of requires) {
      if (!hasOwnKey(r, gate)) continue;
      const list = mapOf(r[gate])?.[field];
      if (list === undefined) continue;
      if (!Array.isArray(list) || list.some((item) => typeof item !== 'string')) return undefined;
      names.push(...(list as string[]));
    }
    return names;
  };
  let groups: Set<string> | 'all' = 'all';
  const approvers = named('approvals', 'from');
  if (!has('rules') && approvers !== undefined) {
    // Groups name groups: the closure through both versions' members.
    groups = new Set();
    const visit = (principal: unknown) => {
      const group = typeof principal === 'string' ? groupName(principal) : undefined;
      if (group === undefined || (groups as Set<string>).has(group)) return;
      (groups as Set<string>).add(group);
      for (const data of [madeUnder, inForce]) {
        const members = ownValue(mapOf(data.groups) ?? {}, group);
        if (Array.isArray(members)) members.forEach(visit);
      }
    };
    approvers.forEach(visit);
  }
  const signers = named('signedBy', 'by');
  return {
    groups,
    signers: has('rules') || has('provenance') || signers === undefined ? 'all' : new Set(signers),
    verifier: has('checkpoint'),
  };
}

/** The contract keys of the trust section a stage reads that differ: `trust.keys.ci`, `trust.verifier`. */
function trustEntriesChanged(before: unknown, after: unknown, reads: StageReads): string[] | 'all' {
  const [was, now] = [mapOf(before) ?? {}, mapOf(after) ?? {}];
  const rest = (trust: YamlMap) =>
    Object.fromEntries(
      Object.entries(trust).filter(([key]) => !['keys', 'identities', 'verifier'].includes(key)),
    );
  // A setting of the section as a whole (none today) may change every signer: the whole section.
  if (reads.signers === 'all' || !isDeepStrictEqual(rest(was), rest(now))) return 'all';
  const changed: string[] = [];
  for (const section of ['keys', 'identities'])
    for (const name of reads.signers) {
      const entry = (trust: YamlMap) => ownValue(mapOf(trust[section]) ?? {}, name);
      if (!isDeepStrictEqual(entry(was), entry(now))) changed.push(`trust.${section}.${name}`);
    }
  if (reads.verifier && !isDeepStrictEqual(was.verifier, now.verifier)) changed.push('trust.verifier');
  return changed.sort();
}

/** The groups a stage reads that differ between two versions of the contract, as `groups.NAME`. */
function groupsChanged(before: unknown, after: unknown, reads: StageReads): string[] | 'all' {
  if (reads.groups === 'all') return 'all';
  const [was, now] = [mapOf(before) ?? {}, mapOf(after) ?? {}];
  return [...reads.groups]
    .filter((name) => !isDeepStrictEqual(ownValue(was, name), ownValue(now, name)))
    .sort()
    .map((name) => `groups.${name}`);
}

/** Whether a stage reads a trusted file: a key or trusted root its `signedBy` names, or the verifier's key. */
function fileRead(key: string, reads: StageReads): boolean {
  if (key === VERIFIER_KEY || key === VERIFIER_PUBLIC_KEY) return reads.verifier;
  if (reads.signers === 'all') return true;
  const name = key.split('.')[2];
  return name !== undefined && reads.signers.has(name);
}

/** The gate keys `stage` requires in a contract read as data (empty when the stage is absent). */
function requiredGates(data: YamlMap, stage: string): string[] {
  const requires = mapOf(ownValue(mapOf(data.stages) ?? {}, stage))?.requires;
  return requires !== null && typeof requires === 'object' ? Object.keys(requires) : [];
}

type YamlMap = Record<string, unknown>;

/** A pin with its text read once ({@link contractData}), for comparing it with others. */
type ReadPin = PinnedContract & { readonly data: YamlMap };
const readPin = (pin: PinnedContract): ReadPin => ({ ...pin, data: contractData(pin.text, 'the contract') });

/**
 * A pinned contract's `trust` section as whom it trusts: each key file and trusted root read as the
 * `sha256:` of its bytes the pin recorded (a file the pin could not read stays its path), and the
 * verifier's key files left out, which the trusted files compare for the `checkpoint` gate alone
 * ({@link fileRead}). A key file moved with the same bytes trusts the same key; the same path
 * holding another key does not.
 */
function trustByContent(pin: ReadPin): unknown {
  const trust = mapOf(pin.data.trust);
  if (trust === undefined) return pin.data.trust;
  const files = pin.trustFiles ?? {};
  const content = (key: string, path: unknown) => {
    const digest = ownValue(files, key);
    return digest !== undefined && SHA256.test(digest) ? digest : path;
  };
  const keys = mapOf(trust.keys);
  const identities = mapOf(trust.identities);
  const verifier = mapOf(trust.verifier);
  return {
    ...trust,
    ...(keys && {
      keys: Object.fromEntries(
        Object.entries(keys).map(([name, path]) => [name, content(`trust.keys.${name}`, path)]),
      ),
    }),
    ...(identities && {
      identities: Object.fromEntries(
        Object.entries(identities).map(([name, identity]) => {
          const fields = mapOf(identity);
          return [
            name,
            fields && hasOwnKey(fields, 'trustedRoot')
              ? {
                  ...fields,
                  trustedRoot: content(`trust.identities.${name}.trustedRoot`, fields.trustedRoot),
                }
              : identity,
          ];
        }),
      ),
    }),
    ...(verifier && {
      verifier: Object.fromEntries(
        Object.entries(verifier).filter(([key]) => key !== 'key' && key !== 'publicKey'),
      ),
    }),
  };
}

/**
 * Whether the `trust` sections of two pins trust the same keys and identities, their files compared
 * by content ({@link trustByContent}). Only pins that recorded their files' digests can say so.
 */
function sameTrust(madeUnder: ReadPin, inForce: ReadPin): boolean {
  if (madeUnder.trustFiles === undefined || inForce.trustFiles === undefined) return false;
  return isDeepStrictEqual(trustByContent(madeUnder), trustByContent(inForce));
}

/** Whether a stage's change alters its rules: a requirement or a setting other than `purpose`. */
function ruleChanged(change: StageChange): boolean {
  return [change.added, change.removed, change.changed, change.settings].some((keys) => keys.length > 0);
}

/**
 * What `inForce` changed in the rules of `stage` since `madeUnder`: the stage's requirements and
 * settings (its `purpose` is words, not a rule), and the sections and trusted files its gates read
 * ({@link READ_BY}). Undefined when the stage's rules are the same.
 */
function stageRulesChanged(
  madeUnder: ReadPin,
  inForce: ReadPin,
  stage: string,
  diff: ContractChanges = diffContractData(madeUnder.data, inForce.data),
): string | undefined {
  const gates = new Set([...requiredGates(madeUnder.data, stage), ...requiredGates(inForce.data, stage)]);
  const files =
    madeUnder.trustFiles === undefined || inForce.trustFiles === undefined
      ? []
      : changedTrustFiles(madeUnder.trustFiles, inForce.trustFiles);
  const relevant: ContractChanges = {
    stages: diff.stages
      .filter((change) => change.stage === stage)
      .map((change) => ({ ...change, settings: change.settings.filter((key) => key !== 'purpose') }))
      .filter((change) => change.change !== 'changed' || ruleChanged(change)),
    sections: diff.sections.filter(
      (section) =>
        (!hasOwnKey(READ_BY, section) || READ_BY[section]!.some((gate) => gates.has(gate))) &&
        !(section === 'trust' && sameTrust(madeUnder, inForce)),
    ),
  };
  // Of `groups` and `trust`, only the entries the stage's gates name count (where that can be told).
  const reads = stageReads(madeUnder.data, inForce.data, stage);
  relevant.sections = relevant.sections.flatMap((section) => {
    if (section !== 'groups' && section !== 'trust') return [section];
    const entries =
      section === 'groups'
        ? groupsChanged(madeUnder.data.groups, inForce.data.groups, reads)
        : madeUnder.trustFiles === undefined || inForce.trustFiles === undefined
          ? 'all' // Without the files' digests, whom the entries trust cannot be compared.
          : trustEntriesChanged(trustByContent(madeUnder), trustByContent(inForce), reads);
    return entries === 'all' ? [section] : entries;
  });
  const read = files.filter((key) => fileRead(key, reads));
  if (read.length > 0) relevant.files = read;
  if (relevant.stages.length === 0 && relevant.sections.length === 0 && read.length === 0) return undefined;
  return `the contract in force (${inForce.digest}, ledger entry #${inForce.seq}) changed what stage ${stage} requires since: ${describeChanges(relevant).join('; ')}`;
}

/**
 * What the contract in force changed in the rules of `stage` since the contract `digest` that a
 * decision (a promotion and its VSA) was made under. `madeAt` picks, among the contract entries
 * that recorded `digest`, the one in force when the decision was made (a contract changed and
 * changed back is recorded twice). Undefined when the stage's rules are the same, or when nothing
 * was ever pinned (a ledger from before pinning). A string when they differ or when the pipeline
 * never had `digest` as its contract, naming both contracts, their ledger entries and what changed.
 */
export async function stageRulesChangedSince(
  store: Pick<LedgerReader, 'unstagedEntries'>,
  pipeline: string,
  stage: string,
  digest: string,
  madeAt: (pin: Pick<PinnedContract, 'seq' | 'at'>) => boolean,
): Promise<string | undefined> {
  const pins = (await store.unstagedEntries(pipeline, ENTRY.contract)).map(pinOf);
  const inForce = pins.at(-1);
  if (inForce === undefined) return undefined;
  const recorded = pins.filter((pin) => pin.digest === digest);
  const madeUnder = recorded.findLast(madeAt) ?? recorded.at(-1);
  if (madeUnder === undefined)
    return `it was made under contract ${digest}, which pipeline ${pipeline} never had (its contracts are recorded in ledger entries ${pins.map((pin) => `#${pin.seq}`).join(', ')}; the one in force is ${inForce.digest}, ledger entry #${inForce.seq})`;
  const changed =
    madeUnder.seq === inForce.seq
      ? undefined
      : stageRulesChanged(readPin(madeUnder), readPin(inForce), stage);
  return changed && `it was made under contract ${digest} (ledger entry #${madeUnder.seq}), and ${changed}`;
}

/**
 * For each of `stages`, the contracts of the pipeline under which the stage's rules differed from
 * the contract in force, each with the ledger entries between which it was in force: a promotion
 * recorded between them was decided under rules the contract in force has changed since (the
 * `from` gate's `upstreamRules` fact). Empty lists while nothing is pinned or nothing changed.
 */
export async function upstreamRulesFact(
  reader: Pick<LedgerReader, 'unstagedEntries'>,
  pipeline: string,
  stages: readonly string[],
): Promise<UpstreamRulesFact> {
  const pins = (await reader.unstagedEntries(pipeline, ENTRY.contract)).map(pinOf);
  const fact: UpstreamRulesFact = {};
  for (const stage of stages) fact[stage] = [];
  // Only earlier contracts can differ from the one in force; a pipeline pinned once reads nothing.
  // Each text is read once and each earlier contract diffed once, whatever the number of stages.
  if (pins.length < 2) return fact;
  const inForce = readPin(pins.at(-1)!);
  const earlier = pins.slice(0, -1).map((pin) => {
    const read = readPin(pin);
    return { read, diff: diffContractData(read.data, inForce.data) };
  });
  for (const stage of stages)
    earlier.forEach(({ read, diff }, i) => {
      const changed = stageRulesChanged(read, inForce, stage, diff);
      if (changed)
        fact[stage]!.push({ contract: read.digest, from: read.seq, until: pins[i + 1]!.seq, changed });
    });
  return fact;
}

/** Where a trusted file of the contract lives, for messages: `trust.keys.ci (keys/ci.pub)`. */
function describeTrustFile(contract: Contract, key: string): string {
  const [, section, name] = key.split('.');
  const path =
    key === VERIFIER_KEY
      ? contract.trust?.verifier?.key
      : key === VERIFIER_PUBLIC_KEY
        ? contract.trust?.verifier?.publicKey
        : section === 'keys'
          ? contract.trust?.keys[name!]
          : section === 'identities'
            ? contract.trust?.identities[name!]?.trustedRoot
            : undefined;
  return path === undefined ? key : `${key} (${path})`;
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
  if (pin === undefined) return pin;
  if (pin.digest !== ctx.contract.digest) throw contractChanged(ctx.contract, pin, verb);
  if (pin.trustFiles !== undefined) {
    const now = await trustFilesOf(ctx.contract, ctx.services.trustFiles);
    const changed = changedSincePin(pin, now);
    if (changed.length > 0) throw trustFilesChanged(ctx.contract, pin, changed, now, verb);
  }
  return pin;
}

/**
 * For a read-only decision (`check`) made under another contract than the one in force, or under
 * the pinned text with trusted files changed since: what the `contract` gate requires before the
 * decision is the pipeline's answer (src/app/check.ts blocks it). Undefined when the contract is
 * the one in force, or none is pinned.
 */
export async function notInForceRequirement(
  contract: Contract,
  pin: PinnedContract | undefined,
  digests?: TrustFileDigests,
): Promise<DecisionItem | undefined> {
  if (pin === undefined) return undefined;
  const whatIf = 'the other gates say what it would decide (a "what if")';
  if (pin.digest !== contract.digest)
    return {
      gate: 'contract',
      text: `decided under ${contract.file} (${contract.digest}), which is not the contract in force for ${contract.pipeline} (${pin.digest}, ledger entry #${pin.seq}): ${whatIf}; it decides nothing until an admin of the contract in force records it (\`tollgate contract update\`), and promote and every recording command refuse to run under it`,
    };
  if (pin.trustFiles === undefined) return undefined;
  const changed = changedSincePin(pin, await trustFilesOf(contract, digests));
  if (changed.length === 0) return undefined;
  return {
    gate: 'contract',
    text: `decided under the contract in force, but ${changed.map((key) => describeTrustFile(contract, key)).join(', ')} changed since it was pinned (ledger entry #${pin.seq}): ${whatIf}; it decides nothing until an admin records the change (\`tollgate contract update\`), and promote and every recording command refuse to run until then`,
  };
}

/** CONTRACT_CHANGED for a pinned contract whose trusted files were replaced since it was pinned. */
function trustFilesChanged(
  contract: Contract,
  pin: PinnedContract,
  changed: string[],
  now: Record<string, string>,
  verb: string,
): TollgateError {
  const which = changed
    .map(
      (key) =>
        `${describeTrustFile(contract, key)} is ${now[key] ?? 'no longer named'}, pinned ${pin.trustFiles?.[key] ?? 'absent'}`,
    )
    .join('; ');
  return new TollgateError(
    'CONTRACT_CHANGED',
    `${verb} refused: the contract ${contract.file} is the one pinned for ${contract.pipeline} (${pin.digest}, ledger entry #${pin.seq}), but a file it trusts changed since: ${which}; a replaced key file changes whom the contract trusts. Nothing was recorded. Restore the file, or record the change with \`tollgate contract update --contract ${contract.file}\` (only the pinned contract's admins may)`,
  );
}

/** Records the request's contract as the pipeline's first (the first promotion calls it). */
export async function recordFirstPin(ctx: AppRequest, tx: LedgerTransaction): Promise<ChainedEntry> {
  return appendContract(ctx, tx, { previous: undefined, via: 'first promotion' });
}

async function appendContract(
  ctx: AppRequest,
  tx: LedgerTransaction,
  what: {
    previous: PinnedContract | undefined;
    via: ContractEntryPayload['via'];
    reason?: string;
    /** The trusted files' digests when the caller already read them (`updateContract`). */
    trustFiles?: Record<string, string>;
  },
): Promise<ChainedEntry> {
  const { contract } = ctx;
  const trustFiles = what.trustFiles ?? (await trustFilesOf(contract, ctx.services.trustFiles));
  const files = what.previous ? changedTrustFiles(what.previous.trustFiles ?? {}, trustFiles) : [];
  const payload: ContractEntryPayload = {
    digest: contract.digest,
    previous: what.previous?.digest ?? null,
    text: contract.text,
    ...(what.previous
      ? {
          changes: {
            ...diffContracts(what.previous.text, contract.text),
            ...(files.length > 0 ? { files } : {}),
          },
        }
      : {}),
    via: what.via,
    ...(what.reason ? { reason: what.reason } : {}),
    trustFiles,
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

/**
 * Who may change the contract in force, read from its recorded text: the whole contract when it
 * still loads, else its people sections alone (a rule added since may refuse something else in it,
 * and must not lock the pipeline to a contract nobody may change).
 */
function loadPinned(pin: PinnedContract, pipeline: string): ContractPeople {
  const file = `the contract in force for ${pipeline} (ledger entry #${pin.seq})`;
  try {
    return validateContractInForce(pin.text, file, '.');
  } catch {
    // Fall through to the people sections alone.
  }
  try {
    return readPeopleInForce(pin.text, file);
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
export function assertContractAdmin(
  inForce: ContractPeople,
  pin: Pick<PinnedContract, 'digest'>,
  actor: string,
): void {
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
 * `tollgate contract update`: records the request's contract as the one in force. The contract
 * a pipeline started with is pinned for anyone (a promotion would pin it anyway), and the first
 * contract of a pipeline that has none is recorded for anyone; replacing a pinned contract, or the
 * one the process started with, needs an admin of that one.
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
    // The same text trusting other files is a change too (a replaced key file), and so is the
    // first record of the files a pin from before they were recorded trusts. Read once: the
    // entry records the digests this comparison saw.
    const trustFiles = await trustFilesOf(contract, ctx.services.trustFiles);
    const changedFiles = pin === undefined ? [] : changedTrustFiles(pin.trustFiles ?? {}, trustFiles);
    const filesChanged = changedFiles.length > 0;
    if (pin?.digest === contract.digest && !filesChanged) {
      return {
        recorded: false,
        pipeline: contract.pipeline,
        digest: contract.digest,
        ...(pin.previous ? { previous: pin.previous } : {}),
        entry: { seq: pin.seq, hash: pin.hash, actor: pin.actor, at: pin.at },
        message: `${contract.digest} already is the contract in force for ${contract.pipeline} (ledger entry #${pin.seq}); nothing recorded`,
      };
    }
    // Whatever stages it names, a contract governs all of them (and who may override, and whom
    // it trusts): a credential bound to some stages, which acts only there, would otherwise
    // rewrite what every other stage requires in one request. Pinning, as it is, the contract a
    // process started with changes no rule and needs nobody's leave.
    const stages = ctx.caller.grant?.stages;
    const started = pin ? undefined : heldContract(ctx.services.contracts, contract.pipeline);
    if (stages && (pin !== undefined || started?.digest !== contract.digest))
      throw new TollgateError(
        'NOT_ALLOWED',
        `this credential may act only in ${stages.join(', ')}, and a contract governs every stage of ${contract.pipeline}: a change of it is recorded by a credential not bound to stages`,
      );
    if (pin) {
      try {
        assertContractAdmin(loadPinned(pin, contract.pipeline), pin, ctx.caller.principal);
      } catch (error) {
        // The same text: say that what changed is the files it trusts, or the refusal reads as
        // though the text differed.
        if (pin.digest !== contract.digest || !(error instanceof TollgateError)) throw error;
        throw new TollgateError(
          error.code,
          `the contract's text is the one in force, but the files it trusts changed (${changedFiles.map((key) => describeTrustFile(contract, key)).join(', ')}: replaced, or missing beside this contract file): ${error.message}`,
          { cause: error },
        );
      }
    } else {
      // Nothing pinned yet: the contract the process started with is in force. Pinning it as it is
      // needs nobody's leave (its first promotion would), but replacing it needs its admins, as
      // replacing a pinned one does: a server's pipeline admin must not rewrite a fresh server's
      // rules before anything was promoted under them.
      if (started !== undefined && started.digest !== contract.digest)
        assertContractAdmin(started, started, ctx.caller.principal);
    }
    const entry = await appendContract(ctx, tx, {
      previous: pin,
      trustFiles,
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
      message: !pin
        ? `contract ${contract.digest} pinned for ${contract.pipeline} by ${entry.actor}`
        : pin.digest === contract.digest
          ? `contract ${contract.digest} of ${contract.pipeline} now trusts the files it names as they are, recorded by ${entry.actor}`
          : `contract of ${contract.pipeline} changed from ${pin.digest} to ${contract.digest} by ${entry.actor}`,
    };
  });
}

/**
 * The contracts a process has compiled from recorded text, by digest: a version is compiled
 * once, whichever request first needs it. One per process (a server's routes hold one).
 */
export type CompiledContracts = Map<string, Contract>;

/**
 * The contract in force for `pipeline` where contracts change while the process runs (a server):
 * the one pinned in the ledger, which every replica reads alike. The contract the process started
 * with (`--contracts DIR`) serves while nothing is pinned, and whenever it is the pinned one; a
 * start-up file that differs from the pin is not in force until it is pushed. A pinned version is
 * compiled with the start-up contract's folder (for its relative paths), else `root`.
 * @throws TollgateError CONTRACT_NOT_FOUND for a pipeline with neither
 */
export async function contractInForce(
  services: AppServices,
  pipeline: string,
  compiled: CompiledContracts,
  root: string,
): Promise<Contract> {
  const store = await services.store();
  // Asked by every request: kept while the database is unchanged (src/ledger/read-memo.ts).
  const pin = await store.whileUnchanged(['contract in force', pipeline], () =>
    pinnedContract(store, pipeline),
  );
  return contractOfPin(services, pipeline, pin, compiled, root);
}

/**
 * {@link contractInForce} from what `store` keeps, without waiting: undefined when the pin is not
 * kept or the database may have changed (then ask contractInForce).
 * @throws TollgateError as contractInForce
 */
export function keptContractInForce(
  services: AppServices,
  store: LedgerStore,
  pipeline: string,
  compiled: CompiledContracts,
  root: string,
): Contract | undefined {
  const kept = store.keptNow?.<PinnedContract | undefined>(['contract in force', pipeline]);
  return kept && contractOfPin(services, pipeline, kept.value, compiled, root);
}

function contractOfPin(
  services: AppServices,
  pipeline: string,
  pin: PinnedContract | undefined,
  compiled: CompiledContracts,
  root: string,
): Contract {
  const base = heldContract(services.contracts, pipeline);
  if (pin === undefined || base?.digest === pin.digest) return base ?? services.contracts.get(pipeline);
  let contract = compiled.get(pin.digest);
  if (contract === undefined) {
    contract = validateContractInForce(pin.text, `${pipeline}@ledger#${pin.seq}`, base?.root ?? root);
    compiled.set(pin.digest, contract);
  }
  return contract;
}

/**
 * Refuses an uploaded contract whose file references (trust keys, trusted roots, the verifier key,
 * the metrics file, stage config files) are absolute or climb out of its folder: a pipeline's
 * admin must not be able to make the server read, and a drift report show, any file it can read.
 * @throws TollgateError CONTRACT_INVALID naming the key and the path
 */
export function assertFilesInside(contract: Contract): void {
  const refs: Array<[string, string]> = [];
  for (const [name, path] of Object.entries(contract.trust?.keys ?? {}))
    refs.push([`trust.keys.${name}`, path]);
  for (const [name, identity] of Object.entries(contract.trust?.identities ?? {}))
    if (identity.trustedRoot) refs.push([`trust.identities.${name}.trustedRoot`, identity.trustedRoot]);
  if (contract.trust?.verifier?.key) refs.push(['trust.verifier.key', contract.trust.verifier.key]);
  // Read and hashed into the pin like the others (trustFilesOf): never a file outside the folder.
  if (contract.trust?.verifier?.publicKey)
    refs.push(['trust.verifier.publicKey', contract.trust.verifier.publicKey]);
  if (contract.metrics?.file) refs.push(['metrics.file', contract.metrics.file]);
  for (const [name, stage] of Object.entries(contract.stages))
    for (const [i, path] of stage.config.entries()) refs.push([`stages.${name}.config[${i}]`, path]);
  for (const [key, path] of refs) {
    if (isAbsolute(path) || path.split(/[\\/]/).includes('..') || /^[A-Za-z]:/.test(path)) {
      throw new TollgateError(
        'CONTRACT_INVALID',
        `${contract.file}: ${key} is ${JSON.stringify(path)}: an uploaded contract may only name files inside its pipeline's folder (a relative path without "..")`,
      );
    }
  }
}

/** One recorded version of a pipeline's contract (a `contract` entry). */
export interface ContractVersion {
  digest: string;
  /** The digest it replaced; null for the pipeline's first. */
  previous: string | null;
  /** The `contract` entry that recorded it. */
  seq: number;
  actor: string;
  at: string;
  via: ContractEntryPayload['via'];
  reason?: string;
  changes?: ContractChanges;
  /** True for the version in force (the latest). */
  inForce: boolean;
  /** Recorded at a time someone set (demo pipelines). */
  clockSet?: true;
}

export interface ContractVersions {
  pipeline: string;
  /** The digest in force, absent while nothing is pinned. */
  inForce?: string;
  /** Newest first. */
  versions: ContractVersion[];
}

function versionOf(entry: ChainedEntry, inForce: boolean): ContractVersion {
  const pin = pinOf(entry);
  const payload = entry.payload as Partial<ContractEntryPayload> & { clockSet?: unknown };
  return {
    digest: pin.digest,
    previous: pin.previous ?? null,
    seq: entry.seq,
    actor: entry.actor,
    at: entry.at,
    via: payload.via ?? 'update',
    ...(typeof payload.reason === 'string' ? { reason: payload.reason } : {}),
    ...(payload.changes ? { changes: payload.changes } : {}),
    inForce,
    ...(payload.clockSet === true ? { clockSet: true as const } : {}),
  };
}

/** `tollgate contract versions`, `GET …/contract/versions`: every recorded version, newest first. */
export async function contractVersions(ctx: AppRequest): Promise<ContractVersions> {
  const pipeline = ctx.contract.pipeline;
  const store = await ctx.services.store();
  const entries = await store.unstagedEntries(pipeline, ENTRY.contract);
  const versions = entries.map((entry, i) => versionOf(entry, i === entries.length - 1)).reverse();
  return { pipeline, ...(versions[0] ? { inForce: versions[0].digest } : {}), versions };
}

/**
 * One version with its text (`GET …/contract/versions/{digest}`): the latest entry that recorded it.
 * @throws TollgateError NOT_FOUND when the pipeline never had that contract
 */
export async function contractVersion(
  ctx: AppRequest,
  digest: string,
): Promise<ContractVersion & { pipeline: string; text: string }> {
  const pipeline = ctx.contract.pipeline;
  const store = await ctx.services.store();
  const entries = await store.unstagedEntries(pipeline, ENTRY.contract);
  const index = entries.findLastIndex((entry) => entry.payload.digest === digest);
  const entry = entries[index];
  if (entry === undefined)
    throw new TollgateError('NOT_FOUND', `pipeline ${pipeline} never had the contract ${digest}`);
  return { pipeline, ...versionOf(entry, index === entries.length - 1), text: pinOf(entry).text };
}
