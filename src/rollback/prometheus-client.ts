/**
 * A small client for the Prometheus HTTP API: `/api/v1/query` and `/api/v1/query_range`.
 *
 * The base URL comes from configuration only (the contract's `metrics.prometheus.url` or
 * `TOLLGATE_PROMETHEUS_URL`), never from request input, so a caller of the server cannot point
 * Tollgate at an address of their choosing. It uses node:http(s) rather than fetch: fetch loads
 * undici on first use, which costs ~50 ms of start-up on every `rollback check`.
 */
import http from 'node:http';
import { createRequire } from 'node:module';
import { TollgateError } from '../errors.js';
import { formatDuration } from '../policy/duration.js';
import { isJsonObject } from '../text/json-text.js';
import { maskUrl } from '../text/secret-detector.js';
import {
  type MetricQuery,
  type MetricsSource,
  parseSampleValue,
  type QueryAnswer,
  type Series,
} from './metrics.js';

export interface PrometheusClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:9090` or `https://prom.example.com/prometheus`. */
  url: string;
  /** Sent as `Authorization: Bearer …` when set. */
  bearerToken?: string;
  /** Per request, in ms (default 10 s). */
  timeoutMs?: number;
}

/**
 * For built-ins loaded on demand. Not `await import()`: the CLI bundle runs in a vm.Script, which
 * has no dynamic-import callback.
 */
const lazyRequire = createRequire(import.meta.url);

/** Largest response body read, to keep a runaway query from exhausting memory. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

interface RawResponse {
  status: number;
  statusText: string;
  contentType: string;
  /** The `Location` of a redirect, which is never followed. */
  location: string;
  /** The `Date` header: the answering host's clock, to the second ('' when absent). */
  date: string;
  /** This host's clock when the answer arrived (ms). */
  receivedAt: number;
  body: string;
}

/**
 * How far Prometheus's clock (its `Date` header) may be from Tollgate's before an answer is not
 * trusted as healthy. Measurement times are Tollgate's and the promotion's time is Tollgate's,
 * but Prometheus labels samples by its own clock: ahead, the first measurements after a promotion
 * read samples from before it (the previous digest); behind, they read its newest samples as
 * later ones. The header has whole seconds and the answer takes a while, hence a few seconds.
 */
export const CLOCK_SKEW_LIMIT_MS = 5_000;

/** Prometheus error types that mean "the query is wrong" rather than "Prometheus is unwell". */
const QUERY_ERROR_TYPES = new Set(['bad_data', 'execution', 'not_found', 'not_acceptable']);

export class PrometheusClient implements MetricsSource {
  readonly description: string;
  private readonly base: URL;
  private readonly bearerToken: string | undefined;
  private readonly timeoutMs: number;

  constructor(options: PrometheusClientOptions) {
    let base: URL;
    try {
      base = new URL(options.url);
    } catch (cause) {
      throw new TollgateError('CONFIG_INVALID', `Prometheus URL "${maskUrl(options.url)}" is not a URL`, {
        cause,
      });
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new TollgateError(
        'CONFIG_INVALID',
        `Prometheus URL "${maskUrl(options.url)}" must start with http:// or https://, found ${base.protocol}`,
      );
    }
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    this.base = base;
    this.bearerToken = options.bearerToken;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    // Never show credentials embedded in the URL, nor secret query parameters.
    this.description = `Prometheus at ${maskUrl(base.toString()).replace(/\/$/, '')}`;
  }

  async instant(query: MetricQuery, at: number): Promise<QueryAnswer> {
    const data = await this.call('api/v1/query', query, { query: query.promql, time: toSeconds(at) });
    return toAnswer(data, query, 'instant');
  }

  async range(query: MetricQuery, start: number, end: number, stepMs: number): Promise<QueryAnswer> {
    const data = await this.call('api/v1/query_range', query, {
      query: query.promql,
      start: toSeconds(start),
      end: toSeconds(end),
      step: toSeconds(stepMs),
    });
    return toAnswer(data, query, 'range');
  }

