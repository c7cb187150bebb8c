/**
 * A GET status whose token, contract in force and answer the store keeps is answered on the socket
 * without hono (src/server/kept-reads.ts). These tests hold it to the app's answers: the same
 * bytes and headers, the same refusals (scope, a set clock, a bad name, the rate limit), a token
 * revoked or expired refused on the next request, a write by another process or replica seen on
 * the next GET, and every such answer counted in the metrics and the access log.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createServices } from '../../src/app/create-services.js';
import { type ClockSource, contractSource } from '../../src/app/services.js';
import { createToken } from '../../src/app/tokens.js';
import { openSqliteStore } from '../../src/ledger/sqlite-store.js';
import { type RunningServer, startServer } from '../../src/server/serve.js';
import { apiTokenAuthenticator } from '../../src/server/token-auth.js';
import { contractOf } from '../support/builders.js';
import { fakeDigest, ROOT, runCli } from '../support/cli.js';
import { POSTGRES_AVAILABLE, postgresBackend, type StoreHandle, sqliteBackend } from '../support/stores.js';
import { BILLING } from './support.js';

/** Promotions into dev need nothing: each test promotes what it shows. */
const LIVE = contractOf(`version: 1
pipeline: checkout
artifact: { type: oci }
stages:
  dev: { purpose: fast feedback }
  prod: { purpose: live, from: dev }
`);
const STATUS = '/api/v1/pipelines/checkout/status';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A clock a test moves. */
function movableClock(): ClockSource & { advance(ms: number): void } {
  let now = Date.now();
  return { now: () => new Date(now), fixed: false, advance: (ms) => (now += ms) };
}

interface Served {
  server: RunningServer;
  lines: string[];
  token(o: {
    role: string;
    pipelines: string[];
    stages?: string[];
    expiresIn?: string;
  }): Promise<{ token: string; id: string }>;
  get(path: string, token: string, headers?: Record<string, string>): Promise<Response>;
  post(path: string, token: string, body: unknown): Promise<Response>;
  /** GET status answers made from kept reads so far (the metric). */
  kept(): Promise<number>;
}

