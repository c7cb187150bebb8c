/**
 * Dashboard benchmarks (issue 16, "Speed"), on a generated SQLite ledger of 500 pipelines and
 * 1,000,000 entries (2,000 a pipeline: artifacts registered, promoted dev → staging → prod with an
 * approval; the newest waiting at prod's door for its approval):
 * - the overview's (plain, searched, filtered by status), the inbox's and a pipeline view's API
 *   answers (summary, timeline), server time in process (`app.request`, the whole hono stack),
 *   each ≤ 100 ms;
 * - the decision view's answer (the check route) ≤ 1.5 × `check` in process for the same stage;
 * - the first load of the overview in Chromium, from navigation to the pipelines painted, ≤ 1 s;
 * - the page's JavaScript ≤ 150 KB gzipped.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import BetterSqlite3 from 'better-sqlite3';
import { checkStage } from '../src/app/check.js';
import { createServices } from '../src/app/create-services.js';
import { contractSource } from '../src/app/services.js';
import { readContract, validateContract } from '../src/contract/load-contract.js';
import type { EntryKind } from '../src/ledger/entry.js';
import { chainEntry, GENESIS_HASH } from '../src/ledger/hash-chain.js';
import { openSqliteStore } from '../src/ledger/sqlite-store.js';
import { createServerApp } from '../src/server/app.js';
import type { Identity } from '../src/server/identity.js';
import { startServer } from '../src/server/serve.js';
import type { BenchResult } from './bench-util.js';
import { BENCH_ROOT, budgetRow, median, timed } from './bench-util.js';

const PIPELINES = 500;
const ARTIFACTS = 400; // × 5 entries = 2,000 a pipeline
const CHROMIUM = '/usr/bin/chromium';

const contractYaml = (name: string) => `version: 1
pipeline: ${name}
artifact: { type: file }
stages:
  dev: { purpose: fast feedback }
  staging: { purpose: release candidates, from: dev }
  prod:
    purpose: live
    from: staging
    requires:
      approvals: { count: 1 }
`;

/** How the last promotion into prod ends, by pipeline number modulo 10 (undefined: promoted). */
const ENDINGS: Record<number, 'failed' | 'passed' | 'rolled-back'> = {
  3: 'failed',
  7: 'passed',
  9: 'rolled-back',
};

// Digests as a builder makes them: the hash of something, so no two share a short digest. (Before
// 2026-12-07 they were the pipeline and artifact numbers padded with zeros: every artifact of a
// pipeline shared its first 12 hex digits with the other 999, a look-alike of each, and the
// overview and inbox spent their time reading and verifying those look-alikes' register entries.)
const digestOf = (p: number, a: number) =>
  `sha256:${createHash('sha256').update(`svc-${p}/artifact-${a}`).digest('hex')}`;

