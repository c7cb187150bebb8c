/**
 * Operations: Prometheus metrics, one JSON log line per request (request id and principal, never a
 * credential), per-principal rate limits (429 with Retry-After), and the live event stream of a
 * pipeline's ledger entries, resumable with Last-Event-ID.
 */

import { afterEach, describe, expect, it } from 'vitest';
import { createToken, revokeToken } from '../../src/app/tokens.js';
import { sha256 } from '../../src/ledger/hash-chain.js';
import { parseServerConfig } from '../../src/server/config.js';
import { BACKENDS, sqliteBackend } from '../support/stores.js';
import { openTestServer, type TestServer } from './support.js';

let server: TestServer | undefined;
afterEach(async () => {
  server?.shutdown();
  await server?.dispose();
  server = undefined;
});

const base = '/api/v1/pipelines/billing';
const XML = '<testsuite name="unit" tests="2"><testcase name="a"/><testcase name="b"/></testsuite>';

/** Reads server-sent events from `res` until `count` entry events came; returns them. */
async function readEvents(
  res: Response,
  count: number,
): Promise<Array<{ id: string; event: string; data: { seq: number; kind: string } }>> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: Array<{ id: string; event: string; data: { seq: number; kind: string } }> = [];
  let buffer = '';
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields = Object.fromEntries(
        block
          .split('\n')
          .filter((line) => line && !line.startsWith(':'))
          .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
      ) as Record<string, string>;
      if (fields.id)
        events.push({ id: fields.id, event: fields.event ?? '', data: JSON.parse(fields.data ?? '{}') });
      end = buffer.indexOf('\n\n');
    }
  }
  await reader.cancel();
  return events;
}

