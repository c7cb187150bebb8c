/**
 * The signed verdict of a promotion: a SLSA VSA about the digest, signed with the contract's
 * verifier key, stored in the promotion's ledger entry.
 */

import { resolve } from 'node:path';
import type { Artifact, Contract } from '../contract/types.js';
import { stageOf } from '../contract/types.js';
import type { EvidenceRecord } from '../evidence/evidence.js';
import { evidenceTrustedFor } from '../gates/signed-by-gate.js';
import { ENTRY } from '../ledger/entry.js';
import { ownValue } from '../records.js';
import type { Envelope } from '../trust/dsse.js';
import { type PrivateKeyInfo, readPrivateKeyFile } from '../trust/keys.js';
import { buildVsa, DEMO_LEVEL, signVsa, toInputAttestation } from '../trust/vsa.js';
import { requireArtifact } from './register.js';
import type { AppRequest, Environment } from './services.js';

export interface VsaSigner {
  key: PrivateKeyInfo;
  verifierId: string;
}

/**
 * The key that signs VSAs: TOLLGATE_VSA_KEY (a file path), else `trust.verifier.key` relative to
 * the contract; undefined when neither is set (then no VSA is emitted).
 */
export function loadVsaSigner(contract: Contract, env: Environment): VsaSigner | undefined {
  const configured = contract.trust?.verifier?.key;
  const path =
    env.TOLLGATE_VSA_KEY || (configured === undefined ? undefined : resolve(contract.root, configured));
  if (path === undefined) return undefined;
  return {
    key: readPrivateKeyFile(path),
    verifierId: contract.trust?.verifier?.id ?? `tollgate:${contract.pipeline}`,
  };
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
  timeVerified: Date;
  signer: VsaSigner;
  version?: string;
}

function usedEvidence(input: EmitVsaInput): EvidenceRecord[] {
  const stage = ownValue(input.contract.stages, input.stage);
  return stage === undefined ? [...input.evidence] : evidenceTrustedFor(stage, [...input.evidence]);
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
    // A demo pipeline may have decided at a set clock: its VSAs say so where verifiers look.
    ...(input.contract.demo === true ? { verifiedLevels: [DEMO_LEVEL] } : {}),
  });
  return signVsa(statement, input.signer.key);
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
  const envelope = promotion?.payload.vsa as Envelope | undefined;
  return promotion && envelope ? { envelope, seq: promotion.seq, at: promotion.at } : undefined;
}