/** Writes the ledger straight into the table, chained as `append` chains it. */
function generate(file: string, names: string[]): number {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  const entry = db.prepare('insert into ledger_entries (prev_hash, hash, body) values (?, ?, ?)');
  const artifact = db.prepare(
    'insert into artifacts (pipeline, digest, labels, source, registered_at, actor) values (?, ?, ?, ?, ?, ?)',
  );
  let total = 0;
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  db.transaction(() => {
    names.forEach((pipeline, p) => {
      let prev = GENESIS_HASH;
      let seq = 0;
      const append = (
        kind: EntryKind,
        stage: string | null,
        digest: string,
        actor: string,
        payload: Record<string, unknown>,
      ) => {
        seq += 1;
        const e = chainEntry(
          {
            pipeline,
            seq,
            kind,
            stage,
            artifact: digest,
            actor,
            at: new Date(t0 + seq * 60_000).toISOString(),
            payload,
          },
          prev,
        );
        entry.run(e.prevHash, e.hash, e.body);
        prev = e.hash;
        total += 1;
      };
      for (let a = 0; a < ARTIFACTS; a++) {
        const digest = digestOf(p, a);
        const labels = { version: `1.${Math.floor(a / 10)}.${a % 10}` };
        artifact.run(pipeline, digest, JSON.stringify(labels), 'digest', new Date(t0).toISOString(), 'ci');
        append('register', null, digest, 'ci', { labels, source: 'digest' });
        append('promotion', 'dev', digest, 'ci', { contractDigest: 'sha256:bench' });
        append('promotion', 'staging', digest, 'ci', { contractDigest: 'sha256:bench' });
        // The last one promoted into prod ends, in one pipeline of ten each, failed, verified or
        // rolled back (its approval entry traded for the verification or rollback after it), so the
        // status filter has something to find: 50 pipelines each.
        const ending = a === ARTIFACTS - 2 ? ENDINGS[p % 10] : undefined;
        if (ending) {
          append('promotion', 'prod', digest, 'ci', { contractDigest: 'sha256:bench' });
          if (ending === 'rolled-back')
            append('rollback', 'prod', digest, 'ci', {
              target: digestOf(p, a - 1),
              promotion: seq,
              reason: 'bench',
            });
          else append('verification', 'prod', digest, 'ci', { result: ending });
          continue;
        }
        append('approval', 'prod', digest, 'erin', { decision: 'approve' });
        // The newest waits at prod's door (its approval withdrawn): what the overview shows pending.
        if (a < ARTIFACTS - 1) append('promotion', 'prod', digest, 'ci', { contractDigest: 'sha256:bench' });
        else append('approval', 'prod', digest, 'erin', { decision: 'withdraw' });
      }
    });
  })();
  db.close();
  return total;
}

/** Decision-view timings, interleaved with `check` in process; medians. */
const DECISION_ROUNDS = 201;
/**
 * Interleaved rounds of both before the measured ones. `check`'s code is hot by then (the inbox
 * rows ran ~900 decisions); the check route's own code (its validation, the contract in force,
 * the answer) had run only in these rounds: measured from its first call, the route's median was
 * 130–300 µs over `check`'s, against 50–90 µs once both are warm, on a 10,000-entry ledger as on
 * this one (bench/notes.md). Both are measured warm, as in a serving process; the first 201
 * rounds are reported beside them.
 */
const DECISION_WARM_UP = 3000;

/**
 * The server's time for one request in process: from a Request in hand (`app.fetch`) until the
 * answer is made (its JSON text built and put in the Response). A serving process is handed its
 * Request by @hono/node-server, made lazily over Node's own request; making a whole Fetch Request
 * from a URL first, as `app.request(path)` does (~5–7 µs, and each later read of its URL or headers
 * through undici), is the caller's cost, made before the timing starts: `requestTo`. The rows say
 * the figure with it inside too (`answerMade` given the path). Reading the body back through a
 * Fetch Response's stream is the caller's cost as well, and not one the deployed server pays:
 * @hono/node-server writes the text straight to the socket. The rows say that figure too.
 */
async function answerMade(
  app: {
    fetch(request: Request): Response | Promise<Response>;
    request(path: string): Response | Promise<Response>;
  },
  request: Request | string,
) {
  const res = await (typeof request === 'string' ? app.request(request) : app.fetch(request));
  if (res.status !== 200) {
    const url = typeof request === 'string' ? request : request.url;
    throw new Error(`${url}: ${res.status} ${await res.text()}`);
  }
  return res;
}

/** A GET of `path` on the app, as `app.request(path)` makes it. */
const requestTo = (path: string) => new Request(new URL(path, 'http://localhost'));