  private async call(path: string, query: MetricQuery, params: Record<string, string>): Promise<ApiSuccess> {
    const url = new URL(path, this.base);
    const form = new URLSearchParams({
      ...params,
      timeout: `${Math.max(1, Math.floor(this.timeoutMs / 1000))}s`,
      // Thanos answers a query some stores could not serve with what the others had, unless told
      // not to: a partial answer can leave out the failing series. Prometheus ignores the parameter.
      partial_response: 'false',
    });
    const response = await this.post(url, form.toString());
    const where = `${this.description}, condition "${query.name}"`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(response.body);
    } catch {
      // A proxy or load balancer in front of Prometheus answered (HTML error page, plain text).
      throw new TollgateError(
        'METRICS_UNAVAILABLE',
        `${where}: HTTP ${response.status} ${response.statusText} with a non-JSON body` +
          `${response.contentType ? ` (${response.contentType})` : ''}: ${excerpt(response.body)}` +
          hintFor(response.status),
      );
    }
    if (!isJsonObject(parsed) || (parsed.status !== 'success' && parsed.status !== 'error')) {
      throw new TollgateError(
        'METRICS_UNAVAILABLE',
        `${where}: HTTP ${response.status} answer is not a Prometheus API response: ${excerpt(response.body)}`,
      );
    }
    if (parsed.status === 'success' && (response.status < 200 || response.status > 299)) {
      // Prometheus answers success with 200 only. A success body with a redirect (not followed: it
      // may point at another host) or an error status is a proxy's or a cache's, not an answer.
      throw new TollgateError(
        'METRICS_UNAVAILABLE',
        `${where}: HTTP ${response.status} ${response.statusText} with a success body is not a Prometheus answer` +
          (response.location ? ` (redirect to ${maskUrl(response.location)}, not followed)` : '') +
          hintFor(response.status),
      );
    }
    if (parsed.status === 'error') {
      const errorType = typeof parsed.errorType === 'string' ? parsed.errorType : 'unknown';
      const message = typeof parsed.error === 'string' ? parsed.error : excerpt(response.body);
      const code = QUERY_ERROR_TYPES.has(errorType) ? 'METRICS_INVALID' : 'METRICS_UNAVAILABLE';
      throw new TollgateError(
        code,
        `${where}: Prometheus refused the query (${errorType}): ${message}` +
          (code === 'METRICS_INVALID' ? `\n  query: ${query.promql}` : ''),
      );
    }
    const data = parsed.data;
    if (
      !isJsonObject(data) ||
      typeof data.resultType !== 'string' ||
      (!Array.isArray(data.result) && data.resultType !== 'scalar' && data.resultType !== 'string')
    ) {
      throw new TollgateError(
        'METRICS_UNAVAILABLE',
        `${where}: answer has no data.resultType/result: ${excerpt(response.body)}`,
      );
    }
    // Any warning or info, in whatever shape it came, makes the answer not healthy: a `warnings`
    // that is a string, or holds objects, was dropped before and the answer read as complete.
    // Prometheus 3's `infos` say what the query left out (ignored histograms, incompatible types).
    const warnings = [...annotations(parsed.warnings, 'warning'), ...annotations(parsed.infos, 'info')];
    const skew = clockSkew(response);
    if (skew !== undefined) warnings.push(skew);
    return { resultType: data.resultType, result: data.result, warnings };
  }

  private post(url: URL, body: string): Promise<RawResponse> {
    // node:https (and TLS) loads only for https URLs: ~5 ms of start-up saved on plain http.
    const transport =
      url.protocol === 'https:' ? (lazyRequire('node:https') as typeof import('node:https')) : http;
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': String(Buffer.byteLength(body)),
      accept: 'application/json',
      'user-agent': 'tollgate',
    };
    if (this.bearerToken) headers.authorization = `Bearer ${this.bearerToken}`;
    if (url.username || url.password) {
      headers.authorization ??= `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
    }
    const target = new URL(url);
    target.username = '';
    target.password = '';
    return new Promise((resolve, reject) => {
      // The request's `timeout` is an idle timeout: an answer trickling in a byte at a time never
      // trips it, and a `watch` would wait forever instead of saying the metrics are unknown.
      const deadline = setTimeout(() => {
        request.destroy();
        fail(undefined, `no answer within ${formatDuration(this.timeoutMs)}`);
      }, this.timeoutMs);
      const fail = (cause: unknown, message: string) => {
        clearTimeout(deadline);
        reject(
          new TollgateError('METRICS_UNAVAILABLE', `${this.description} is unreachable: ${message}`, {
            cause,
          }),
        );
      };
      const request = transport.request(
        target,
        // No kept-alive sockets: a CLI makes a handful of requests, and a reused socket to a stopped
        // Prometheus fails as "socket hang up" instead of "connection refused".
        { method: 'POST', headers, timeout: this.timeoutMs, agent: false },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY_BYTES) {
              request.destroy();
              fail(undefined, `answer larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB`);
              return;
            }
            chunks.push(chunk);
          });
          response.on('end', () => {
            clearTimeout(deadline);
            resolve({
              status: response.statusCode ?? 0,
              statusText: response.statusMessage ?? '',
              contentType: String(response.headers['content-type'] ?? ''),
              location: String(response.headers.location ?? ''),
              date: String(response.headers.date ?? ''),
              receivedAt: Date.now(),
              body: Buffer.concat(chunks).toString('utf8'),
            });
          });
          response.on('error', (error) => fail(error, error.message));
        },
      );
      request.on('timeout', () => {
        request.destroy();
        fail(undefined, `no answer within ${formatDuration(this.timeoutMs)}`);
      });
      request.on('error', (error: NodeJS.ErrnoException) =>
        fail(error, error.code ? `${error.code} ${error.message}` : error.message),
      );
      request.end(body);
    });
  }
}

interface ApiSuccess {
  resultType: string;
  result: unknown;
  warnings: string[];
}

/**
 * Turns `vector`, `matrix` and `scalar` results into series; a `string` result is not a number.
 * An instant query answers a vector or a scalar, a range query a matrix: anything else is refused,
 * because its samples would not sit at the measurement times (an instant query of a range vector,
 * `x[5m]`, answers the raw samples of five minutes, none at the time asked), and a measurement
 * with no sample would be read as no data — as healthy under `noData: pass`.
 */
function toAnswer(data: ApiSuccess, query: MetricQuery, kind: 'instant' | 'range'): QueryAnswer {
  const where = `condition "${query.name}"`;
  const series: Series[] = [];
  if (kind === 'instant' && data.resultType === 'matrix') {
    throw new TollgateError(
      'METRICS_INVALID',
      `${where}: the query returned a range vector (matrix), expected a number (an instant vector or a scalar): remove the [range] or wrap it in a function such as rate(…) or max_over_time(…)\n  query: ${query.promql}`,
    );
  }
  if (kind === 'range' && data.resultType !== 'matrix' && data.resultType !== 'string') {
    throw new TollgateError(
      'METRICS_UNAVAILABLE',
      `${where}: a range query returned a ${data.resultType} result, expected a matrix: the answer is not Prometheus's own`,
    );
  }
  switch (data.resultType) {
    case 'scalar': {
      series.push({ labels: {}, samples: [toSample(data.result, where)] });
      break;
    }
    case 'vector': {
      for (const item of data.result as unknown[]) {
        if (!isJsonObject(item)) throw invalidShape(where, 'vector', item);
        if (item.histogram !== undefined) throw histogramSamples(query, item.metric);
        series.push({ labels: toLabels(item.metric), samples: [toSample(item.value, where)] });
      }
      break;
    }
    case 'matrix': {
      for (const item of data.result as unknown[]) {
        // A series that is a native histogram for part of the window has `histograms` beside its
        // `values`: read alone, those times would be silent, healthy under `noData: pass`.
        if (isJsonObject(item) && item.histograms !== undefined) throw histogramSamples(query, item.metric);
        if (!isJsonObject(item) || !Array.isArray(item.values)) throw invalidShape(where, 'matrix', item);
        series.push({
          labels: toLabels(item.metric),
          samples: item.values.map((pair) => toSample(pair, where)),
        });
      }
      break;
    }
    default:
      throw new TollgateError(
        'METRICS_INVALID',
        `${where}: the query returned a ${data.resultType} result, expected a number (an instant vector or a scalar)\n  query: ${query.promql}`,
      );
  }
  return { series, warnings: data.warnings };
}

