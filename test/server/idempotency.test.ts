/**
 * Idempotency-Key on writes: a retry records nothing twice and gets the first answer back, byte
 * for byte — whether the first answer was kept, or its replica died after the commit and before
 * the answer (simulated by forgetting the kept answer), or the two arrive at once. Another request
 * under the same key is refused, never answered with the first one's answer: another body (an
 * upload's too), another pipeline, even one first used at the same moment, another demo actor.
 */
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/ledger/sqlite-driver.js';
import { fakeDigest, junit } from '../support/cli.js';
import { BACKENDS } from '../support/stores.js';
import { openTestServer, type TestServer } from './support.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.dispose();
  server = undefined;
});

const base = '/api/v1/pipelines/billing';

/** What a replica killed between its commit and keeping its answer leaves: the write, no answer. */
async function forgetAnswer(s: TestServer, principal: string, key: string): Promise<void> {
  const sql = 'update request_keys set answer = null where principal = $1 and key = $2';
  if (s.handle.env.TOLLGATE_DATABASE_URL) {
    const client = new pg.Client({ connectionString: s.handle.env.TOLLGATE_DATABASE_URL });
    await client.connect();
    try {
      expect((await client.query(sql, [principal, key])).rowCount).toBe(1);
    } finally {
      await client.end();
    }
  } else {
    const db = openSqlite(join(s.handle.env.TOLLGATE_DATA_DIR!, 'ledger.db'));
    try {
      expect(db.prepare(sql.replace('$1', '?').replace('$2', '?')).run([principal, key]).changes).toBe(1);
    } finally {
      db.close();
    }
  }
}

async function promotions(s: TestServer, stage = 'dev') {
  return (await s.handle.store.entriesForStage('billing', stage, ['promotion'])).length;
}