/** The check route against `check` in process on the example pipeline's prod stage. */
async function richDecision(): Promise<{ api: number; apiRead: number; inProcess: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-decision-'));
  try {
    cpSync(join(BENCH_ROOT, 'examples/checkout'), dir, { recursive: true });
    const cli = (...args: string[]) =>
      execFileSync(process.execPath, [join(BENCH_ROOT, 'bin/tollgate.cjs'), ...args], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, TOLLGATE_ACTOR: 'ci', TOLLGATE_DATABASE_URL: '' },
      });
    const digest = (
      JSON.parse(cli('register', '--file', 'build/checkout-1.4.2.txt', '--json')) as { digest: string }
    ).digest;
    cli('attest', 'tests', '--artifact', digest, '--suite', 'unit', 'reports/unit.xml');
    const contract = readContract(join(dir, 'tollgate.yaml'));
    const services = createServices({
      contracts: contractSource([contract]),
      store: () => openSqliteStore(join(dir, '.tollgate', 'ledger.db')),
    });
    const who: Identity = { principal: 'bench', grant: { role: 'admin', pipelines: '*' }, via: 'bench' };
    const { app } = createServerApp({ services, authenticators: [async () => who] });
    const ctx = { services, contract, caller: { principal: 'bench', grant: who.grant, at: new Date() } };
    const path = `/api/v1/pipelines/checkout/stages/prod/check?artifact=${digest}`;
    const api: number[] = [];
    const apiRead: number[] = [];
    const inProcess: number[] = [];
    for (let i = 0; i < DECISION_ROUNDS; i++) {
      inProcess.push((await timed(() => checkStage(ctx, 'prod', digest))).ms);
      const request = requestTo(path);
      api.push((await timed(() => answerMade(app, request))).ms);
      apiRead.push((await timed(async () => (await answerMade(app, path)).json())).ms);
    }
    await services.close();
    return { api: median(api), apiRead: median(apiRead), inProcess: median(inProcess) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-dashboard-'));
  try {
    const names = Array.from({ length: PIPELINES }, (_, i) => `svc-${String(i).padStart(3, '0')}`);
    const contracts = names.map((name) =>
      validateContract(contractYaml(name), join(dir, `${name}.yaml`), dir),
    );
    const file = join(dir, 'ledger.db');
    await (await openSqliteStore(file)).close();
    const generated = await timed(async () => generate(file, names));
    const services = createServices({
      contracts: contractSource(contracts),
      store: () => openSqliteStore(file),
    });
    const bench: Identity = { principal: 'bench', grant: { role: 'admin', pipelines: '*' }, via: 'bench' };
    const dashboardDir = join(BENCH_ROOT, 'dist', 'ui');
    // The bench's own requests (~4,000 for the decision view) must not be refused: the limiter runs
    // for every request as always, with room for them.
    const { app } = createServerApp({
      services,
      authenticators: [async () => bench],
      dashboardDir,
      rateLimit: { perMinute: 1_000_000, burst: 10_000 },
    });
    const get = async (path: string) => (await answerMade(app, path)).json();
    // Every row: one cold call (first after start), then the median of 21.
    const measure = async (path: string) => {
      const cold = (await timed(() => get(path))).ms;
      const warm: number[] = [];
      for (let i = 0; i < 21; i++) warm.push((await timed(() => get(path))).ms);
      return { cold, median: median(warm) };
    };
    // A measured route against its 100 ms budget.
    const apiRow = (name: string, measured: { cold: number; median: number }, more = '') =>
      budgetRow(name, measured.median, 100, `median of 21; first ${measured.cold.toFixed(0)} ms${more}`);
    // The ledger was written straight into its table: the listing index is built by the first
    // filtered read, as for a database from before the index.
    const indexBuilt = (await timed(() => get('/api/v1/overview?status=failed'))).ms;
    const overview = await measure('/api/v1/overview?page=1&size=20');
    const later = await measure('/api/v1/overview?page=3&size=20&q=svc-2');
    const failed = await measure('/api/v1/overview?status=failed&page=1&size=20');
    const rolledPage = await measure('/api/v1/overview?status=rolled-back&page=3&size=20');
    const waitingPage = await measure('/api/v1/overview?status=waiting&page=25&size=20');
    const inbox = await measure('/api/v1/inbox?size=20');
    const inboxLater = await measure('/api/v1/inbox?size=20&after=480');
    const counts = {
      failed: ((await get('/api/v1/overview?status=failed&size=1')) as { total: number }).total,
      rolled: ((await get('/api/v1/overview?status=rolled-back&size=1')) as { total: number }).total,
      waiting: ((await get('/api/v1/overview?status=waiting&size=1')) as { total: number }).total,
      inbox: ((await get('/api/v1/inbox?size=20')) as { items: unknown[] }).items.length,
    };
    if (counts.failed !== 50 || counts.rolled !== 50 || counts.waiting !== PIPELINES || counts.inbox !== 20)
      throw new Error(`the filters found ${JSON.stringify(counts)}: expected 50, 50, ${PIPELINES} and 20`);
    const summary = await measure('/api/v1/pipelines/svc-250/summary');
    const timeline = await measure('/api/v1/pipelines/svc-250/timeline?limit=30');
    const deep = await measure('/api/v1/pipelines/svc-250/timeline?limit=30&before=1000');

    // The decision view against `check` in process, interleaved.
    const waiting = digestOf(250, ARTIFACTS - 1);
    const ctx = {
      services,
      contract: services.contracts.get('svc-250'),
      caller: { principal: 'bench', grant: bench.grant, at: new Date() },
    };
    const viaApi: number[] = [];
    const viaRequest: number[] = [];
    const viaApiRead: number[] = [];
    const inProcess: number[] = [];
    const coldApi: number[] = [];
    const coldInProcess: number[] = [];
    const checkPath = `/api/v1/pipelines/svc-250/stages/prod/check?artifact=${waiting}`;
    for (let i = 0; i < DECISION_WARM_UP + DECISION_ROUNDS; i++) {
      const check = (await timed(() => checkStage(ctx, 'prod', waiting))).ms;
      const request = requestTo(checkPath);
      const api = (await timed(() => answerMade(app, request))).ms;
      const requested = (await timed(() => answerMade(app, checkPath))).ms;
      const read = (await timed(() => get(checkPath))).ms;
      if (i < DECISION_ROUNDS) {
        coldInProcess.push(check);
        coldApi.push(api);
      }
      if (i < DECISION_WARM_UP) continue;
      inProcess.push(check);
      viaApi.push(api);
      viaRequest.push(requested);
      viaApiRead.push(read);
    }
    const decisionRatio = median(viaApi) / median(inProcess);

    const rich = await richDecision();

    const shipped = gzipSync(readFileSync(join(dashboardDir, 'assets/app.js'))).length;
    const results: BenchResult[] = [
      budgetRow(
        'overview API (page 1 of 500 pipelines, 20 a page, each stage current + what waits at its door) on 1,000,000 entries',
        overview.median,
        100,
        `median of 21 in process (app.request); first call ${overview.cold.toFixed(0)} ms; ledger of ${PIPELINES} pipelines generated in ${(generated.ms / 1000).toFixed(0)} s`,
      ),
      apiRow('overview API, searched and paged (q=svc-2: 100 pipelines, page 3)', later),
      apiRow(
        'overview API filtered by status (status=failed: 50 of 500 pipelines, page 1)',
        failed,
        `; the listing index (1,500 stage rows) was built from the 1,000,000-entry ledger by the first filtered call, in ${indexBuilt.toFixed(0)} ms`,
      ),
      apiRow('overview API filtered by status (status=rolled-back: 50 pipelines, page 3)', rolledPage),
      apiRow(
        'overview API filtered by status (status=waiting: 500 pipelines, page 25, the last)',
        waitingPage,
      ),
      apiRow('approvals inbox API, page 1 (20 of 500 digests waiting at prod, one check each)', inbox),
      apiRow('approvals inbox API, the last page (after=480)', inboxLater),
      apiRow('pipeline view API: summary of one pipeline (2,000 entries)', summary),
      apiRow('pipeline view API: newest timeline page (30 rows)', timeline),
      apiRow('pipeline view API: an older timeline page (before #1000)', deep),
      {
        name: 'decision view API (check route, whole HTTP stack in process: routing, authentication, rate limit, authorisation, validation, metrics, the answer as JSON text) vs `check` in process, same stage and digest',
        target: '≤ 1.5×',
        value: median(viaApi),
        baseline: median(inProcess),
        ratio: decisionRatio,
        unit: 'ms',
        pass: decisionRatio <= 1.5,
        note: `server time (app.fetch of a Request in hand until the answer is made); medians of ${DECISION_ROUNDS}, interleaved, after ${DECISION_WARM_UP} rounds of both; the first ${DECISION_ROUNDS} rounds ${median(coldApi).toFixed(2)} vs ${median(coldInProcess).toFixed(2)} ms (${(median(coldApi) / median(coldInProcess)).toFixed(2)}×); with the Fetch Request made from the URL inside the timing (app.request) ${median(viaRequest).toFixed(2)} ms (${(median(viaRequest) / median(inProcess)).toFixed(2)}×); with the body read back and parsed by the caller too ${median(viaApiRead).toFixed(2)} ms (${(median(viaApiRead) / median(inProcess)).toFixed(2)}×)`,
      },
      {
        name: "decision view API vs `check` in process on the example pipeline's prod stage (drift reading config, signatures, SBOM, scan, windows, rollback)",
        target: '≤ 1.5×',
        value: rich.api,
        baseline: rich.inProcess,
        ratio: rich.api / rich.inProcess,
        unit: 'ms',
        pass: rich.api / rich.inProcess <= 1.5,
        note: `server time, as above; medians of ${DECISION_ROUNDS}, interleaved; with the Request made and the body read back by the caller ${rich.apiRead.toFixed(2)} ms (${(rich.apiRead / rich.inProcess).toFixed(2)}×); examples/checkout with one artifact registered and its unit tests attested`,
      },
      {
        name: 'dashboard JavaScript shipped, gzipped (dist/ui/assets/app.js)',
        target: '≤ 150 KB',
        value: shipped / 1024,
        baseline: 150,
        ratio: shipped / 1024 / 150,
        unit: 'KB',
        pass: shipped <= 150 * 1024,
      },
    ];

    if (existsSync(CHROMIUM)) {
      const { chromium } = await import('playwright-core');
      const server = await startServer({
        listen: { host: '127.0.0.1', port: 0 },
        services,
        authenticators: [async () => bench],
        dashboardDir,
      });
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      try {
        const loads: number[] = [];
        for (let i = 0; i < 5; i++) {
          // A fresh context each time: no cache, as a first visit.
          const context = await browser.newContext();
          const page = await context.newPage();
          // The browser's own clock: from navigation start to the moment the pipelines are in the
          // page (a MutationObserver installed before the page's scripts), then the next frame.
          await page.addInitScript(() => {
            new MutationObserver((_, observer) => {
              if (!document.querySelector('li.card')) return;
              observer.disconnect();
              requestAnimationFrame(() => {
                (window as unknown as { painted: number }).painted = performance.now();
              });
            }).observe(document, { childList: true, subtree: true });
          });
          await page.goto(`${server.url}/`);
          await page.waitForFunction(() => (window as unknown as { painted?: number }).painted !== undefined);
          const painted = await page.evaluate(() => (window as unknown as { painted: number }).painted);
          loads.push(painted);
          // Let the page's ledger checks finish, so the next load does not queue behind them.
          await page.waitForLoadState('networkidle');
          await context.close();
        }
        results.push(
          budgetRow(
            'first load of the overview in Chromium, navigation to the 20 pipelines painted (same ledger)',
            median(loads),
            1000,
            `median of 5 fresh browser contexts (no cache), over a socket, measured by the page's performance.now(); slowest ${Math.max(...loads).toFixed(0)} ms`,
          ),
        );
      } finally {
        await browser.close();
        await server.stop();
      }
    } else {
      await services.close();
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