function toSample(pair: unknown, where: string) {
  if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'number') {
    throw invalidShape(where, 'sample', pair);
  }
  return { at: Math.round(pair[0] * 1000), value: parseSampleValue(pair[1], where) };
}

function toLabels(metric: unknown): Record<string, string> {
  // fromEntries defines own properties, so a label named `__proto__` stays a label.
  if (!isJsonObject(metric)) return {};
  return Object.fromEntries(Object.entries(metric).map(([key, value]) => [key, String(value)]));
}

function histogramSamples(query: MetricQuery, metric: unknown): TollgateError {
  return new TollgateError(
    'METRICS_INVALID',
    `condition "${query.name}": the query returned native histogram samples (series ${excerpt(JSON.stringify(metric) ?? '{}')}), expected a number: wrap it in histogram_quantile(…), histogram_count(…) or histogram_sum(…)\n  query: ${query.promql}`,
  );
}

function invalidShape(where: string, what: string, found: unknown) {
  return new TollgateError(
    'METRICS_INVALID',
    `${where}: malformed ${what} in Prometheus answer: ${excerpt(JSON.stringify(found) ?? '')}`,
  );
}

/**
 * A warning when the answering host's clock (its `Date` header, whole seconds) is more than
 * CLOCK_SKEW_LIMIT_MS from this host's: the measurements would not be the times they claim.
 */
