/**
 * A metrics source for teams without Prometheus: a JSON file, written by whatever watches the
 * service, holding sample series keyed by the condition's `name`:
 *
 * ```json
 * {
 *   "lookback": "5m",
 *   "series": {
 *     "error rate": [
 *       { "at": "2026-11-26T10:00:00Z", "value": 0.001 },
 *       { "at": "2026-11-26T10:01:00Z", "value": "NaN" }
 *     ],
 *     "p99 latency": [{ "labels": { "region": "eu" }, "samples": [{ "at": 1764151200, "value": 0.2 }] }]
 *   }
 * }
 * ```
 *
 * A key maps either to one list of samples or to a list of `{ labels, samples }` series. `at` is
 * an RFC 3339 time with a zone or Unix seconds; `value` a number or `"NaN"`, `"+Inf"`, `"-Inf"`. The value at
 * an instant is, as in Prometheus, the latest sample at or before it and no older than `lookback`
 * (default 5m); a condition with no key, or no sample in reach, has no data.
 */
import { readFileSync } from 'node:fs';
import { TollgateError } from '../errors.js';
import { parseExactDuration } from '../policy/duration.js';
import { isJsonObject } from '../text/json-text.js';
import {
  type MetricQuery,
  type MetricsSource,
  parseSampleValue,
  type QueryAnswer,
  type Sample,
  type Series,
} from './metrics.js';

const DEFAULT_LOOKBACK_MS = 5 * 60_000;

/** An RFC 3339 date-time with its zone (`Z` or an offset). */
const ZONED = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

export interface JsonMetricsDocument {
  lookbackMs: number;
  series: Map<string, Series[]>;
}

/** Validates a parsed JSON metrics document; `file` names it in errors. */
export function parseJsonMetrics(value: unknown, file: string): JsonMetricsDocument {
  const fail = (path: string, message: string) =>
    new TollgateError('METRICS_INVALID', `${file}: ${path}: ${message}`);
  if (!isJsonObject(value)) throw fail('(root)', `expected an object with "series", found ${kindOf(value)}`);
  let lookbackMs = DEFAULT_LOOKBACK_MS;
  if (value.lookback !== undefined) {
    const parsed = typeof value.lookback === 'string' ? parseExactDuration(value.lookback) : undefined;
    if (parsed === undefined || parsed === 0)
      throw fail('lookback', `expected a duration such as "5m", found ${JSON.stringify(value.lookback)}`);
    lookbackMs = parsed;
  }
  if (!isJsonObject(value.series))
    throw fail('series', `expected an object keyed by condition name, found ${kindOf(value.series)}`);
  const series = new Map<string, Series[]>();
  for (const [name, entry] of Object.entries(value.series)) {
    const path = `series[${JSON.stringify(name)}]`;
    if (!Array.isArray(entry))
      throw fail(path, `expected a list of samples or of { labels, samples }, found ${kindOf(entry)}`);
    const isSeriesList = entry.length > 0 && entry.every((item) => isJsonObject(item) && 'samples' in item);
    const list: Series[] = isSeriesList
      ? entry.map((item, i) => toSeries(item as Record<string, unknown>, `${path}[${i}]`, fail))
      : [{ labels: {}, samples: toSamples(entry, path, fail) }];
    series.set(name, list);
  }
  return { lookbackMs, series };
}

/** Reads and validates a JSON metrics file. */
export function readJsonMetrics(file: string): JsonMetricsDocument {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new TollgateError(
      'METRICS_UNAVAILABLE',
      `metrics file ${file} cannot be read: ${(cause as Error).message}`,
      { cause },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new TollgateError('METRICS_INVALID', `${file}: not valid JSON: ${(cause as Error).message}`, {
      cause,
    });
  }
  return parseJsonMetrics(parsed, file);
}

/**
 * A `MetricsSource` over a JSON document. The file is read once, on the first query, so a
 * `watch` that re-creates the source each round sees a file that another process rewrites.
 */
export class JsonMetricsSource implements MetricsSource {
  readonly description: string;
  private document: JsonMetricsDocument | undefined;

  /** `shown` is the path for people (as configured); `file` is the one read. */
  constructor(
    private readonly file: string,
    document?: JsonMetricsDocument,
    shown = file,
  ) {
    this.description = `metrics file ${shown}`;
    this.document = document;
  }

  async instant(query: MetricQuery, at: number): Promise<QueryAnswer> {
    return this.sampleAt(query, [at]);
  }

  async range(query: MetricQuery, start: number, end: number, stepMs: number): Promise<QueryAnswer> {
    const times: number[] = [];
    for (let t = start; t <= end; t += stepMs) times.push(t);
    return this.sampleAt(query, times);
  }

