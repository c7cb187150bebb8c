/**
 * The signed verdict of a promotion: a SLSA VSA about the digest, signed with the contract's
 * verifier key, stored in the promotion's ledger entry.
 */

import { resolve } from 'node:path';
import type { Artifact, Contract } from '../contract/types.js';
import { stageOf } from '../contract/types.js';
import { TollgateError } from '../errors.js';
import type { EvidenceRecord } from '../evidence/evidence.js';
import type { SignersFact } from '../gates/extra-facts.js';
import { evidenceTrustedFor } from '../gates/signed-by-gate.js';
import { type ChainedEntry, ENTRY } from '../ledger/entry.js';
import type { LedgerTransaction } from '../ledger/ledger-store.js';
import { verifyInclusion } from '../ledger/merkle.js';
import { ownValue } from '../records.js';
import { signCheckpoint } from '../trust/checkpoint.js';
import type { Envelope } from '../trust/dsse.js';
import {
  type PrivateKeyInfo,
  type PublicKeyInfo,
  readPrivateKeyFile,
  readPublicKeyFile,
} from '../trust/keys.js';
import {
  buildVsa,
  DEMO_LEVEL,
  OVERRIDDEN_LEVEL,
  overriddenGateLevel,
  signVsa,
  stagePolicyUri,
  toInputAttestation,
  VSA_CLOCK_SKEW_MS,
  type VsaVerification,
  verifyVsa,
} from '../trust/vsa.js';
import type { VsaLedger } from '../trust/vsa-ledger.js';
import { stageRulesChangedSince } from './contract-pin.js';
import { defaultOrigin } from './ledger-proofs.js';
import { requireArtifact } from './register.js';
import type { AppRequest, Environment } from './services.js';

export interface VsaSigner {
  key: PrivateKeyInfo;
  verifierId: string;
  /** Where the key was read from, for messages. */
  source: string;
}

/**
 * The key that signs VSAs: TOLLGATE_VSA_KEY (a file path), else `trust.verifier.key` relative to
 * the contract; undefined when neither is set (then no VSA is emitted).
 *
 * The env var is the operator's, not the contract's: whoever can set an env var in CI could name
 * any key, and sign VSAs, checkpoints and (through `verifyStoredVsa`) the rollback revocations with
 * it. So the key it names must be the private half of the verifier key the contract pins —
 * `trust.verifier.publicKey`, else the public half of `trust.verifier.key` — both files being
 * pinned with the contract (contract-pin.ts). Only a contract that names no verifier key at all
 * leaves the env var's key unchecked (nothing to check it against).
 * @throws TollgateError CONFIG_INVALID when the signing key is not the pinned verifier key
 */
export function loadVsaSigner(contract: Contract, env: Environment): VsaSigner | undefined {
  const configured = contract.trust?.verifier?.key;
  const fromEnv = env.TOLLGATE_VSA_KEY || undefined;
  const path = fromEnv ?? (configured === undefined ? undefined : resolve(contract.root, configured));
  if (path === undefined) return undefined;
  const key = readPrivateKeyFile(path);
  const source = fromEnv ? 'TOLLGATE_VSA_KEY' : `trust.verifier.key (${path})`;
  const pinned = pinnedVerifierKey(contract, fromEnv !== undefined);
  if (pinned !== undefined && pinned.key.keyId !== key.keyId)
    throw new TollgateError(
      'CONFIG_INVALID',
      `${fromEnv ? `TOLLGATE_VSA_KEY (${fromEnv})` : source} is not the verifier key ${contract.file} pins: its public key has id ${key.keyId}, ${pinned.source} has ${pinned.key.keyId}; nothing is signed with a key the contract does not name. Use the pinned key, or have an admin record the new key in the contract (\`tollgate contract update\`)`,
    );
  return {
    key,
    source,
    verifierId: verifierIdOf(contract),
  };
}

/** The VSA's `verifier.id`: `trust.verifier.id`, default `tollgate:<pipeline>`. */
function verifierIdOf(contract: Contract): string {
  return contract.trust?.verifier?.id ?? `tollgate:${contract.pipeline}`;
}

