import { describe, expect, it } from 'vitest';
import { parseExactDuration } from '../../src/policy/duration.js';
import {
  combineVerdicts,
  erroredCondition,
  evaluateCondition,
  planMeasurements,
  rollbackExitCode,
} from '../../src/rollback/evaluate.js';
import type { QueryAnswer } from '../../src/rollback/metrics.js';
import { type ConditionPolicy, conditionTiming } from '../../src/rollback/policy.js';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const MIN = 60_000;

function condition(
  overrides: Partial<ConditionPolicy> & { for?: string; interval?: string } = {},
): ConditionPolicy {
  const { for: forText, interval, ...rest } = overrides;
  const timing = conditionTiming({
    ...(forText === undefined ? {} : { forMs: parseExactDuration(forText)! }),
    ...(interval === undefined ? {} : { intervalMs: parseExactDuration(interval)! }),
    ...(rest.failureLimit === undefined ? {} : { failureLimit: rest.failureLimit }),
  });
  return { name: 'error rate', prometheus: 'q', above: 0.02, noData: 'inconclusive', ...timing, ...rest };
}

/** One series with the given values at the planned times (null = missing sample). */
function answer(times: number[], values: (number | null)[][]): QueryAnswer {
  return {
    series: values.map((list) => ({
      labels: {},
      samples: list.flatMap((value, i) => (value === null ? [] : [{ at: times[i] as number, value }])),
    })),
    warnings: [],
  };
}

describe('planMeasurements', () => {
  it('takes for/interval + 1 measurements ending at now, oldest first', () => {
    const times = planMeasurements(condition({ for: '5m', interval: '1m' }), NOW);
    expect(times).toHaveLength(6);
    expect(times[0]).toBe(NOW - 5 * MIN);
    expect(times[5]).toBe(NOW);
  });

  it('leaves out measurements from before the promotion but always measures now', () => {
    expect(planMeasurements(condition({ for: '5m', interval: '1m' }), NOW, NOW - 2 * MIN - 1)).toEqual([
      NOW - 2 * MIN,
      NOW - MIN,
      NOW,
    ]);
    expect(planMeasurements(condition({ for: '5m', interval: '1m' }), NOW, NOW + 1000)).toEqual([NOW]);
  });

  it('defaults interval to 1m, or to `for` when shorter; no `for` is one measurement', () => {
    expect(conditionTiming({})).toEqual({ forMs: 0, intervalMs: MIN, count: 1, failureLimit: 0 });
    expect(conditionTiming({ forMs: 30_000 })).toEqual({
      forMs: 30_000,
      intervalMs: 30_000,
      count: 2,
      failureLimit: 1,
    });
    expect(conditionTiming({ forMs: 5 * MIN })).toEqual({
      forMs: 5 * MIN,
      intervalMs: MIN,
      count: 6,
      failureLimit: 5,
    });
    expect(conditionTiming({ forMs: 5 * MIN, failureLimit: 2 }).failureLimit).toBe(2);
  });
});

