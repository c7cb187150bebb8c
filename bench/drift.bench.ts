import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsYaml from 'js-yaml';
import diff from 'microdiff';
import { readStageConfig } from '../src/drift/read-config.js';
import { buildDriftReport, compileDriftRequirement } from '../src/drift/report.js';
import {
  BARE_NODE_RSS,
  type BenchResult,
  bundleBenchChild,
  childRssKb,
  median,
  round1,
  round2,
} from './bench-util.js';
import { generateConfigPair, generateManifests } from './generate-drift.js';

const ROUNDS = 9;
const NOW = new Date('2026-11-26T12:00:00Z');

export async function run(): Promise<BenchResult[]> {
  const work = mkdtempSync(join(tmpdir(), 'tollgate-drift-bench-'));
  try {
    return [await diffBench(), rssBench(work), await manifestsBench(work)];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function diffBench(): Promise<BenchResult> {
  const pair = generateConfigPair();
  const report = () =>
    buildDriftReport({
      upstream: { stage: 'staging', config: { plain: pair.upstream, flagd: {}, k8s: {}, sources: [] } },
      downstream: { stage: 'prod', config: { plain: pair.downstream, flagd: {}, k8s: {}, sources: [] } },
      requirement: compileDriftRequirement({ budget: { flags: 0, endpoints: 'declared', other: 5000 } }),
      now: NOW,
    });
  // Correctness first: exactly the changed leaves, no reordering noise.
  const ours = report();
  if (ours.differences.length !== pair.changed || ours.differences.some((d) => d.kind !== 'changed')) {
    throw new Error(
      `drift reported ${ours.differences.length} differences, expected exactly ${pair.changed} changes`,
    );
  }
  const noisy = diff(pair.upstream, pair.downstream).length;
  const oursMs: number[] = [];
  const microMs: number[] = [];
  report();
  diff(pair.upstream, pair.downstream);
  for (let round = 0; round < ROUNDS; round++) {
    microMs.push(timed(() => diff(pair.upstream, pair.downstream)));
    oursMs.push(timed(report));
  }
  const value = Math.min(...oursMs);
  const baseline = Math.min(...microMs);
  return {
    name: `drift report (diff + classify + budget), two ${pair.leaves.toLocaleString('en')}-leaf configs, 1% changed`,
    target: '≤ 3 × plain microdiff of the same objects',
    value: round1(value),
    baseline: round1(baseline),
    ratio: round2(value / baseline),
    unit: 'ms',
    pass: value / baseline <= 3,
    note: `best of ${ROUNDS}; drift reports the ${pair.changed} real changes, microdiff reports ${noisy.toLocaleString('en')} (reordering noise)`,
  };
}

function rssBench(work: string): BenchResult {
  const child = bundleBenchChild('drift-child', work);
  const ours: number[] = [];
  const bare: number[] = [];
  for (let round = 0; round < 3; round++) {
    bare.push(childRssKb(BARE_NODE_RSS));
    ours.push(childRssKb([child]));
  }
  const value = median(ours) / 1024;
  const baseline = median(bare) / 1024;
  return {
    name: 'drift report peak RSS, two 100,000-leaf configs (generated in the same process)',
    target: '≤ 300 MB',
    value: round1(value),
    baseline: round1(baseline),
    ratio: round2(value / baseline),
    unit: 'MB',
    pass: value <= 300,
    note: 'process.resourceUsage().maxRSS of a child process, median of 3; baseline is a bare node process',
  };
}

async function manifestsBench(work: string): Promise<BenchResult> {
  const files = { staging: join(work, 'staging.yaml'), prod: join(work, 'prod.yaml') };
  writeFileSync(files.staging, generateManifests('staging'));
  writeFileSync(files.prod, generateManifests('prod'));
  const report = async () => {
    const [upstream, downstream] = await Promise.all([
      readStageConfig(['staging.yaml'], { root: work }),
      readStageConfig(['prod.yaml'], { root: work }),
    ]);
    return buildDriftReport({
      upstream: { stage: 'staging', config: upstream },
      downstream: { stage: 'prod', config: downstream },
      requirement: compileDriftRequirement({ budget: { endpoints: 'declared', data: 'declared' } }),
      now: NOW,
    });
  };
  const parse = () => {
    jsYaml.loadAll(readFileSync(files.staging, 'utf8'));
    jsYaml.loadAll(readFileSync(files.prod, 'utf8'));
  };
  const first = await report();
  if (Object.keys(first.downstream.sources).length !== 1 || first.differences.length === 0) {
    throw new Error('the manifests drift report found no differences');
  }
  parse();
  const oursMs: number[] = [];
  const parseMs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    parseMs.push(timed(parse));
    const start = performance.now();
    await report();
    oursMs.push(performance.now() - start);
  }
  const value = Math.min(...oursMs);
  const baseline = Math.min(...parseMs);
  return {
    name: 'drift report of 500 Kubernetes manifests per stage (multi-document YAML files)',
    target: '≤ 1000 ms',
    value: round1(value),
    baseline: round1(baseline),
    ratio: round2(value / baseline),
    unit: 'ms',
    pass: value <= 1000,
    note: `best of ${ROUNDS}; ${first.differences.length} differences; baseline: js-yaml loadAll of the same two files`,
  };
}

function timed(action: () => unknown): number {
  const start = performance.now();
  action();
  return performance.now() - start;
}
