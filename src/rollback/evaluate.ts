/**
 * Rollback condition evaluation: measurements in, verdict out. Pure; the queries are made by
 * check.ts. The model follows Argo Rollouts' analysis (docs/rollback.md maps it term by term):
 *
 * - A condition takes `count` measurements, one every `interval`, at `now`, `now - interval`, …
 *   back to `now - for`; measurements from before the promotion are not taken (they describe the
 *   previous digest).
 * - A measurement is judged on every series the query returned: it fails when any series crosses
 *   the threshold (`above` / `below`: Argo's failureCondition; not crossing it is success), and that
 *   series is named by its labels. Otherwise, when any series is NaN or has no sample at that time
 *   (a series the query returned at another time of the window), or the query returned nothing,
 *   the measurement counts as `noData` says: inconclusive (default), failed, or successful — one
 *   healthy series never speaks for a silent one. ±Inf are numbers: +Inf is above every threshold.
 * - The work is linear in the samples and never spreads a list into arguments, so a vector of
 *   hundreds of thousands of series is judged like one of two.
 * - The condition trips when failed measurements > `failureLimit`; otherwise it is inconclusive
 *   when any measurement is (Argo's inconclusiveLimit 0), or when the source warned about its
 *   answer (a partial response can leave out the failing series); otherwise healthy.
 * - Across conditions the worst wins: tripped > inconclusive > healthy.
 */
import { type ErrorCode, TollgateError } from '../errors.js';
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
  /**
   * The series that decided the measurement, by its labels (`{pod="b"}`): the one furthest past
   * the threshold when it failed, the first NaN or missing one when it had no data. Absent for a
   * query that returned one unlabelled series or nothing.
   */
  series?: string;
  /** How many series were NaN or had no sample at this time, when any. */
  silentSeries?: number;
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
  /**
   * When the query returned several series: the labels of the one that tripped the condition (the
   * latest failed measurement's), or of the first NaN or missing one that made it inconclusive.
   */
  series?: string;
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
  const tallies = new Map<number, Tally>();
  for (const time of times) tallies.set(time, newTally(time));
  const { series } = answer;
  for (let index = 0; index < series.length; index += 1) {
    const samples = (series[index] as QueryAnswer['series'][number]).samples;
    for (let s = 0; s < samples.length; s += 1) {
      const sample = samples[s] as { at: number; value: number };
      const tally = tallies.get(Math.round(sample.at));
      // A sample at a time not asked for: the source moved the grid (a query frontend aligning
      // start to the step, a cache). Every planned time would then read as no data — healthy
      // under `noData: pass` — so the answer is refused instead.
      if (tally === undefined) throw offGrid(policy, sample.at, times);
      // Two samples of one series at one time: Prometheus never answers so, and reading only the
      // first would let a healthy value hide a breaching one after it (a merging proxy, a cache).
      if (tally.lastSeries === index) throw repeatedSample(policy, sample.at, series[index]?.labels ?? {});
      tally.lastSeries = index;
      tally.present += 1;
      const value = sample.value;
      if (Number.isNaN(value)) {
        tally.nan += 1;
        if (tally.firstNan < 0) tally.firstNan = index;
        continue;
      }
      tally.numbers += 1;
      if (tally.maxSeries < 0 || value > tally.max) {
        tally.max = value;
        tally.maxSeries = index;
      }
      if (tally.minSeries < 0 || value < tally.min) {
        tally.min = value;
        tally.minSeries = index;
      }
    }
  }
  // Series are named only when there are several: one series speaks for itself.
  const label = (index: number): string | undefined =>
    index < 0 || series.length < 2 ? undefined : formatLabels(series[index]?.labels ?? {});
  const firstMissing = (tally: Tally): number => {
    // Looked for only when a series is missing, once per measurement: still linear in the samples.
    for (let index = 0; index < series.length; index += 1) {
      const samples = (series[index] as QueryAnswer['series'][number]).samples;
      if (!samples.some((sample) => Math.round(sample.at) === tally.at)) return index;
    }
    return -1;
  };
  const measurements = times.map((at) =>
    measure(policy, at, tallies.get(at) as Tally, series.length, label, firstMissing),
  );
  return summarise(policy, query, measurements, answer.warnings);
}

