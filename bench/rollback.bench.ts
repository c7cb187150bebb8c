/**
 * Rollback check speed (issue 6, "Speed"): one `tollgate rollback check` with 5 conditions against
 * a local Prometheus, wall time of the whole CLI process against `node -e 0` under the same
 * environment: target ≤ 3×. Also reported: the in-process evaluation alone (5 queries + verdicts).
 * Both sides are measured in the same run, interleaved; medians are reported. Without a
 * `prometheus` binary the CLI is measured against the JSON metrics source and the note says so.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rollbackSection } from '../src/contract/requires/rollback.js';
import { checkRollback } from '../src/rollback/check.js';
import { JsonMetricsSource } from '../src/rollback/json-source.js';
import type { MetricsSource } from '../src/rollback/metrics.js';

import { PrometheusClient } from '../src/rollback/prometheus-client.js';
import { findPrometheus, type PrometheusServer, startPrometheus } from '../test/support/prometheus.js';
import { BENCH_ROOT, type BenchResult, median } from './bench-util.js';

const ROUNDS = 15;
const ROOT = BENCH_ROOT;
const BIN = join(ROOT, 'bin', 'tollgate.cjs');

const CONDITIONS = [
  {
    name: 'error rate',
    prometheus: 'max(tollgate_bench_metric{kind="errors",digest=$digest})',
    above: 0.02,
    for: '5s',
    interval: '1s',
  },
  {
    name: 'p99 latency',
    prometheus: 'max(tollgate_bench_metric{kind="latency",digest=$digest})',
    above: 0.5,
    for: '5s',
    interval: '1s',
  },
  {
    name: 'saturation',
    prometheus: 'max(tollgate_bench_metric{kind="saturation",digest=$digest})',
    above: 0.9,
  },
  {
    name: 'availability',
    prometheus: 'min(tollgate_bench_metric{kind="availability",digest=$digest})',
    below: 0.99,
  },
  {
    name: 'restarts',
    prometheus: 'sum(tollgate_bench_metric{kind="restarts",digest=$digest})',
    above: 3,
    for: '3s',
    interval: '1s',
  },
];
const VALUES: Record<string, number> = {
  errors: 0.001,
  latency: 0.2,
  saturation: 0.4,
  availability: 0.999,
  restarts: 0,
};

function contractYaml(): string {
  const when = CONDITIONS.map((c) =>
    [
      `        - name: ${c.name}`,
      `          prometheus: '${c.prometheus}'`,
      c.above === undefined ? `          below: ${c.below}` : `          above: ${c.above}`,
      ...(c.for ? [`          for: ${c.for}`, `          interval: ${c.interval}`] : []),
    ].join('\n'),
  );
  return `version: 1\npipeline: bench\nartifact: { type: file }\nmetrics: { file: metrics.json }\nstages:\n  prod:\n    purpose: live\n    rollback:\n      within: 1h\n      when:\n${when.join('\n')}\n`;
}

/**
 * Wall time of one child process. Asynchronous on purpose: the test exporter lives in this process,
 * and a blocking spawnSync would stop it answering Prometheus's scrapes.
 */
function wall(
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<{ ms: number; status: number | null }> {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (status) => resolve({ ms: Number(process.hrtime.bigint() - start) / 1e6, status }));
  });
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-rollback-bench-'));
  const binary = findPrometheus();
  let prometheus: PrometheusServer | undefined;
  try {
    writeFileSync(join(dir, 'tollgate.yaml'), contractYaml());
    writeFileSync(join(dir, 'build.txt'), 'bench build\n');
    const env: NodeJS.ProcessEnv = { ...process.env, TOLLGATE_ACTOR: 'bench' };
    for (const key of [
      'TOLLGATE_PROMETHEUS_URL',
      'TOLLGATE_METRICS_FILE',
      'TOLLGATE_NOW',
      'TOLLGATE_DATABASE_URL',
    ])
      delete env[key];
    const cli = (args: string[]) =>
      execFileSync(process.execPath, [BIN, ...args], {
        cwd: dir,
        env,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    const digest = (JSON.parse(cli(['register', '--file', 'build.txt', '--json'])) as { digest: string })
      .digest;

    let source: MetricsSource;
    let note: string;
    if (binary) {
      prometheus = await startPrometheus({ binary });
      for (const [kind, value] of Object.entries(VALUES))
        prometheus.exporter.set('tollgate_bench_metric', { kind, digest }, value);
      await new Promise((resolve) => setTimeout(resolve, 2500));
      env.TOLLGATE_PROMETHEUS_URL = prometheus.url;
      source = new PrometheusClient({ url: prometheus.url });
      note = `local Prometheus ${prometheus.url}; 5 conditions (3 range queries, 2 instant)`;
    } else {
      const now = Date.now();
      const series: Record<string, { at: number; value: number }[]> = {};
      for (const [i, c] of CONDITIONS.entries())
        series[c.name] = [{ at: (now - 60_000) / 1000, value: Object.values(VALUES)[i] as number }];
      writeFileSync(join(dir, 'metrics.json'), JSON.stringify({ lookback: '1h', series }));
      source = new JsonMetricsSource(join(dir, 'metrics.json'));
      note = 'prometheus not installed: measured against the JSON metrics source';
    }
    const promotedAt = Date.now();
    cli(['promote', 'prod', '--artifact', digest]);
    // The promotion must be older than the longest `for`, so every measurement is taken.
    await new Promise((resolve) => setTimeout(resolve, 5500));

    const first = await wall([BIN, 'rollback', 'check', 'prod'], env, dir);
    if (first.status !== 0) throw new Error(`rollback check exited ${first.status}, expected 0 (healthy)`);
    const ours: number[] = [];
    const bare: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      bare.push((await wall(['-e', '0'], env, dir)).ms);
      ours.push((await wall([BIN, 'rollback', 'check', 'prod'], env, dir)).ms);
    }

    const policy = rollbackSection.parse({ within: '1h', when: CONDITIONS });
    const variables = { digest, stage: 'prod', pipeline: 'bench' };
    const inProcess: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const start = process.hrtime.bigint();
      const check = await checkRollback({ policy, variables, source, now: Date.now(), promotedAt });
      inProcess.push(Number(process.hrtime.bigint() - start) / 1e6);
      if (check.verdict !== 'healthy')
        throw new Error(
          `in-process check is ${check.verdict}, expected healthy: ${check.conditions.map((c) => `${c.name}: ${c.reason}`).join('; ')}`,
        );
    }

    const cliMs = median(ours);
    const bareMs = median(bare);
    const evalMs = median(inProcess);
    return [
      {
        name: '`tollgate rollback check` with 5 conditions (whole CLI process)',
        target: '≤ 3 × `node -e 0`',
        value: round1(cliMs),
        baseline: round1(bareMs),
        ratio: round2(cliMs / bareMs),
        unit: 'ms',
        pass: cliMs / bareMs <= 3,
        note: `median of ${ROUNDS}, interleaved, same environment; ${note}`,
      },
      {
        name: 'rollback check evaluation in process (5 queries + verdicts)',
        target: 'informational (share of one `node -e 0`)',
        value: round1(evalMs),
        baseline: round1(bareMs),
        ratio: round2(evalMs / bareMs),
        unit: 'ms',
        pass: true,
        note,
      },
    ];
  } finally {
    await prometheus?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
