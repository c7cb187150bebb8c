/**
 * Several evidence files in one request: `multipart/form-data`, each file part streamed to the
 * parser in turn (JUnit) or read within the limit (statements), recorded all or nothing. The
 * whole body counts against the server's limit (413, nothing stored). Bodies are built here by
 * hand, as any HTTP client would send them, so the server is tested against the format, not
 * against the CLI's own encoder.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { createToken, revokeToken } from '../../src/app/tokens.js';
import { FIXTURES, fakeDigest, junit } from '../support/cli.js';
import { sqliteBackend } from '../support/stores.js';
import { openTestServer, type TestServer } from './support.js';

const D = fakeDigest('uploads');
const base = '/api/v1/pipelines/checkout';
const PASSING = readFileSync(
  join(FIXTURES, 'junit/tests__utils__TEST-action.surefire.report.calc.AllOkTest.xml'),
  'utf8',
);

let server: TestServer | undefined;
afterEach(async () => {
  await server?.dispose();
  server = undefined;
});

interface Part {
  filename?: string;
  type?: string;
  body: string;
  /** A form field instead of a file. */
  field?: string;
}

const BOUNDARY = 'test-boundary-7f3a';

function multipart(parts: Part[], boundary = BOUNDARY): string {
  let text = '';
  for (const part of parts) {
    const disposition = part.field
      ? `form-data; name="${part.field}"`
      : `form-data; name="file"${part.filename === undefined ? '' : `; filename="${part.filename}"`}`;
    text += `--${boundary}\r\nContent-Disposition: ${disposition}\r\n`;
    if (part.type) text += `Content-Type: ${part.type}\r\n`;
    text += `\r\n${part.body}\r\n`;
  }
  return `${text}--${boundary}--\r\n`;
}

/** A body sent in small pieces without a Content-Length (chunked), as a streaming client sends it. */
function chunked(text: string, size = 1000): ReadableStream<Uint8Array> {
  const bytes = Buffer.from(text);
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) controller.close();
      else {
        controller.enqueue(bytes.subarray(at, at + size));
        at += size;
      }
    },
  });
}

async function post(
  s: TestServer,
  path: string,
  token: string,
  body: string | ReadableStream,
  type?: string,
) {
  return s.app.request(path, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': type ?? `multipart/form-data; boundary=${BOUNDARY}`,
    },
    body,
    ...(typeof body === 'string' ? {} : { duplex: 'half' }),
  } as RequestInit);
}

async function setUp(maxEvidenceBytes = 1024 * 1024) {
  server = await openTestServer(sqliteBackend, { maxEvidenceBytes });
  const ci = await server.token({ role: 'ci', pipelines: ['checkout'], principal: 'ci-bot' });
  expect((await server.call('POST', `${base}/artifacts`, ci, { digest: D })).status).toBe(201);
  return { s: server, ci, entries: async () => (await server!.handle.store.verify('checkout')).entries };
}

function statement(digest: string, passed: string[]) {
  return JSON.stringify({
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'shop', digest: { sha256: digest.slice(7) } }],
    predicateType: 'https://in-toto.io/attestation/test-result/v0.1',
    predicate: { result: 'PASSED', configuration: [{ name: 'ci' }], passedTests: passed, failedTests: [] },
  });
}

