// `npm run bench`: bundles each bench/*.bench.ts with esbuild, runs them one after another, prints
// the results and writes docs/benchmarks.md. Every target is a ratio against a baseline measured
// in the same run. Pass a name fragment to run only some (`npm run bench -- spine`): their rows in
// docs/benchmarks.md are replaced and the others kept. TOLLGATE_BENCH_ROWS=TEXT narrows that to
// the rows whose measurement contains TEXT (`TOLLGATE_BENCH_ROWS='decision view' npm run bench --
// dashboard`): those are replaced, the bench's other rows keep their last results (a bench may
// also skip the work for them).
import { execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { BENCH_BUNDLE } from './esbuild-options.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// node_modules may be shared between checkouts (a worktree links the main one's): bundles of this
// checkout's code get a folder of their own, so two checkouts benchmarking at once never run each
// other's code. Bundles of a named commit (bench/code-at.ts) are the same everywhere and stay shared.
const out = join(
  root,
  'node_modules',
  '.cache',
  'tollgate-bench',
  `checkout-${createHash('sha256').update(realpathSync(root)).digest('hex').slice(0, 12)}`,
);
mkdirSync(out, { recursive: true });
process.env.TOLLGATE_BENCH_ROOT = root;
process.env.TOLLGATE_BENCH_CHECKOUT_CACHE = out;
const only = process.argv.slice(2);
const files = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const sections = [];
let failed = 0;
for (const file of files) {
  const name = file.replace(/\.bench\.ts$/, '');
  const outfile = join(out, `${name}.mjs`);
  await build({ ...BENCH_BUNDLE, entryPoints: [join(root, 'bench', file)], outfile });
  process.stdout.write(`bench ${name}…\n`);
  const started = Date.now();
  let results;
  try {
    results = await (await import(pathToFileURL(outfile).href)).run();
  } catch (error) {
    failed++;
    sections.push({ name, error: String(error?.stack ?? error), seconds: (Date.now() - started) / 1000 });
    process.stdout.write(`  ERROR ${error?.message ?? error}\n`);
    continue;
  }
  for (const r of results) {
    if (!r.pass) failed++;
    process.stdout.write(
      `  ${r.pass ? 'ok  ' : 'MISS'} ${r.name}: ${fmt(r.value)} ${r.unit} vs ${fmt(r.baseline)} → ${fmt(r.ratio)}× (target ${r.target})\n`,
    );
  }
  sections.push({ name, results, seconds: (Date.now() - started) / 1000 });
}

function fmt(n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return String(n);
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2);
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
let commit = 'uncommitted';
try {
  commit = execSync('git rev-parse --short HEAD', { cwd: root, encoding: 'utf8' }).trim();
} catch {}
const lines = [
  '# Benchmarks',
  '',
  'Written by `npm run bench` (bench/run.mjs). Every target is a ratio against a baseline measured in',
  'the same run, interleaved with the measurement, because these machines are shared and noisy.',
  '',
  `Last run: ${new Date().toISOString()} · commit ${commit} · Node ${process.version} · ${cpus().length} × ${cpu} · ${(totalmem() / 2 ** 30).toFixed(0)} GiB` +
    (process.env.NODE_EXTRA_CA_CERTS
      ? ' · NODE_EXTRA_CA_CERTS set here, and unset for every timed process (bench/bench-util.ts timedEnv: a constant added to both sides of a start-up ratio pulls it towards 1)'
      : ''),
  '',
  '| bench | measurement | value | baseline | ratio | target | met |',
  '| --- | --- | --- | --- | --- | --- | --- |',
];
for (const section of sections) {
  if (section.error) {
    lines.push(`| ${section.name} | **error** | | | | | ✗ |`);
    continue;
  }
  for (const r of section.results) {
    lines.push(
      `| ${section.name} | ${r.name}${r.note ? ` — ${r.note}` : ''} | ${fmt(r.value)} ${r.unit} | ${fmt(r.baseline)} ${r.unit} | ${fmt(r.ratio)} | ${r.target} | ${r.pass ? '✓' : '✗'} |`,
    );
  }
}
const errors = sections.filter((s) => s.error);
if (errors.length) {
  lines.push('', '## Errors', '');
  for (const s of errors) lines.push(`- ${s.name}: \`${s.error.split('\n')[0]}\``);
}
const notes = join(root, 'bench', 'notes.md');
if (existsSync(notes)) lines.push('', readFileSync(notes, 'utf8').trimEnd());
const file = join(root, 'docs', 'benchmarks.md');
const rowFilter = process.env.TOLLGATE_BENCH_ROWS;
const measurementOf = (line) => line.split('|')[2] ?? '';
if ((only.length > 0 || rowFilter) && existsSync(file)) {
  // A partial run replaces the rows of the benches it ran and keeps the others' last results.
  const ran = new Set(sections.map((s) => s.name));
  const kept = readFileSync(file, 'utf8')
    .split('\n')
    .filter(
      (line) => /^\| [\w-]+ \| /.test(line) && !line.startsWith('| bench |') && !line.startsWith('| --- |'),
    )
    .filter(
      (line) =>
        !ran.has(line.split('|')[1].trim()) ||
        (rowFilter !== undefined && !measurementOf(line).includes(rowFilter)),
    );
  const header = lines.indexOf('| --- | --- | --- | --- | --- | --- | --- |');
  const fresh = lines
    .slice(header + 1)
    .filter((line) => line.startsWith('| '))
    .filter((line) => rowFilter === undefined || measurementOf(line).includes(rowFilter));
  const rest = lines.slice(header + 1).filter((line) => !line.startsWith('| '));
  const rows = [...kept, ...fresh].sort((a, b) => a.split('|')[1].localeCompare(b.split('|')[1]));
  lines.splice(header + 1, lines.length, ...rows, ...rest);
  lines[5] = `${lines[5]} · this run: ${[...ran].join(', ')}${rowFilter ? ` rows "${rowFilter}"` : ''} (other rows from the previous run)`;
}
writeFileSync(file, `${lines.join('\n')}\n`);
process.stdout.write('wrote docs/benchmarks.md\n');
process.exitCode = failed > 0 ? 1 : 0;
