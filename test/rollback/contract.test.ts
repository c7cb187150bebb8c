import { describe, expect, it } from 'vitest';
import { metricsSection, rollbackSection } from '../../src/contract/requires/rollback.js';

const condition = { name: 'error rate', prometheus: 'sum(rate(errors[5m]))', above: 0.02 };

function issues(value: unknown, schema: typeof rollbackSection | typeof metricsSection = rollbackSection) {
  const result = schema.safeParse(value);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('stages.X.rollback schema', () => {
  it('accepts the DESIGN.md example and fills in defaults', () => {
    const parsed = rollbackSection.parse({
      within: '2h',
      target: 'last-known-good',
      when: [{ ...condition, for: '5m', noData: 'inconclusive' }],
    });
    expect(parsed.target).toBe('last-known-good');
    expect(parsed.conditions[0]?.noData).toBe('inconclusive');
    expect(parsed.conditions[0]).toMatchObject({
      forMs: 300_000,
      intervalMs: 60_000,
      count: 6,
      failureLimit: 5,
    });
    expect(parsed.withinMs).toBe(7_200_000);
    expect(rollbackSection.parse({ within: '1h', when: [condition] }).conditions[0]?.noData).toBe(
      'inconclusive',
    );
  });

  it('refuses a `for` shorter than `interval`', () => {
    expect(issues({ within: '1h', when: [{ ...condition, for: '30s', interval: '1m' }] })).toEqual([
      'when.0.for: `for` (30s) at least as long as `interval` (1m): a condition cannot hold for less than one measurement interval',
    ]);
  });

  it('refuses a condition with no threshold, an inverted band, a failureLimit that can never be exceeded', () => {
    expect(issues({ within: '1h', when: [{ name: 'x', prometheus: 'up' }] })).toEqual([
      'when.0.above: a threshold: `above` or `below` (or both)',
    ]);
    expect(issues({ within: '1h', when: [{ ...condition, below: 0.5 }] })[0]).toMatch(
      /when.0.below: `below` \(0.5\) smaller/,
    );
    expect(
      issues({ within: '1h', when: [{ ...condition, for: '2m', interval: '1m', failureLimit: 3 }] })[0],
    ).toMatch(/when.0.failureLimit: a `failureLimit` below 3/);
  });

  it('refuses the @ modifier, which pins every measurement to one time', () => {
    // In a range query `@ start()` reads the window start at every step: a breach now would never
    // be measured, and `x @ 1764000000` reads one healthy moment forever.
    for (const prometheus of [
      'max(errors{digest="$digest"} @ start())',
      'errors @ 1764000000',
      'rate(errors[5m] @end())',
    ]) {
      expect(issues({ within: '1h', when: [{ ...condition, prometheus }] })).toEqual([
        'when.0.prometheus: no @ modifier: it evaluates the query at one fixed time, so a measurement would not describe its own time (a breach now could read as the healthy value of another time); remove it, or use offset to compare with the past',
      ]);
    }
    // An @ in a string or a comment is not a modifier.
    expect(
      issues({
        within: '1h',
        when: [{ ...condition, prometheus: 'errors{mail="a\\"@b", q=`@`} # @ start()' }],
      }),
    ).toEqual([]);
  });

  it('refuses at load a variable it could not substitute safely, naming the query', () => {
    expect(
      issues({
        within: '1h',
        when: [{ ...condition, prometheus: 'label_replace(up, "$stage", "x", "a", "(.*)")' }],
      }),
    ).toEqual([
      'when.0.prometheus: variables where Tollgate can escape them: $stage stands in a label or metric name, which no value can be made into safely; write it in a label matcher ({label="$stage"} or {label=~"$stage"})',
    ]);
    expect(issues({ within: '1h', when: [{ ...condition, prometheus: 'up * $foo' }] })[0]).toMatch(
      /^when.0.prometheus: variables where Tollgate can escape them: unknown variable \$foo/,
    );
    expect(issues({ within: '1h', when: [{ ...condition, prometheus: 'up{s=~"[$stage]"}' }] })[0]).toMatch(
      /inside a character class/,
    );
  });

  it('refuses bad durations, bad targets, duplicate names, unknown keys and bad noData', () => {
    expect(issues({ within: '2 hours', when: [condition] })[0]).toMatch(/^within: expected a duration/);
    expect(issues({ within: '1h', target: 'latest', when: [condition] })[0]).toMatch(
      /^target: `last-known-good` or a digest/,
    );
    expect(issues({ within: '1h', when: [condition, condition] })).toEqual([
      'when.1.name: a unique name: "error rate" is used twice',
    ]);
    expect(issues({ within: '1h', when: [{ ...condition, threshold: 1 }] })[0]).toMatch(/threshold/);
    expect(issues({ within: '1h', when: [{ ...condition, noData: 'ignore' }] })[0]).toMatch(/^when.0.noData/);
    expect(issues({ within: '1h', when: [] })[0]).toMatch(/^when/);
  });

  it('refuses a `for` longer than `within`, and a window of more measurements than Prometheus returns', () => {
    expect(issues({ within: '5m', when: [{ ...condition, for: '10m' }] })).toEqual([
      'when.0.for: a `for` no longer than `within` (5m), found 10m: the watch would end before "error rate" could trip',
    ]);
    expect(issues({ within: '2d', when: [{ ...condition, for: '1d', interval: '1s' }] })[0]).toMatch(
      /^when.0.interval: at most 10,000 measurements per `for` window, found 86,401/,
    );
    expect(issues({ within: '2d', when: [{ ...condition, for: '1d', interval: '10s' }] })).toEqual([]);
  });

  it('accepts a pinned digest target', () => {
    const digest = `sha256:${'e'.repeat(64)}`;
    expect(rollbackSection.parse({ within: '1h', target: digest, when: [condition] }).target).toBe(digest);
  });
});

describe('metrics schema', () => {
  it('accepts Prometheus with token variable and timeout, or a file, not both', () => {
    expect(
      issues(
        { prometheus: { url: 'https://prom.example.com', tokenEnv: 'PROM_TOKEN', timeout: '5s' } },
        metricsSection,
      ),
    ).toEqual([]);
    expect(issues({ file: 'metrics.json' }, metricsSection)).toEqual([]);
    expect(issues({ prometheus: { url: 'https://p' }, file: 'm.json' }, metricsSection)[0]).toMatch(
      /one metrics source/,
    );
    expect(issues({ prometheus: { url: 'ftp://p' } }, metricsSection)[0]).toMatch(/prometheus.url: an http/);
    expect(issues({ prometheus: { token: 'secret' } }, metricsSection)[0]).toMatch(/token/);
  });
});
