import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SaxesParser } from 'saxes';
import { parseJunit } from '../src/evidence/junit-parser.js';
import {
  BARE_NODE_RSS,
  type BenchResult,
  bundleBenchChild,
  childRssKb,
  median,
  round1,
  round2,
} from './bench-util.js';
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
    if (totals.repeats !== report.repeats || (totals.reruns?.flaky ?? 0) !== report.repeats) {
      throw new Error(
        `parseJunit found ${totals.repeats} repeated test cases (${totals.reruns?.flaky ?? 0} flaky when merged), expected ${report.repeats}`,
      );
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

    const child = bundleBenchChild('junit-child', work);
    const rss: number[] = [];
    const bareRss: number[] = [];
    for (let round = 0; round < 3; round++) {
      bareRss.push(childRssKb(BARE_NODE_RSS));
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

async function timed(action: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await action();
  return performance.now() - start;
}
