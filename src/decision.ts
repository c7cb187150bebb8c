import type { Lookalike } from './artifact/digest.js';
import type { DecisionItem, GateResult } from './gates/gate.js';

export type Verdict = 'allowed' | 'blocked' | 'pending';

/** The result of evaluating one stage's contract for one artifact at one time. */
export interface Decision {
  verdict: Verdict;
  pipeline: string;
  stage: string;
  purpose: string;
  artifact: {
    digest: string;
    labels: Record<string, string>;
    /** Other registered artifacts with the same short digest: show the full digest, and say so. */
    lookalikes?: Lookalike[];
  };
  contract: { file: string; digest: string };
  actor: string;
  evaluatedAt: string;
  gates: GateResult[];
  validated: DecisionItem[];
  risks: DecisionItem[];
  required: DecisionItem[];
  /** The contract declares a demo pipeline (`demo: true`): recording commands may run at a set clock. */
  demo?: true;
  /**
   * A `check` outside a demo pipeline at a time the caller set (`--now`, TOLLGATE_NOW) instead of
   * the real time: a "what if", which every rendering says beside the verdict.
   */
  clockSet?: true;
  /** For `pending`: the earliest time every timed pending gate may have passed (the latest of their times). */
  until?: string;
}
