/**
 * The metrics model the rollback evaluator works on, whatever the source (Prometheus or a JSON
 * file). A query yields zero or more series; each series is a list of samples. An empty list is
 * "no data", never zero.
 */
import { TollgateError } from '../errors.js';

export interface Sample {
  /** Unix time in milliseconds. */
  at: number;
  /** The sample value. NaN and ±Infinity are kept as they came; the evaluator decides what they mean. */
  value: number;
}

export interface Series {
  labels: Readonly<Record<string, string>>;
  samples: Sample[];
}

/** One query, named after the contract condition it belongs to (for messages and the JSON source). */
export interface MetricQuery {
  name: string;
  /** PromQL with `$digest`, `$stage` and `$pipeline` already substituted. */
  promql: string;
}

export interface QueryAnswer {
  series: Series[];
  /** Warnings the source attached to the answer (Prometheus `warnings`). */
  warnings: string[];
}

/**
 * Where metric values come from. Implementations throw `METRICS_UNAVAILABLE` when the source
 * cannot be reached (exit 4) and `METRICS_INVALID` when it refuses the query or answers with
 * something that is not a number.
 */
export interface MetricsSource {
  /** For people: "Prometheus at http://127.0.0.1:9090", "metrics file metrics.json". */
  readonly description: string;
  /** The value(s) at one instant. */
  instant(query: MetricQuery, at: number): Promise<QueryAnswer>;
  /** Values at `start`, `start + step`, … up to `end` (all in ms). */
  range(query: MetricQuery, start: number, end: number, stepMs: number): Promise<QueryAnswer>;
}

/**
 * Parses a sample value as Prometheus writes it: a decimal string, `"NaN"`, `"+Inf"` or `"-Inf"`
 * (numbers are accepted too, for the JSON source). Anything else is a `METRICS_INVALID` error
 * naming the condition, because comparing garbage with a threshold would give a verdict from nothing.
 */
export function parseSampleValue(raw: unknown, where: string): number {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string') {
    const text = raw.trim();
    if (text === 'NaN') return Number.NaN;
    if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
    if (text === '-Inf') return Number.NEGATIVE_INFINITY;
    // Number('') is 0 and Number('0x10') is 16: accept only what Prometheus itself emits.
    if (/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(text)) return Number(text);
  }
  throw new TollgateError(
    'METRICS_INVALID',
    `${where}: expected a numeric sample value (a number, "NaN", "+Inf" or "-Inf"), found ${JSON.stringify(raw)}`,
  );
}
