/**
 * The team server's speed, each target a ratio against a baseline measured in the same run:
 * - GET of a pipeline's status at 64 connections (autocannon, loopback) against a bare node:http
 *   server answering the same precomputed bytes; and the p99 latency;
 * - promotions over HTTP, one after the other, against the same promotions through the
 *   application layer in process (SQLite, and PostgreSQL when it is reachable);
 * - evidence writes (a 1,000-testcase JUnit report) from 16 clients on PostgreSQL;
 * - 3 replicas on one PostgreSQL, 8 clients × 50 promotions into one stage, one replica killed
 *   with SIGKILL mid-run, clients retrying with Idempotency-Key: lost, duplicated, chain verdict.
 * Servers run as child processes (`tollgate serve`), so the load generator does not share their
 * event loop.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import autocannon from 'autocannon';
import pg from 'pg';
import { createServices } from '../src/app/create-services.js';
import { promote } from '../src/app/promote.js';
import { registerArtifact } from '../src/app/register.js';
import { contractSource, requestOf } from '../src/app/services.js';
import { validateContract } from '../src/contract/load-contract.js';
import { parseJunit } from '../src/evidence/junit-parser.js';
import { sha256 } from '../src/ledger/hash-chain.js';
import { openPostgresStore } from '../src/ledger/postgres-store.js';
import { openSqliteStore } from '../src/ledger/sqlite-store.js';
import { BENCH_ROOT, type BenchResult, median, round1, round2 } from './bench-util.js';
import { generateJunit } from './generate-junit.js';
import { CHECKOUT_CONTRACT as CONTRACT, PG_URL } from './server-workload.mjs';

const BIN = join(BENCH_ROOT, 'bin', 'tollgate.cjs');
const SERVER_CONFIG = 'rateLimit: { perMinute: 100000000, burst: 10000000 }\n';

const digestOf = (i: number, salt: string) => sha256(`${salt}-${i}`);

interface Child {
  child: ChildProcess;
  url: string;
}

function startServe(dir: string, env: Record<string, string>): Promise<Child> {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--contract', 'tollgate.yaml', '--config', 'server.yaml', '--listen', '127.0.0.1:0'],
    {
      cwd: dir,
      env: { ...process.env, ...env, TOLLGATE_ACTOR: 'bench' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match) resolve({ child, url: match[1]! });
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
}

/** A bare node:http server in a child process, answering `body` to everything. */
function startBare(body: string): Promise<Child> {
  const script = `const b=Buffer.from(${JSON.stringify(body)});require('node:http').createServer((q,s)=>{s.writeHead(200,{'content-type':'application/json; charset=utf-8','content-length':b.length});s.end(b)}).listen(0,'127.0.0.1',function(){process.stderr.write('listening on http://127.0.0.1:'+this.address().port+'\\n')})`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      const match = /listening on (http:\/\/\S+)/.exec(chunk.toString());
      if (match) resolve({ child, url: match[1]! });
    });
  });
}

/** CPU seconds (user + system) a process has used so far, where /proc tells (Linux); else undefined. */
function cpuSeconds(pid: number | undefined): number | undefined {
  try {
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    // In clock ticks of 1/100 s (USER_HZ, 100 on Linux).
    return Number.isFinite(ticks) ? ticks / 100 : undefined;
  } catch {
    return undefined;
  }
}

function stop(child: Child | undefined) {
  if (child && child.child.exitCode === null) child.child.kill('SIGKILL');
}

/**
 * CPU time a child process has used (user + system), in µs, from /proc (Linux; clock ticks of
 * 10 ms); undefined elsewhere. Per request, it is the server's own cost, which the load of the
 * shared machine changes far less than the requests per second.
 */
