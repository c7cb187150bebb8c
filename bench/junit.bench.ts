/**
 * JUnit parsing speed and memory (issue 2, "Speed"):
 * - throughput of `parseJunit` on a generated 100,000-testcase report (~36 MB) against a bare
 *   streaming saxes pass over the same file, same read size: target ≥ 0.8×;
 * - peak RSS of a child process parsing that file against a bare `node` process: target ≤ 4×.
 * Both sides are measured in the same run, interleaved. Throughput takes each side's best round:
 * on a shared machine noise only ever adds time, so the minimum is the stable estimate.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SaxesParser } from 'saxes';
import { parseJunit } from '../src/evidence/junit-parser.js';
import type { BenchResult } from './bench-util.js';
import { generateJunit } from './generate-junit.js';

const TESTCASES = 100_000;
const ROUNDS = 7;

export async function run(): Promise<BenchResult[]> {
  const work = mkdtempSync(join(tmpdir(), 'tollgate-junit-bench-'));
  try {
    const report = await generateJunit(join(work, 'report.xml'), TESTCASES);
    const megabytes = report.bytes / 1e6;

    // Correctness first: a fast wrong parser is no result.
    const totals = await parseJunit({ path: report.path });
    for (const key of Object.keys(report.expected) as (keyof typeof report.expected)[]) {
      if (totals[key] !== report.expected[key]) {
        throw new Error(
          `parseJunit counted ${key}=${totals[key]} on the generated report, expected ${report.expected[key]}`,
        );
      }
    }

    const ours: number[] = [];
    const bare: number[] = [];
    await bareSaxesPass(report.path); // warm the page cache and the JIT for both
    for (let round = 0; round < ROUNDS; round++) {
      bare.push(await timed(() => bareSaxesPass(report.path)));
      ours.push(await timed(() => parseJunit({ path: report.path })));
    }
    const oursRate = megabytes / (Math.min(...ours) / 1000);
    const bareRate = megabytes / (Math.min(...bare) / 1000);

    const child = bundleChild(work);
    const rss: number[] = [];
    const bareRss: number[] = [];
    for (let round = 0; round < 3; round++) {
      bareRss.push(
        childRssKb(['-e', 'process.stdout.write(JSON.stringify({maxRssKb:process.resourceUsage().maxRSS}))']),
      );
      rss.push(childRssKb([child, report.path]));
    }
    const rssMb = median(rss) / 1024;
    const bareRssMb = median(bareRss) / 1024;

    return [
      {
        name: `parseJunit throughput, ${TESTCASES.toLocaleString('en')}-testcase report (${megabytes.toFixed(1)} MB)`,
        target: '≥ 0.8 × bare streaming saxes pass',
        value: round1(oursRate),
        baseline: round1(bareRate),
        ratio: round2(oursRate / bareRate),
        unit: 'MB/s',
        pass: oursRate / bareRate >= 0.8,
        note: `best of ${ROUNDS}; both read 1 MiB UTF-8 chunks; bare pass counts <testcase> open tags`,
      },
      {
        name: `parseJunit peak RSS, ${TESTCASES.toLocaleString('en')}-testcase report (${megabytes.toFixed(1)} MB)`,
        target: '≤ 4 × bare node process',
        value: round1(rssMb),
        baseline: round1(bareRssMb),
        ratio: round2(rssMb / bareRssMb),
        unit: 'MB',
        pass: rssMb / bareRssMb <= 4,
        note: 'process.resourceUsage().maxRSS of a child process, median of 3',
      },
    ];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The floor: saxes reading the same chunks, doing nothing but count test cases. */
async function bareSaxesPass(path: string): Promise<number> {
  const parser = new SaxesParser();
  let testcases = 0;
  parser.on('opentag', (tag) => {
    if (tag.name === 'testcase') testcases += 1;
  });
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1024 * 1024 })) {
    parser.write(chunk as string);
  }
  parser.close();
  return testcases;
}

/** Bundles bench/junit-child.ts (and the parser) into one plain script the child `node` can run. */
function bundleChild(work: string): string {
  const root = process.env.TOLLGATE_BENCH_ROOT ?? findRoot();
  const out = join(work, 'junit-child.mjs');
  // esbuild's bin is a native executable (a dev dependency, present wherever benchmarks run).
  execFileSync(join(root, 'node_modules/esbuild/bin/esbuild'), [
    join(root, 'bench/junit-child.ts'),
    '--bundle',
    '--platform=node',
    '--format=esm',
    '--target=node20',
    `--outfile=${out}`,
    '--log-level=warning',
  ]);
  return out;
}

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'tollgate') return dir;
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

function childRssKb(args: string[]): number {
  const output = execFileSync(process.execPath, args, { encoding: 'utf8' });
  return (JSON.parse(output) as { maxRssKb: number }).maxRssKb;
}

async function timed(action: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await action();
  return performance.now() - start;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const round1 = (value: number) => Math.round(value * 10) / 10;
const round2 = (value: number) => Math.round(value * 100) / 100;