describe('evaluateCondition', () => {
  const policy = condition({ for: '5m', interval: '1m' });
  const times = planMeasurements(policy, NOW);

  it('trips only when every measurement in the `for` window crossed the threshold (default failureLimit)', () => {
    const held = evaluateCondition(policy, 'q', answer(times, [[0.05, 0.05, 0.05, 0.05, 0.05, 0.05]]), times);
    expect(held.verdict).toBe('tripped');
    expect(held.failures).toBe(6);
    expect(held.heldMs).toBe(5 * MIN);
    expect(held.current).toBe('0.05');

    const notYet = evaluateCondition(
      policy,
      'q',
      answer(times, [[0.01, 0.05, 0.05, 0.05, 0.05, 0.05]]),
      times,
    );
    expect(notYet.verdict).toBe('healthy');
    expect(notYet.failures).toBe(5);
    expect(notYet.heldMs).toBe(4 * MIN);
    expect(notYet.reason).toContain('held 4m');
  });

  it('counts failures against an explicit failureLimit like Argo', () => {
    const p = condition({ for: '5m', interval: '1m', failureLimit: 1 });
    const two = evaluateCondition(p, 'q', answer(times, [[0.05, 0.01, 0.01, 0.05, 0.01, 0.01]]), times);
    expect(two.verdict).toBe('tripped');
    expect(two.heldMs).toBe(0);
    const one = evaluateCondition(p, 'q', answer(times, [[0.05, 0.01, 0.01, 0.01, 0.01, 0.01]]), times);
    expect(one.verdict).toBe('healthy');
  });

  it('is inconclusive when any measurement has no data, and says so', () => {
    const gap = evaluateCondition(policy, 'q', answer(times, [[0.01, 0.01, null, 0.01, 0.01, 0.01]]), times);
    expect(gap.verdict).toBe('inconclusive');
    expect(gap.inconclusives).toBe(1);
    expect(gap.measurements[2]?.text).toBe('no data');
    const none = evaluateCondition(policy, 'q', { series: [], warnings: [] }, times);
    expect(none.verdict).toBe('inconclusive');
    expect(none.current).toBe('no data');
  });

  it('is inconclusive, not healthy, when the source warned about its answer (a partial response)', () => {
    const single = [NOW];
    const warned: QueryAnswer = {
      ...answer(single, [[0.001]]),
      warnings: ['partial response: store eu-2 unavailable'],
    };
    const result = evaluateCondition(condition(), 'q', warned, single);
    expect(result.verdict).toBe('inconclusive');
    expect(result.reason).toContain('store eu-2 unavailable');
    expect(rollbackExitCode([result])).toBe(2);
    // A breach in a warned answer is still a breach.
    const breach = { ...answer(single, [[0.5]]), warnings: warned.warnings };
    expect(evaluateCondition(condition(), 'q', breach, single).verdict).toBe('tripped');
  });

  it('applies noData: fail and noData: pass', () => {
    const empty: QueryAnswer = { series: [], warnings: [] };
    const single = [NOW];
    expect(evaluateCondition(condition({ noData: 'fail' }), 'q', empty, single).verdict).toBe('tripped');
    expect(evaluateCondition(condition({ noData: 'pass' }), 'q', empty, single).verdict).toBe('healthy');
  });

  it('reads NaN as no data, +Inf above and -Inf below every threshold', () => {
    const single = [NOW];
    const nan = evaluateCondition(condition(), 'q', answer(single, [[Number.NaN]]), single);
    expect([nan.verdict, nan.current]).toEqual(['inconclusive', 'NaN']);
    const inf = evaluateCondition(condition(), 'q', answer(single, [[Number.POSITIVE_INFINITY]]), single);
    expect([inf.verdict, inf.current]).toEqual(['tripped', '+Inf']);
    const low = condition({ above: undefined, below: 0.9 });
    delete low.above;
    const negInf = evaluateCondition(low, 'q', answer(single, [[Number.NEGATIVE_INFINITY]]), single);
    expect([negInf.verdict, negInf.current]).toEqual(['tripped', '-Inf']);
  });

  it('checks every series: one crossing fails the measurement, and a NaN beside it does not hide it', () => {
    const single = [NOW];
    const result = evaluateCondition(condition(), 'q', answer(single, [[0.01], [0.3], [Number.NaN]]), single);
    expect(result.verdict).toBe('tripped');
    expect(result.current).toBe('0.3');
  });

  /** Series with labels `pod=<name>`, one sample list each (null = no sample at that time). */
  function pods(times: number[], values: Record<string, (number | null)[]>): QueryAnswer {
    return {
      series: Object.entries(values).map(([pod, list]) => ({
        labels: { pod },
        samples: list.flatMap((value, i) => (value === null ? [] : [{ at: times[i] as number, value }])),
      })),
      warnings: [],
    };
  }

  it('is inconclusive, never healthy, when one series is healthy and another NaN, and names the NaN one', () => {
    const single = [NOW];
    const result = evaluateCondition(condition(), 'q', pods(single, { a: [0.001], b: [Number.NaN] }), single);
    expect(result.verdict).toBe('inconclusive');
    expect(result.current).toBe('NaN');
    expect(result.series).toBe('{pod="b"}');
    expect(result.measurements[0]?.silentSeries).toBe(1);
    expect(result.reason).toContain('{pod="b"}');
    // noData: fail makes that silent series a failure; noData: pass lets the healthy one speak.
    expect(
      evaluateCondition(
        condition({ noData: 'fail' }),
        'q',
        pods(single, { a: [0.001], b: [Number.NaN] }),
        single,
      ).verdict,
    ).toBe('tripped');
    const pass = evaluateCondition(
      condition({ noData: 'pass' }),
      'q',
      pods(single, { a: [0.001], b: [Number.NaN] }),
      single,
    );
    expect([pass.verdict, pass.current]).toEqual(['healthy', '0.001']);
  });

  it('is inconclusive when a series the query returned has no sample at a measurement time', () => {
    const result = evaluateCondition(
      policy,
      'q',
      pods(times, { a: [0.01, 0.01, 0.01, 0.01, 0.01, 0.01], b: [0.01, 0.01, 0.01, null, 0.01, 0.01] }),
      times,
    );
    expect(result.verdict).toBe('inconclusive');
    expect(result.inconclusives).toBe(1);
    expect(result.measurements[3]?.text).toBe('no data');
    expect(result.measurements[3]?.series).toBe('{pod="b"}');
    expect(result.series).toBe('{pod="b"}');
  });

  it('names the breaching series by its labels, whichever position it has', () => {
    const single = [NOW];
    const result = evaluateCondition(
      condition(),
      'q',
      {
        series: [
          { labels: { __name__: 'errors', pod: 'a', zone: 'x' }, samples: [{ at: NOW, value: 0.001 }] },
          { labels: { zone: 'y', pod: 'b' }, samples: [{ at: NOW, value: 0.4 }] },
          { labels: { pod: 'c' }, samples: [{ at: NOW, value: 0.03 }] },
        ],
        warnings: [],
      },
      single,
    );
    expect(result.verdict).toBe('tripped');
    expect(result.current).toBe('0.4');
    expect(result.series).toBe('{pod="b",zone="y"}');
    expect(result.reason).toContain('breaching series {pod="b",zone="y"}');
    const low = condition({ below: 0.5 });
    delete low.above;
    const below = evaluateCondition(low, 'q', pods(single, { a: [0.9], b: [0.2], c: [0.7] }), single);
    expect([below.verdict, below.series]).toEqual(['tripped', '{pod="b"}']);
  });

  it('judges a vector of 150,000 series without recursion: one breaching or one NaN series decides', () => {
    const single = [NOW];
    const many = (odd: { at: number; value: number }): QueryAnswer => ({
      series: Array.from({ length: 150_000 }, (_, i) => ({
        labels: { pod: `p${i}` },
        samples: [i === 123_456 ? odd : { at: NOW, value: 0.001 }],
      })),
      warnings: [],
    });
    const breach = evaluateCondition(condition(), 'q', many({ at: NOW, value: 0.5 }), single);
    expect([breach.verdict, breach.current, breach.series]).toEqual(['tripped', '0.5', '{pod="p123456"}']);
    const nan = evaluateCondition(condition(), 'q', many({ at: NOW, value: Number.NaN }), single);
    expect([nan.verdict, nan.series]).toEqual(['inconclusive', '{pod="p123456"}']);
    const healthy = evaluateCondition(condition(), 'q', many({ at: NOW, value: 0.002 }), single);
    expect([healthy.verdict, healthy.current]).toEqual(['healthy', '0.002']);
  });

  it('handles a band (below and above)', () => {
    const band = condition({ above: 0.9, below: 0.1 });
    const single = [NOW];
    expect(evaluateCondition(band, 'q', answer(single, [[0.5]]), single).verdict).toBe('healthy');
    expect(evaluateCondition(band, 'q', answer(single, [[0.05]]), single).verdict).toBe('tripped');
    expect(evaluateCondition(band, 'q', answer(single, [[0.95]]), single).verdict).toBe('tripped');
    expect(evaluateCondition(band, 'q', answer(single, [[0.5]]), single).threshold).toBe('< 0.1 or > 0.9');
  });

  it('notes a partial window right after a promotion', () => {
    const since = planMeasurements(policy, NOW, NOW - MIN);
    const result = evaluateCondition(policy, 'q', answer(since, [[0.05, 0.05]]), since);
    expect(result.verdict).toBe('healthy');
    expect(result.measured).toBe(2);
    expect(result.count).toBe(6);
  });
});

