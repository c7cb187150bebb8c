import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rollbackSection } from '../../src/contract/requires/rollback.js';
import { TollgateError } from '../../src/errors.js';
import { checkRollback } from '../../src/rollback/check.js';
import { JsonMetricsSource, parseJsonMetrics } from '../../src/rollback/json-source.js';

const T0 = Date.parse('2026-11-26T10:00:00Z');
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

function writeMetrics(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-metrics-'));
  const file = join(dir, 'metrics.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('JSON metrics source', () => {
  const file = writeMetrics({
    series: {
      'error rate': [
        { at: iso(T0), value: 0.001 },
        { at: iso(T0 + MIN), value: 0.05 },
        { at: (T0 + 2 * MIN) / 1000, value: '0.06' },
        { at: iso(T0 + 3 * MIN), value: 0.07 },
      ],
      latency: [
        { labels: { region: 'eu' }, samples: [{ at: iso(T0), value: 0.2 }] },
        { labels: { region: 'us' }, samples: [{ at: iso(T0), value: '+Inf' }] },
      ],
    },
  });
  const source = new JsonMetricsSource(file);

  it('answers an instant with the latest sample at or before it, within the lookback', async () => {
    const at = await source.instant({ name: 'error rate', promql: 'ignored' }, T0 + MIN + 30_000);
    expect(at.series[0]?.samples).toEqual([{ at: T0 + MIN + 30_000, value: 0.05 }]);
    const stale = await source.instant({ name: 'error rate', promql: 'ignored' }, T0 + 9 * MIN);
    expect(stale.series).toEqual([]);
    const missing = await source.instant({ name: 'nothing', promql: 'ignored' }, T0);
    expect(missing.series).toEqual([]);
  });

  it('answers a range on the step grid and keeps labelled series apart', async () => {
    const range = await source.range({ name: 'error rate', promql: '' }, T0, T0 + 3 * MIN, MIN);
    expect(range.series[0]?.samples.map((s) => s.value)).toEqual([0.001, 0.05, 0.06, 0.07]);
    const latency = await source.instant({ name: 'latency', promql: '' }, T0);
    expect(latency.series.map((s) => [s.labels.region, s.samples[0]?.value])).toEqual([
      ['eu', 0.2],
      ['us', Number.POSITIVE_INFINITY],
    ]);
  });

  it('drives a full rollback check: trips after `for`', async () => {
    const policy = rollbackSection.parse({
      within: '1h',
      when: [{ name: 'error rate', prometheus: 'sum(errors)', above: 0.02, for: '2m', interval: '1m' }],
    });
    const variables = { digest: `sha256:${'d'.repeat(64)}`, stage: 'prod', pipeline: 'shop' };
    const early = await checkRollback({ policy, variables, source, now: T0 + 2 * MIN, promotedAt: T0 });
    expect(early.verdict).toBe('healthy');
    const later = await checkRollback({ policy, variables, source, now: T0 + 3 * MIN, promotedAt: T0 });
    expect(later.verdict).toBe('tripped');
    expect(later.exitCode).toBe(1);
    expect(later.conditions[0]?.heldMs).toBe(2 * MIN);
    expect(later.watchEndsAt).toBe(iso(T0 + 60 * MIN));
  });

  it('keeps a declared labelled series that went stale as silent: the healthy one does not speak for it', async () => {
    const stale = new JsonMetricsSource(
      writeMetrics({
        series: {
          latency: [
            { labels: { region: 'eu' }, samples: [{ at: iso(T0 + 10 * MIN), value: 0.2 }] },
            // us last reported 10 minutes earlier: past the 5m lookback, it has no data now.
            { labels: { region: 'us' }, samples: [{ at: iso(T0), value: 9 }] },
          ],
        },
      }),
    );
    const policy = rollbackSection.parse({
      within: '1h',
      when: [{ name: 'latency', prometheus: 'max(latency)', above: 1 }],
    });
    const variables = { digest: `sha256:${'d'.repeat(64)}`, stage: 'prod', pipeline: 'shop' };
    const check = await checkRollback({ policy, variables, source: stale, now: T0 + 10 * MIN });
    expect(check.verdict).toBe('inconclusive');
    expect(check.conditions[0]?.series).toBe('{region="us"}');
  });

  it('names the file and the place of bad content', () => {
    expect(() => parseJsonMetrics({ series: { x: [{ at: iso(T0), value: 'high' }] } }, 'm.json')).toThrow(
      'm.json: series["x"][0].value: expected a number, "NaN", "+Inf" or "-Inf", found "high"',
    );
    expect(() => parseJsonMetrics({ series: { x: [{ at: 'yesterday', value: 1 }] } }, 'm.json')).toThrow(
      /series\["x"\]\[0\]\.at: expected an RFC 3339 time/,
    );
    // RFC 3339 allows second 60, so "not an RFC 3339 time" would be wrong: the leap second is named.
    expect(() =>
      parseJsonMetrics({ series: { x: [{ at: '2016-12-31T23:59:60Z', value: 1 }] } }, 'm.json'),
    ).toThrow(
      'm.json: series["x"][0].at: "2016-12-31T23:59:60Z" names a leap second (:60), which has no instant of its own on this clock',
    );
    expect(() => parseJsonMetrics([], 'm.json')).toThrow(/m.json: \(root\)/);
    expect(() => parseJsonMetrics({ series: {}, lookback: 'soon' }, 'm.json')).toThrow(/lookback/);
  });

  it('refuses a time without a zone or with a date that does not exist, which would move a sample', () => {
    // Without a zone, JavaScript reads the time in the machine zone: the same file would put a
    // breach hours earlier or later on another host (out of the window, or into it).
    for (const at of [
      '2026-11-26T10:00:00',
      '2026-11-26T10:00',
      '2026-02-30T10:00:00Z',
      '2026-11-26T24:00:00Z',
    ]) {
      expect(() => parseJsonMetrics({ series: { x: [{ at, value: 1 }] } }, 'm.json')).toThrow(
        `m.json: series["x"][0].at: expected an RFC 3339 time with a zone (2026-11-26T10:00:00Z, 2026-11-26T11:00:00+01:00) or Unix seconds, found ${JSON.stringify(at)}`,
      );
    }
    const zoned = parseJsonMetrics(
      { series: { x: [{ at: '2026-11-26T11:00:00.5+01:00', value: 1 }] } },
      'm.json',
    );
    expect(zoned.series.get('x')?.[0]?.samples[0]?.at).toBe(T0 + 500);
    const lower = parseJsonMetrics({ series: { x: [{ at: '2026-11-26t10:00:00z', value: 1 }] } }, 'm.json');
    expect(lower.series.get('x')?.[0]?.samples[0]?.at).toBe(T0);
  });

  it('refuses two samples of one series at one time, so a later healthy one cannot hide a breach', () => {
    // The same instant written two ways: RFC 3339 and Unix seconds.
    const twice = [
      { at: iso(T0), value: 0.9 },
      { at: T0 / 1000, value: 0.001 },
    ];
    expect(() => parseJsonMetrics({ series: { x: twice } }, 'm.json')).toThrow(
      'm.json: series["x"][1].at: a time not already given in this series, found 2026-11-26T10:00:00.000Z again (first at series["x"][0])',
    );
    expect(() =>
      parseJsonMetrics({ series: { x: [{ labels: { pod: 'a' }, samples: twice }] } }, 'm.json'),
    ).toThrow(/series\["x"\]\[0\]\.samples\[1\]\.at: a time not already given/);
  });

  it('reports an unreadable file as unavailable and broken JSON as invalid', async () => {
    const gone = new JsonMetricsSource('/nonexistent/metrics.json');
    await expect(gone.instant({ name: 'x', promql: '' }, T0)).rejects.toMatchObject({
      code: 'METRICS_UNAVAILABLE',
    });
    const broken = new JsonMetricsSource(writeMetrics('{"series": '));
    const error = await broken.instant({ name: 'x', promql: '' }, T0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TollgateError);
    expect((error as TollgateError).code).toBe('METRICS_INVALID');
  });
});

