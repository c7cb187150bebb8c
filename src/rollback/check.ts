/**
 * `rollback check` without the CLI: substitute, query every condition (concurrently), evaluate.
 * The metrics source is handed in, so this runs the same against Prometheus, a JSON file or a test
 * double; the verdict logic itself is the pure evaluate.ts.
 */
import { TollgateError } from '../errors.js';
import {
  type ConditionEvaluation,
  combineVerdicts,
  erroredCondition,
  evaluateCondition,
  planMeasurements,
  rollbackExitCode,
  unmeasuredCondition,
  type Verdict,
} from './evaluate.js';
import type { MetricsSource } from './metrics.js';
import type { RollbackPolicy } from './policy.js';
import { type QueryVariables, substituteQuery } from './substitute.js';

export interface CheckRollbackOptions {
  policy: RollbackPolicy;
  variables: QueryVariables;
  source: MetricsSource;
  /** Evaluation time, ms. Whole milliseconds keep the measurement grid exact. */
  now: number;
  /** When the promotion being watched happened (ms); measurements before it are not taken. */
  promotedAt?: number;
}

export interface RollbackCheck {
  stage: string;
  pipeline: string;
  digest: string;
  source: string;
  evaluatedAt: string;
  promotedAt?: string;
  /** End of the watch (`promotedAt + within`). */
  watchEndsAt?: string;
  /** False once `within` has passed since the promotion: the conditions are then informational. */
  watching: boolean;
  verdict: Verdict;
  /** Process exit code: 0 healthy, 1 tripped, 2 inconclusive, 3 query/contract error, 4 unreachable. */
  exitCode: number;
  /**
   * Evaluated at a time someone set (`--now`, TOLLGATE_NOW): a "what if". Outside a demo pipeline
   * a healthy what-if exits 2, never 0.
   */
  clockSet?: true;
  conditions: ConditionEvaluation[];
}

/** Evaluates every condition of a stage's rollback policy once. */
export async function checkRollback(options: CheckRollbackOptions): Promise<RollbackCheck> {
  const { policy, variables, source, now, promotedAt } = options;
  const whole = Math.floor(now);
  const conditions = await Promise.all(
    policy.conditions.map(async (condition): Promise<ConditionEvaluation> => {
      const times = planMeasurements(condition, whole, promotedAt);
      let query = condition.prometheus;
      try {
        query = substituteQuery(condition.prometheus, variables, `rollback condition "${condition.name}"`);
        if (promotedAt !== undefined && whole < promotedAt) {
          // A clock behind the one that recorded the promotion (or a time set before it): every
          // sample at that time describes what ran before, so it says nothing about this digest.
          return unmeasuredCondition(
            condition,
            query,
            times,
            'inconclusive',
            `the evaluation time ${new Date(whole).toISOString()} is before the promotion at ${new Date(promotedAt).toISOString()} (a clock behind the one that recorded it, or a time set before it): what was measured then describes the previous digest, so this condition is unknown, not healthy`,
          );
        }
        const named = { name: condition.name, promql: query };
        const first = times[0] as number;
        const answer =
          times.length === 1
            ? await source.instant(named, first)
            : await source.range(named, first, whole, condition.intervalMs);
        return evaluateCondition(condition, query, answer, times);
      } catch (error) {
        if (!(error instanceof TollgateError)) throw error;
        return erroredCondition(condition, query, times, { code: error.code, message: error.message });
      }
    }),
  );
  const watchEnds = promotedAt === undefined ? undefined : promotedAt + policy.withinMs;
  return {
    stage: variables.stage,
    pipeline: variables.pipeline,
    digest: variables.digest,
    source: source.description,
    evaluatedAt: new Date(whole).toISOString(),
    ...(promotedAt === undefined ? {} : { promotedAt: new Date(promotedAt).toISOString() }),
    ...(watchEnds === undefined ? {} : { watchEndsAt: new Date(watchEnds).toISOString() }),
    watching: watchEnds === undefined || whole <= watchEnds,
    verdict: combineVerdicts(conditions.map((c) => c.verdict)),
    exitCode: rollbackExitCode(conditions),
    conditions,
  };
}
