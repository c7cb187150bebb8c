/**
 * Shared benchmark helpers. Targets are ratios against a baseline measured in the same run,
 * interleaved with the measurement, because these machines are shared and noisy.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { esbuildArgs, NODE_BUNDLE } from './esbuild-options.mjs';

/** The project root: bench/run.mjs runs from it (bundled benches live under node_modules/.cache). */
export const BENCH_ROOT = process.env.TOLLGATE_BENCH_ROOT ?? process.cwd();

export interface BenchResult {
  name: string;
  target: string;
  value: number;
  baseline: number;
  ratio: number;
  unit: string;
  pass: boolean;
  note?: string;
}

/**
 * The environment every timed process runs in: the caller's, without NODE_EXTRA_CA_CERTS. Node reads
 * that bundle of certificates at every start (~40 ms for Debian's on this machine), which adds the
 * same constant to `node -e 0` and to a Tollgate command: a constant does not cancel in a ratio, it
 * pulls every start-up ratio towards 1 (`check prod` measured 3.0x with it set and 4.6x without, two
 * minutes apart). Issue 14 states its start-up targets without it, and no timed command here
 * makes a TLS connection that would need it.
 */
export function timedEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const { NODE_EXTRA_CA_CERTS: _ignored, ...rest } = env;
  return rest;
}

/** Wall time of one process run, in milliseconds, in {@link timedEnv}. */
export function wallMs(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: timedEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0 && result.status !== 1 && result.status !== 2) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  }
  return ms;
}

export const round1 = (value: number) => Math.round(value * 10) / 10;
export const round2 = (value: number) => Math.round(value * 100) / 100;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Runs `measure` and `baseline` alternately `rounds` times and returns both medians: any noise
 * lands on both sides alike.
 */
export function interleaved(
  rounds: number,
  measure: () => number,
  baseline: () => number,
): { value: number; baseline: number } {
  measure();
  baseline();
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < rounds; i++) {
    b.push(baseline());
    a.push(measure());
  }
  return { value: median(a), baseline: median(b) };
}

/** The baseline every CLI start is compared with: an empty Node process in the same environment. */
export function nodeStartMs(): number {
  return wallMs(process.execPath, ['-e', '0']);
}

/**
 * Bundles `bench/<name>.ts` into one plain script in `work` that a child `node` can run, so peak
 * memory can be measured in a process of its own. esbuild's bin is a dev dependency.
 */
export function bundleBenchChild(name: string, work: string): string {
  const out = join(work, `${name}.mjs`);
  // Packages bundled in: the child runs from `work`, where no node_modules resolves them.
  execFileSync(join(BENCH_ROOT, 'node_modules/esbuild/bin/esbuild'), [
    join(BENCH_ROOT, 'bench', `${name}.ts`),
    ...esbuildArgs({ ...NODE_BUNDLE, logLevel: 'warning' }),
    `--outfile=${out}`,
  ]);
  return out;
}

/** Arguments for a bare `node` process that reports its own peak RSS: the memory baseline. */
export const BARE_NODE_RSS = [
  '-e',
  'process.stdout.write(JSON.stringify({maxRssKb:process.resourceUsage().maxRSS}))',
];

/** Runs `node ARGS`, whose last output is `{"maxRssKb": N}`, and returns N. */
export function childRssKb(args: string[]): number {
  const output = execFileSync(process.execPath, args, { encoding: 'utf8' });
  return (JSON.parse(output) as { maxRssKb: number }).maxRssKb;
}

/** Runs `work` once: how long it took, and what it returned. */
export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { ms: performance.now() - start, value };
}

/** A row held to an absolute time budget: `ms` against `limit` milliseconds. */
export function budgetRow(name: string, ms: number, limit: number, note: string): BenchResult {
  return {
    name,
    target: `≤ ${limit} ms`,
    value: ms,
    baseline: limit,
    ratio: ms / limit,
    unit: 'ms',
    pass: ms <= limit,
    note,
  };
}
