/**
 * A stage's rollback policy: the `rollback` section as the contract's compilation leaves it
 * (src/contract/requires/rollback.ts), durations in ms and defaults filled in. Pure.
 *
 * Defaults (docs/rollback.md explains them against Argo Rollouts):
 * - `interval`: 1m, or `for` when `for` is shorter;
 * - measurements per evaluation: `for / interval + 1` (one at `now`, one every `interval` back to
 *   `now - for`); a condition without `for` takes one measurement;
 * - `failureLimit`: measurements − 1, so by default a condition trips only when every measurement
 *   in the `for` window crossed the threshold, which is what "above 0.02 for 5m" says;
 * - `noData`: inconclusive.
 */
export const DEFAULT_INTERVAL_MS = 60_000;

export type NoDataPolicy = 'inconclusive' | 'fail' | 'pass';

export interface ConditionPolicy {
  name: string;
  /** The query as written in the contract, variables not yet substituted. */
  prometheus: string;
  above?: number;
  below?: number;
  forMs: number;
  intervalMs: number;
  /** Measurements taken per evaluation (Argo's `count` for the `for` window). */
  count: number;
  failureLimit: number;
  noData: NoDataPolicy;
}

export interface RollbackPolicy {
  withinMs: number;
  /** `last-known-good` or a pinned digest. */
  target: string;
  conditions: ConditionPolicy[];
}

/**
 * The measurement plan of one condition from its `for` and `interval` (in ms, absent when not
 * written) and `failureLimit`: the defaults above, filled in.
 * @example conditionTiming({ forMs: 300_000 }) // { forMs: 300000, intervalMs: 60000, count: 6, failureLimit: 5 }
 */
export function conditionTiming(condition: { forMs?: number; intervalMs?: number; failureLimit?: number }): {
  forMs: number;
  intervalMs: number;
  count: number;
  failureLimit: number;
} {
  const forMs = condition.forMs ?? 0;
  const intervalMs =
    condition.intervalMs ?? (forMs > 0 && forMs < DEFAULT_INTERVAL_MS ? forMs : DEFAULT_INTERVAL_MS);
  const count = forMs === 0 ? 1 : Math.floor(forMs / intervalMs) + 1;
  const failureLimit = condition.failureLimit ?? count - 1;
  return { forMs, intervalMs, count, failureLimit };
}

/** "> 0.02", "< 0.9", "outside [0.1, 0.9]" — the threshold for people. */
export function describeThreshold(condition: { above?: number; below?: number }): string {
  if (condition.above !== undefined && condition.below !== undefined) {
    return `< ${condition.below} or > ${condition.above}`;
  }
  if (condition.above !== undefined) return `> ${condition.above}`;
  return `< ${condition.below}`;
}