describe('JUnit reports in one multipart request', () => {
  it('sums every part, streamed, and names each by its filename', async () => {
    const { s, ci, entries } = await setUp();
    const body = multipart([
      { filename: 'reports/unit-a.xml', type: 'application/xml', body: junit(['pass', 'fail'], 'a') },
      { filename: 'reports/unit-b.xml', type: 'text/xml', body: junit(['pass', 'skip', 'error'], 'b') },
      { filename: 'reports/surefire.xml', body: PASSING },
    ]);
    const answer = await post(s, `${base}/artifacts/${D}/tests?suite=unit`, ci, chunked(body));
    expect(answer.status, await answer.clone().text()).toBe(201);
    expect(await answer.json()).toMatchObject({
      suite: 'unit',
      tests: 6,
      passed: 3,
      failed: 1,
      errored: 1,
      skipped: 1,
      stored: true,
    });
    expect(await entries()).toBe(2);
  });

  it('counts a report uploaded again with a newline added once, and keeps its failure', async () => {
    const { s, ci } = await setUp();
    const report = junit(['pass', 'fail', 'pass'], 'shard');
    const body = multipart([
      { filename: 'a.xml', type: 'application/xml', body: report },
      { filename: 'a-again.xml', type: 'application/xml', body: `${report}\n` },
    ]);
    const answer = await post(s, `${base}/artifacts/${D}/tests?suite=unit`, ci, chunked(body));
    expect(answer.status, await answer.clone().text()).toBe(201);
    expect(await answer.json()).toMatchObject({ tests: 3, passed: 2, failed: 1, errored: 0, skipped: 0 });
  });

  it('one invalid report among several: 422 naming its part, nothing stored', async () => {
    const { s, ci, entries } = await setUp();
    const body = multipart([
      { filename: 'good.xml', type: 'application/xml', body: junit(['pass']) },
      { filename: 'broken.xml', type: 'application/xml', body: '<testsuite>\n  <testcase name="a"' },
      { filename: 'late.xml', type: 'application/xml', body: junit(['pass']) },
    ]);
    const answer = await post(s, `${base}/artifacts/${D}/tests?suite=unit`, ci, body);
    expect(answer.status).toBe(422);
    expect(await answer.json()).toEqual({
      error: { code: 'EVIDENCE_INVALID', message: expect.stringMatching(/^broken\.xml:\d+:\d+: /) },
    });
    expect(await entries()).toBe(1);
    // The server keeps serving: the same reports without the broken one are recorded.
    const again = await post(
      s,
      `${base}/artifacts/${D}/tests?suite=unit`,
      ci,
      multipart([{ filename: 'good.xml', type: 'application/xml', body: junit(['pass']) }]),
    );
    expect(again.status).toBe(201);
    expect(await entries()).toBe(2);
  });

  it('over the limit — declared or counted as it streams, in any part — is 413 and stores nothing', async () => {
    const { s, ci, entries } = await setUp(4096);
    const big = multipart([
      { filename: 'a.xml', type: 'application/xml', body: junit(['pass']) },
      { filename: 'b.xml', type: 'application/xml', body: junit(Array(60).fill('pass')) },
    ]);
    expect(Buffer.byteLength(big)).toBeGreaterThan(4096);
    for (const body of [big, chunked(big, 512)]) {
      const answer = await post(s, `${base}/artifacts/${D}/tests?suite=unit`, ci, body);
      expect(answer.status).toBe(413);
      expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('EVIDENCE_TOO_LARGE');
    }
    expect(await entries()).toBe(1);
  });

  it('refuses form fields, parts of another type, no parts, and a body cut short: 4xx, nothing stored', async () => {
    const { s, ci, entries } = await setUp();
    const path = `${base}/artifacts/${D}/tests?suite=unit`;
    const cases: Array<[string, string | ReadableStream, number, string, string?]> = [
      ['a form field', multipart([{ field: 'suite', body: 'unit' }]), 400, 'USAGE'],
      ['a part without a filename', multipart([{ body: junit(['pass']) }]), 400, 'USAGE'],
      [
        'a JSON part',
        multipart([{ filename: 'a.json', type: 'application/json', body: '{}' }]),
        415,
        'MEDIA_TYPE_UNSUPPORTED',
      ],
      ['no part at all', `--${BOUNDARY}--\r\n`, 400, 'USAGE'],
      [
        'a body cut short',
        multipart([{ filename: 'a.xml', type: 'application/xml', body: junit(['pass']) }]).slice(0, -30),
        400,
        'USAGE',
      ],
      ['no boundary', 'whatever', 400, 'USAGE', 'multipart/form-data'],
    ];
    for (const [what, body, status, code, type] of cases) {
      const answer = await post(s, path, ci, body, type);
      expect(answer.status, what).toBe(status);
      expect(((await answer.json()) as { error: { code: string } }).error.code, what).toBe(code);
    }
    expect(await entries()).toBe(1);
  });
});

describe('statements in one multipart request', () => {
  it('records every file all or nothing, each named by its filename', async () => {
    const { s, ci, entries } = await setUp();
    const path = `${base}/artifacts/${D}/statements?suite=unit`;
    const other = fakeDigest('another artifact');
    const mixed = multipart([
      { filename: 'a.intoto.json', type: 'application/json', body: statement(D, ['a']) },
      { filename: 'other.intoto.json', type: 'application/json', body: statement(other, ['b']) },
    ]);
    const refused = await post(s, path, ci, mixed);
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain(
      'other.intoto.json',
    );
    expect(await entries()).toBe(1);

    const both = multipart([
      { filename: 'a.intoto.json', type: 'application/json', body: statement(D, ['a']) },
      { filename: 'b.intoto.json', type: 'application/vnd.in-toto+json', body: statement(D, ['b', 'c']) },
    ]);
    const recorded = await post(s, path, ci, both);
    expect(recorded.status, await recorded.clone().text()).toBe(201);
    const items = (await recorded.json()) as Array<{ file: string; kind: string; stored: boolean }>;
    expect(items.map((i) => [i.file, i.kind, i.stored])).toEqual([
      ['a.intoto.json', 'tests', true],
      ['b.intoto.json', 'tests', true],
    ]);
    expect(await entries()).toBe(2);
  });
});

/** A full garbage collection, made callable in this process without starting Node with --expose-gc. */
const collectGarbage = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

