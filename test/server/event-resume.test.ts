/**
 * Resuming an event stream: `Last-Event-ID` (or `?after=`) is the seq of an entry of this
 * pipeline the client already has. Seqs are per pipeline, so an id kept from another pipeline's
 * stream, or from another ledger, or simply made up, can be past this pipeline's head: the stream
 * would then skip every entry up to that seq without a word. Such an id is refused (400) with the
 * head, and a client starts again without it; an id within the ledger resumes as before.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/ledger/hash-chain.js';
import { BACKENDS } from '../support/stores.js';
import { openTestServer, type TestServer } from './support.js';

let server: TestServer | undefined;
afterEach(async () => {
  server?.shutdown();
  await server?.dispose();
  server = undefined;
});

describe.each(BACKENDS)('event stream resume on $title', (backend) => {
  it('refuses a Last-Event-ID past the head of the pipeline, from another pipeline or made up', async () => {
    server = await openTestServer(backend, { eventPollMs: 20 });
    const s = server;
    const ci = await s.token({ role: 'ci', pipelines: ['billing', 'checkout'] });
    const reader = await s.token({ role: 'reader', pipelines: ['billing', 'checkout'] });
    // billing holds 3 entries, checkout 1.
    for (let i = 0; i < 3; i++)
      expect(
        (await s.call('POST', '/api/v1/pipelines/billing/artifacts', ci, { digest: sha256(`b${i}`) })).status,
      ).toBe(201);
    expect(
      (await s.call('POST', '/api/v1/pipelines/checkout/artifacts', ci, { digest: sha256('c') })).status,
    ).toBe(201);

    const events = '/api/v1/pipelines/checkout/events';
    for (const [header, value] of [
      ['last-event-id', '3'],
      ['last-event-id', '999999999999999'],
    ] as const) {
      const res = await s.call('GET', events, reader, undefined, { [header]: value });
      if (res.status === 200) await res.body?.cancel();
      expect(res.status, value).toBe(400);
      expect(((await res.json()) as { error: { code: string; message: string } }).error).toEqual({
        code: 'USAGE',
        message: `Last-Event-ID ${value} is past the last entry of pipeline checkout (seq 1): it is not an entry of this pipeline's ledger; reconnect without it (or with ?after=0 for every entry)`,
      });
    }
    const after = await s.call('GET', `${events}?after=2`, reader);
    if (after.status === 200) await after.body?.cancel();
    expect(after.status).toBe(400);
    expect(((await after.json()) as { error: { message: string } }).error.message).toMatch(
      /^after 2 is past/,
    );

    // Within the ledger, and at its head: a stream as before.
    for (const value of ['0', '1']) {
      const res = await s.call('GET', events, reader, undefined, { 'last-event-id': value });
      expect(res.status, value).toBe(200);
      await res.body?.cancel();
    }
    for (const value of ['-1', '1e3', '0x1']) {
      const res = await s.call('GET', events, reader, undefined, { 'last-event-id': value });
      if (res.status === 200) await res.body?.cancel();
      expect(res.status, value).toBe(400);
    }
  });
});
