/**
 * Child process for bench/drift.bench.ts: builds the 100,000-leaf drift report once and reports its
 * own peak RSS, so the measurement is not mixed with the benchmark runner's heap.
 */
import { buildDriftReport, compileDriftRequirement } from '../src/drift/report.js';
import { generateConfigPair } from './generate-drift.js';

const pair = generateConfigPair();
const start = performance.now();
const report = buildDriftReport({
  upstream: { stage: 'staging', config: { plain: pair.upstream, flagd: {}, k8s: {}, sources: [] } },
  downstream: { stage: 'prod', config: { plain: pair.downstream, flagd: {}, k8s: {}, sources: [] } },
  requirement: compileDriftRequirement({ budget: { flags: 0, endpoints: 'declared', other: 5000 } }),
  now: new Date(),
});
const ms = performance.now() - start;
process.stdout.write(
  JSON.stringify({ ms, differences: report.differences.length, maxRssKb: process.resourceUsage().maxRSS }),
);