describe('a 100 MB report', () => {
  it('is parsed as it arrives: memory in use never grows by anything near its size', async () => {
    const { s, ci, entries } = await setUp(256 * 1024 * 1024);
    // A JUnit report of 100 MiB: 1,600 comments of 64 KiB between real test cases, made as it is sent.
    const filler = `<!-- ${'x'.repeat(64 * 1024 - 10)} -->\n`;
    const head = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.xml"\r\nContent-Type: application/xml\r\n\r\n<testsuite name="big">\n`;
    const total = 1600;
    let sent = 0;
    let peak = 0;
    // What is held, not what awaits collection: the chunks already parsed are garbage, and when the
    // collector runs depends on the runtime (Node 24 let ~88 MB of it pile up in a full-suite worker).
    // So memory is read right after a full collection, every 50 chunks.
    const inUse = () => {
      collectGarbage();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const baseline = inUse();
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent % 50 === 0) peak = Math.max(peak, inUse() - baseline);
        if (sent === 0) controller.enqueue(Buffer.from(head));
        if (sent < total) {
          controller.enqueue(Buffer.from(`${filler}<testcase name="t${sent}"/>\n`));
          sent += 1;
        } else {
          controller.enqueue(Buffer.from(`</testsuite>\n\r\n--${BOUNDARY}--\r\n`));
          controller.close();
        }
      },
    });
    const answer = await post(s, `${base}/artifacts/${D}/tests?suite=unit`, ci, body);
    expect(answer.status, await answer.clone().text()).toBe(201);
    expect(await answer.json()).toMatchObject({ tests: total, passed: total });
    expect(sent * filler.length).toBeGreaterThanOrEqual(100 * 1024 * 1024);
    expect(await entries()).toBe(2);
    // Held whole, the body alone would be over 100 MiB; streamed, what is in use stays a fraction.
    expect(peak).toBeLessThan(48 * 1024 * 1024);
  }, 120_000);
});

describe('a credential that ends while its upload streams', () => {
  it('records nothing: revoked or expired before the body ended is 401, with or without a key', async () => {
    const { s, entries } = await setUp();
    const before = await entries();
    for (const keyed of [false, true]) {
      const made = await createToken(
        s.services,
        { role: 'ci', pipelines: ['checkout'], principal: 'ci-bot' },
        'test-setup',
        s.services.clock.now(),
      );
      const report = Buffer.from(junit(['pass', 'pass'], 'unit'));
      let revoked = false;
      // The first half goes out with the token still valid; the operator revokes it (a leak was
      // found) before the rest arrives.
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (!revoked) {
            controller.enqueue(report.subarray(0, 40));
            await revokeToken(s.services, made.record.id, 'operator', s.services.clock.now());
            revoked = true;
          } else {
            controller.enqueue(report.subarray(40));
            controller.close();
          }
        },
      });
      const answer = await s.app.request(`${base}/artifacts/${D}/tests?suite=unit`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${made.token}`,
          'content-type': 'application/xml',
          ...(keyed ? { 'idempotency-key': 'revoked-mid-upload' } : {}),
        },
        body,
        duplex: 'half',
      } as RequestInit);
      const text = await answer.text();
      expect(answer.status, text).toBe(401);
      expect(text).toContain('nothing was stored');
      expect(text).not.toContain(made.token);
      expect(await entries()).toBe(before);
    }
  });
});

describe('a compressed body', () => {
  it('is refused with 415 (never decoded, never stored as if it were the report)', async () => {
    const { s, ci, entries } = await setUp();
    const before = await entries();
    const { gzipSync } = await import('node:zlib');
    const report = junit(['pass'], 'unit');
    for (const [encoding, body] of [
      ['gzip', gzipSync(report)],
      ['br', Buffer.from(report)],
      ['identity, gzip', gzipSync(report)],
    ] as const) {
      const answer = await s.app.request(`${base}/artifacts/${D}/tests?suite=unit`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${ci}`,
          'content-type': 'application/xml',
          'content-encoding': encoding,
        },
        body,
      });
      const text = await answer.text();
      expect(answer.status, `${encoding}: ${text}`).toBe(415);
      expect(text).toContain('send it uncompressed');
    }
    const json = await s.call(
      'POST',
      `${base}/artifacts`,
      ci,
      { digest: fakeDigest('gzipped') },
      { 'content-encoding': 'gzip' },
    );
    expect(json.status).toBe(415);
    expect(await entries()).toBe(before);
    // Saying so of a plain body changes nothing.
    const plain = await s.app.request(`${base}/artifacts/${D}/tests?suite=unit`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ci}`,
        'content-type': 'application/xml',
        'content-encoding': 'identity',
      },
      body: report,
    });
    expect(plain.status).toBe(201);
  });
});
