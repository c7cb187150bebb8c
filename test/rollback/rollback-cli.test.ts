/**
 * The whole rollback story through the built CLI: promote → trip → rollback → ledger verify,
 * once with the JSON metrics source (always) and once against a real Prometheus (when installed).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rollbackYaml } from '../support/builders.js';
import { makeWorkspace, runCli } from '../support/cli.js';
import {
  type PrometheusServer,
  prometheusForTests,
  startPrometheus,
  waitFor,
} from '../support/prometheus.js';

const contract = (metrics: string, condition: string) =>
  rollbackYaml({
    within: '2h',
    condition,
    // A demo pipeline: the test plays time forward with --now / TOLLGATE_NOW.
    head: `demo: true\nartifact: { type: file }\n${metrics}`,
    when: '          for: 2m\n          interval: 1m\n',
    after: '  prod-eu:\n    purpose: second region\n    from: prod\n',
  });

async function register(dir: string, file: string, now?: string): Promise<string> {
  const result = await runCli(['register', '--file', file, '--json', ...(now ? ['--now', now] : [])], {
    cwd: dir,
  });
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { digest: string }).digest;
}

describe('rollback through the CLI with the JSON metrics source', () => {
  const dir = makeWorkspace(
    contract('metrics: { file: metrics.json }', 'sum(rate(errors_total{digest="$digest"}[5m]))'),
    {
      'good.txt': 'good build\n',
      'bad.txt': 'bad build\n',
      'metrics.json': JSON.stringify({
        series: {
          'error rate': [
            { at: '2026-11-25T10:00:00Z', value: 0.001 },
            { at: '2026-11-25T10:05:00Z', value: 0.31 },
          ],
        },
      }),
    },
  );
  let good = '';
  let bad = '';

  it('has no target before an earlier good promotion exists, and records nothing', async () => {
    good = await register(dir, 'good.txt', '2026-11-24T09:00:00Z');
    bad = await register(dir, 'bad.txt', '2026-11-24T09:00:00Z');
    expect(
      (await runCli(['promote', 'prod', '--artifact', good, '--now', '2026-11-24T10:00:00Z'], { cwd: dir }))
        .code,
    ).toBe(0);
    const none = await runCli(['rollback', 'prod', '--reason', 'test', '--now', '2026-11-24T10:30:00Z'], {
      cwd: dir,
    });
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('no earlier good promotion in prod');
    expect(none.stderr).toContain('nothing was recorded');
    const history = JSON.parse((await runCli(['history', 'prod', '--json'], { cwd: dir })).stdout) as {
      status: string;
    }[];
    expect(history.map((h) => h.status)).toEqual(['promoted']);
  });

  it('lists the conditions and the target in the check decision', async () => {
    const check = await runCli(
      ['check', 'prod', '--artifact', bad, '--json', '--now', '2026-11-25T09:00:00Z'],
      { cwd: dir },
    );
    expect(check.code).toBe(0);
    const decision = JSON.parse(check.stdout) as { validated: { gate: string; text: string }[] };
    const texts = decision.validated.filter((v) => v.gate === 'rollback').map((v) => v.text);
    expect(texts[0]).toMatch(/^rollback condition "error rate": > 0.02 for 2m/);
    expect(texts[1]).toContain(`rollback target: last known good ${good}`);
  });

  it('is healthy, trips after `for`, rolls back to the last known good digest and runs the command', async () => {
    expect(
      (await runCli(['promote', 'prod', '--artifact', bad, '--now', '2026-11-25T09:58:00Z'], { cwd: dir }))
        .code,
    ).toBe(0);
    const healthy = await runCli(['rollback', 'check', 'prod', '--now', '2026-11-25T10:03:00Z'], {
      cwd: dir,
    });
    expect(healthy.code).toBe(0);
    expect(healthy.stdout).toContain('HEALTHY');
    const early = await runCli(['rollback', 'check', 'prod', '--now', '2026-11-25T10:06:00Z'], { cwd: dir });
    expect(early.code).toBe(0);
    expect(early.stdout).toContain('held 1m');
    const tripped = await runCli(['rollback', 'check', 'prod', '--json', '--now', '2026-11-25T10:07:00Z'], {
      cwd: dir,
    });
    expect(tripped.code).toBe(1);
    const result = JSON.parse(tripped.stdout) as {
      digest: string;
      conditions: { verdict: string; current: string; query: string }[];
    };
    expect(result.digest).toBe(bad);
    expect(result.conditions[0]).toMatchObject({
      verdict: 'tripped',
      current: '0.31',
      query: `sum(rate(errors_total{digest="${bad}"}[5m]))`,
    });

    const rollback = await runCli(
      [
        'rollback',
        'prod',
        '--as',
        'oncall',
        '--now',
        '2026-11-25T10:08:00Z',
        '--exec',
        'echo "$TOLLGATE_STAGE $TOLLGATE_DIGEST $TOLLGATE_PREVIOUS_DIGEST" > exec.txt',
      ],
      { cwd: dir },
    );
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(rollback.stdout).toContain('why: tripped: error rate 0.31 > 0.02 (held 2m)');
    expect(readFileSync(join(dir, 'exec.txt'), 'utf8')).toBe(`prod ${good} ${bad}\n`);

    const history = JSON.parse((await runCli(['history', 'prod', '--json'], { cwd: dir })).stdout) as {
      artifact: string;
      status: string;
      statusReason?: string;
    }[];
    const rolled = history.find((h) => h.artifact === bad);
    expect(rolled?.status).toBe('rolled-back');
    expect(rolled?.statusReason).toContain('rolled back by oncall');
    expect((await runCli(['ledger', 'verify'], { cwd: dir })).code).toBe(0);
  });

  it('makes `from` stop trusting the rolled-back promotion', async () => {
    const downstream = await runCli(
      ['check', 'prod-eu', '--artifact', bad, '--now', '2026-11-25T11:00:00Z'],
      { cwd: dir },
    );
    expect(downstream.code).toBe(1);
    const fine = await runCli(['check', 'prod-eu', '--artifact', good, '--now', '2026-11-25T11:00:00Z'], {
      cwd: dir,
    });
    expect(fine.code).toBe(0);
  });

  it('refuses a manual rollback without a reason when nothing tripped', async () => {
    writeFileSync(
      join(dir, 'calm.json'),
      JSON.stringify({ series: { 'error rate': [{ at: '2026-11-26T10:00:00Z', value: 0 }] } }),
    );
    const result = await runCli(['rollback', 'prod', '--now', '2026-11-26T10:01:00Z'], {
      cwd: dir,
      env: { TOLLGATE_METRICS_FILE: 'calm.json' },
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('give --reason');
  });

  it('says plainly when no metrics source is configured', async () => {
    const bare = makeWorkspace(contract('', 'up'), {});
    const result = await runCli(['rollback', 'check', 'prod'], { cwd: bare });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('no metrics source');
  });
});

describe('a pinned rollback target', () => {
  it('must be registered: check requires it, rollback refuses and records nothing', async () => {
    const pinned = `sha256:${'9'.repeat(64)}`;
    const dir = makeWorkspace(
      contract('metrics: { file: m.json }', 'up').replace(
        '      within: 2h\n',
        `      within: 2h\n      target: ${pinned}\n`,
      ),
      { 'a.txt': 'a\n', 'm.json': '{"series":{}}' },
    );
    const a = await register(dir, 'a.txt', '2026-11-24T09:00:00Z');
    const check = await runCli(['check', 'prod', '--artifact', a, '--now', '2026-11-24T10:00:00Z'], {
      cwd: dir,
    });
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`register the pinned rollback target ${pinned}`);
    const forced = await runCli(['promote', 'prod', '--artifact', a, '--now', '2026-11-24T10:00:00Z'], {
      cwd: dir,
    });
    expect(forced.code).toBe(1);
    await runCli(['register', '--digest', pinned, '--now', '2026-11-24T10:30:00Z'], { cwd: dir });
    expect(
      (await runCli(['promote', 'prod', '--artifact', a, '--now', '2026-11-24T11:00:00Z'], { cwd: dir }))
        .code,
    ).toBe(0);
    const rollback = await runCli(
      ['rollback', 'prod', '--reason', 'bad deploy', '--now', '2026-11-24T11:30:00Z', '--json'],
      { cwd: dir },
    );
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(JSON.parse(rollback.stdout)).toMatchObject({
      to: { digest: pinned, pinned: true },
      reason: 'bad deploy',
    });
  });
});

describe('a pinned rollback target known bad in the stage', () => {
  it('is refused by check and by rollback when its promotion there failed verification', async () => {
    const pinned = `sha256:${'8'.repeat(64)}`;
    const dir = makeWorkspace(
      contract('metrics: { file: m.json }', 'up').replace(
        '      within: 2h\n',
        `      within: 2h\n      target: ${pinned}\n`,
      ),
      { 'a.txt': 'a\n', 'b.txt': 'b\n', 'm.json': '{"series":{}}' },
    );
    await runCli(['register', '--digest', pinned, '--now', '2026-11-24T09:00:00Z'], { cwd: dir });
    const a = await register(dir, 'a.txt', '2026-11-24T09:00:00Z');
    const b = await register(dir, 'b.txt', '2026-11-24T09:00:00Z');
    for (const [digest, at] of [
      [pinned, '2026-11-24T10:00:00Z'],
      [a, '2026-11-24T11:00:00Z'],
    ] as const) {
      const promoted = await runCli(['promote', 'prod', '--artifact', digest, '--now', at], { cwd: dir });
      expect(promoted.code, promoted.stdout + promoted.stderr).toBe(0);
    }
    const failed = await runCli(
      [
        'attest',
        'verification',
        '--artifact',
        pinned,
        '--in',
        'prod',
        '--result',
        'failed',
        '--now',
        '2026-11-24T11:10:00Z',
      ],
      { cwd: dir },
    );
    expect(failed.code, failed.stderr).toBe(0);
    const check = await runCli(['check', 'prod', '--artifact', b, '--now', '2026-11-24T11:20:00Z'], {
      cwd: dir,
    });
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(
      `the pinned rollback target ${pinned} failed post-deploy verification in prod`,
    );
    const rollback = await runCli(
      ['rollback', 'prod', '--reason', 'bad deploy', '--now', '2026-11-24T11:30:00Z'],
      { cwd: dir },
    );
    expect(rollback.code).toBe(3);
    expect(rollback.stderr).toContain('failed post-deploy verification in prod');
    expect(rollback.stderr).toContain('nothing was recorded');
    const history = JSON.parse((await runCli(['history', 'prod', '--json'], { cwd: dir })).stdout) as {
      artifact: string;
      status: string;
    }[];
    expect(history.find((h) => h.artifact === a)?.status).toBe('promoted');
  });
});

describe('rolling back a promotion that failed post-deploy verification', () => {
  it('undoes that promotion (it still runs), not the good one before it', async () => {
    const dir = makeWorkspace(contract('metrics: { file: m.json }', 'up'), {
      'g.txt': 'g\n',
      'a.txt': 'a\n',
      'c.txt': 'c\n',
      'm.json': '{"series":{}}',
    });
    const [g, a, c] = [
      await register(dir, 'g.txt', '2026-11-24T08:00:00Z'),
      await register(dir, 'a.txt', '2026-11-24T08:00:00Z'),
      await register(dir, 'c.txt', '2026-11-24T08:00:00Z'),
    ];
    for (const [digest, at] of [
      [g, '2026-11-24T09:00:00Z'],
      [a, '2026-11-24T10:00:00Z'],
      [c, '2026-11-24T11:00:00Z'],
    ] as const) {
      const promoted = await runCli(['promote', 'prod', '--artifact', digest, '--now', at], { cwd: dir });
      expect(promoted.code, promoted.stdout + promoted.stderr).toBe(0);
    }
    const failed = await runCli(
      ['attest', 'verification', '--artifact', c, '--in', 'prod', '--result', 'failed'].concat([
        '--now',
        '2026-11-24T11:10:00Z',
      ]),
      { cwd: dir },
    );
    expect(failed.code, failed.stderr).toBe(0);
    const rollback = await runCli(
      ['rollback', 'prod', '--reason', 'verification failed', '--now', '2026-11-24T11:20:00Z', '--json'],
      { cwd: dir },
    );
    expect(rollback.code, rollback.stderr).toBe(0);
    const result = JSON.parse(rollback.stdout) as { from: { artifact: string }; to: { digest: string } };
    expect([result.from.artifact, result.to.digest]).toEqual([c, a]);
    const history = JSON.parse((await runCli(['history', 'prod', '--json'], { cwd: dir })).stdout) as {
      artifact: string;
      status: string;
    }[];
    // a, which was good, is not marked rolled back.
    expect(history.find((h) => h.artifact === a)?.status).toBe('promoted');
  });
});

describe('after a rollback the stage runs the rollback target', () => {
  it('so check and a second rollback act on the target, not on an older promotion of the undone digest', async () => {
    const dir = makeWorkspace(contract('metrics: { file: m.json }', 'up{digest="$digest"}'), {
      'a.txt': 'a\n',
      'b.txt': 'b\n',
      'm.json': '{"series":{}}',
    });
    const [a, b] = [
      await register(dir, 'a.txt', '2026-11-24T08:00:00Z'),
      await register(dir, 'b.txt', '2026-11-24T08:00:00Z'),
    ];
    // b promoted twice in a row (the second with --again), then rolled back: the stage goes back to a.
    for (const [digest, at, again] of [
      [a, '2026-11-24T09:00:00Z', false],
      [b, '2026-11-24T10:00:00Z', false],
      [b, '2026-11-24T11:00:00Z', true],
    ] as const) {
      const promoted = await runCli(
        ['promote', 'prod', '--artifact', digest, '--now', at, ...(again ? ['--again'] : [])],
        { cwd: dir },
      );
      expect(promoted.code, promoted.stdout + promoted.stderr).toBe(0);
    }
    const first = await runCli(
      ['rollback', 'prod', '--reason', 'pager', '--now', '2026-11-24T11:10:00Z', '--json'],
      {
        cwd: dir,
      },
    );
    expect(first.code, first.stderr).toBe(0);
    expect((JSON.parse(first.stdout) as { to: { digest: string } }).to.digest).toBe(a);
    const status = await runCli(['status', '--json'], { cwd: dir });
    expect(status.stdout).toContain(a);
    // The check measures a, which runs, not b (rolled back), through b's earlier promotion.
    const check = await runCli(['rollback', 'check', 'prod', '--json', '--now', '2026-11-24T11:11:00Z'], {
      cwd: dir,
    });
    const checked = JSON.parse(check.stdout) as { digest: string; promotedAt: string };
    expect([checked.digest, checked.promotedAt]).toEqual([a, '2026-11-24T09:00:00.000Z']);
    // Rolling back again undoes a (there is nothing good before it), never b a second time.
    const second = await runCli(['rollback', 'prod', '--reason', 'again', '--now', '2026-11-24T11:20:00Z'], {
      cwd: dir,
    });
    expect(second.code).toBe(3);
    expect(second.stderr).toContain(`before ${a}`);
  });
});

const binary = prometheusForTests();

describe.skipIf(!binary)('rollback through the CLI against a real Prometheus', () => {
  let prometheus: PrometheusServer;
  let dir = '';
  let env: Record<string, string> = {};

  beforeAll(async () => {
    prometheus = await startPrometheus({ binary: binary as string });
    env = { TOLLGATE_PROMETHEUS_URL: prometheus.url };
    dir = makeWorkspace(
      contract('', 'max(tollgate_test_error_ratio{digest=$digest})').replace(
        'for: 2m\n          interval: 1m',
        'for: 3s\n          interval: 1s',
      ),
      { 'good.txt': 'good\n', 'bad.txt': 'bad\n' },
    );
  }, 60_000);

  afterAll(async () => {
    await prometheus?.stop();
  });

  it('promote → healthy → trip → rollback → ledger verify; stopped Prometheus exits 4', async () => {
    const good = await register(dir, 'good.txt');
    const bad = await register(dir, 'bad.txt');
    prometheus.exporter.set('tollgate_test_error_ratio', { digest: good }, 0.001);
    prometheus.exporter.set('tollgate_test_error_ratio', { digest: bad }, 0.001);
    expect((await runCli(['promote', 'prod', '--artifact', good], { cwd: dir, env })).code).toBe(0);
    expect((await runCli(['promote', 'prod', '--artifact', bad], { cwd: dir, env })).code).toBe(0);
    await waitFor(
      async () =>
        (await runCli(['rollback', 'check', 'prod'], { cwd: dir, env })).code === 0 ? true : undefined,
      20_000,
      'a healthy check of the new promotion',
    );
    prometheus.exporter.set('tollgate_test_error_ratio', { digest: bad }, 0.4);
    const tripped = await waitFor(
      async () => {
        const result = await runCli(['rollback', 'check', 'prod'], { cwd: dir, env });
        return result.code === 1 ? result : undefined;
      },
      30_000,
      'the condition to trip',
    );
    expect(tripped.stdout).toContain('[TRIPPED] error rate');
    expect(tripped.stdout).toContain('value 0.4');
    const rollback = await runCli(['rollback', 'prod', '--exec', 'echo "$TOLLGATE_DIGEST" > target.txt'], {
      cwd: dir,
      env,
    });
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(readFileSync(join(dir, 'target.txt'), 'utf8').trim()).toBe(good);
    const history = JSON.parse((await runCli(['history', 'prod', '--json'], { cwd: dir, env })).stdout) as {
      artifact: string;
      status: string;
    }[];
    expect(history.find((h) => h.artifact === bad)?.status).toBe('rolled-back');
    expect((await runCli(['ledger', 'verify'], { cwd: dir, env })).code).toBe(0);

    await prometheus.stopPrometheus();
    const down = await runCli(['rollback', 'check', 'prod'], { cwd: dir, env });
    expect(down.code).toBe(4);
    expect(down.stdout).toContain('metrics are unreachable');
  }, 120_000);
});