function clockSkew(response: RawResponse): string | undefined {
  const theirs = Date.parse(response.date);
  if (Number.isNaN(theirs)) return undefined;
  // The header drops the milliseconds: its second's middle is the best estimate.
  const skew = theirs + 500 - response.receivedAt;
  if (Math.abs(skew) <= CLOCK_SKEW_LIMIT_MS) return undefined;
  return `Prometheus's clock is ${formatDuration(Math.abs(Math.round(skew / 1000) * 1000))} ${skew > 0 ? 'ahead of' : 'behind'} Tollgate's (its Date header ${response.date}): its samples are labelled by its clock and the measurement times and the promotion's by Tollgate's, so the measurements may describe another time (before the promotion); fix the clocks (NTP)`;
}

/**
 * The `warnings` or `infos` of an answer as text, whatever their shape: a list of strings as
 * Prometheus writes them, or a lone string or objects from something in front of it.
 */
function annotations(value: unknown, kind: 'warning' | 'info'): string[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items
    .map((item) => (typeof item === 'string' ? item : (JSON.stringify(item) ?? String(item))))
    .filter((text) => text.trim() !== '')
    .map((text) => (kind === 'info' ? `info: ${text}` : text));
}

/** Prometheus takes RFC 3339 or Unix seconds; seconds with millisecond precision keep the step grid exact. */
function toSeconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function excerpt(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat || '(empty body)';
}

function hintFor(status: number): string {
  if (status === 401 || status === 403) return ' (check the bearer token: metrics.prometheus.tokenEnv)';
  if (status === 404) return ' (check the URL: it should be the Prometheus base URL, without /api/v1)';
  return '';
}
