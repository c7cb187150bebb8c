/**
 * Each open event stream asks the database every poll for as long as it is open. Without a bound,
 * one reader opening streams at the request rate (3000 a minute by default) would soon hold
 * thousands and the database with them: one principal may hold `rateLimit.streams` at once on a
 * replica, the next is answered 429 until one closes; other callers are not affected.
 */
import { afterEach, expect, it } from 'vitest';
import { sqliteBackend } from '../support/stores.js';
import { openTestServer, type TestServer } from './support.js';

/** `rateLimit.streams` in the server configuration (default 64). */
const MAX = 3;
let server: TestServer | undefined;
const bodies: Array<ReadableStream<Uint8Array> | null> = [];
afterEach(async () => {
  server?.shutdown();
  await Promise.all(bodies.splice(0).map((body) => body?.cancel().catch(() => undefined)));
  await server?.dispose();
  server = undefined;
});

it('bounds the event streams one principal holds open, and frees a place when one closes', async () => {
  server = await openTestServer(sqliteBackend, {
    eventPollMs: 20,
    rateLimit: { perMinute: 3000, burst: 600, streams: MAX },
  });
  const s = server;
  const reader = await s.token({ role: 'reader', pipelines: ['checkout'], principal: 'rita' });
  const other = await s.token({ role: 'reader', pipelines: ['checkout'], principal: 'otto' });
  const open = async (token: string) => {
    const res = await s.call('GET', '/api/v1/pipelines/checkout/events', token);
    if (res.status === 200) bodies.push(res.body);
    return res;
  };
  for (let i = 0; i < MAX; i++) expect((await open(reader)).status, `stream ${i + 1}`).toBe(200);
  const refused = await open(reader);
  expect(refused.status).toBe(429);
  expect(((await refused.json()) as { error: { code: string; message: string } }).error).toEqual({
    code: 'RATE_LIMITED',
    message: `rita has ${MAX} event streams open on this server, the most one caller may: close one (one stream can serve many listeners)`,
  });
  // Someone else is not held back by rita's streams.
  expect((await open(other)).status).toBe(200);
  // rita closes one: her next stream is let in once the server has seen it go.
  await bodies.shift()?.cancel();
  let again = await open(reader);
  for (let tries = 0; again.status === 429 && tries < 100; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    again = await open(reader);
  }
  expect(again.status).toBe(200);
});

it('keeps the stream of a principal whose name is spelled in capitals open across its rechecks', async () => {
  server = await openTestServer(sqliteBackend, { eventPollMs: 20 });
  const s = server;
  // Streams are counted under the normalised name (release-bot); the recheck asks who the caller
  // is now, under the name as its credential spells it.
  const reader = await s.token({ role: 'reader', pipelines: ['checkout'], principal: 'Release-Bot' });
  const ci = await s.token({ role: 'ci', pipelines: ['checkout'] });
  const live = await s.call('GET', '/api/v1/pipelines/checkout/events', reader);
  expect(live.status).toBe(200);
  bodies.push(live.body);
  const stream = live.body!.getReader();
  const decoder = new TextDecoder();
  let text = decoder.decode((await stream.read()).value);
  expect(text).toContain('event: ready');
  // Rechecked every 10 polls (200 ms here): several rechecks pass before the entry is appended.
  await new Promise((resolve) => setTimeout(resolve, 700));
  const digest = `sha256:${'ab'.repeat(32)}`;
  expect((await s.call('POST', '/api/v1/pipelines/checkout/artifacts', ci, { digest })).status).toBe(201);
  while (!text.includes('event: register') && !text.includes('event: ended')) {
    const { value, done } = await stream.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  expect(text).not.toContain('event: ended');
  expect(text).toContain('event: register');
});