  private sampleAt(query: MetricQuery, times: number[]): QueryAnswer {
    this.document ??= readJsonMetrics(this.file);
    const { lookbackMs } = this.document;
    const series: Series[] = [];
    const declared = this.document.series.get(query.name) ?? [];
    for (const source of declared) {
      const samples: Sample[] = [];
      for (const t of times) {
        const latest = latestAtOrBefore(source.samples, t);
        if (latest !== undefined && t - latest.at <= lookbackMs) samples.push({ at: t, value: latest.value });
      }
      // A labelled series the file declares but that has gone stale stays in the answer with no
      // samples, so it counts as silent: a healthy series beside it never speaks for it.
      if (samples.length > 0 || declared.length > 1) series.push({ labels: source.labels, samples });
    }
    return { series, warnings: [] };
  }
}

/**
 * The instant of an RFC 3339 date-time with a zone, or undefined when it has none or names a date
 * or time that does not exist (JavaScript would roll February 30 over to March 2, and hour 24 to
 * the next day): the fields read back in the text's own offset must be the ones written.
 */
function zonedInstant(text: string): number | undefined {
  const match = ZONED.exec(text);
  if (match === null) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return undefined;
  const [, year, month, day, hour, minute, second, zone] = match as unknown as string[];
  const offsetMin = /^z$/i.test(zone as string)
    ? 0
    : (zone?.startsWith('-') ? -1 : 1) * (Number(zone?.substring(1, 3)) * 60 + Number(zone?.substring(4)));
  const local = new Date(ms + offsetMin * 60_000);
  const written = [year, month, day, hour, minute, second].map(Number);
  const read = [
    local.getUTCFullYear(),
    local.getUTCMonth() + 1,
    local.getUTCDate(),
    local.getUTCHours(),
    local.getUTCMinutes(),
    local.getUTCSeconds(),
  ];
  return written.every((field, i) => field === read[i]) ? ms : undefined;
}

function latestAtOrBefore(samples: Sample[], t: number): Sample | undefined {
  let best: Sample | undefined;
  for (const sample of samples)
    if (sample.at <= t && (best === undefined || sample.at >= best.at)) best = sample;
  return best;
}

function toSeries(
  item: Record<string, unknown>,
  path: string,
  fail: (p: string, m: string) => Error,
): Series {
  const labels: Record<string, string> = {};
  if (item.labels !== undefined) {
    if (!isJsonObject(item.labels))
      throw fail(`${path}.labels`, `expected an object of strings, found ${kindOf(item.labels)}`);
    for (const [key, value] of Object.entries(item.labels)) {
      if (typeof value !== 'string')
        throw fail(`${path}.labels.${key}`, `expected a string, found ${kindOf(value)}`);
      labels[key] = value;
    }
  }
  if (!Array.isArray(item.samples))
    throw fail(`${path}.samples`, `expected a list of samples, found ${kindOf(item.samples)}`);
  return { labels, samples: toSamples(item.samples, `${path}.samples`, fail) };
}

function toSamples(list: unknown[], path: string, fail: (p: string, m: string) => Error): Sample[] {
  const samples = readSamples(list, path, fail);
  // Two samples of one series at one time: whichever came last in the file would be read, so a
  // healthy value written after a breaching one would hide it.
  const seen = new Map<number, number>();
  samples.forEach((sample, i) => {
    const first = seen.get(sample.at);
    if (first !== undefined)
      throw fail(
        `${path}[${i}].at`,
        `a time not already given in this series, found ${new Date(sample.at).toISOString()} again (first at ${path}[${first}])`,
      );
    seen.set(sample.at, i);
  });
  return samples;
}

function readSamples(list: unknown[], path: string, fail: (p: string, m: string) => Error): Sample[] {
  return list.map((item, i) => {
    const where = `${path}[${i}]`;
    if (!isJsonObject(item)) throw fail(where, `expected { "at", "value" }, found ${kindOf(item)}`);
    let at: number | undefined;
    if (typeof item.at === 'number' && Number.isFinite(item.at)) at = Math.round(item.at * 1000);
    // RFC 3339 allows second 60; Date has no instant for it and would call it no time at all.
    else if (typeof item.at === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:60/i.test(item.at))
      throw fail(
        `${where}.at`,
        `${JSON.stringify(item.at)} names a leap second (:60), which has no instant of its own on this clock (JavaScript's time, like POSIX time, has no leap seconds): use :59 or the next minute's :00`,
      );
    // A zone is required: JavaScript reads a time without one in the machine's zone, so the same
    // file would move a breach hours into or out of the window on another host. A date that does
    // not exist (February 30, hour 24) is refused rather than rolled over.
    else if (typeof item.at === 'string') at = zonedInstant(item.at);
    if (at === undefined)
      throw fail(
        `${where}.at`,
        `expected an RFC 3339 time with a zone (2026-11-26T10:00:00Z, 2026-11-26T11:00:00+01:00) or Unix seconds, found ${JSON.stringify(item.at)}`,
      );
    try {
      return { at, value: parseSampleValue(item.value, `${where}.value`) };
    } catch {
      throw fail(
        `${where}.value`,
        `expected a number, "NaN", "+Inf" or "-Inf", found ${JSON.stringify(item.value)}`,
      );
    }
  });
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value === undefined) return 'nothing';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}
