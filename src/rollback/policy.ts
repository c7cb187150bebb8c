/**
 * A stage's `rollback` section turned into numbers: durations in ms, defaults filled in. Pure.
 *
 * Defaults (docs/rollback.md explains them against Argo Rollouts):
 * - `interval`: 1m, or `for` when `for` is shorter;
 * - measurements per evaluation: `for / interval + 1` (one at `now`, one every `interval` back to
 *   `now - for`); a condition without `for` takes one measurement;
 * - `failureLimit`: measurements − 1, so by default a condition trips only when every measurement
 *   in the `for` window crossed the threshold, which is what "above 0.02 for 5m" says;
 * - `noData`: inconclusive.
 */
import type { RollbackConditionConfig, RollbackConfig } from '../contract/requires/rollback.js';
import { parseDuration } from './duration.js';

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

/** The numbers of one condition; `undefined` durations mean the contract was not validated. */
export function conditionTiming(
  condition: Pick<RollbackConditionConfig, 'for' | 'interval' | 'failureLimit'>,
): {
  forMs: number;
  intervalMs: number;
  count: number;
  failureLimit: number;
} {
  const forMs = condition.for === undefined ? 0 : (parseDuration(condition.for) ?? Number.NaN);
  const intervalMs =
    condition.interval === undefined
      ? forMs > 0 && forMs < DEFAULT_INTERVAL_MS
        ? forMs
        : DEFAULT_INTERVAL_MS
      : (parseDuration(condition.interval) ?? Number.NaN);
  const count = forMs === 0 ? 1 : Math.floor(forMs / intervalMs) + 1;
  const failureLimit = condition.failureLimit ?? count - 1;
  return { forMs, intervalMs, count, failureLimit };
}

/** Converts a validated `rollback` section. */
export function toRollbackPolicy(config: RollbackConfig): RollbackPolicy {
  return {
    withinMs: parseDuration(config.within) ?? 0,
    target: config.target,
    conditions: config.when.map((condition) => ({
      name: condition.name,
      prometheus: condition.prometheus,
      ...(condition.above === undefined ? {} : { above: condition.above }),
      ...(condition.below === undefined ? {} : { below: condition.below }),
      ...conditionTiming(condition),
      noData: condition.noData,
    })),
  };
}

/** "> 0.02", "< 0.9", "outside [0.1, 0.9]" — the threshold for people. */
export function describeThreshold(condition: { above?: number; below?: number }): string {
  if (condition.above !== undefined && condition.below !== undefined) {
    return `< ${condition.below} or > ${condition.above}`;
  }
  if (condition.above !== undefined) return `> ${condition.above}`;
  return `< ${condition.below}`;
}
