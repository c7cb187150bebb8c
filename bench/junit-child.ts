/**
 * Child process for bench/junit.bench.ts: parses one JUnit file and reports its own peak RSS, so
 * the measurement is not mixed with the benchmark runner's heap. Bundled by the bench at run time.
 * Usage: node junit-child.mjs FILE
 */
import { parseJunit } from '../src/evidence/junit-parser.js';

const file = process.argv[2];
if (!file) throw new Error('usage: junit-child FILE');
const start = performance.now();
const totals = await parseJunit({ path: file });
const ms = performance.now() - start;
process.stdout.write(JSON.stringify({ ms, tests: totals.tests, maxRssKb: process.resourceUsage().maxRSS }));
