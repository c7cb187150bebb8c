/**
 * JSON request bodies over a real socket (@hono/node-server, as `tollgate serve` runs the app):
 * a body with a Content-Length is limited on that number and read straight from the socket, a
 * chunked one is counted as it streams in. Either way an oversize body is refused with 413 and
 * nothing stored, a body within the limit is written once, a malformed one is a 400, and an
 * Idempotency-Key retry still gets the first answer back (its fingerprint reads the same body).
 * A body that names a key twice is refused, not read as its last value.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeDigest } from '../support/cli.js';
import { sqliteBackend } from '../support/stores.js';
import { openTestServer, type TestServer } from './support.js';

let server: TestServer | undefined;
let socket: http.Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (socket ? socket.close(() => resolve()) : resolve()));
  socket = undefined;
  await server?.dispose();
  server = undefined;
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: { error?: { code: string; message?: string }; [key: string]: unknown };
}

/** One POST over loopback; `chunked` sends the body in pieces without a Content-Length. */
function post(
  url: string,
  token: string,
  body: string | Buffer,
  options: { chunked?: boolean; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const bytes = Buffer.from(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          ...(options.chunked ? {} : { 'content-length': String(bytes.length) }),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: JSON.parse(Buffer.concat(chunks).toString()),
          }),
        );
      },
    );
    req.on('error', reject);
    if (options.chunked) {
      for (let i = 0; i < bytes.length; i += 100) req.write(bytes.subarray(i, i + 100));
      req.end();
    } else req.end(bytes);
  });
}

