/**
 * Rollback condition evaluation: measurements in, verdict out. Pure; the queries are made by
 * check.ts. The model follows Argo Rollouts' analysis (docs/rollback.md maps it term by term):
 *
 * - A condition takes `count` measurements, one every `interval`, at `now`, `now - interval`, …
 *   back to `now - for`; measurements from before the promotion are not taken (they describe the
 *   previous digest).
 * - A measurement fails when the value crosses the threshold (`above` / `below`: Argo's
 *   failureCondition; not crossing it is success). No data, or NaN, counts as `noData` says:
 *   inconclusive (default), failed, or successful. ±Inf are numbers: +Inf is above every threshold.
 * - The condition trips when failed measurements > `failureLimit`; otherwise it is inconclusive
 *   when any measurement is (Argo's inconclusiveLimit 0); otherwise healthy.
 * - Across conditions the worst wins: tripped > inconclusive > healthy.
 */
import type { ErrorCode } from '../errors.js';
import { formatDuration } from '../policy/duration.js';
import type { QueryAnswer } from './metrics.js';
import type { ConditionPolicy } from './policy.js';
import { describeThreshold } from './policy.js';

export type Verdict = 'healthy' | 'tripped' | 'inconclusive';
export type MeasurementPhase = 'successful' | 'failed' | 'inconclusive' | 'error';

export interface Measurement {
  /** ISO 8601 time of the measurement. */
  at: string;
  /** The value compared with the threshold; null when there was no data. NaN and ±Inf are kept. */
  value: number | null;
  /** The value for people and JSON: `0.031`, `NaN`, `+Inf`, `-Inf`, `no data`. */
  text: string;
  phase: MeasurementPhase;
}

export interface ConditionEvaluation {
  name: string;
  /** The PromQL sent, variables substituted. */
  query: string;
  threshold: string;
  above?: number;
  below?: number;
  verdict: Verdict;
  /** The latest measurement's value for people (`0.031`, `NaN`, `no data`, `error`). */
  current: string;
  /** How long the threshold has been crossed without a break, up to the latest measurement (ms). */
  heldMs: number;
  forMs: number;
  intervalMs: number;
  /** Measurements the window holds, and how many were taken (fewer right after a promotion). */
  count: number;
  measured: number;
  failures: number;
  inconclusives: number;
  failureLimit: number;
  noData: ConditionPolicy['noData'];
  measurements: Measurement[];
  /** One sentence for people saying why the verdict is what it is. */
  reason: string;
  /** Set when the query could not be answered; the verdict is then inconclusive. */
  error?: { code: ErrorCode; message: string };
  warnings: string[];
}

/**
 * The measurement times of a condition, oldest first, ending at `now`. Times before `since` (the
 * promotion) are left out, but `now` is always measured.
 */
export function planMeasurements(
  policy: Pick<ConditionPolicy, 'count' | 'intervalMs'>,
  now: number,
  since?: number,
): number[] {
  const times: number[] = [];
  for (let k = policy.count - 1; k >= 0; k -= 1) {
    const at = now - k * policy.intervalMs;
    if (k === 0 || since === undefined || at >= since) times.push(at);
  }
  return times;
}

/** Evaluates one condition from the answer to its query at `times` (from `planMeasurements`). */
export function evaluateCondition(
  policy: ConditionPolicy,
  query: string,
  answer: QueryAnswer,
  times: number[],
): ConditionEvaluation {
  const byTime = new Map<number, number[]>();
  for (const series of answer.series) {
    for (const sample of series.samples) {
      const key = Math.round(sample.at);
      const list = byTime.get(key);
      if (list) list.push(sample.value);
      else byTime.set(key, [sample.value]);
    }
  }
  const measurements = times.map((at) => measure(policy, at, byTime.get(at) ?? []));
  return summarise(policy, query, measurements, answer.warnings);
}

/** A condition whose query failed: every planned measurement is an error, the verdict inconclusive. */
export function erroredCondition(
  policy: ConditionPolicy,
  query: string,
  times: number[],
  error: { code: ErrorCode; message: string },
): ConditionEvaluation {
  const measurements: Measurement[] = times.map((at) => ({
    at: new Date(at).toISOString(),
    value: null,
    text: 'error',
    phase: 'error',
  }));
  const base = summarise(policy, query, measurements, []);
  const unreachable = error.code === 'METRICS_UNAVAILABLE';
  return {
    ...base,
    verdict: 'inconclusive',
    current: 'error',
    reason: unreachable
      ? `metrics unreachable, so this condition is unknown (inconclusive, not healthy): ${error.message}`
      : `query failed: ${error.message}`,
    error,
  };
}

