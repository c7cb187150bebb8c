/**
 * A query parameter a route does not read is refused (400 USAGE naming it and the ones the route
 * reads), over real HTTP. Dropped, a misspelt filter was answered as if absent: the overview asked
 * `?stauts=failed` listed every pipeline, which reads as "all of these failed".
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fakeDigest } from '../support/cli.js';
import { sqliteBackend } from '../support/stores.js';
import { type ServedOverHttp, serveOverHttp } from './support.js';

const D = fakeDigest('unknown-query');

let served: ServedOverHttp | undefined;
afterEach(async () => {
  await served?.dispose();
  served = undefined;
});

describe('query parameters a route does not read', () => {
  it('are refused with the route parameters named, on reads and writes, and nothing is recorded', async () => {
    served = await serveOverHttp(sqliteBackend);
    const base = `http://127.0.0.1:${served.port}/api/v1`;
    const { token: root } = await served.token({ role: 'admin', pipelines: ['*'], principal: 'root' });
    const { token: ci } = await served.token({ role: 'ci', pipelines: ['checkout'], principal: 'ci-bot' });
    const get = (path: string, token = root) =>
      fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const refusal = async (answer: Response) => ({
      status: answer.status,
      error: ((await answer.json()) as { error: { code: string; message: string } }).error,
    });

    // Spelt right, the filter selects no pipeline: none has failed.
    const filtered = (await (await get('/overview?status=failed')).json()) as { pipelines: unknown[] };
    expect(filtered.pipelines).toEqual([]);
    expect(await refusal(await get('/overview?stauts=failed'))).toEqual({
      status: 400,
      error: {
        code: 'USAGE',
        message:
          'the query parameter "stauts" is not read by this route (did you mean "status"?): it reads q, status, page, size',
      },
    });
    expect(
      await refusal(await get(`/pipelines/checkout/stages/dev/check?artifact=${D}&promotr=erin`)),
    ).toEqual({
      status: 400,
      error: {
        code: 'USAGE',
        message:
          'the query parameter "promotr" is not read by this route (did you mean "promoter"?): it reads artifact, promoter',
      },
    });
    // A route that reads no query at all: a filter on it is not a filter.
    expect(await refusal(await get(`/pipelines/checkout/status?artifact=${D}`))).toEqual({
      status: 400,
      error: {
        code: 'USAGE',
        message: 'the query parameter "artifact" is not read by this route: it reads no query parameters',
      },
    });
    expect((await get('/pipelines/checkout/status')).status).toBe(200);

    const store = await served.services.store();
    const before = (await store.verify('checkout')).entries;
    const register = await fetch(`${base}/pipelines/checkout/artifacts?lable=version%3D1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ci}`, 'content-type': 'application/json' },
      body: JSON.stringify({ digest: D }),
    });
    expect(await refusal(register)).toEqual({
      status: 400,
      error: {
        code: 'USAGE',
        message: 'the query parameter "lable" is not read by this route: it reads no query parameters',
      },
    });
    expect((await store.verify('checkout')).entries).toBe(before);
  });
});
