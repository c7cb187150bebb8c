/**
 * The overview filtered by status, and the inbox a page at a time (issue 16, "Filter and search;
 * many pipelines stay usable (paged)"), over every store backend: the pipelines are selected before
 * paging (page 1 of "failed" holds failed pipelines), a pipeline that exists only by an uploaded
 * contract is listed like the others, and the listing index is never believed over the verified
 * ledger: rows edited behind the store's back are caught and rebuilt, a lost index is rebuilt.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/app/services.js';
import { contractOf, twoStageYaml } from '../support/builders.js';
import { fakeDigest } from '../support/cli.js';
import { BACKENDS, execBehindTheStore } from '../support/stores.js';
import { openTestServer, type TestServer } from './support.js';

const NOW = '2026-11-24T09:00:00.000Z';
const FLOW = (name: string) =>
  twoStageYaml('      approvals: { count: 1 }', 'demo: true\nadmins: [root]\nartifact: { type: oci }', {
    pipeline: name,
    first: 'dev',
  });
const STARTED = ['p-empty', 'p-failed', 'p-promoted', 'p-rolled', 'p-verified'];

let server: TestServer | undefined;
afterEach(async () => {
  await server?.dispose();
  server = undefined;
});

type Overview = {
  total: number;
  page: number;
  pipelines: Array<{
    pipeline: string;
    stages: Array<{ stage: string; current?: { status: string; rolledBack?: true }; waiting: unknown[] }>;
  }>;
};
type Inbox = {
  items: Array<{ pipeline: string; stage: string; artifact: { digest: string } }>;
  next?: number;
};

async function json<T>(res: Response | Promise<Response>): Promise<T> {
  const answer = await res;
  expect(answer.status, await answer.clone().text()).toBe(200);
  return (await answer.json()) as T;
}

describe.each(BACKENDS)('the overview filtered by status, and the inbox paged, on $title', (backend) => {
  it('selects before paging, lists uploaded pipelines, and trusts the verified ledger over its index', async () => {
    server = await openTestServer(backend, {
      contracts: STARTED.map((name) => contractOf(FLOW(name))),
      clock: fixedClock(new Date(NOW)),
    });
    const s = server;
    const ci = await s.token({ role: 'ci', pipelines: ['*'], principal: 'ci-bot' });
    const root = await s.token({ role: 'admin', pipelines: ['*'], principal: 'root' });
    const erin = await s.token({ role: 'approver', pipelines: ['*'], principal: 'erin' });
    const ok = async (method: string, path: string, token: string, body?: unknown) => {
      const res = await s.call(method, path, token, body);
      expect(res.status, `${method} ${path}: ${await res.clone().text()}`).toBeLessThan(300);
    };
    const intoDev = async (pipeline: string, digest: string) => {
      await ok('POST', `/api/v1/pipelines/${pipeline}/artifacts`, ci, { digest });
      await ok('POST', `/api/v1/pipelines/${pipeline}/stages/dev/promotions`, ci, { artifact: digest });
    };
    const verify = (pipeline: string, digest: string, stage: string, result: 'passed' | 'failed') =>
      ok('POST', `/api/v1/pipelines/${pipeline}/artifacts/${digest}/verifications`, ci, { stage, result });

    // A pipeline no start-up file names: it exists by its uploaded contract alone.
    const upload = await s.app.request('/api/v1/pipelines/p-uploaded/contract', {
      method: 'PUT',
      headers: { authorization: `Bearer ${root}`, 'content-type': 'application/yaml' },
      body: FLOW('p-uploaded'),
    });
    expect(upload.status, await upload.clone().text()).toBe(201);

    const [promoted, failed, verified, first, second, uploaded] = [
      'promoted',
      'failed',
      'verified',
      'first',
      'second',
      'uploaded',
    ].map((name) => fakeDigest(`filter-${name}`)) as [string, string, string, string, string, string];
    await intoDev('p-promoted', promoted);
    await intoDev('p-failed', failed);
    await verify('p-failed', failed, 'dev', 'failed');
    await intoDev('p-verified', verified);
    await verify('p-verified', verified, 'dev', 'passed');
    await ok('POST', '/api/v1/pipelines/p-verified/stages/prod/approvals', erin, {
      artifact: verified,
      decision: 'approve',
    });
    await ok('POST', '/api/v1/pipelines/p-verified/stages/prod/promotions', ci, { artifact: verified });
    await verify('p-verified', verified, 'prod', 'passed');
    await intoDev('p-rolled', first);
    await intoDev('p-rolled', second);
    await ok('POST', '/api/v1/pipelines/p-rolled/stages/dev/rollbacks', ci, { reason: 'errors up' });
    await intoDev('p-uploaded', uploaded);

    const names = async (query: string, token = root) =>
      (await json<Overview>(s.call('GET', `/api/v1/overview?${query}`, token))).pipelines.map(
        (p) => p.pipeline,
      );
    // The uploaded pipeline is listed after the start-up ones.
    const all = await json<Overview>(s.call('GET', '/api/v1/overview', root));
    expect([all.total, all.pipelines.map((p) => p.pipeline)]).toEqual([6, [...STARTED, 'p-uploaded']]);
    expect(await names('q=uploaded')).toEqual(['p-uploaded']);

    expect(await names('status=failed')).toEqual(['p-failed']);
    expect(await names('status=verified')).toEqual(['p-verified']);
    expect(await names('status=rolled-back')).toEqual(['p-rolled']);
    expect(await names('status=promoted')).toEqual(['p-promoted', 'p-rolled', 'p-uploaded']);
    // A failed digest does not wait at prod's door, nor one that is already there.
    expect(await names('status=waiting')).toEqual(['p-promoted', 'p-rolled', 'p-uploaded']);
    const rolled = await json<Overview>(s.call('GET', '/api/v1/overview?status=rolled-back', root));
    expect(rolled.pipelines[0]!.stages[0]!.current).toMatchObject({ status: 'promoted', rolledBack: true });
    // Selected, then paged: page 2 of one a page is the second match, and the total counts matches.
    const paged = await json<Overview>(s.call('GET', '/api/v1/overview?status=waiting&size=1&page=2', root));
    expect([paged.total, paged.page, paged.pipelines.map((p) => p.pipeline)]).toEqual([3, 2, ['p-rolled']]);
    expect(await names('status=waiting&q=upl')).toEqual(['p-uploaded']);
    // A grant sees only its pipelines, filtered or not.
    const narrow = await s.token({
      role: 'reader',
      pipelines: ['p-uploaded', 'p-failed'],
      principal: 'nora',
    });
    expect(await names('status=promoted', narrow)).toEqual(['p-uploaded']);
    expect(await names('', narrow)).toEqual(['p-failed', 'p-uploaded']);
    const refused = await s.call('GET', '/api/v1/overview?status=broken', root);
    expect(refused.status).toBe(400);

    // Index rows edited behind the store's back: the page is checked against the verified ledger,
    // the rows are rebuilt, and nothing is listed under the wrong filter.
    await execBehindTheStore(
      backend.name,
      s.handle,
      "update overview_stages set status = 'failed' where pipeline = 'p-verified'",
    );
    const healed = await json<Overview>(s.call('GET', '/api/v1/overview?status=failed', root));
    expect([healed.total, healed.pipelines.map((p) => p.pipeline)]).toEqual([1, ['p-failed']]);
    expect(
      await execBehindTheStore(
        backend.name,
        s.handle,
        "select status from overview_stages where pipeline = 'p-verified' order by stage",
      ),
    ).toEqual([{ status: 'verified' }, { status: 'verified' }]);
    // The index lost (a database from before it): marked unbuilt, it is rebuilt from the ledger.
    await execBehindTheStore(backend.name, s.handle, 'delete from overview_stages');
    await execBehindTheStore(backend.name, s.handle, 'delete from overview_pipelines');
    await execBehindTheStore(
      backend.name,
      s.handle,
      "update read_models set built = 0 where name = 'overview'",
    );
    expect(await names('status=rolled-back')).toEqual(['p-rolled']);
    expect(await names('q=p-')).toEqual([...STARTED, 'p-uploaded']);

    // The inbox, a page at a time: each page holds what waits for an approval, in listing order.
    const inbox = await json<Inbox>(s.call('GET', '/api/v1/inbox', erin));
    expect(inbox.items.map((i) => [i.pipeline, i.stage, i.artifact.digest])).toEqual([
      ['p-promoted', 'prod', promoted],
      ['p-rolled', 'prod', first],
      ['p-uploaded', 'prod', uploaded],
    ]);
    expect(inbox.next).toBeUndefined();
    const seen: string[] = [];
    let after: number | undefined;
    for (let page = 0; page < 10; page++) {
      const one = await json<Inbox>(
        s.call('GET', `/api/v1/inbox?size=1${after === undefined ? '' : `&after=${after}`}`, erin),
      );
      expect(one.items.length).toBe(1);
      seen.push(...one.items.map((i) => i.pipeline));
      after = one.next;
      if (after === undefined) break;
    }
    expect(seen).toEqual(['p-promoted', 'p-rolled', 'p-uploaded']);
    // Approved: it leaves the inbox, and the page is filled from the next door.
    await ok('POST', '/api/v1/pipelines/p-promoted/stages/prod/approvals', erin, {
      artifact: promoted,
      decision: 'approve',
    });
    const after1 = await json<Inbox>(s.call('GET', '/api/v1/inbox?size=1', erin));
    expect(after1.items.map((i) => i.pipeline)).toEqual(['p-rolled']);
    for (const bad of ['size=0', 'size=101', 'after=x', 'after=-1']) {
      expect((await s.call('GET', `/api/v1/inbox?${bad}`, erin)).status, bad).toBe(400);
    }
  });
});
