/**
 * Rollback conditions against a real Prometheus scraping a test exporter (test/support/prometheus.ts).
 * Skips with a message when Prometheus is not installed, fails instead with TOLLGATE_REQUIRE_SERVICES=1.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rollbackSection } from '../../src/contract/requires/rollback.js';
import { TollgateError } from '../../src/errors.js';
import { checkRollback, type RollbackCheck } from '../../src/rollback/check.js';
import type { RollbackPolicy } from '../../src/rollback/policy.js';
import { PrometheusClient } from '../../src/rollback/prometheus-client.js';
import {
  type PrometheusServer,
  prometheusForTests,
  sleep,
  startPrometheus,
  waitFor,
} from '../support/prometheus.js';

const binary = prometheusForTests();

/**
 * A loopback proxy to a real Prometheus that can rewrite the form it is sent (a query frontend)
 * and shift the Date header of its answers (a host whose clock is off).
 */
async function startProxy(
  target: string,
  change: { body?: (form: URLSearchParams) => void; dateShiftMs?: number },
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString());
      change.body?.(form);
      const body = form.toString();
      const headers = { ...request.headers, 'content-length': String(Buffer.byteLength(body)) };
      const upstream = http.request(
        new URL(request.url ?? '/', target),
        { method: request.method, headers, agent: false },
        (answer) => {
          const date = new Date(Date.now() + (change.dateShiftMs ?? 0)).toUTCString();
          response.writeHead(answer.statusCode ?? 502, { ...answer.headers, date });
          answer.pipe(response);
        },
      );
      upstream.on('error', () => response.destroy());
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
const DIGEST = `sha256:${'a'.repeat(64)}`;
const OTHER = `sha256:${'b'.repeat(64)}`;
const variables = { digest: DIGEST, stage: 'prod', pipeline: 'checkout' };

function policy(when: Record<string, unknown>[], within = '1h'): RollbackPolicy {
  return rollbackSection.parse({ within, when });
}