describe('JSON bodies over a socket', () => {
  it('limits by Content-Length or while streaming, stores nothing refused, and replays keyed retries', async () => {
    server = await openTestServer(sqliteBackend, { maxJsonBytes: 2048 });
    const s = server;
    socket = createAdaptorServer({ fetch: s.app.fetch }) as http.Server;
    await new Promise<void>((resolve) => socket!.listen(0, '127.0.0.1', () => resolve()));
    const base = `http://127.0.0.1:${(socket.address() as AddressInfo).port}/api/v1/pipelines/checkout`;
    const admin = await s.token({ role: 'admin', pipelines: ['*'], principal: 'root' });
    const register = (name: string, labels: Record<string, string> = {}) =>
      JSON.stringify({ digest: fakeDigest(name), labels });
    // Ledger entries about the artifact: 1 once registered, 0 when nothing was stored.
    const registered = async (name: string) =>
      (await (await s.services.store()).entriesForArtifact('checkout', fakeDigest(name))).length;

    for (const chunked of [false, true]) {
      const how = chunked ? 'chunked' : 'with a Content-Length';
      const big = await post(
        `${base}/artifacts`,
        admin,
        register(`big-${chunked}`, { a: 'x'.repeat(3000) }),
        {
          chunked,
        },
      );
      expect(big.status, how).toBe(413);
      expect(big.body.error?.code, how).toBe('BODY_TOO_LARGE');
      expect(await registered(`big-${chunked}`), how).toBe(0);

      const broken = await post(`${base}/artifacts`, admin, '{"digest": ', { chunked });
      expect(broken.status, how).toBe(400);
      expect(broken.body.error?.code, how).toBe('USAGE');

      const small = await post(`${base}/artifacts`, admin, register(`small-${chunked}`, { v: '1' }), {
        chunked,
      });
      expect(small.status, how).toBe(201);
      expect(await registered(`small-${chunked}`), how).toBe(1);
    }

    // A retry with the same key and body is answered the first answer; another body is refused.
    const keyed = { headers: { 'idempotency-key': 'retry-1' } };
    const first = await post(`${base}/artifacts`, admin, register('keyed'), keyed);
    const again = await post(`${base}/artifacts`, admin, register('keyed'), { ...keyed, chunked: true });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await registered('keyed')).toBe(1);
    const other = await post(`${base}/artifacts`, admin, register('keyed', { v: '2' }), keyed);
    expect(other.status).toBe(422);
    expect(other.body.error?.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('refuses a key named twice, nesting no request has, and bodies that are not an object: 400, nothing stored', async () => {
    server = await openTestServer(sqliteBackend);
    const s = server;
    socket = createAdaptorServer({ fetch: s.app.fetch }) as http.Server;
    await new Promise<void>((resolve) => socket!.listen(0, '127.0.0.1', () => resolve()));
    const base = `http://127.0.0.1:${(socket.address() as AddressInfo).port}/api/v1/pipelines/checkout`;
    const ci = await s.token({ role: 'ci', pipelines: ['checkout'], principal: 'ci-bot' });
    const approver = await s.token({ role: 'approver', pipelines: ['checkout'], principal: 'erin' });
    const D = fakeDigest('dup-keys');
    const E = fakeDigest('other-one');
    expect((await post(`${base}/artifacts`, ci, JSON.stringify({ digest: D }))).status).toBe(201);
    const head = await s.handle.store.head('checkout');

    const cases: Array<[string, string, string, string, RegExp]> = [
      // JSON.parse keeps the last: a reader of the first would see a rejection, the ledger an approval.
      [
        'a decision named twice',
        `${base}/stages/prod/approvals`,
        approver,
        `{"artifact": "${D}", "decision": "reject", "decision": "approve"}`,
        /line 1, column \d+: duplicate key "decision"/,
      ],
      [
        'a digest named twice',
        `${base}/artifacts`,
        ci,
        `{"digest": "${D}",\n "digest": "${E}"}`,
        /line 2, column 2: duplicate key "digest"/,
      ],
      [
        'a label named twice',
        `${base}/artifacts`,
        ci,
        `{"digest": "${E}", "labels": {"commit": "9f3c2ab", "commit": "0000000"}}`,
        /duplicate key "commit"/,
      ],
      [
        'nesting no request has',
        `${base}/artifacts`,
        ci,
        `{"digest": "${E}", "labels": ${'['.repeat(5000)}${']'.repeat(5000)}}`,
        /at most 32 levels of nesting/,
      ],
      ['an array', `${base}/artifacts`, ci, `[{"digest": "${E}"}]`, /expected object, received array/],
      ['a string', `${base}/artifacts`, ci, `"${E}"`, /expected object, received string/],
      ['nothing', `${base}/artifacts`, ci, '', /the request body is empty/],
    ];
    for (const [what, url, token, body, message] of cases) {
      const answer = await post(url, token, body);
      expect(answer.status, what).toBe(400);
      expect(answer.body.error?.code, what).toBe('USAGE');
      expect(answer.body.error?.message, what).toMatch(message);
    }
    expect(await s.handle.store.head('checkout')).toBe(head);
    expect(await (await s.services.store()).entriesForArtifact('checkout', E)).toEqual([]);
  });
});

describe('the media type of a JSON body', () => {
  it('is JSON in UTF-8: another charset is refused (415) rather than misread, and a refusal says what to send', async () => {
    server = await openTestServer(sqliteBackend);
    const s = server;
    const ci = await s.token({ role: 'ci', pipelines: ['checkout'], principal: 'ci-bot' });
    const approver = await s.token({ role: 'approver', pipelines: ['checkout'], principal: 'erin' });
    const D = fakeDigest('charsets');
    expect((await s.call('POST', '/api/v1/pipelines/checkout/artifacts', ci, { digest: D })).status).toBe(
      201,
    );
    const head = await s.handle.store.head('checkout');
    const approve = (body: Buffer | string, type: string) =>
      Promise.resolve(
        s.app.request('/api/v1/pipelines/checkout/stages/prod/approvals', {
          method: 'POST',
          headers: { authorization: `Bearer ${approver}`, 'content-type': type },
          body: typeof body === 'string' ? body : new Uint8Array(body),
        }),
      );
    const text = `{"artifact": "${D}", "decision": "reject", "comment": "déjà vu"}`;
    // Read as UTF-8, the Latin-1 é would be recorded as U+FFFD: not what was sent.
    for (const [body, type] of [
      [Buffer.from(text, 'latin1'), 'application/json; charset=iso-8859-1'],
      [Buffer.from(text, 'utf16le'), 'application/json; charset=UTF-16'],
    ] as const) {
      const refused = await approve(body, type);
      const answer = (await refused.json()) as { error: { code: string; message: string } };
      expect(refused.status, type).toBe(415);
      expect(answer.error.message).toContain('UTF-8');
    }
    const wrongType = await approve(text, 'text/plain');
    expect(wrongType.status).toBe(415);
    expect(((await wrongType.json()) as { error: { message: string } }).error.message).toContain(
      'application/json',
    );
    expect(await s.handle.store.head('checkout')).toEqual(head);
    for (const type of ['application/json; charset=utf-8', 'application/json;charset="UTF-8"']) {
      // Recorded once (201), then the same rejection again changes nothing (200).
      const accepted = await approve(text, type);
      expect(accepted.status, type).toBeLessThan(300);
    }
  });
});

describe('the bytes of a JSON body', () => {
  it('are UTF-8: a body with bytes that are not is refused with where, never recorded with U+FFFD', async () => {
    server = await openTestServer(sqliteBackend);
    const s = server;
    socket = createAdaptorServer({ fetch: s.app.fetch }) as http.Server;
    await new Promise<void>((resolve) => socket!.listen(0, '127.0.0.1', () => resolve()));
    const base = `http://127.0.0.1:${(socket.address() as AddressInfo).port}/api/v1/pipelines/checkout`;
    const ci = await s.token({ role: 'ci', pipelines: ['checkout'], principal: 'ci-bot' });
    const D = fakeDigest('not-utf8');
    const register = (label: Buffer, headers: Record<string, string> = {}) =>
      post(
        `${base}/artifacts`,
        ci,
        Buffer.concat([Buffer.from(`{"digest": "${D}",\n "labels": {"note": "`), label, Buffer.from('"}}')]),
        { headers },
      );
    // A Latin-1 é, a lone continuation byte, an overlong slash, a surrogate: none is UTF-8.
    for (const bad of [
      Buffer.from('déjà', 'latin1'),
      Buffer.from([0x61, 0x80]),
      Buffer.from([0xc0, 0xaf]),
      Buffer.from([0xed, 0xa0, 0x80]),
    ]) {
      const refused = await register(bad, { 'idempotency-key': `k-${bad.toString('hex')}` });
      expect(refused.status, bad.toString('hex')).toBe(400);
      expect(refused.body.error?.code).toBe('USAGE');
      expect(refused.body.error?.message).toMatch(
        /not UTF-8 at line 2, column 2\d: send JSON encoded as UTF-8/,
      );
    }
    expect(await (await s.services.store()).entriesForArtifact('checkout', D)).toEqual([]);
    // The same text in UTF-8 (a U+FFFD sent as such included) is taken as sent.
    const taken = await register(Buffer.from('déjà \uFFFD'));
    expect(taken.status).toBe(201);
    expect(JSON.stringify(taken.body)).toContain('déjà \uFFFD');
  });
});

describe('the headers of API answers', () => {
  it('tell a browser not to sniff the type of answers, errors and replays, on a socket and called as a function', async () => {
    server = await openTestServer(sqliteBackend);
    const s = server;
    socket = createAdaptorServer({ fetch: s.app.fetch }) as http.Server;
    await new Promise<void>((resolve) => socket!.listen(0, '127.0.0.1', () => resolve()));
    const base = `http://127.0.0.1:${(socket.address() as AddressInfo).port}/api/v1/pipelines/checkout`;
    const ci = await s.token({ role: 'ci', pipelines: ['checkout'], principal: 'ci-bot' });
    const body = JSON.stringify({ digest: fakeDigest('sniff'), labels: { note: '<script>x()</script>' } });
    const keyed = { headers: { 'idempotency-key': 'sniff-1' } };
    const answers = [
      await post(`${base}/artifacts`, ci, body, keyed),
      await post(`${base}/artifacts`, ci, body, keyed),
      await post(`${base}/artifacts`, ci, '{"digest": '),
      await post(`${base}/artifacts`, 'tg_wrong', body),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([201, 201, 400, 401]);
    expect(answers[1]!.headers['idempotent-replayed']).toBe('true');
    for (const answer of answers) expect(answer.headers['x-content-type-options']).toBe('nosniff');
    for (const path of ['/api/v1/whoami', '/api/v1/no-such-route', '/healthz'])
      expect((await s.app.request(path)).headers.get('x-content-type-options'), path).toBe('nosniff');
  });
});