describe('verdicts and exit codes', () => {
  const policy = condition();
  const single = [NOW];
  const healthy = evaluateCondition(policy, 'q', answer(single, [[0.01]]), single);
  const tripped = evaluateCondition(policy, 'q', answer(single, [[0.5]]), single);
  const noData = evaluateCondition(policy, 'q', { series: [], warnings: [] }, single);
  const unreachable = erroredCondition(policy, 'q', single, {
    code: 'METRICS_UNAVAILABLE',
    message: 'ECONNREFUSED',
  });
  const invalid = erroredCondition(policy, 'q', single, { code: 'METRICS_INVALID', message: 'bad_data' });

  it('worst verdict wins', () => {
    expect(combineVerdicts(['healthy', 'inconclusive', 'healthy'])).toBe('inconclusive');
    expect(combineVerdicts(['inconclusive', 'tripped'])).toBe('tripped');
    expect(combineVerdicts(['healthy'])).toBe('healthy');
  });

  it('exits 0 healthy, 1 tripped, 2 inconclusive, 3 invalid query, 4 unreachable', () => {
    expect(rollbackExitCode([healthy])).toBe(0);
    expect(rollbackExitCode([healthy, tripped, unreachable])).toBe(1);
    expect(rollbackExitCode([healthy, noData])).toBe(2);
    expect(rollbackExitCode([noData, invalid, unreachable])).toBe(3);
    expect(rollbackExitCode([noData, unreachable])).toBe(4);
  });

  it('an unreachable source is inconclusive, said plainly', () => {
    expect(unreachable.verdict).toBe('inconclusive');
    expect(unreachable.reason).toContain('unreachable');
    expect(unreachable.reason).toContain('not healthy');
    expect(unreachable.measurements[0]?.phase).toBe('error');
  });
});