describe.skipIf(!binary)('rollback conditions against a real Prometheus', () => {
  let prometheus: PrometheusServer;
  let client: PrometheusClient;

  beforeAll(async () => {
    prometheus = await startPrometheus({ binary: binary as string });
    client = new PrometheusClient({ url: prometheus.url, timeoutMs: 5000 });
    prometheus.exporter.set('tollgate_test_error_ratio', { digest: DIGEST }, 0.001);
    // A series for another digest that is always failing: $digest must keep it out.
    prometheus.exporter.set('tollgate_test_error_ratio', { digest: OTHER }, 0.9);
    prometheus.exporter.set('tollgate_test_nan', {}, 'NaN');
    prometheus.exporter.set('tollgate_test_pos_inf', {}, '+Inf');
    prometheus.exporter.set('tollgate_test_neg_inf', {}, '-Inf');
    // Several series per query: one healthy beside one NaN, and one healthy beside one breaching.
    prometheus.exporter.set('tollgate_test_pods', { pod: 'a' }, 0.001);
    prometheus.exporter.set('tollgate_test_pods', { pod: 'b' }, 'NaN');
    prometheus.exporter.set('tollgate_test_pods_breach', { pod: 'a' }, 0.001);
    prometheus.exporter.set('tollgate_test_pods_breach', { pod: 'b', zone: 'eu' }, 0.3);
    // Two stages whose names differ only where a regex dot matches anything.
    prometheus.exporter.set('tollgate_test_stage_ratio', { stage: 'prod.eu', region: 'a' }, 0.001);
    prometheus.exporter.set('tollgate_test_stage_ratio', { stage: 'prod-eu', region: 'b' }, 0.9);
    await waitFor(
      async () =>
        (await check(policy([{ name: 'seen', prometheus: 'tollgate_test_nan', above: 1 }]))).conditions[0]
          ?.current === 'NaN'
          ? true
          : undefined,
      20_000,
      'the exporter gauges in Prometheus',
    );
  }, 60_000);

  afterAll(async () => {
    await prometheus?.stop();
  });

  const check = (p: RollbackPolicy, promotedAt?: number): Promise<RollbackCheck> =>
    checkRollback({
      policy: p,
      variables,
      source: client,
      now: Date.now(),
      ...(promotedAt === undefined ? {} : { promotedAt }),
    });

  it('is healthy, then trips only after the threshold has held for `for`', async () => {
    const exporter = prometheus.exporter;
    const ratio = policy([
      {
        name: 'error ratio',
        prometheus: 'tollgate_test_error_ratio{digest=$digest}',
        above: 0.02,
        for: '5s',
        interval: '1s',
      },
    ]);
    const promotedAt = Date.now();
    await sleep(1200);
    const healthy = await check(ratio, promotedAt);
    expect(healthy.verdict).toBe('healthy');
    expect(healthy.exitCode).toBe(0);
    expect(healthy.conditions[0]?.query).toBe(`tollgate_test_error_ratio{digest="${DIGEST}"}`);
    expect(Number(healthy.conditions[0]?.current)).toBeCloseTo(0.001);

    exporter.set('tollgate_test_error_ratio', { digest: DIGEST }, 0.25);
    // First the breach is seen but has not held for 5s: still healthy, with the failures counted.
    const breaching = await waitFor(
      async () => {
        const result = await check(ratio, promotedAt);
        return result.conditions[0]?.current === '0.25' ? result : undefined;
      },
      20_000,
      'the breach to be scraped',
    );
    const first = breaching.conditions[0];
    expect(first?.failures).toBeGreaterThanOrEqual(1);
    if (first && first.failures <= first.failureLimit) {
      expect(breaching.verdict).toBe('healthy');
      expect(first.heldMs).toBeLessThan(5000);
    }
    const tripped = await waitFor(
      async () => {
        const result = await check(ratio, promotedAt);
        return result.verdict === 'tripped' ? result : undefined;
      },
      30_000,
      'the condition to trip',
    );
    const condition = tripped.conditions[0];
    expect(tripped.exitCode).toBe(1);
    expect(condition?.failures).toBe(6);
    expect(condition?.measured).toBe(6);
    expect(condition?.heldMs).toBe(5000);
    expect(condition?.current).toBe('0.25');
    exporter.set('tollgate_test_error_ratio', { digest: DIGEST }, 0.001);
  }, 90_000);

  it('reads a real error-rate query over counters (rate, sum, division)', async () => {
    prometheus.exporter.errorRate = 0.5;
    const errorRate = policy([
      {
        name: 'error rate',
        prometheus:
          'sum(rate(tollgate_test_http_requests_total{code=~"5.."}[4s])) / sum(rate(tollgate_test_http_requests_total[4s]))',
        above: 0.02,
      },
    ]);
    const tripped = await waitFor(
      async () => {
        const result = await check(errorRate);
        return result.conditions[0]?.current === '0.5' ? result : undefined;
      },
      30_000,
      'the error rate to reach 0.5',
    );
    expect(tripped.verdict).toBe('tripped');
    prometheus.exporter.errorRate = 0;
  }, 60_000);

  it('reads no data as inconclusive (exit 2), never as healthy, unless noData says otherwise', async () => {
    const query = 'tollgate_test_missing_metric{digest=$digest}';
    const result = await check(
      policy([
        { name: 'default', prometheus: query, above: 0.02 },
        { name: 'fail', prometheus: query, above: 0.02, noData: 'fail' },
        { name: 'pass', prometheus: query, above: 0.02, noData: 'pass' },
      ]),
    );
    expect(result.conditions.map((c) => [c.name, c.current, c.verdict])).toEqual([
      ['default', 'no data', 'inconclusive'],
      ['fail', 'no data', 'tripped'],
      ['pass', 'no data', 'healthy'],
    ]);
    const alone = await check(policy([{ name: 'default', prometheus: query, above: 0.02 }]));
    expect(alone.verdict).toBe('inconclusive');
    expect(alone.exitCode).toBe(2);
  });

  it('selects the stage prod.eu and never prod-eu, in a regex matcher and in label_replace', async () => {
    // label_replace rewrites the stage label to "" on the series its (anchored) regex matches;
    // `unless on(stage)` then keeps only those. Unescaped, `prod.eu` also matched `prod-eu` (0.9).
    const picked =
      'label_replace(tollgate_test_stage_ratio, "stage", "", "stage", "$stage") unless on(stage) tollgate_test_stage_ratio';
    const result = await checkRollback({
      policy: policy([
        { name: 'matcher count', prometheus: 'count(tollgate_test_stage_ratio{stage=~"$stage"})', above: 1 },
        { name: 'matcher', prometheus: 'max(tollgate_test_stage_ratio{stage=~"$stage"})', above: 0.5 },
        { name: 'label_replace count', prometheus: `count(${picked})`, above: 1 },
        { name: 'label_replace', prometheus: `max(${picked})`, above: 0.5 },
      ]),
      variables: { ...variables, stage: 'prod.eu' },
      source: client,
      now: Date.now(),
    });
    expect(result.conditions.map((c) => [c.name, c.current, c.verdict])).toEqual([
      ['matcher count', '1', 'healthy'],
      ['matcher', '0.001', 'healthy'],
      ['label_replace count', '1', 'healthy'],
      ['label_replace', '0.001', 'healthy'],
    ]);
    // And the other stage selects its own series only: the failing one.
    const other = await checkRollback({
      policy: policy([{ name: 'label_replace', prometheus: `max(${picked})`, above: 0.5 }]),
      variables: { ...variables, stage: 'prod-eu' },
      source: client,
      now: Date.now(),
    });
    expect([other.conditions[0]?.current, other.verdict]).toEqual(['0.9', 'tripped']);
  });

  it('treats NaN as no data and ±Inf as numbers', async () => {
    const result = await check(
      policy([
        { name: 'nan', prometheus: 'tollgate_test_nan', above: 0.02 },
        { name: 'pos inf', prometheus: 'tollgate_test_pos_inf', above: 0.02 },
        { name: 'neg inf below', prometheus: 'tollgate_test_neg_inf', below: 1 },
        { name: 'neg inf above', prometheus: 'tollgate_test_neg_inf', above: 1 },
      ]),
    );
    expect(result.conditions.map((c) => [c.name, c.current, c.verdict])).toEqual([
      ['nan', 'NaN', 'inconclusive'],
      ['pos inf', '+Inf', 'tripped'],
      ['neg inf below', '-Inf', 'tripped'],
      ['neg inf above', '-Inf', 'healthy'],
    ]);
  });

  it('judges every series: a NaN series beside a healthy one is inconclusive; a breaching one is named', async () => {
    const result = await check(
      policy([
        { name: 'nan beside healthy', prometheus: 'tollgate_test_pods', above: 0.02 },
        { name: 'breach beside healthy', prometheus: 'tollgate_test_pods_breach', above: 0.02 },
      ]),
    );
    const [nan, breach] = result.conditions;
    expect([nan?.verdict, nan?.current]).toEqual(['inconclusive', 'NaN']);
    expect(nan?.series).toMatch(/^tollgate_test_pods\{.*job="tollgate-test",pod="b"\}$/);
    expect(breach?.verdict).toBe('tripped');
    expect(breach?.current).toBe('0.3');
    expect(breach?.series).toMatch(/^tollgate_test_pods_breach\{.*pod="b",zone="eu"\}$/);
    expect(breach?.reason).toContain('pod="b",zone="eu"');
    expect(result.verdict).toBe('tripped');
  });

  it('evaluates scalar results and refuses string results', async () => {
    const result = await check(
      policy([
        { name: 'scalar', prometheus: 'scalar(tollgate_test_error_ratio{digest=$digest}) * 100', above: 50 },
        { name: 'string', prometheus: '"not a number"', above: 1 },
      ]),
    );
    expect(result.conditions[0]?.verdict).toBe('healthy');
    expect(Number(result.conditions[0]?.current)).toBeCloseTo(0.1);
    expect(result.conditions[1]?.error?.code).toBe('METRICS_INVALID');
    expect(result.conditions[1]?.error?.message).toContain('string result');
  });

  it('refuses a range vector where a number is expected, even with noData pass', async () => {
    // The raw samples of the last minute sit at scrape times, none at the time asked: read as
    // "no data", noData pass would have called a series failing at 0.9 healthy.
    const result = await check(
      policy([
        {
          name: 'range vector',
          prometheus: `tollgate_test_error_ratio{digest="${OTHER}"}[1m]`,
          above: 0.02,
          noData: 'pass',
        },
      ]),
    );
    expect(result.verdict).toBe('inconclusive');
    expect(result.exitCode).toBe(3);
    expect(result.conditions[0]?.error?.code).toBe('METRICS_INVALID');
    expect(result.conditions[0]?.error?.message).toContain('range vector (matrix)');
  });

  it("shows Prometheus's own error for invalid PromQL (exit 3)", async () => {
    const result = await check(
      policy([{ name: 'broken', prometheus: 'sum(rate(tollgate_test_nan[5m])', above: 1 }]),
    );
    const condition = result.conditions[0];
    expect(condition?.verdict).toBe('inconclusive');
    expect(condition?.error?.code).toBe('METRICS_INVALID');
    expect(condition?.error?.message).toContain('(bad_data)');
    expect(condition?.error?.message).toMatch(/parse error/);
    expect(result.exitCode).toBe(3);
    await expect(client.instant({ name: 'broken', promql: 'up{' }, Date.now())).rejects.toBeInstanceOf(
      TollgateError,
    );
  });

  it('is not healthy when the clock of Prometheus is minutes off from Tollgate', async () => {
    // Prometheus on a host whose clock runs 3 minutes ahead (its Date header says so): the samples
    // it labels "now" are from 3 minutes ago by Tollgate's clock, before a promotion just made.
    const ahead = await startProxy(prometheus.url, { dateShiftMs: 3 * 60_000 });
    try {
      const skewed = new PrometheusClient({ url: ahead.url, timeoutMs: 5000 });
      const healthyPolicy = policy([
        { name: 'error ratio', prometheus: 'tollgate_test_error_ratio{digest=$digest}', above: 0.02 },
      ]);
      const now = Date.now();
      const result = await checkRollback({
        policy: healthyPolicy,
        variables,
        source: skewed,
        now,
        promotedAt: now - 1000,
      });
      expect(result.verdict).toBe('inconclusive');
      expect(result.exitCode).toBe(2);
      expect(result.conditions[0]?.warnings.join()).toContain("Prometheus's clock is 3m ahead of Tollgate's");
      // The same Prometheus with its own Date header is healthy: the proxy changes the clock only.
      const straight = await checkRollback({ policy: healthyPolicy, variables, source: client, now });
      expect(straight.verdict).toBe('healthy');
    } finally {
      await ahead.close();
    }
  });

  it('refuses an answer on another step grid than asked (a query frontend aligning the step)', async () => {
    // Cortex and Thanos query frontends can align start and end to a multiple of the step: the
    // samples then sit between the measurement times, and every measurement read as no data was
    // healthy under noData: pass, though the series fails at 0.9 throughout.
    const aligning = await startProxy(prometheus.url, {
      body: (form) => {
        const step = Number(form.get('step'));
        for (const key of ['start', 'end']) {
          const value = form.get(key);
          if (value !== null && step > 0) form.set(key, String(Math.floor(Number(value) / step) * step));
        }
      },
    });
    try {
      const now = Math.floor(Date.now() / 1000) * 1000 + 500;
      const result = await checkRollback({
        policy: policy([
          {
            name: 'error ratio',
            prometheus: `tollgate_test_error_ratio{digest="${OTHER}"}`,
            above: 0.02,
            for: '3s',
            interval: '1s',
            noData: 'pass',
          },
        ]),
        variables,
        source: new PrometheusClient({ url: aligning.url, timeoutMs: 5000 }),
        now,
      });
      expect(result.verdict).toBe('inconclusive');
      expect(result.exitCode).toBe(3);
      expect(result.conditions[0]?.error?.message).toContain('not one of the measurement times asked for');
    } finally {
      await aligning.close();
    }
  });

  // Last: it stops Prometheus.
  it('says unreachable (inconclusive, exit 4) when Prometheus is stopped', async () => {
    await prometheus.stopPrometheus();
    const result = await check(
      policy([{ name: 'error ratio', prometheus: 'tollgate_test_error_ratio', above: 0.02 }]),
    );
    expect(result.verdict).toBe('inconclusive');
    expect(result.exitCode).toBe(4);
    expect(result.conditions[0]?.error?.code).toBe('METRICS_UNAVAILABLE');
    expect(result.conditions[0]?.error?.message).toContain('ECONNREFUSED');
    expect(result.conditions[0]?.reason).toContain('not healthy');
  });
});