function offGrid(policy: ConditionPolicy, at: number, times: number[]): TollgateError {
  return new TollgateError(
    'METRICS_INVALID',
    `condition "${policy.name}": the metrics source answered a sample at ${new Date(at).toISOString()}, which is not one of the measurement times asked for (${new Date(times[0] as number).toISOString()} to ${new Date(times[times.length - 1] as number).toISOString()} every ${formatDuration(policy.intervalMs)}): a query frontend or cache in front of Prometheus moved the step grid (Cortex/Thanos align_queries_with_step); point Tollgate at Prometheus or turn the alignment off`,
  );
}

function repeatedSample(
  policy: ConditionPolicy,
  at: number,
  labels: Readonly<Record<string, string>>,
): TollgateError {
  return new TollgateError(
    'METRICS_INVALID',
    `condition "${policy.name}": the metrics source answered two samples at ${new Date(at).toISOString()} for the series ${formatLabels(labels)}, which is not an answer Prometheus gives: the measurement is refused rather than read from one of them`,
  );
}

/** What one measurement time saw across every series, gathered in one pass. */
interface Tally {
  at: number;
  /** Series with a sample at this time (NaN included). */
  present: number;
  nan: number;
  numbers: number;
  max: number;
  maxSeries: number;
  min: number;
  minSeries: number;
  firstNan: number;
  /** The series last counted here, to find a series repeating a timestamp. */
  lastSeries: number;
}

function newTally(at: number): Tally {
  return {
    at,
    present: 0,
    nan: 0,
    numbers: 0,
    max: Number.NaN,
    maxSeries: -1,
    min: Number.NaN,
    minSeries: -1,
    firstNan: -1,
    lastSeries: -1,
  };
}

/** `{code="500",pod="b"}`, or `name{…}` when the series keeps its metric name, as Prometheus prints it. */
export function formatLabels(labels: Readonly<Record<string, string>>): string {
  const name = Object.hasOwn(labels, '__name__') ? (labels.__name__ as string) : '';
  const pairs = Object.keys(labels)
    .filter((key) => key !== '__name__')
    .sort()
    .map((key) => `${key}=${JSON.stringify(labels[key])}`);
  return pairs.length === 0 && name ? name : `${name}{${pairs.join(',')}}`;
}

/** A condition whose query failed: every planned measurement is an error, the verdict inconclusive. */
export function erroredCondition(
  policy: ConditionPolicy,
  query: string,
  times: number[],
  error: { code: ErrorCode; message: string },
): ConditionEvaluation {
  const unreachable = error.code === 'METRICS_UNAVAILABLE';
  return {
    ...unmeasuredCondition(
      policy,
      query,
      times,
      'error',
      unreachable
        ? `metrics unreachable, so this condition is unknown (inconclusive, not healthy): ${error.message}`
        : `query failed: ${error.message}`,
    ),
    error,
  };
}

/**
 * A condition that could not be measured at all (`phase` says how each planned measurement ends):
 * its verdict is inconclusive, `reason` says why, nothing is read as healthy.
 */
export function unmeasuredCondition(
  policy: ConditionPolicy,
  query: string,
  times: number[],
  phase: 'error' | 'inconclusive',
  reason: string,
): ConditionEvaluation {
  const measurements: Measurement[] = times.map((at) => ({
    at: new Date(at).toISOString(),
    value: null,
    text: phase === 'error' ? 'error' : 'no data',
    phase,
  }));
  const base = summarise(policy, query, measurements, []);
  return { ...base, verdict: 'inconclusive', current: phase === 'error' ? 'error' : 'no data', reason };
}

