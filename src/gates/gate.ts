/**
 * The shape every gate shares. A gate is a small pure function of its contract section and the
 * facts; it returns a result, never throws for a normal "no". See DESIGN.md "Architecture".
 */
import type { Lookalike } from '../artifact/digest.js';
import type { Artifact, Contract, ContractStage } from '../contract/types.js';
import type { EvidenceRecord } from '../evidence/evidence.js';
import type { LedgerView } from '../ledger/ledger-view.js';
import type { ExtraFacts } from './extra-facts.js';

/**
 * `not-applicable`: the gate had nothing to judge (signedBy with no evidence of its kinds). It does
 * not block, and it is never shown as a pass: reports print it as "n/a", and the decision lists it
 * as remaining risk, because nothing was checked.
 */
export type GateStatus = 'pass' | 'fail' | 'pending' | 'waived' | 'not-applicable';

/** One line of a decision's three lists, with the evidence behind it. */
export interface DecisionItem {
  gate: string;
  text: string;
  /** Evidence ids or ledger entry ids the item rests on. */
  evidence?: string[];
}

export interface GateResult {
  /** The gate's key in the contract (`from`, `tests`, `drift`, …). */
  gate: string;
  status: GateStatus;
  /** One line for people: "3 of 3 suites passed". */
  summary: string;
  validated: DecisionItem[];
  risks: DecisionItem[];
  required: DecisionItem[];
  /** For `pending`: the earliest time the gate may pass (ISO 8601), when known. */
  until?: string;
}

/** Everything a gate may look at, gathered at the edges and handed in as values. */
export interface Facts {
  artifact: Artifact;
  /** All evidence recorded for the artifact's digest. */
  evidence: EvidenceRecord[];
  /** The ledger as seen for this pipeline: promotions, approvals, rollbacks. */
  ledger: LedgerView;
  /** Who is asking (the promoter for `promote`, `--as` for `check`). */
  actor: string;
  /** When `actor` is a CI job: the people who triggered it (promoters too, to `notBy: promoter`). */
  actingFor?: readonly string[];
  /** The evaluation time. */
  now: Date;
  /** Other registered artifacts with the same short digest (look-alikes); absent or empty: none. */
  lookalikes?: readonly Lookalike[];
  /** Facts gathered at the edges for particular gates (src/gates/extra-facts.ts). */
  extra: Readonly<ExtraFacts>;
  /**
   * Records of other artifacts of the pipeline made from the same input bytes as one of this
   * artifact's unsigned records (src/app/check.ts reads them); absent when not gathered (the gates
   * then say nothing about shared reports).
   */
  sharedReports?: readonly SharedReport[];
}

/** Another artifact's record of the very report bytes one of this artifact's unsigned records holds. */
export interface SharedReport {
  /** The shared `sourceDigest`. */
  source: string;
  /** The other artifact's digest. */
  artifact: string;
  /** Its evidence record's id. */
  id: string;
  /** The ledger entry that recorded it. */
  seq: number;
}

export interface GateContext {
  contract: Contract;
  stageName: string;
  stage: ContractStage;
  facts: Facts;
}

/** A gate kind: its key and its pure evaluation. */
export interface GateDefinition<Config> {
  key: string;
  /** Returns the section of the stage this gate reads, or undefined when the stage does not use it. */
  select(stage: ContractStage): Config | undefined;
  /**
   * For a gate every stage has (`rolledBack`): whether it has anything to say about this artifact.
   * When false the decision leaves it out. Absent: the gate applies whenever `select` finds its section.
   */
  appliesTo?(context: GateContext): boolean;
  evaluate(config: Config, context: GateContext): GateResult;
  /**
   * Why `actor` may not waive this gate for this artifact even though the contract's `overrides`
   * lets them override it (separation of duties), or undefined. Absent: any authorised override applies.
   */
  overrideRefusal?(config: Config, actor: string, context: GateContext): string | undefined;
}

/** Helper to build a result with empty lists filled in. */
export function gateResult(
  gate: string,
  status: GateStatus,
  summary: string,
  lists: Partial<Pick<GateResult, 'validated' | 'risks' | 'required' | 'until'>> = {},
): GateResult {
  return {
    gate,
    status,
    summary,
    validated: lists.validated ?? [],
    risks: lists.risks ?? [],
    required: lists.required ?? [],
    ...(lists.until === undefined ? {} : { until: lists.until }),
  };
}
