/**
 * Who acts and what time it is are set by the `Tollgate-As` and `Tollgate-Now` headers only, and
 * only in a demo pipeline. Sent as a JSON body field or a query parameter they are refused with a
 * 400 that names the headers, never silently ignored: a caller asking `?now=2030-…` would read an
 * answer made at the server's time as one made at theirs, and a write would record at the
 * server's time in the server's name while its sender believed otherwise. Nothing is stored.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fakeDigest } from '../support/cli.js';
import { sqliteBackend } from '../support/stores.js';
import { openTestServer, type TestServer } from './support.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.dispose();
  server = undefined;
});

const D = fakeDigest('smuggled');
type Failure = { error: { code: string; message: string } };

describe('--as and --now smuggled past their headers', () => {
  it('are refused in a body or a query, in demo pipelines too, and nothing is stored', async () => {
    server = await openTestServer(sqliteBackend, { demoPipelines: ['billing'] });
    const s = server;
    const ci = await s.token({ role: 'ci', pipelines: ['checkout', 'billing'], principal: 'ci-bot' });
    const heads = async () => [await s.handle.store.head('checkout'), await s.handle.store.head('billing')];
    const before = await heads();

    for (const body of [
      { digest: D, as: 'erin' },
      { digest: D, now: '2030-01-01T00:00:00Z' },
    ]) {
      const res = await s.call('POST', '/api/v1/pipelines/checkout/artifacts', ci, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as Failure).error.code).toBe('USAGE');
    }

    for (const [method, path] of [
      ['POST', '/api/v1/pipelines/checkout/artifacts?as=erin'],
      ['POST', '/api/v1/pipelines/billing/artifacts?now=2030-01-01T00:00:00Z'],
      ['GET', '/api/v1/pipelines/checkout/status?now=2030-01-01T00:00:00Z'],
      ['GET', `/api/v1/pipelines/checkout/stages/prod/check?artifact=${D}&as=erin`],
    ] as const) {
      const res = await s.call(method, path, ci, method === 'POST' ? { digest: D } : undefined);
      expect(res.status, path).toBe(400);
      const { error } = (await res.json()) as Failure;
      expect(error.code, path).toBe('USAGE');
      expect(error.message, path).toMatch(
        /^the query parameter (as|now) is not read: who acts and what time it is are set with the Tollgate-As and Tollgate-Now headers/,
      );
    }
    expect(await heads()).toEqual(before);
  });
});