function measure(
  policy: ConditionPolicy,
  at: number,
  tally: Tally,
  seriesCount: number,
  label: (index: number) => string | undefined,
  firstMissing: (tally: Tally) => number,
): Measurement {
  const iso = new Date(at).toISOString();
  const named = (index: number) => {
    const text = label(index);
    return text === undefined ? {} : { series: text };
  };
  // Any series past the threshold fails the measurement, whatever the others say.
  if (policy.above !== undefined && tally.numbers > 0 && tally.max > policy.above)
    return {
      at: iso,
      value: tally.max,
      text: formatValue(tally.max),
      phase: 'failed',
      ...named(tally.maxSeries),
    };
  if (policy.below !== undefined && tally.numbers > 0 && tally.min < policy.below)
    return {
      at: iso,
      value: tally.min,
      text: formatValue(tally.min),
      phase: 'failed',
      ...named(tally.minSeries),
    };
  const missing = seriesCount - tally.present;
  const silent = tally.nan + missing;
  if (tally.numbers === 0 || (silent > 0 && policy.noData !== 'pass')) {
    // NaN almost always comes from 0/0 (no traffic): it is no data, never a passing value. A series
    // that is NaN or absent beside healthy ones is no data too: it may be the one that is failing.
    const phase: MeasurementPhase =
      policy.noData === 'fail' ? 'failed' : policy.noData === 'pass' ? 'successful' : 'inconclusive';
    const nan = tally.nan > 0;
    const which = nan ? tally.firstNan : firstMissing(tally);
    return {
      at: iso,
      value: nan ? Number.NaN : null,
      text: nan ? 'NaN' : 'no data',
      phase,
      ...(seriesCount > 0 ? named(which) : {}),
      ...(silent > 0 && seriesCount > 1 ? { silentSeries: silent } : {}),
    };
  }
  // With several series, the one closest to the threshold speaks for all.
  const [shown, index] =
    policy.above !== undefined ? [tally.max, tally.maxSeries] : [tally.min, tally.minSeries];
  return { at: iso, value: shown, text: formatValue(shown), phase: 'successful', ...named(index) };
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
  // The series to name: the latest failed measurement's when the condition trips, else the latest
  // silent one's when it is inconclusive.
  let series: string | undefined;
  if (failures > policy.failureLimit) {
    verdict = 'tripped';
    series = latestOf(measurements, 'failed')?.series;
    reason =
      (policy.failureLimit === policy.count - 1
        ? `crossed ${threshold} in all ${measurements.length} measurements over ${formatDuration(policy.forMs)}`
        : `${failures} of ${measurements.length} measurements crossed ${threshold}, more than failureLimit ${policy.failureLimit}`) +
      (series === undefined ? '' : `; breaching series ${series}`);
  } else if (inconclusives > 0) {
    verdict = 'inconclusive';
    const silent = measurements.filter((m) => m.phase === 'inconclusive');
    const noData = silent.map((m) => m.text);
    const last = latestOf(measurements, 'inconclusive');
    series = last?.series;
    reason =
      `${inconclusives} of ${measurements.length} measurements had ${noData.includes('NaN') ? 'no data or NaN' : 'no data'} (noData: inconclusive); no data is never healthy` +
      (series === undefined
        ? ''
        : `; ${last?.silentSeries ?? 1} series silent (NaN or no sample), first ${series}`);
  } else if (warnings.length > 0) {
    // Prometheus (or Thanos, Cortex, Mimir) warns when the answer may be partial or wrong: a
    // remote store that did not answer, a malformed histogram. Series missing from a partial answer
    // cannot fail, so a warned answer is never healthy; a trip in it is still acted on.
    verdict = 'inconclusive';
    reason = `the metrics source warned that its answer may be incomplete or wrong, so within threshold is not healthy: ${warnings.join('; ')}`;
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
    ...(series === undefined ? {} : { series }),
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

function latestOf(measurements: Measurement[], phase: MeasurementPhase): Measurement | undefined {
  for (let i = measurements.length - 1; i >= 0; i -= 1) {
    if (measurements[i]?.phase === phase) return measurements[i];
  }
  return undefined;
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