function cpuMicros(child: Child): number | undefined {
  try {
    const fields = readFileSync(`/proc/${child.child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return undefined;
  }
}

async function cannon(url: string, headers: Record<string, string>, duration = 5) {
  const result = await autocannon({ url, connections: 64, duration, headers, pipelining: 1 });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p99: result.latency.p99, requests: result.requests.total };
}

function tokenFor(dir: string, env: Record<string, string>): string {
  return execFileSync(
    process.execPath,
    [BIN, 'token', 'create', '--role', 'admin', '--pipeline', '*', '--name', 'bench'],
    {
      cwd: dir,
      env: { ...process.env, ...env, TOLLGATE_ACTOR: 'bench' },
      encoding: 'utf8',
    },
  ).trim();
}

/**
 * The JSON client of these benches, for Tollgate and the bare baseline alike: node:http over a
 * keep-alive Agent, as a CI job's HTTP client keeps its connection. (Global `fetch` costs about
 * three times as much per request on this machine, and measured it rather than the server: with
 * it the bare node:http floor alone was 1.26 ms a round trip.)
 */
const agent = new http.Agent({ keepAlive: true });

function post(
  url: string,
  token: string,
  body: unknown,
  extra: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  return postBytes(url, token, Buffer.from(JSON.stringify(body)), 'application/json', extra);
}

function postBytes(
  url: string,
  token: string,
  payload: Buffer,
  type: string,
  extra: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => send(true, resolve, reject));
  function send(
    first: boolean,
    resolve: (answer: { status: number; text: string }) => void,
    reject: (error: unknown) => void,
  ) {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': type,
          'content-length': String(payload.length),
          ...extra,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString();
          if (status >= 300) reject(new Error(`${url}: ${status} ${text}`));
          else resolve({ status, text });
        });
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      // A kept connection the server closed as idle just as this request went out: the server
      // never read the request, so it is sent again once on a new connection (Node's advice).
      if (first && req.reusedSocket && error.code === 'ECONNRESET') send(false, resolve, reject);
      else reject(error);
    });
    req.end(payload);
  }
}

async function newSchema(): Promise<{ url: string; drop(): Promise<void> }> {
  const schema = `tollgate_bench_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const url = new URL(PG_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Promotions per second over HTTP against the same through the application layer, on one backend,
 * and the same POSTs against a bare node:http server answering the decision's bytes (the floor of
 * HTTP and the client on this machine). The three are interleaved in rounds, so a busy moment of
 * the shared machine falls on all of them; each rate is the median of its rounds.
 */
async function promotionRates(dir: string, env: Record<string, string>, n: number, label: string) {
  const rounds = 5;
  const perRound = Math.ceil(n / rounds);
  const contract = validateContract(CONTRACT, 'tollgate.yaml', dir);
  const token = tokenFor(dir, env);
  const server = await startServe(dir, env);
  let bare: Child | undefined;
  // In process: the use case the route calls, on its own connection to the same database.
  const store = env.TOLLGATE_DATABASE_URL
    ? await openPostgresStore(env.TOLLGATE_DATABASE_URL)
    : await openSqliteStore(join(env.TOLLGATE_DATA_DIR!, 'ledger.db'));
  const services = createServices({ contracts: contractSource([contract]), store });
  try {
    const base = `${server.url}/api/v1/pipelines/checkout`;
    for (let i = 0; i < perRound * rounds; i++) {
      await registerArtifact(requestOf(services, { principal: 'bench' }), {
        digest: digestOf(i, `a${label}`),
      });
      await post(`${base}/artifacts`, token, { digest: digestOf(i, `h${label}`) });
    }
    const trips: number[] = [];
    const rate = async (work: (i: number) => Promise<unknown>, from: number, timed?: number[]) => {
      const start = process.hrtime.bigint();
      for (let i = from; i < from + perRound; i++) {
        const t = process.hrtime.bigint();
        await work(i);
        timed?.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
      return perRound / (Number(process.hrtime.bigint() - start) / 1e9);
    };
    const inProcess: number[] = [];
    const overHttp: number[] = [];
    const bareHttp: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const from = round * perRound;
      inProcess.push(
        await rate(
          (i) => promote(requestOf(services, { principal: 'bench' }), 'dev', digestOf(i, `a${label}`)),
          from,
        ),
      );
      let answer = '';
      overHttp.push(
        await rate(
          async (i) => {
            const res = await post(`${base}/stages/dev/promotions`, token, {
              artifact: digestOf(i, `h${label}`),
            });
            answer ||= res.text;
          },
          from,
          trips,
        ),
      );
      bare ??= await startBare(answer);
      const bareUrl = bare.url;
      bareHttp.push(await rate((i) => post(bareUrl, token, { artifact: digestOf(i, `h${label}`) }), from));
    }
    return {
      overHttp: median(overHttp),
      inProcess: median(inProcess),
      bareHttp: median(bareHttp),
      rounds,
      // Rates are totals, so the slowest round trips (a process waiting for a core) weigh in full.
      medianMs: median(trips),
    };
  } finally {
    await services.close();
    stop(bare);
    stop(server);
  }
}

export async function run(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-server-bench-'));
  const children: Child[] = [];
  const drops: Array<() => Promise<void>> = [];
  try {
    writeFileSync(join(dir, 'tollgate.yaml'), CONTRACT);
    writeFileSync(join(dir, 'server.yaml'), SERVER_CONFIG);
    const sqlite = { TOLLGATE_DATA_DIR: join(dir, 'sqlite') };

    // Asked for the evidence rows only (`TOLLGATE_BENCH_ROWS=evidence`): the others keep theirs.
    const evidenceOnly = process.env.TOLLGATE_BENCH_ROWS?.startsWith('evidence') === true;

    // 1. GET status at 64 connections, against bare node:http answering the same bytes.
    if (!evidenceOnly) {
      const token = tokenFor(dir, sqlite);
      const server = await startServe(dir, sqlite);
      children.push(server);
      const base = `${server.url}/api/v1/pipelines/checkout`;
      await post(`${base}/artifacts`, token, { digest: digestOf(1, 's'), labels: { version: '1.0.0' } });
      await post(`${base}/stages/dev/promotions`, token, { artifact: digestOf(1, 's') });
      const headers = { authorization: `Bearer ${token}` };
      const body = await (await fetch(`${base}/status`, { headers })).text();
      const bare = await startBare(body);
      children.push(bare);
      // Both warmed up the same way first (2 s each, not counted): a process's first seconds run
      // cold code (V8 compiles the hot path while it runs), which says nothing about throughput.
      await cannon(bare.url, {}, 2);
      await cannon(`${base}/status`, headers, 2);
      const ours: number[] = [];
      const theirs: number[] = [];
      const p99s: number[] = [];
      const bareP99s: number[] = [];
      const ourCpu: number[] = [];
      const bareCpu: number[] = [];
      const perRequest = async (child: Child, cpu: number[], work: () => Promise<{ requests: number }>) => {
        const before = cpuMicros(child);
        const { requests } = await work();
        const after = cpuMicros(child);
        if (before !== undefined && after !== undefined) cpu.push((after - before) / requests);
      };
      const rounds = 3;
      for (let round = 0; round < rounds; round++) {
        // Taking turns going first, so neither always meets the machine right after the other.
        const pair = [
          () =>
            perRequest(bare, bareCpu, async () => {
              const b = await cannon(bare.url, {});
              theirs.push(b.rps);
              bareP99s.push(b.p99);
              return b;
            }),
          () =>
            perRequest(server, ourCpu, async () => {
              const o = await cannon(`${base}/status`, headers);
              ours.push(o.rps);
              p99s.push(o.p99);
              return o;
            }),
        ];
        if (round % 2 === 1) pair.reverse();
        for (const measure of pair) await measure();
      }
      const value = median(ours);
      const baseline = median(theirs);
      results.push({
        name: `GET status, 64 connections, 5 s × ${rounds} rounds interleaved after a 2 s warm-up each (autocannon; server and baseline in child processes; ${body.length}-byte answer); medians (rounds: Tollgate ${ours.map((r) => Math.round(r)).join(', ')}; bare ${theirs.map((r) => Math.round(r)).join(', ')} req/s)${ourCpu.length ? `; server CPU per request (user + system, /proc), median of the rounds: Tollgate ${Math.round(median(ourCpu))} µs, bare ${Math.round(median(bareCpu))} µs` : ''}`,
        target: '≥ 0.5 × bare node:http answering the same bytes',
        value: round1(value),
        baseline: round1(baseline),
        ratio: round2(value / baseline),
        unit: 'req/s',
        pass: value / baseline >= 0.5,
      });
      const p99 = Math.max(...p99s);
      results.push({
        name: `GET status, 64 connections: p99 latency, worst of ${rounds} rounds (median round ${median(p99s)} ms; rounds ${p99s.join(', ')} ms; bare node:http's worst ${Math.max(...bareP99s)} ms, the machine's floor)`,
        target: '≤ 25 ms',
        value: p99,
        baseline: 25,
        ratio: round2(p99 / 25),
        unit: 'ms',
        pass: p99 <= 25,
      });
      stop(bare);
      stop(server);
    }

    // Asked for the status rows only (TOLLGATE_BENCH_ROWS, bench/run.mjs): the rest keep theirs.
    if (process.env.TOLLGATE_BENCH_ROWS?.startsWith('GET status')) return results;

    // 2. Promotions over HTTP against in process.
    const backends: Array<[string, Record<string, string>]> = [
      ['SQLite', { TOLLGATE_DATA_DIR: join(dir, 'promote-sqlite') }],
    ];
    const pgUp = await postgresReachable();
    if (pgUp) {
      const schema = await newSchema();
      drops.push(schema.drop);
      backends.push(['PostgreSQL', { TOLLGATE_DATABASE_URL: schema.url }]);
    }
    for (const [label, env] of evidenceOnly ? [] : backends) {
      const n = 500;
      const { overHttp, inProcess, bareHttp, rounds, medianMs } = await promotionRates(dir, env, n, label);
      // Each promotion over HTTP pays the promotion and a bare round trip at least.
      const ceiling = 1 / (1 / inProcess + 1 / bareHttp);
      results.push({
        name: `${n} promotions one after the other over HTTP (${label}) — each a POST with its decision document back, client node:http with a keep-alive Agent; baseline: the same promote() use case in process; ${rounds} interleaved rounds, medians. The same POSTs from the same client against a bare node:http server answering the same bytes: ${round1(bareHttp)}/s (HTTP and the client alone), so a server that cost nothing would reach 1 / (1/${round1(inProcess)} + 1/${round1(bareHttp)}) = ${round1(ceiling)}/s, ${round2(ceiling / inProcess)}× in process; median round trip of a promotion over HTTP ${round2(medianMs)} ms`,
        target: '≥ 0.5 × in process',
        value: round1(overHttp),
        baseline: round1(inProcess),
        ratio: round2(overHttp / inProcess),
        unit: 'per s',
        pass: overHttp / inProcess >= 0.5,
      });
    }

    if (pgUp) {
      // 3. Evidence writes on PostgreSQL: 1,000-testcase JUnit, 16 clients.
      const schema = await newSchema();
      drops.push(schema.drop);
      const env = { TOLLGATE_DATABASE_URL: schema.url };
      const token = tokenFor(dir, env);
      const server = await startServe(dir, env);
      children.push(server);
      const report = await generateJunit(join(dir, 'report.xml'), 1000);
      const xml = readFileSync(report.path);
      // What one core can parse of this report, with no HTTP and no database: the ceiling of a
      // server process (its other core runs the 16 clients sending 337 KiB each).
      const parses = 200;
      const parseStart = process.hrtime.bigint();
      for (let i = 0; i < parses; i++) await parseJunit({ stream: Readable.from([xml]), name: 'report.xml' });
      const parseRate = parses / (Number(process.hrtime.bigint() - parseStart) / 1e9);
      const base = `${server.url}/api/v1/pipelines/checkout`;
      const artifacts = 16;
      for (let i = 0; i < artifacts; i++)
        await post(`${base}/artifacts`, token, { digest: digestOf(i, 'e') });
      const total = 640;
      let next = 0;
      const serverCpuBefore = cpuSeconds(server.child.pid);
      const start = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: 16 }, async (_, client) => {
          while (next < total) {
            const i = next++;
            // A suite name per write: each is a new piece of evidence, not a duplicate the store skips.
            const url = `${base}/artifacts/${digestOf(client, 'e')}/tests?suite=s${i}`;
            const res = await postBytes(url, token, xml, 'application/xml');
            if (res.status !== 201) throw new Error(`attest: ${res.status} ${res.text}`);
          }
        }),
      );
      const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
      const rate = total / elapsed;
      const serverCpuAfter = cpuSeconds(server.child.pid);
      // How much of a core the server process had: it is one event loop, so at most one.
      const serverCpu =
        serverCpuBefore === undefined || serverCpuAfter === undefined
          ? ''
          : `; the server process used ${Math.round((100 * (serverCpuAfter - serverCpuBefore)) / elapsed)}% of one core, ${round1((1000 * (serverCpuAfter - serverCpuBefore)) / total)} ms of CPU an upload`;
      results.push({
        name: `evidence writes on PostgreSQL: ${total} uploads of a 1,000-testcase JUnit report (${(report.bytes / 1024).toFixed(0)} KiB, ${Math.round(report.bytes / 1000)} bytes a test case, streamed, parsed, stored) from 16 clients, each a keep-alive node:http connection${serverCpu}`,
        target: '≥ 1,000 per s',
        value: round1(rate),
        baseline: 1000,
        ratio: round2(rate / 1000),
        unit: 'per s',
        pass: rate >= 1000,
      });
      results.push({
        name: `evidence ceiling (informational): parseJunit of the same report in this process, ${parses} back to back — one core, no HTTP, no database`,
        target: 'none: a bound on the row above per server core',
        value: round1(parseRate),
        baseline: 1000,
        ratio: round2(parseRate / 1000),
        unit: 'per s',
        pass: true,
      });
      stop(server);
      if (evidenceOnly) return results;

      // 4. Three replicas, one killed mid-run, clients retrying with idempotency keys.
      const rschema = await newSchema();
      drops.push(rschema.drop);
      const renv = { TOLLGATE_DATABASE_URL: rschema.url };
      const rtoken = tokenFor(dir, renv);
      const replicas = await Promise.all([0, 1, 2].map(() => startServe(dir, renv)));
      children.push(...replicas);
      const count = 8 * 50;
      for (let i = 0; i < count; i++)
        await post(`${replicas[0]!.url}/api/v1/pipelines/checkout/artifacts`, rtoken, {
          digest: digestOf(i, 'r'),
        });
      let done = 0;
      let retries = 0;
      let killedAt = 0;
      const rstart = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: 8 }, async (_, client) => {
          for (let n = 0; n < 50; n++) {
            const i = client * 50 + n;
            for (let attempt = 0; ; attempt++) {
              const replica = replicas[(client + n + attempt) % 3]!;
              try {
                await post(
                  `${replica.url}/api/v1/pipelines/checkout/stages/dev/promotions`,
                  rtoken,
                  { artifact: digestOf(i, 'r') },
                  { 'idempotency-key': `c${client}-n${n}` },
                );
                break;
              } catch {
                retries++;
                if (attempt > 50) throw new Error(`c${client}-n${n}: no replica answered`);
                await new Promise((resolve) => setTimeout(resolve, 20));
              }
            }
            done++;
            if (done >= Math.floor(count / 3) && killedAt === 0) {
              killedAt = done;
              replicas[1]!.child.kill('SIGKILL');
            }
          }
        }),
      );
      const seconds = Number(process.hrtime.bigint() - rstart) / 1e9;
      const store = await openPostgresStore(rschema.url);
      const promoted = (await store.entriesForStage('checkout', 'dev', ['promotion'])).map((e) => e.artifact);
      const verdict = await store.verify('checkout');
      await store.close();
      const unique = new Set(promoted).size;
      const lost = count - unique;
      const duplicated = promoted.length - unique;
      results.push({
        name: `3 replicas on one PostgreSQL, 8 clients × 50 promotions into one stage, replica 2 SIGKILLed after ${killedAt}; ${retries} retries with Idempotency-Key; ${round1(count / seconds)} promotions/s overall; lost ${lost}, duplicated ${duplicated}, ledger verify ${verdict.ok ? 'passes' : 'FAILS'}`,
        target: '0 lost, 0 duplicated, chain intact',
        value: lost + duplicated,
        baseline: 0,
        ratio: lost + duplicated,
        unit: 'lost + duplicated',
        pass: lost === 0 && duplicated === 0 && verdict.ok,
      });
    }
    return results;
  } finally {
    agent.destroy();
    for (const child of children) stop(child);
    for (const drop of drops) await drop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