/** `tollgate serve` in this process, over `store`, with a reader of every pipeline for /metrics. */
async function serve(
  store: StoreHandle['store'],
  options: {
    clock?: ClockSource;
    rateLimit?: { perMinute: number; burst: number; authFailures?: number };
  } = {},
): Promise<Served> {
  const services = createServices({
    contracts: contractSource([LIVE, BILLING]),
    store,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const lines: string[] = [];
  const server = await startServer({
    services,
    authenticators: [apiTokenAuthenticator(services)],
    listen: { host: '127.0.0.1', port: 0 },
    log: (line) => lines.push(line),
    rateLimit: options.rateLimit ?? { perMinute: 1_000_000, burst: 100_000 },
  });
  // Closing the server closes the store (services.close), which the handle's dispose also does.
  cleanups.push(() => server.stop(0).catch(() => undefined));
  const token: Served['token'] = async (o) => {
    const made = await createToken(services, o, 'test-setup', services.clock.now());
    return { token: made.token, id: made.record.id };
  };
  // Outlasting a clock a test moves past the other tokens' 90 days.
  const metricsToken = (await token({ role: 'reader', pipelines: ['*'], expiresIn: '366d' })).token;
  const get = (path: string, bearer: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${bearer}`, ...headers } });
  return {
    server,
    lines,
    token,
    get,
    post: (path, bearer, body) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    async kept() {
      const text = await (await get('/metrics', metricsToken)).text();
      const line = text.split('\n').find((l) => l.startsWith('tollgate_http_kept_answers_total '));
      if (line === undefined) throw new Error('no tollgate_http_kept_answers_total in /metrics');
      return Number(line.split(' ')[1]);
    },
  };
}

async function sqliteStore(): Promise<StoreHandle> {
  const handle = await sqliteBackend.open();
  cleanups.push(() => handle.dispose().catch(() => undefined));
  return handle;
}

/** Registers `digest` and promotes it into dev through the API. */
async function promoteDev(served: Served, token: string, digest: string): Promise<void> {
  const base = '/api/v1/pipelines/checkout';
  expect((await served.post(`${base}/artifacts`, token, { digest })).status).toBe(201);
  const promoted = await served.post(`${base}/stages/dev/promotions`, token, { artifact: digest });
  expect(promoted.status, await promoted.clone().text()).toBe(201);
}

/** The answer's headers that say what it is (not when, nor which request). */
function headersOf(response: Response): Record<string, string> {
  const out: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'date' && name !== 'x-request-id') out[name] = value;
  });
  return out;
}

describe('GET status answered from kept reads', () => {
  it('answers the same bytes and headers as the app, counted in the metrics and the access log', async () => {
    const served = await serve((await sqliteStore()).store);
    const { token } = await served.token({ role: 'ci', pipelines: ['checkout'] });
    await promoteDev(served, token, fakeDigest('kept'));
    const before = await served.kept();
    const first = await served.get(STATUS, token, { 'x-request-id': 'first-one' });
    const second = await served.get(STATUS, token, { 'x-request-id': 'second-one' });
    // The first read and kept them; the second was answered from them.
    expect(await served.kept()).toBe(before + 1);
    expect(second.status).toBe(200);
    const text = await second.text();
    expect(text).toBe(await first.text());
    expect(JSON.parse(text)[0].current.artifact.digest).toBe(fakeDigest('kept'));
    expect(headersOf(second)).toEqual(headersOf(first));
    expect(headersOf(second)['cache-control']).toBe('no-store');
    expect(second.headers.get('x-request-id')).toBe('second-one');
    const logged = served.lines.map((line) => JSON.parse(line)).filter((l) => l.route.endsWith('/status'));
    expect(logged.map((l) => [l.requestId, l.status, l.principal, l.route])).toEqual([
      ['first-one', 200, 'ci-checkout', '/api/v1/pipelines/{pipeline}/status'],
      ['second-one', 200, 'ci-checkout', '/api/v1/pipelines/{pipeline}/status'],
    ]);
    const { token: reader } = await served.token({ role: 'reader', pipelines: ['*'] });
    const metrics = await (await served.get('/metrics', reader)).text();
    expect(metrics).toContain(
      'tollgate_http_request_duration_seconds_count{method="GET",route="/api/v1/pipelines/{pipeline}/status",status="200"} 2',
    );
  });

  it('refuses a token revoked by another process on the very next GET', async () => {
    const handle = await sqliteStore();
    const served = await serve(handle.store);
    const { token, id } = await served.token({ role: 'reader', pipelines: ['checkout'] });
    await served.get(STATUS, token);
    const kept = await served.kept();
    expect((await served.get(STATUS, token)).status).toBe(200);
    expect(await served.kept()).toBe(kept + 1);
    const revoked = await runCli(['token', 'revoke', id], { cwd: ROOT, env: handle.env });
    expect(revoked.code, revoked.stderr).toBe(0);
    const refused = await served.get(STATUS, token);
    expect(refused.status).toBe(401);
    expect((await refused.json()).error.code).toBe('UNAUTHENTICATED');
    expect(await served.kept()).toBe(kept + 1);
  });

  it('refuses a token revoked through this server, and one past its expiry, on the next GET', async () => {
    const clock = movableClock();
    const served = await serve((await sqliteStore()).store, { clock });
    const { token: admin } = await served.token({ role: 'admin', pipelines: ['*'] });
    const { token, id } = await served.token({ role: 'reader', pipelines: ['checkout'] });
    const expiring = (await served.token({ role: 'reader', pipelines: ['checkout'] })).token;
    for (const bearer of [token, token, expiring, expiring])
      expect((await served.get(STATUS, bearer)).status).toBe(200);
    const kept = await served.kept();
    const revoke = await fetch(`${served.server.url}/api/v1/tokens/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(revoke.status).toBe(200);
    expect((await served.get(STATUS, token)).status).toBe(401);
    // Tokens last 90 days unless made otherwise.
    clock.advance(91 * 24 * 3_600_000);
    const expired = await served.get(STATUS, expiring);
    expect(expired.status).toBe(401);
    expect((await expired.json()).error.message).toMatch(/expired/);
    expect(await served.kept()).toBe(kept);
  });

  it('shows a promotion written by another replica on the same database on the next GET', async () => {
    const handle = await sqliteStore();
    const a = await serve(handle.store);
    const b = await serve(await openSqliteStore(join(handle.env.TOLLGATE_DATA_DIR as string, 'ledger.db')));
    const { token } = await a.token({ role: 'ci', pipelines: ['checkout'] });
    await promoteDev(a, token, fakeDigest('1-replica'));
    await a.get(STATUS, token);
    const kept = await a.kept();
    const before = await (await a.get(STATUS, token)).json();
    expect(await a.kept()).toBe(kept + 1);
    expect(before[0].current.artifact.digest).toBe(fakeDigest('1-replica'));
    await promoteDev(b, token, fakeDigest('2-replica'));
    const after = await (await a.get(STATUS, token)).json();
    expect(after[0].current.artifact.digest).toBe(fakeDigest('2-replica'));
    // And this server's own write, at once.
    await promoteDev(a, token, fakeDigest('3-replica'));
    expect((await (await a.get(STATUS, token)).json())[0].current.artifact.digest).toBe(
      fakeDigest('3-replica'),
    );
  });

  it('refuses out-of-scope callers, a set clock and a bad name exactly as the app does', async () => {
    const served = await serve((await sqliteStore()).store);
    const { token } = await served.token({ role: 'ci', pipelines: ['checkout'] });
    const { token: billing } = await served.token({ role: 'admin', pipelines: ['billing'] });
    const { token: everywhere } = await served.token({ role: 'admin', pipelines: ['*'] });
    // The answer, the caller and each token are kept from here on.
    for (const bearer of [token, token, billing, everywhere]) await served.get(STATUS, bearer);
    await served.get('/api/v1/pipelines/billing/status', billing);
    const kept = await served.kept();
    const cases: Array<[string, string, Record<string, string>, number]> = [
      [STATUS, billing, {}, 403],
      [STATUS, token, { 'tollgate-as': 'erin' }, 403],
      [STATUS, token, { 'tollgate-now': '2030-01-01T00:00:00Z' }, 403],
      ['/api/v1/pipelines/Not_A..Name/status', everywhere, {}, 400],
    ];
    for (const [path, bearer, headers, status] of cases) {
      // Asked twice: the first time nothing of the refusal may have been kept yet, the second it is.
      const answers = [await served.get(path, bearer, headers), await served.get(path, bearer, headers)];
      const bodies = await Promise.all(answers.map((r) => r.text()));
      expect(answers.map((r) => r.status)).toEqual([status, status]);
      expect(bodies[1]).toBe(bodies[0]);
      expect(JSON.parse(bodies[0] as string).error.code).toBeTypeOf('string');
    }
    expect(await served.kept()).toBe(kept);
  });

  it('answers a principal over its rate limit with 429, kept answer or not', async () => {
    const served = await serve((await sqliteStore()).store, { rateLimit: { perMinute: 1, burst: 3 } });
    const { token } = await served.token({ role: 'reader', pipelines: ['checkout'] });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await served.get(STATUS, token)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const refused = await served.get(STATUS, token);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('counts a bad token against its client, and lets through only the token seen to work', async () => {
    const served = await serve((await sqliteStore()).store, {
      rateLimit: { perMinute: 1_000_000, burst: 100_000, authFailures: 2 },
    });
    const { token, id } = await served.token({ role: 'reader', pipelines: ['checkout'] });
    const other = await served.token({ role: 'reader', pipelines: ['checkout'] });
    // The token works and is answered from kept reads (the first read keeps what the second is
    // answered from); the metrics token is seen to work too.
    for (let i = 0; i < 2; i++) expect((await served.get(STATUS, token)).status).toBe(200);
    const kept = await served.kept();
    expect(kept).toBeGreaterThan(0);
    // A wrong secret for the kept token's id: its check refuses it, and the client is counted.
    const secret = token.slice(`tg_${id}_`.length);
    const wrong = `tg_${id}_${secret.startsWith('A') ? 'B' : 'A'}${secret.slice(1)}`;
    expect((await served.get(STATUS, wrong)).status).toBe(401);
    expect((await served.get(STATUS, wrong)).status).toBe(401);
    // Out of failures: guesses are refused unchecked, the right secret under another id among them.
    const moved = await served.get(STATUS, `tg_${other.id}_${secret}`);
    expect(moved.status).toBe(429);
    expect((await moved.json()).error.message).toContain('too many failed authentications');
    expect((await served.get(STATUS, wrong)).status).toBe(429);
    // A real token this server has not seen work waits with the client.
    expect((await served.get(STATUS, other.token)).status).toBe(429);
    // The token seen to work is still answered, from kept reads, however its header is spelt.
    expect((await served.get(STATUS, token)).status).toBe(200);
    const spelt = await fetch(`${served.server.url}${STATUS}`, {
      headers: { authorization: `bearer  ${token}` },
    });
    expect(spelt.status).toBe(200);
    expect(await served.kept()).toBe(kept + 2);
  });

  it.skipIf(!POSTGRES_AVAILABLE)(
    'answers every GET from the app on PostgreSQL, which keeps nothing',
    async () => {
      const handle = await postgresBackend.open();
      cleanups.push(() => handle.dispose().catch(() => undefined));
      const served = await serve(handle.store);
      const { token } = await served.token({ role: 'reader', pipelines: ['checkout'] });
      for (let i = 0; i < 3; i++) expect((await served.get(STATUS, token)).status).toBe(200);
      expect(await served.kept()).toBe(0);
    },
  );
});