describe.each(BACKENDS)('Idempotency-Key on $title', (backend) => {
  it('replays the first answer to a retry and records the write once', async () => {
    server = await openTestServer(backend);
    const s = server;
    const ci = await s.token({ role: 'ci', pipelines: ['billing'] });
    const D = fakeDigest(`idem-${backend.name}`);
    expect((await s.call('POST', `${base}/artifacts`, ci, { digest: D })).status).toBe(201);
    const key = { 'idempotency-key': 'promote-1' };
    const first = await s.call('POST', `${base}/stages/dev/promotions`, ci, { artifact: D }, key);
    expect(first.status).toBe(201);
    const firstBody = await first.text();
    const again = await s.call('POST', `${base}/stages/dev/promotions`, ci, { artifact: D }, key);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('tollgate-entry')).toBe(first.headers.get('tollgate-entry'));
    expect(await again.text()).toBe(firstBody);
    expect(await promotions(s)).toBe(1);

    // Without the key, promoting the stage's current, healthy digest again records nothing either
    // (promote is idempotent): 200 with the existing entry. `again` forces a new promotion.
    const plain = await s.call('POST', `${base}/stages/dev/promotions`, ci, { artifact: D });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('tollgate-promotion')).toBe('existing');
    expect(plain.headers.get('tollgate-entry')).toBe(first.headers.get('tollgate-entry'));
    expect(await promotions(s)).toBe(1);
    expect(
      (await s.call('POST', `${base}/stages/dev/promotions`, ci, { artifact: D, again: true })).status,
    ).toBe(201);
    expect(await promotions(s)).toBe(2);

    // The same key with another request is refused, and records nothing.
    const other = await s.call(
      'POST',
      `${base}/stages/dev/promotions`,
      ci,
      { artifact: fakeDigest('other') },
      key,
    );
    expect(other.status).toBe(422);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    // Keys are per principal: another caller's same key is its own.
    const ci2 = await s.token({ role: 'ci', pipelines: ['billing'], principal: 'ci-two' });
    const own = await s.call('POST', `${base}/stages/dev/promotions`, ci2, { artifact: D, again: true }, key);
    expect(own.status).toBe(201);
    expect(own.headers.get('idempotent-replayed')).toBeNull();
    expect(await promotions(s)).toBe(3);
  });

  it('refuses a key that could be spelled two ways, and compares keys exactly, never case-folded', async () => {
    server = await openTestServer(backend);
    const s = server;
    const ci = await s.token({ role: 'ci', pipelines: ['billing'] });
    const D = fakeDigest(`idem-syntax-${backend.name}`);
    expect((await s.call('POST', `${base}/artifacts`, ci, { digest: D })).status).toBe(201);
    const promote = (key: string) =>
      s.call(
        'POST',
        `${base}/stages/dev/promotions`,
        ci,
        { artifact: D, again: true },
        { 'idempotency-key': key },
      );
    // Spaces, control characters and non-ASCII (é as its UTF-8 bytes arrive on a socket) have
    // several spellings a proxy or client may rewrite; an over-long key is no request id.
    for (const [key, found] of [
      ['deploy 1', 'U+0020 at character 7'],
      ['deploy\t1', 'U+0009 at character 7'],
      ['caf\u00c3\u00a9', 'U+00C3 at character 4'],
      ['k'.repeat(201), '201 characters'],
    ] as const) {
      const refused = await promote(key);
      expect(refused.status, found).toBe(400);
      const body = (await refused.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('USAGE');
      expect(body.error.message).toContain(
        `visible ASCII characters (a UUID is usual), compared exactly; found ${found}`,
      );
    }
    expect(await promotions(s)).toBe(0);
    // Keys are opaque: one that differs only in case is another request, written again.
    expect((await promote('Promote-2')).status).toBe(201);
    const recased = await promote('promote-2');
    expect(recased.status).toBe(201);
    expect(recased.headers.get('idempotent-replayed')).toBeNull();
    expect(await promotions(s)).toBe(2);
  });

  it('answers a retry after a crash between commit and answer from the write itself, appending nothing', async () => {
    server = await openTestServer(backend);
    const s = server;
    const ci = await s.token({ role: 'ci', pipelines: ['billing'], principal: 'ci-bot' });
    const D = fakeDigest(`crash-${backend.name}`);
    expect((await s.call('POST', `${base}/artifacts`, ci, { digest: D })).status).toBe(201);
    const key = { 'idempotency-key': 'crash-1' };
    const first = await s.call('POST', `${base}/stages/dev/promotions`, ci, { artifact: D }, key);
    const firstBody = await first.text();
    // The replica died after the commit, before the answer was kept.
    await forgetAnswer(s, 'ci-bot', 'crash-1');
    const retry = await s.call('POST', `${base}/stages/dev/promotions`, ci, { artifact: D }, key);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await retry.text()).toBe(firstBody);
    expect(await promotions(s)).toBe(1);
    expect((await s.handle.store.verify('billing')).ok).toBe(true);
  });

  it('decides two identical keyed requests arriving at once one after the other: one write', async () => {
    server = await openTestServer(backend);
    const s = server;
    const ci = await s.token({ role: 'ci', pipelines: ['billing'] });
    const D = fakeDigest(`race-${backend.name}`);
    expect((await s.call('POST', `${base}/artifacts`, ci, { digest: D })).status).toBe(201);
    const send = () =>
      s.call('POST', `${base}/stages/dev/promotions`, ci, { artifact: D }, { 'idempotency-key': 'race' });
    const answers = await Promise.all([send(), send(), send()]);
    const bodies = await Promise.all(answers.map((a) => a.text()));
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201]);
    expect(new Set(bodies).size).toBe(1);
    expect(await promotions(s)).toBe(1);
  });

  it("an upload's body is part of the request: another report under the same key is refused, never answered as the first", async () => {
    server = await openTestServer(backend);
    const s = server;
    const ci = await s.token({ role: 'ci', pipelines: ['checkout'], principal: 'ci-bot' });
    const D = fakeDigest(`upload-key-${backend.name}`);
    const checkout = '/api/v1/pipelines/checkout';
    expect((await s.call('POST', `${checkout}/artifacts`, ci, { digest: D })).status).toBe(201);
    const send = (report: string, key: string, type = 'application/xml') =>
      Promise.resolve(
        s.app.request(`${checkout}/artifacts/${D}/tests?suite=unit`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ci}`, 'content-type': type, 'idempotency-key': key },
          body: report,
        }),
      );
    const passing = junit(['pass', 'pass'], 'unit');
    const failing = junit(['pass', 'fail'], 'unit');
    const first = await send(passing, 'unit-1');
    expect(first.status).toBe(201);
    const firstBody = await first.text();
    const head = await s.handle.store.head('checkout');

    const again = await send(passing, 'unit-1');
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.text()).toBe(firstBody);
    // A failing report under the key of a passing one: refused, not answered "2 passed".
    const other = await send(failing, 'unit-1');
    expect(other.status).toBe(422);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    // The same when the first answer was never kept: compared once the body was read, nothing appended.
    await forgetAnswer(s, 'ci-bot', 'unit-1');
    expect((await send(failing, 'unit-1')).status).toBe(422);
    const recovered = await send(passing, 'unit-1');
    expect(recovered.headers.get('idempotent-replayed')).toBe('true');
    expect(await recovered.text()).toBe(firstBody);
    expect(await s.handle.store.head('checkout')).toBe(head);

    // Several reports in one multipart body, with bytes after its last boundary (which a parser
    // never reads): the whole body is its fingerprint, and a retry is answered as the first.
    const boundary = 'b-7f3a';
    const form = (reports: string[]) =>
      `${reports.map((r, i) => `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="r${i}.xml"\r\nContent-Type: application/xml\r\n\r\n${r}\r\n`).join('')}--${boundary}--\r\nepilogue`;
    const type = `multipart/form-data; boundary=${boundary}`;
    // Two different reports: the same one twice would count once and be the record of unit-1.
    const three = junit(['pass', 'pass', 'pass'], 'unit');
    const parts = await send(form([passing, three]), 'unit-2', type);
    expect(parts.status).toBe(201);
    const retried = await send(form([passing, three]), 'unit-2', type);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    expect(await retried.text()).toBe(await parts.text());
    expect((await send(form([passing, failing]), 'unit-2', type)).status).toBe(422);

    // Under a key of its own, the failing report is recorded and the gate says so.
    expect((await send(failing, 'unit-3')).status).toBe(201);
    const check = await s.call('GET', `${checkout}/stages/dev/check?artifact=${D}`, ci);
    expect(((await check.json()) as { verdict: string }).verdict).toBe('blocked');
  });

  it('one key first used at the same moment for writes to two pipelines: one is recorded, the other refused (422, never 500)', async () => {
    server = await openTestServer(backend);
    const s = server;
    const ci = await s.token({ role: 'ci', pipelines: ['checkout', 'billing'], principal: 'ci-bot' });
    for (let round = 0; round < 5; round++) {
      const D = fakeDigest(`${round}-both-${backend.name}`);
      const key = { 'idempotency-key': `both-${round}` };
      const pipelines = ['checkout', 'billing'];
      const answers = await Promise.all(
        pipelines.map((p) => s.call('POST', `/api/v1/pipelines/${p}/artifacts`, ci, { digest: D }, key)),
      );
      expect(answers.map((a) => a.status).sort(), `round ${round}`).toEqual([201, 422]);
      const recorded = await Promise.all(
        pipelines.map(async (p) => (await s.handle.store.entriesForArtifact(p, D)).length),
      );
      expect(recorded.sort(), `round ${round}`).toEqual([0, 1]);
    }
  });

  it('in a demo pipeline, another Tollgate-As or Tollgate-Now under the same key is another request', async () => {
    server = await openTestServer(backend, { demoPipelines: ['billing'] });
    const s = server;
    const ci = await s.token({ role: 'ci', pipelines: ['billing'], principal: 'ci-bot' });
    const D = fakeDigest(`demo-key-${backend.name}`);
    expect((await s.call('POST', `${base}/artifacts`, ci, { digest: D })).status).toBe(201);
    const promote = (headers: Record<string, string>) =>
      s.call(
        'POST',
        `${base}/stages/dev/promotions`,
        ci,
        { artifact: D },
        { 'idempotency-key': 'demo-1', ...headers },
      );
    const at = '2030-01-01T00:00:00Z';
    expect((await promote({ 'tollgate-as': 'dana', 'tollgate-now': at })).status).toBe(201);
    const others: Array<Record<string, string>> = [
      { 'tollgate-as': 'erin', 'tollgate-now': at },
      { 'tollgate-as': 'dana', 'tollgate-now': '2030-01-02T00:00:00Z' },
      {},
    ];
    for (const other of others) {
      const refused = await promote(other);
      expect(refused.status, JSON.stringify(other)).toBe(422);
    }
    const retry = await promote({ 'tollgate-as': 'dana', 'tollgate-now': at });
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const entries = await s.handle.store.entriesForStage('billing', 'dev', ['promotion']);
    expect(entries.map((e) => e.actor)).toEqual(['dana']);
  });

  it('takes the same bytes under another Content-Type for another request: the boundary says what the parts are', async () => {
    server = await openTestServer(backend);
    const s = server;
    const ci = await s.token({ role: 'ci', pipelines: ['billing'] });
    const D = fakeDigest(`idem-type-${backend.name}`);
    expect((await s.call('POST', `${base}/artifacts`, ci, { digest: D })).status).toBe(201);
    const part = (boundary: string, xml: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="unit.xml"\r\nContent-Type: application/xml\r\n\r\n${xml}\r\n--${boundary}--\r\n`;
    const failing =
      '<testsuite name="unit" tests="1" failures="1"><testcase name="pays"><failure message="broken"/></testcase></testsuite>';
    // Read with boundary A: one passing report, whose output holds text. Read with boundary B: the
    // text is the part, a failing report.
    const bytes = part(
      'A',
      `<testsuite name="unit" tests="1" failures="0"><testcase name="pays"/><system-out><![CDATA[\r\n${part('B', failing)}]]></system-out></testsuite>`,
    );
    const upload = (boundary: string) =>
      s.app.request(`${base}/artifacts/${D}/tests?suite=unit`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${ci}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'idempotency-key': 'tests-1',
        },
        body: bytes,
      });
    const first = await upload('A');
    expect(first.status).toBe(201);
    expect(await first.text()).toContain('"failed": 0');
    // Not a retry: the caller now attests a failing report, and must not be told it was recorded.
    const other = await upload('B');
    expect(other.status).toBe(422);
    expect(other.headers.get('idempotent-replayed')).toBeNull();
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    // Without a key, the same bytes under boundary B attest the failing report indeed.
    const plain = await s.app.request(`${base}/artifacts/${D}/tests?suite=unit`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ci}`, 'content-type': 'multipart/form-data; boundary=B' },
      body: bytes,
    });
    expect(await plain.text()).toContain('"failed": 1');
    // The same request again is a retry.
    const again = await upload('A');
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  it('refuses a malformed key and keeps nothing for a request that failed', async () => {
    server = await openTestServer(backend);
    const s = server;
    const ci = await s.token({ role: 'ci', pipelines: ['billing'] });
    const bad = await s.call(
      'POST',
      `${base}/artifacts`,
      ci,
      { digest: fakeDigest('k') },
      { 'idempotency-key': 'has space' },
    );
    expect(bad.status).toBe(400);
    const D = fakeDigest(`fail-${backend.name}`);
    const key = { 'idempotency-key': 'try-again' };
    // Not registered yet: 404, nothing remembered, so the retry after registering goes through.
    expect((await s.call('POST', `${base}/stages/dev/promotions`, ci, { artifact: D }, key)).status).toBe(
      404,
    );
    expect((await s.call('POST', `${base}/artifacts`, ci, { digest: D })).status).toBe(201);
    expect((await s.call('POST', `${base}/stages/dev/promotions`, ci, { artifact: D }, key)).status).toBe(
      201,
    );
  });
});
