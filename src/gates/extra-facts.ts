/**
 * Facts some gates need from outside the ledger, gathered at the edge by fact providers
 * (src/app/fact-provider.ts) only for a stage that uses the gate, and handed in as typed values.
 * A gate reads `facts.extra.drift`, never a cast out of an untyped record.
 *
 * A library user adding a provider of their own declares its fact here by module augmentation:
 * `declare module 'tollgate' { interface ExtraFacts { owner?: OwnerFact } }`.
 */
import type { DriftReport } from '../drift/report.js';
import type { PromotionRecord } from '../ledger/ledger-view.js';

/** The drift gate's fact: one report per upstream stage (none for a stage without `from`). */
export interface DriftFact {
  reports: DriftReport[];
}

/** The `rollback` decision section's facts. */
export interface RollbackFacts {
  /** The configured metrics source for people (from `describeMetricsSource`), or null when none is. */
  metricsSource: string | null;
  /** Every promotion of the pipeline into this stage (any digest), to find the rollback target. */
  stagePromotions: PromotionRecord[];
  /** For a pinned `target` digest: whether it is a registered artifact of the pipeline. */
  pinnedTargetRegistered?: boolean;
}

/** The `checkpoint` gate's fact: the key that would sign a promotion's checkpoint, if any. */
export interface CheckpointFact {
  /** Where the key comes from (TOLLGATE_VSA_KEY or trust.verifier.key), when one is configured and readable. */
  signer?: string;
  algorithm?: 'ed25519' | 'ecdsa-p256';
  /** Why a configured key cannot be used (unreadable, unsupported). */
  problem?: string;
}

/**
 * The `signedBy` gate's fact: whom the contract trusts under each name *now*. A signer is recorded
 * with the evidence when it is attested; a key replaced since (rotated after a compromise) or an
 * identity narrowed since must not keep vouching for what it signed.
 */
export interface SignersFact {
  /** Key name → the key id (`subject` of a key signer) of the key the contract names now. */
  keys: Record<string, string>;
  /** Identity name → the certificate subject pattern the contract names now. */
  identities: Record<string, string>;
  /** Identity name → the OIDC issuer the contract names now, compared exactly with the recorded one. */
  issuers: Record<string, string>;
  /** Key name → why the key file the contract names cannot be read now. */
  unreadable?: Record<string, string>;
}

/**
 * The `from` gate's fact: for each upstream stage, the contracts under which its rules differed
 * from the contract in force, each with the ledger entries between which it was in force
 * (`from` < seq < `until`). A promotion into the upstream stage recorded then was decided under
 * rules that have changed since (a test or an approval added), and carries this digest no further.
 */
export type UpstreamRulesFact = Record<
  string,
  { contract: string; from: number; until: number; changed: string }[]
>;

/** Every extra fact, by the key its provider hands it in under. Absent: not gathered for this stage. */
export interface ExtraFacts {
  drift?: DriftFact;
  rollback?: RollbackFacts;
  checkpoint?: CheckpointFact;
  signers?: SignersFact;
  upstreamRules?: UpstreamRulesFact;
}