/**
 * The public key the contract pins for its verifier: `trust.verifier.publicKey`, else (when the
 * signing key comes from elsewhere) the public half of `trust.verifier.key`.
 */
function pinnedVerifierKey(
  contract: Contract,
  signingKeyFromEnv: boolean,
): { key: PublicKeyInfo; source: string } | undefined {
  const verifier = contract.trust?.verifier;
  const [name, file] =
    verifier?.publicKey !== undefined
      ? ['trust.verifier.publicKey', verifier.publicKey]
      : signingKeyFromEnv && verifier?.key !== undefined
        ? ['trust.verifier.key', verifier.key]
        : [undefined, undefined];
  if (name === undefined || file === undefined) return undefined;
  const path = resolve(contract.root, file);
  // A private key file yields its public half (loadPublicKey accepts both).
  return { key: readPublicKeyFile(path), source: `${name} (${file})` };
}

/** The artifact as a URI for the VSA's `resourceUri`: `oci://REPO@DIGEST` for OCI images. */
export function resourceUriOf(contract: Contract, digest: string): string {
  const { type, repository } = contract.artifact;
  if (type === 'oci' && repository !== undefined) return `oci://${repository}@${digest}`;
  return `${type}:${repository ?? contract.pipeline}@${digest}`;
}

export interface EmitVsaInput {
  contract: Contract;
  stage: string;
  artifact: Artifact;
  /** The evidence the decision was made on. */
  evidence: readonly EvidenceRecord[];
  /** Whom the contract trusts under each signer name now (the decision's `signers` fact), if gathered. */
  signers?: SignersFact;
  timeVerified: Date;
  signer: VsaSigner;
  version?: string;
  /** The promotion's ledger entry, inclusion proof and checkpoint (see `sealPromotion`). */
  ledger?: VsaLedger;
  /** The gates the promotion's overrides waived: the VSA says so in its verified levels. */
  waived?: readonly string[];
}

function usedEvidence(input: EmitVsaInput): EvidenceRecord[] {
  const stage = ownValue(input.contract.stages, input.stage);
  return stage === undefined
    ? [...input.evidence]
    : evidenceTrustedFor(stage, [...input.evidence], input.signers);
}

/** Builds and signs the VSA for an allowed promotion. */
export function emitVsa(input: EmitVsaInput): Envelope {
  const statement = buildVsa({
    artifactDigest: input.artifact.digest,
    resourceUri: resourceUriOf(input.contract, input.artifact.digest),
    verifierId: input.signer.verifierId,
    ...(input.version === undefined ? {} : { verifierVersion: input.version }),
    timeVerified: input.timeVerified,
    pipeline: input.contract.pipeline,
    stage: input.stage,
    contractDigest: input.contract.digest,
    // The evidence the gates could use: under `signedBy`, untrusted evidence played no part.
    inputAttestations: usedEvidence(input).map(toInputAttestation),
    // A demo pipeline may have decided at a set clock, and a break-glass promotion skipped gates:
    // its VSAs say so where verifiers look.
    verifiedLevels: [
      ...(input.contract.demo === true ? [DEMO_LEVEL] : []),
      ...(input.waived && input.waived.length > 0
        ? [OVERRIDDEN_LEVEL, ...input.waived.map(overriddenGateLevel)]
        : []),
    ],
    ...(input.ledger ? { ledger: input.ledger } : {}),
  });
  return signVsa(statement, input.signer.key);
}

export interface SealedPromotion {
  /** The VSA, carrying the promotion's entry, inclusion proof and checkpoint. */
  vsa: Envelope;
  /** The `checkpoint` entry that records them, right after the promotion. */
  entry: ChainedEntry;
  /** The signed C2SP checkpoint (absent for an ECDSA verifier key). */
  checkpoint?: string;
}

/**
 * Seals a promotion just appended in `tx`: the tree that ends with it is checkpointed (signed with
 * the verifier key, the key VSAs are signed with; checkpoints are Ed25519, so an ECDSA key yields
 * the tree head inside the VSA and no separate note), the promotion's inclusion proof is read and
 * checked, the VSA carrying both is signed, and a `checkpoint` entry records the checkpoint and the
 * VSA. The VSA cannot sit in the promotion's own entry: the entry's hash, and so the proof, would
 * depend on the VSA.
 */