describe('operations', () => {
  it('exposes request latency, decisions by verdict, promotions and evidence bytes at /metrics', async () => {
    const lines: string[] = [];
    server = await openTestServer(sqliteBackend, { log: (line) => lines.push(line) });
    const s = server;
    const ci = await s.token({ role: 'ci', pipelines: ['billing'], principal: 'ci-bot' });
    const D = sha256('metrics');
    expect((await s.call('POST', `${base}/artifacts`, ci, { digest: D })).status).toBe(201);
    const upload = await s.app.request(`${base}/artifacts/${D}/tests?suite=unit`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ci}`, 'content-type': 'application/xml' },
      body: XML,
    });
    expect(upload.status).toBe(201);
    expect((await s.call('GET', `${base}/stages/dev/check?artifact=${D}`, ci)).status).toBe(200);
    expect((await s.call('POST', `${base}/stages/dev/promotions`, ci, { artifact: D })).status).toBe(201);
    expect((await s.call('GET', `${base}/status`, 'tg_wrong')).status).toBe(401);

    const scraper = await s.token({ role: 'reader', pipelines: ['*'], principal: 'prometheus' });
    const metrics = await (await s.call('GET', '/metrics', scraper)).text();
    expect(metrics).toMatch(
      /tollgate_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/pipelines\/\{pipeline\}\/stages\/\{stage\}\/check",status="200"\} 1/,
    );
    expect(metrics).toMatch(/tollgate_decisions_total\{pipeline="billing",stage="dev",verdict="allowed"\} 2/);
    expect(metrics).toMatch(/tollgate_promotions_total\{pipeline="billing",stage="dev"\} 1/);
    expect(metrics).toContain(`tollgate_evidence_bytes_total{pipeline="billing",kind="tests"} ${XML.length}`);

    // One line per request, with its id and principal; never the token.
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    // Five API requests and the scrape of /metrics.
    expect(logged).toHaveLength(6);
    expect(logged.at(-1)).toMatchObject({ method: 'GET', route: '/metrics', status: 200 });
    expect(logged[0]).toMatchObject({
      level: 'info',
      method: 'POST',
      status: 201,
      principal: 'ci-bot',
      via: expect.stringMatching(/^token:/),
    });
    expect(logged[0]?.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(logged.at(-2)).toMatchObject({ level: 'warn', status: 401, error: 'UNAUTHENTICATED' });
    for (const line of lines) {
      expect(line).not.toContain(ci);
      expect(line).not.toContain(ci.slice(20));
    }
  });

  it('answers /metrics only to a credential granted every pipeline, unless configured public', async () => {
    const s = await openTestServer(sqliteBackend);
    try {
      const scrape = (token?: string) => s.call('GET', '/metrics', token);
      const none = await scrape();
      expect(none.status).toBe(401);
      expect(await none.text()).not.toContain('tollgate_');
      expect((await scrape('tg_0123456789abcdef_wrong')).status).toBe(401);
      // A reader of one pipeline would learn the names and verdicts of every other.
      const some = await scrape(await s.token({ role: 'reader', pipelines: ['checkout'] }));
      expect(some.status).toBe(403);
      expect((await some.json()).error.message).toContain("--pipeline '*'");
      const every = await scrape(
        await s.token({ role: 'reader', pipelines: ['*'], principal: 'prometheus' }),
      );
      expect(every.status).toBe(200);
      expect(await every.text()).toContain('tollgate_http_request_duration_seconds');
    } finally {
      await s.dispose();
    }
    expect(parseServerConfig('{}\n', 'server.yaml').metrics.access).toBe('credential');
    const access = parseServerConfig('metrics: { access: public }\n', 'server.yaml').metrics.access;
    expect(() => parseServerConfig('metrics: { access: open }\n', 'server.yaml')).toThrow(
      /server\.yaml:1:.*metrics\.access/,
    );
    const open = await openTestServer(sqliteBackend, { metricsAccess: access });
    try {
      expect((await open.call('GET', '/metrics', undefined)).status).toBe(200);
    } finally {
      await open.dispose();
    }
  });

  it('names every answer with its request id: a given one kept, a made one logged, replays included', async () => {
    const lines: string[] = [];
    server = await openTestServer(sqliteBackend, { log: (line) => lines.push(line) });
    const s = server;
    const ci = await s.token({ role: 'ci', pipelines: ['billing'] });
    const D = sha256('request-ids');
    const given = await s.call('GET', `${base}/status`, ci, undefined, { 'x-request-id': 'job-42.step_7' });
    expect(given.status).toBe(200);
    expect(given.headers.get('x-request-id')).toBe('job-42.step_7');
    // An id that is not a plain token is replaced, not echoed.
    const odd = await s.call('GET', `${base}/status`, ci, undefined, { 'x-request-id': 'a b<script>' });
    expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const refused = await s.call('GET', `${base}/status`, 'tg_wrong');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const missing = await s.call('GET', '/api/v2/nothing', ci);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const key = { 'idempotency-key': 'request-ids-1' };
    const first = await s.call('POST', `${base}/artifacts`, ci, { digest: D }, key);
    const replay = await s.call('POST', `${base}/artifacts`, ci, { digest: D }, key);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(replay.headers.get('x-request-id')).not.toBe(first.headers.get('x-request-id'));
    const logged = lines.map((line) => JSON.parse(line) as { requestId: string });
    expect(logged.map((l) => l.requestId)).toEqual(
      [given, odd, refused, missing, first, replay].map((r) => r.headers.get('x-request-id')),
    );
  });

  it('answers a principal over its limit with 429 and Retry-After, others still served', async () => {
    server = await openTestServer(sqliteBackend, { rateLimit: { perMinute: 60, burst: 3 } });
    const s = server;
    const busy = await s.token({ role: 'reader', pipelines: ['billing'], principal: 'busy' });
    const calm = await s.token({ role: 'reader', pipelines: ['billing'], principal: 'calm' });
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 5; i++) {
      const res = await s.call('GET', `${base}/status`, busy);
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await limited!.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
    expect((await s.call('GET', `${base}/status`, calm)).status).toBe(200);
  });
});

describe.each(BACKENDS)('live events on $title', (backend) => {
  it('streams ledger entries as they are appended, and resumes after Last-Event-ID', async () => {
    server = await openTestServer(backend, { eventPollMs: 20 });
    const s = server;
    const ci = await s.token({ role: 'ci', pipelines: ['billing'] });
    const reader = await s.token({ role: 'reader', pipelines: ['billing'] });
    const D = sha256(`events-${backend.name}`);
    expect((await s.call('POST', `${base}/artifacts`, ci, { digest: D })).status).toBe(201);

    // From now on: the registration is history, the promotion made while listening is news.
    const live = await s.call('GET', `${base}/events`, reader);
    expect(live.status).toBe(200);
    expect(live.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const coming = readEvents(live, 2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await s.call('POST', `${base}/stages/dev/promotions`, ci, { artifact: D })).status).toBe(201);
    // The pipeline's first promotion pins its contract just before itself.
    const [pin, promotion] = await coming;
    expect(pin).toMatchObject({ id: '2', event: 'contract', data: { seq: 2, kind: 'contract' } });
    expect(promotion).toMatchObject({ id: '3', event: 'promotion', data: { seq: 3, kind: 'promotion' } });

    // A client that saw entry 2 reconnects: it gets 3 and nothing twice.
    const resumed = await s.call('GET', `${base}/events`, reader, undefined, { 'last-event-id': '2' });
    const again = await readEvents(resumed, 1);
    expect(again.map((e) => e.id)).toEqual(['3']);
    const all = await readEvents(await s.call('GET', `${base}/events?after=0`, reader), 3);
    expect(all.map((e) => `${e.id} ${e.event}`)).toEqual(['1 register', '2 contract', '3 promotion']);

    const bad = await s.call('GET', `${base}/events`, reader, undefined, { 'last-event-id': 'yesterday' });
    expect(bad.status).toBe(400);
  });

  it('ends a live stream once its credential is revoked, and refuses a new one', async () => {
    server = await openTestServer(backend, { eventPollMs: 20 });
    const s = server;
    const ci = await s.token({ role: 'ci', pipelines: ['billing'] });
    const at = s.services.clock.now();
    const made = await createToken(s.services, { role: 'reader', pipelines: ['billing'] }, 'test-setup', at);
    const live = await s.call('GET', `${base}/events`, made.token);
    expect(live.status).toBe(200);
    const reader = live.body!.getReader();
    await reader.read(); // ready
    await revokeToken(s.services, made.record.id, 'test-setup', at);
    // Rechecked every 10 polls (200 ms here): the stream ends, saying so.
    const decoder = new TextDecoder();
    let rest = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += decoder.decode(value, { stream: true });
    }
    expect(rest).toContain('event: ended');
    // What is appended after carries on no stream of that token, and a new one is refused.
    expect(
      (await s.call('POST', `${base}/artifacts`, ci, { digest: sha256(`revoked-${backend.name}`) })).status,
    ).toBe(201);
    expect((await s.call('GET', `${base}/events`, made.token)).status).toBe(401);
  });
});