describe('a rollback check at a time before the promotion', () => {
  it('is inconclusive: what was measured then describes the previous digest', async () => {
    // The previous digest was healthy all along; the clock evaluating is two minutes behind the one
    // that recorded the promotion (or a time was set before it).
    const source = new JsonMetricsSource(
      writeMetrics({
        series: {
          'error rate': [0, 1, 2, 3, 4, 5].map((k) => ({ at: iso(T0 + k * MIN), value: 0.001 })),
        },
      }),
    );
    const policy = rollbackSection.parse({
      within: '1h',
      when: [{ name: 'error rate', prometheus: 'sum(errors)', above: 0.02, for: '2m', interval: '1m' }],
    });
    const variables = { digest: `sha256:${'d'.repeat(64)}`, stage: 'prod', pipeline: 'shop' };
    const check = await checkRollback({
      policy,
      variables,
      source,
      now: T0 + 3 * MIN,
      promotedAt: T0 + 5 * MIN,
    });
    expect(check.verdict).toBe('inconclusive');
    expect(check.exitCode).toBe(2);
    expect(check.conditions[0]?.reason).toMatch(/is before the promotion at 2026-11-26T10:05:00.000Z/);
    expect(check.conditions[0]?.measurements.map((m) => m.phase)).toEqual(['inconclusive']);
  });
});