export async function sealPromotion(
  tx: LedgerTransaction,
  promotion: ChainedEntry,
  input: EmitVsaInput,
  marks: Record<string, unknown>,
): Promise<SealedPromotion> {
  const pipeline = input.contract.pipeline;
  const proof = await tx.inclusionProof(pipeline, promotion.seq, promotion.seq);
  if (!verifyInclusion(proof.leaf, proof.index, proof.size, proof.hashes, proof.root))
    throw new TollgateError(
      'LEDGER_CORRUPT',
      `the stored Merkle tree gives promotion entry #${promotion.seq} a proof that does not verify: run \`tollgate ledger verify\``,
    );
  const origin = defaultOrigin(pipeline);
  const rootHash = proof.root.toString('base64');
  const checkpoint =
    input.signer.key.algorithm === 'ed25519'
      ? signCheckpoint({ origin, size: proof.size, root: proof.root }, input.signer.key, input.signer.source)
      : undefined;
  const vsa = emitVsa({
    ...input,
    ledger: {
      ...(checkpoint === undefined ? {} : { checkpoint }),
      treeHead: { origin, size: proof.size, rootHash },
      entry: { seq: promotion.seq, hash: promotion.hash, body: promotion.body },
      inclusionProof: {
        leafIndex: proof.index,
        treeSize: proof.size,
        hashes: proof.hashes.map((h) => h.toString('base64')),
      },
    },
  });
  const entry = await tx.append(pipeline, {
    kind: ENTRY.checkpoint,
    stage: input.stage,
    artifact: input.artifact.digest,
    actor: promotion.actor,
    at: promotion.at,
    payload: {
      promotion: promotion.seq,
      size: proof.size,
      rootHash,
      ...(checkpoint === undefined ? {} : { checkpoint }),
      vsa,
      ...marks,
    },
  });
  return { vsa, entry, ...(checkpoint === undefined ? {} : { checkpoint }) };
}

/**
 * The VSA and checkpoint that seal promotion `seq` in `entries` (its `checkpoint` entry), or — in a
 * ledger from before checkpoints — the VSA stored in the promotion's own payload.
 */
export function sealOf(
  entries: readonly ChainedEntry[],
  promotion: ChainedEntry,
): { vsa: Envelope; checkpoint?: string; seq: number } | undefined {
  const seal = entries.find((e) => e.kind === ENTRY.checkpoint && e.payload.promotion === promotion.seq);
  if (seal?.payload.vsa)
    return {
      vsa: seal.payload.vsa as Envelope,
      seq: seal.seq,
      ...(typeof seal.payload.checkpoint === 'string' ? { checkpoint: seal.payload.checkpoint } : {}),
    };
  const old = promotion.payload.vsa as Envelope | undefined;
  return old ? { vsa: old, seq: promotion.seq } : undefined;
}

/**
 * The VSA stored with the latest promotion of `digest` into `stage`, or undefined when the digest
 * never entered the stage or its promotion carried no VSA (no verifier key was configured).
 */
export async function storedVsa(
  ctx: AppRequest,
  stage: string,
  digest: string,
): Promise<{ envelope: Envelope; seq: number; at: string } | undefined> {
  stageOf(ctx.contract, stage);
  const artifact = await requireArtifact(ctx, digest);
  const store = await ctx.services.store();
  const entries = await store.entriesForArtifact(ctx.contract.pipeline, artifact.digest);
  const promotion = entries.filter((entry) => entry.kind === ENTRY.promotion && entry.stage === stage).at(-1);
  const seal = promotion ? sealOf(entries, promotion) : undefined;
  return promotion && seal ? { envelope: seal.vsa, seq: promotion.seq, at: promotion.at } : undefined;
}