function measure(policy: ConditionPolicy, at: number, values: number[]): Measurement {
  const iso = new Date(at).toISOString();
  const numbers = values.filter((value) => !Number.isNaN(value));
  if (numbers.length === 0) {
    // NaN almost always comes from 0/0 (no traffic): it is no data, never a passing value.
    const text = values.length > 0 ? 'NaN' : 'no data';
    const phase: MeasurementPhase =
      policy.noData === 'fail' ? 'failed' : policy.noData === 'pass' ? 'successful' : 'inconclusive';
    return { at: iso, value: values.length > 0 ? Number.NaN : null, text, phase };
  }
  const max = Math.max(...numbers);
  const min = Math.min(...numbers);
  // With several series, the one furthest past (or closest to) the threshold speaks for all.
  if (policy.above !== undefined && max > policy.above)
    return { at: iso, value: max, text: formatValue(max), phase: 'failed' };
  if (policy.below !== undefined && min < policy.below)
    return { at: iso, value: min, text: formatValue(min), phase: 'failed' };
  const shown = policy.above !== undefined ? max : min;
  return { at: iso, value: shown, text: formatValue(shown), phase: 'successful' };
}

function summarise(
  policy: ConditionPolicy,
  query: string,
  measurements: Measurement[],
  warnings: string[],
): ConditionEvaluation {
  const failures = measurements.filter((m) => m.phase === 'failed').length;
  const inconclusives = measurements.filter((m) => m.phase === 'inconclusive' || m.phase === 'error').length;
  const latest = measurements[measurements.length - 1];
  const heldMs = heldFor(measurements);
  const threshold = describeThreshold(policy);
  let verdict: Verdict;
  let reason: string;
  if (failures > policy.failureLimit) {
    verdict = 'tripped';
    reason =
      policy.failureLimit === policy.count - 1
        ? `crossed ${threshold} in all ${measurements.length} measurements over ${formatDuration(policy.forMs)}`
        : `${failures} of ${measurements.length} measurements crossed ${threshold}, more than failureLimit ${policy.failureLimit}`;
  } else if (inconclusives > 0) {
    verdict = 'inconclusive';
    const noData = measurements.filter((m) => m.phase === 'inconclusive').map((m) => m.text);
    reason = `${inconclusives} of ${measurements.length} measurements had ${noData.includes('NaN') ? 'no data or NaN' : 'no data'} (noData: inconclusive); no data is never healthy`;
  } else {
    verdict = 'healthy';
    if (failures > 0) {
      reason = `crossed ${threshold} in ${failures} of ${measurements.length} measurements (held ${formatDuration(heldMs)}); trips after more than ${policy.failureLimit}`;
    } else if (measurements.length < policy.count) {
      reason = `within threshold in ${measurements.length} measurement(s) since the promotion (window holds ${policy.count})`;
    } else {
      reason = `within threshold in all ${measurements.length} measurement(s)`;
    }
  }
  return {
    name: policy.name,
    query,
    threshold,
    ...(policy.above === undefined ? {} : { above: policy.above }),
    ...(policy.below === undefined ? {} : { below: policy.below }),
    verdict,
    current: latest?.text ?? 'no data',
    heldMs,
    forMs: policy.forMs,
    intervalMs: policy.intervalMs,
    count: policy.count,
    measured: measurements.length,
    failures,
    inconclusives,
    failureLimit: policy.failureLimit,
    noData: policy.noData,
    measurements,
    reason,
    warnings,
  };
}

/** Time from the first of the unbroken run of failed measurements ending at the latest one, to the latest. */
function heldFor(measurements: Measurement[]): number {
  let first: Measurement | undefined;
  for (let i = measurements.length - 1; i >= 0; i -= 1) {
    const m = measurements[i] as Measurement;
    if (m.phase !== 'failed') break;
    first = m;
  }
  const last = measurements[measurements.length - 1];
  if (first === undefined || last === undefined) return 0;
  return Date.parse(last.at) - Date.parse(first.at);
}

/** Worst verdict wins: tripped > inconclusive > healthy (Argo: Failed > Inconclusive > Successful). */
export function combineVerdicts(verdicts: Verdict[]): Verdict {
  if (verdicts.includes('tripped')) return 'tripped';
  if (verdicts.includes('inconclusive')) return 'inconclusive';
  return 'healthy';
}

/** Exit codes of `rollback check`: 0 healthy, 1 tripped, 2 inconclusive, 3 a query or contract error, 4 unreachable. */
export const ROLLBACK_EXIT = { healthy: 0, tripped: 1, inconclusive: 2, invalid: 3, unreachable: 4 } as const;

/**
 * The exit code for a set of condition results. A trip is acted on even when another condition
 * could not be evaluated; otherwise a broken query (3) and then unreachable metrics (4) are named
 * before plain inconclusive (2), because they need someone to fix something.
 */
export function rollbackExitCode(conditions: ConditionEvaluation[]): number {
  if (conditions.some((c) => c.verdict === 'tripped')) return ROLLBACK_EXIT.tripped;
  if (conditions.some((c) => c.error !== undefined && c.error.code !== 'METRICS_UNAVAILABLE'))
    return ROLLBACK_EXIT.invalid;
  if (conditions.some((c) => c.error?.code === 'METRICS_UNAVAILABLE')) return ROLLBACK_EXIT.unreachable;
  if (conditions.some((c) => c.verdict === 'inconclusive')) return ROLLBACK_EXIT.inconclusive;
  return ROLLBACK_EXIT.healthy;
}

/** `0.031`, `NaN`, `+Inf`, `-Inf`, as Prometheus writes them. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(Number(value.toPrecision(6)));
}
