// `node bench/promotion-pairs.mjs [--pairs 8] [--n 500] [--backend sqlite|postgres] A B`: the
// server bench's in-process promotion loop (register 2n digests, promote n of them into dev through
// promote(), as bench/server.bench.ts does) on two versions of Tollgate, each run in a child process
// of its own on a fresh ledger, the two taking turns going first. A and B are commits (bundled from
// `git archive`) or `.` for this checkout's src/. Per run: promotions a second (wall clock, which a
// loaded machine moves by a third between runs) and CPU a promotion, of this process and, on
// PostgreSQL, of its server backend (from /proc): what the code costs, much less moved by the load.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BENCH_BUNDLE } from './esbuild-options.mjs';
import { CHECKOUT_CONTRACT, PG_URL } from './server-workload.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY = [
  "export { createServices } from './src/app/create-services.js';",
  "export { promote } from './src/app/promote.js';",
  "export { registerArtifact } from './src/app/register.js';",
  "export { contractSource, requestOf } from './src/app/services.js';",
  "export { validateContract } from './src/contract/load-contract.js';",
  "export { sha256 } from './src/ledger/hash-chain.js';",
  "export { openPostgresStore } from './src/ledger/postgres-store.js';",
  "export { openSqliteStore } from './src/ledger/sqlite-store.js';",
].join('\n');

/** Bundles src/ of `ref` (a commit, or `.` for this checkout) and returns the bundle's path. */
async function bundleOf(ref) {
  const { build } = await import('esbuild');
  const cache = join(root, 'node_modules', '.cache', 'tollgate-bench');
  let srcRoot = root;
  let outfile;
  if (ref === '.') {
    // Under this checkout's node_modules, so the bundle's packages resolve as the code's do.
    const checkout = createHash('sha256').update(realpathSync(root)).digest('hex').slice(0, 12);
    outfile = join(cache, `pairs-checkout-${checkout}`, 'pairs.mjs');
  } else {
    const commit = execFileSync('git', ['-C', root, 'rev-parse', ref], { encoding: 'utf8' }).trim();
    srcRoot = join(cache, `pairs-src-${commit.slice(0, 12)}`);
    rmSync(srcRoot, { recursive: true, force: true });
    mkdirSync(srcRoot, { recursive: true });
    const archive = execFileSync('git', ['-C', root, 'archive', '--format=tar', commit, 'src'], {
      maxBuffer: 256 * 1024 * 1024,
    });
    execFileSync('tar', ['-x', '-C', srcRoot], { input: archive });
    outfile = join(srcRoot, 'pairs.mjs');
  }
  // Packages stay external and resolve from this checkout's node_modules, for both versions.
  await build({ ...BENCH_BUNDLE, stdin: { contents: ENTRY, resolveDir: srcRoot, loader: 'ts' }, outfile });
  return outfile;
}

/** Clock ticks (user + system) a process has used, from /proc; 0 when it cannot be read. */
function ticks(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** One run, in this (child) process: JSON on stdout. */
async function child(bundle, backend, n) {
  const t = await import(pathToFileURL(bundle).href);
  const pg = (await import('pg')).default;
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-pairs-run-'));
  const schema = `tollgate_pairs_${process.pid}`;
  let store;
  if (backend === 'postgres') {
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    const url = new URL(PG_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    url.searchParams.set('application_name', schema);
    store = await t.openPostgresStore(url.toString());
  } else {
    store = await t.openSqliteStore(join(dir, 'ledger.db'));
  }
  const contract = t.validateContract(CHECKOUT_CONTRACT, 'tollgate.yaml', dir);
  const services = t.createServices({ contracts: t.contractSource([contract]), store });
  const request = () => t.requestOf(services, { principal: 'bench' });
  for (let i = 0; i < n; i++) {
    await t.registerArtifact(request(), { digest: t.sha256(`a-${i}`) });
    await t.registerArtifact(request(), { digest: t.sha256(`h-${i}`) });
  }
  let backends = [];
  const client = backend === 'postgres' ? new pg.Client({ connectionString: PG_URL }) : undefined;
  if (client) {
    await client.connect();
    const { rows } = await client.query('select pid from pg_stat_activity where application_name = $1', [
      schema,
    ]);
    backends = rows.map((row) => row.pid);
  }
  const backendTicks = () => backends.reduce((sum, pid) => sum + ticks(pid), 0);
  const ticksBefore = backendTicks();
  const cpuBefore = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await t.promote(request(), 'dev', t.sha256(`a-${i}`));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  const backendMs = (backendTicks() - ticksBefore) * 10;
  await services.close();
  if (client) {
    await client.query(`drop schema ${schema} cascade`);
    await client.end();
  }
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(
    `${JSON.stringify({
      perSecond: n / seconds,
      cpuMicros: (cpu.user + cpu.system) / n,
      backendCpuMicros: backend === 'postgres' ? (backendMs * 1000) / n : undefined,
    })}\n`,
  );
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const spread = (values) => `${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)}`;

async function main(args) {
  if (args[0] === '--child') return child(args[1], args[2], Number(args[3]));
  const option = (name, fallback) => {
    const at = args.indexOf(name);
    if (at === -1) return fallback;
    const [value] = args.splice(at, 2).slice(1);
    return value;
  };
  const pairs = Number(option('--pairs', '8'));
  const n = Number(option('--n', '500'));
  const backend = option('--backend', 'sqlite');
  if (args.length !== 2 || !['sqlite', 'postgres'].includes(backend))
    throw new Error('usage: promotion-pairs.mjs [--pairs 8] [--n 500] [--backend sqlite|postgres] A B');
  const bundles = [await bundleOf(args[0]), await bundleOf(args[1])];
  const runs = [[], []];
  const loads = [];
  for (let pair = 0; pair < pairs; pair++) {
    for (const side of pair % 2 === 0 ? [0, 1] : [1, 0]) {
      const result = spawnSync(
        process.execPath,
        [fileURLToPath(import.meta.url), '--child', bundles[side], backend, String(n)],
        {
          encoding: 'utf8',
          cwd: root,
        },
      );
      if (result.status !== 0) throw new Error(`run of ${args[side]} failed: ${result.stderr}`);
      runs[side].push(JSON.parse(result.stdout.trim().split('\n').at(-1)));
      loads.push(loadavg()[0]);
      process.stdout.write(`pair ${pair + 1} ${args[side]}: ${result.stdout.trim()}\n`);
    }
  }
  for (const key of ['perSecond', 'cpuMicros', 'backendCpuMicros']) {
    if (runs[0][0][key] === undefined) continue;
    const [a, b] = runs.map((side) => side.map((run) => run[key]));
    const ratios = a.map((value, i) => b[i] / value);
    process.stdout.write(
      `${key}: ${args[0]} median ${median(a).toFixed(0)} (${spread(a)}), ${args[1]} median ${median(b).toFixed(0)} (${spread(b)}); ${args[1]}/${args[0]} per pair median ${median(ratios).toFixed(3)} (${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)})\n`,
    );
  }
  process.stdout.write(`load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}\n`);
}

await main(process.argv.slice(2));