/** The stored VSA checked as an admission controller checks it, with this server's verifier key. */
export interface StoredVsaVerification {
  valid: boolean;
  reason: string;
  /** The ledger entry of the promotion it seals. */
  seq: number;
  verifier?: string;
  result?: string;
  timeVerified?: string;
  /** True when it carries its ledger entry, inclusion proof and signed checkpoint, all checked. */
  ledger: boolean;
}

/**
 * The VSA stored with the digest's latest promotion into `stage`, verified (signature, subject
 * digest, stage, pipeline, verifier id, and its ledger proof when it carries one) with the public
 * half of the key that signs this pipeline's VSAs now. Undefined when none is stored.
 * @throws TollgateError CONFIG_INVALID when no verifier key is configured to check it with
 */
export async function verifyStoredVsa(
  ctx: AppRequest,
  stage: string,
  digest: string,
): Promise<StoredVsaVerification | undefined> {
  const found = await storedVsa(ctx, stage, digest);
  if (!found) return undefined;
  // The pinned public key suffices to check: a server that only verifies needs no private key.
  const key =
    loadVsaSigner(ctx.contract, ctx.services.env)?.key ?? pinnedVerifierKey(ctx.contract, false)?.key;
  if (!key)
    throw new TollgateError(
      'CONFIG_INVALID',
      `no verifier key to check the VSA with: set trust.verifier.publicKey or trust.verifier.key in ${ctx.contract.file}, or TOLLGATE_VSA_KEY`,
    );
  const result = verifyVsa(found.envelope, {
    key,
    digest,
    stage,
    pipeline: ctx.contract.pipeline,
    verifierId: verifierIdOf(ctx.contract),
    // The pipeline's own VSA, checked under its own contract: a demo's is a demo's.
    allowDemo: ctx.contract.demo === true,
  });
  if (!result.valid) return { valid: false, reason: result.reason, seq: found.seq, ledger: false };
  const revoked = await vsaRevoked(ctx, stage, digest, result);
  // The stored VSA passed the pipeline check above, so its rollbacks are this ledger's to find.
  if (typeof revoked === 'string') return { valid: false, reason: revoked, seq: found.seq, ledger: false };
  return {
    valid: true,
    reason: result.reason,
    seq: found.seq,
    verifier: result.predicate.verifier.id,
    result: result.predicate.verificationResult,
    timeVerified: result.predicate.timeVerified,
    ledger: result.ledger !== undefined,
  };
}

/** Why a later rollback of a VSA could not be looked for although a ledger is at hand. */
export interface RollbackUnchecked {
  unchecked: string;
}

/**
 * Why a VSA that verified on its own no longer admits `digest` to `stage`: this pipeline's ledger
 * rolled the digest back from the stage after the VSA was issued, or recorded a failed post-deploy
 * verification of it there, or the contract in force changed what the stage requires since the
 * contract the VSA was made under (its `policy.digest`). A VSA is a signed snapshot and
 * cannot be recalled once handed out; whoever can read the ledger sees the rollback, and a rollback
 * revokes every VSA for that digest and stage issued before it (a later promotion issues a new one).
 * "After" is by ledger position when the VSA carries its promotion's entry (`tollgateLedger`), else
 * by time: a rollback recorded at or after the VSA's `timeVerified`. Undefined when nothing revokes
 * it. For a VSA of another pipeline, which this ledger says nothing about, `{ unchecked }` says so,
 * so that nobody reports it as checked.
 */
