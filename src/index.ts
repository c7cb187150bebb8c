/**
 * Tollgate as a library: `import { readContract, decide, openLedger, … } from 'tollgate'`.
 *
 * Everything exported here is the public, semver-tracked API (its report is etc/tollgate.api.md,
 * checked by the tests, so an accidental change fails). Anything else under src/ may change in any
 * release. docs/library.md shows how the pieces fit: evaluate a contract in a test, embed a decision
 * in another tool, add a fact provider.
 *
 * Grouped by module path: contract (`contract/`), the pure core (`decide`, `gates/`, `report/`), the
 * ledger (`ledger/`, `app/open-ledger`), services and use cases (`app/`), errors (`errors`).
 *
 * @packageDocumentation
 */

export type { ApprovalDecision, ApprovalOptions, ApprovalResult } from './app/approve.js';
export { recordApproval } from './app/approve.js';
export { attestTests } from './app/attest.js';
export { checkStage } from './app/check.js';
export type { AppServicesOptions } from './app/create-services.js';
export { createServices } from './app/create-services.js';
export { DEFAULT_FACT_PROVIDERS } from './app/fact-providers.js';
export type { LedgerLocation } from './app/open-ledger.js';
export { openLedger } from './app/open-ledger.js';
export type { PromoteOptions, PromoteResult, PromotionCheckpoint } from './app/promote.js';
export { promote } from './app/promote.js';
export type { RegisterOptions } from './app/register.js';
export { registerArtifact } from './app/register.js';
export type {
  AnyFactProvider,
  AppRequest,
  AppServices,
  Caller,
  ClockSource,
  ContractSource,
  Environment,
  FactProvider,
  FactRequest,
  RequestOptions,
} from './app/services.js';
export { contractSource, fixedClock, requestOf, systemClock } from './app/services.js';
export { TrustFileDigests, type TrustFileDigestsOptions } from './app/trust-file-digests.js';
export type { Lookalike } from './artifact/digest.js';
export type { ContractLimits } from './contract/load-contract.js';
export { DEFAULT_MAX_CONTRACT_BYTES, readContract, validateContract } from './contract/load-contract.js';
export type { Artifact, Contract, ContractStage } from './contract/types.js';
export { stageOf, upstreamOf } from './contract/types.js';
export type { DecideOptions } from './decide.js';
export { decide } from './decide.js';
export type { Decision, Verdict } from './decision.js';
export type { ErrorCode, SourcePosition } from './errors.js';
export { EXIT, TollgateError } from './errors.js';
export type { EvidenceData, EvidenceRecord, TestSummary } from './evidence/evidence.js';
export type {
  CheckpointFact,
  DriftFact,
  ExtraFacts,
  RollbackFacts,
  SignersFact,
  UpstreamRulesFact,
} from './gates/extra-facts.js';
export type { DecisionItem, Facts, GateResult, GateStatus } from './gates/gate.js';
export type { ChainedEntry, EntryKind, NewEntry, ViewEntry } from './ledger/entry.js';
export { ENTRY } from './ledger/entry.js';
export type { LedgerReader, LedgerStore, LedgerTransaction } from './ledger/ledger-store.js';
export type { LedgerView, PromotionRecord } from './ledger/ledger-view.js';
export { buildLedgerView } from './ledger/ledger-view.js';
export { renderDecisionJson, renderDecisionMarkdown, renderDecisionText } from './report/decision-report.js';