export async function vsaRevoked(
  ctx: AppRequest,
  stage: string,
  digest: string,
  vsa: Extract<VsaVerification, { valid: true }>,
): Promise<string | undefined | RollbackUnchecked> {
  const pipeline = ctx.contract.pipeline;
  if (vsa.predicate.policy?.uri !== stagePolicyUri(pipeline, stage))
    return {
      unchecked: `the ledger at hand is pipeline ${pipeline}'s, and this VSA's policy is ${JSON.stringify(vsa.predicate.policy?.uri)}, not ${stagePolicyUri(pipeline, stage)}: give that pipeline's contract with -c`,
    };
  const store = await ctx.services.store();
  const issuedSeq = vsa.ledger?.entry.seq;
  const issuedAt = Date.parse(vsa.predicate.timeVerified);
  // The digest's own entries, not the stage's: their read counts every entry from the digest's
  // first one to the head, so a rollback deleted behind Tollgate's back stops the check (exit 4)
  // instead of leaving the VSA admitted.
  const entries = await store.entriesForArtifact(pipeline, digest);
  // A VSA placed by its ledger entry must be placed in this ledger: another ledger of the same
  // pipeline name signed with the same key (a ledger started afresh, a second server) numbers its
  // entries otherwise, and an entry number from there, compared with this ledger's, would put a
  // later rollback before the VSA and leave it admitted.
  if (vsa.ledger !== undefined) {
    const own = entries.find((entry) => entry.seq === issuedSeq);
    if (own === undefined || own.hash !== vsa.ledger.entry.hash)
      return `this VSA rests on promotion entry #${issuedSeq} (${vsa.ledger.entry.hash}) of ${vsa.ledger.origin}, which is not ${own === undefined ? `an entry of ${digest} in this ledger` : `this ledger's entry #${issuedSeq} (${own.hash})`}: it was issued by another ledger of pipeline ${pipeline}, so whether this ledger rolled ${digest} back after it cannot be told, and it is not admitted`;
  } else if (
    // A VSA from before it carried its entry is placed by time: the promotion it was issued for
    // must be in this ledger by then. A ledger without it (restored from before it, or started
    // afresh) cannot say whether it was rolled back since, so it does not vouch for the VSA.
    !entries.some(
      (entry) =>
        entry.kind === ENTRY.promotion &&
        entry.stage === stage &&
        Date.parse(entry.at) <= issuedAt + VSA_CLOCK_SKEW_MS,
    )
  ) {
    return `this VSA (verified at ${vsa.predicate.timeVerified}, without its ledger entry) is for a promotion this ledger has no record of: this ledger has no promotion of ${digest} into stage ${stage} by then (it was restored from before the promotion, or is another ledger of pipeline ${pipeline}), so whether ${digest} was rolled back since cannot be told, and it is not admitted`;
  }
  // A verdict under rules the contract in force has changed for the stage since (a test or an
  // approval added) skips what they add: it admits nothing until the digest is promoted again.
  const policyDigest = vsa.predicate.policy?.digest?.sha256;
  const stale = await stageRulesChangedSince(store, pipeline, stage, `sha256:${policyDigest}`, (pin) =>
    issuedSeq === undefined ? Date.parse(pin.at) <= issuedAt + VSA_CLOCK_SKEW_MS : pin.seq < issuedSeq,
  );
  if (stale !== undefined)
    return `this VSA no longer admits ${digest} to stage ${stage}: ${stale}. A verdict under older rules skips what the rules in force add; promote ${digest} to ${stage} again under the contract in force`;
  // A failed post-deploy verification in the stage revokes it too: the ledger no longer trusts the
  // promotion (its status is `failed`, as a rolled-back one's is `rolled-back`; a later pass does
  // not clear it), and approvals given before it are void the same way.
  const rollback = entries.find(
    (entry) =>
      entry.stage === stage &&
      (entry.kind === ENTRY.rollback ||
        (entry.kind === ENTRY.verification && entry.payload.result === 'failed')) &&
      (issuedSeq === undefined ? Date.parse(entry.at) >= issuedAt : entry.seq > issuedSeq),
  );
  if (rollback === undefined) return undefined;
  const issued =
    issuedSeq === undefined
      ? `verified at ${vsa.predicate.timeVerified}`
      : `issued with promotion entry #${issuedSeq}`;
  if (rollback.kind === ENTRY.verification)
    return `${digest} failed post-deploy verification in stage ${stage} (ledger entry #${rollback.seq} at ${rollback.at}, reported by ${rollback.actor}), after this VSA was ${issued}: a failed verification revokes the VSAs issued before it, as a rollback does`;
  const reason = typeof rollback.payload.reason === 'string' ? ` (${rollback.payload.reason})` : '';
  return `${digest} was rolled back from stage ${stage} by ledger entry #${rollback.seq} at ${rollback.at}${reason}, after this VSA was ${issued}: a rollback revokes the VSAs issued before it`;
}
