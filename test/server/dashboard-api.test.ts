/**
 * The dashboard's read models over every store backend: the overview pages and filters only what
 * a grant covers, the pipeline summary says what waits where as `check` says it, the timeline
 * pages by primary key with nothing lost or repeated, the inbox lists what waits for an approval
 * and says when the caller's would not count; and the page itself is served with a strict CSP and
 * nothing else from its folder.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/app/services.js';
import { contractOf } from '../support/builders.js';
import { FIXTURES, fakeDigest, ROOT } from '../support/cli.js';
import { BACKENDS, sqliteBackend } from '../support/stores.js';
import { BILLING, openTestServer, type TestServer } from './support.js';

const NOW = '2026-11-24T09:00:00.000Z';
const PASSING = readFileSync(
  join(FIXTURES, 'junit/tests__utils__TEST-action.surefire.report.calc.AllOkTest.xml'),
);
const CHECKOUT = contractOf(`version: 1
pipeline: checkout
# A demo pipeline: the server's clock is fixed (the one-clock rule refuses writes otherwise).
demo: true
artifact: { type: oci }
groups:
  release-managers: [erin]
stages:
  dev:
    purpose: fast feedback
    requires:
      tests: [{ suite: unit }]
  prod:
    purpose: live
    from: dev
    requires:
      approvals: { count: 1, from: [group:release-managers], notBy: [promoter] }
`);
const base = '/api/v1/pipelines/checkout';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.dispose();
  server = undefined;
});

/** Registers `digest` with a version, records passing unit tests and promotes it into dev. */
async function intoDev(s: TestServer, ci: string, digest: string, version: string) {
  expect((await s.call('POST', `${base}/artifacts`, ci, { digest, labels: { version } })).status).toBe(201);
  const tests = await s.app.request(`${base}/artifacts/${digest}/tests?suite=unit`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ci}`, 'content-type': 'application/xml' },
    // Each build's own run: the very same report bytes for two digests block the second.
    body: Buffer.concat([PASSING, Buffer.from(`<!-- build ${version} -->\n`)]),
  });
  expect(tests.status).toBe(201);
  expect((await s.call('POST', `${base}/stages/dev/promotions`, ci, { artifact: digest })).status).toBe(201);
}

async function json<T>(res: Response | Promise<Response>): Promise<T> {
  const answer = await res;
  expect(answer.status, await answer.clone().text()).toBe(200);
  return (await answer.json()) as T;
}

describe.each(BACKENDS)('the dashboard read models on $title', (backend) => {
  it('overview, summary, timeline and inbox say what runs where and what waits for whom', async () => {
    server = await openTestServer(backend, {
      contracts: [CHECKOUT, BILLING],
      clock: fixedClock(new Date(NOW)),
    });
    const s = server;
    const ci = await s.token({ role: 'ci', pipelines: ['checkout'], principal: 'ci-bot' });
    const admin = await s.token({ role: 'admin', pipelines: ['*'], principal: 'root' });
    const erin = await s.token({ role: 'approver', pipelines: ['checkout'], principal: 'erin' });
    const dave = await s.token({ role: 'approver', pipelines: ['checkout'], principal: 'dave' });
    const billingOnly = await s.token({ role: 'reader', pipelines: ['billing'], principal: 'bo' });
    const [d1, d2] = [fakeDigest('dash-1'), fakeDigest('dash-2')];
    await intoDev(s, ci, d1, '1.0.0');

    type Overview = {
      total: number;
      pipelines: Array<{
        pipeline: string;
        entries: number;
        stages: Array<{
          stage: string;
          from: string[];
          current?: { artifact: { digest: string; labels: Record<string, string> }; status: string };
          waiting: Array<{
            digest: string;
            verdict: string;
            pending: Array<{ gate: string; summary: string }>;
          }>;
        }>;
      }>;
    };
    const all = await json<Overview>(s.call('GET', '/api/v1/overview', admin));
    expect(all.total).toBe(2);
    expect(all.pipelines.map((p) => p.pipeline)).toEqual(['checkout', 'billing']);
    const checkout = all.pipelines[0]!;
    expect(checkout.stages.map((st) => [st.stage, st.from, st.current?.artifact.digest])).toEqual([
      ['dev', [], d1],
      ['prod', ['dev'], undefined],
    ]);
    // Waiting at prod's door: pending on the approvals gate, as `check` says.
    expect(checkout.stages[1]!.waiting).toMatchObject([
      { digest: d1, from: 'dev', runsIn: ['dev'], verdict: 'pending', pending: [{ gate: 'approvals' }] },
    ]);

    // A grant covering billing only sees billing: no other pipeline's name, count or state.
    const scoped = await json<Overview>(s.call('GET', '/api/v1/overview', billingOnly));
    expect(scoped.total).toBe(1);
    expect(JSON.stringify(scoped)).not.toContain('checkout');
    // Paging and search.
    const second = await json<Overview>(s.call('GET', '/api/v1/overview?size=1&page=2', admin));
    expect([second.total, second.pipelines.map((p) => p.pipeline)]).toEqual([2, ['billing']]);
    const found = await json<Overview>(s.call('GET', '/api/v1/overview?q=PROD', admin));
    expect(found.pipelines.map((p) => p.pipeline)).toEqual(['checkout']);
    for (const bad of ['size=0', 'size=101', 'page=0', 'page=abc', 'page=-1']) {
      const refused = await s.call('GET', `/api/v1/overview?${bad}`, admin);
      expect(refused.status, bad).toBe(400);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('USAGE');
    }

    // The inbox: erin may approve and it would count; dave's would not (not a release manager).
    type Inbox = {
      items: Array<{
        stage: string;
        artifact: { digest: string };
        notCounted?: string;
        mayApprove: boolean;
      }>;
      next?: number;
    };
    expect(await json<Inbox>(s.call('GET', '/api/v1/inbox', erin))).toMatchObject({
      items: [{ stage: 'prod', artifact: { digest: d1 }, from: 'dev', runsIn: ['dev'], mayApprove: true }],
    });
    const [forDave] = (await json<Inbox>(s.call('GET', '/api/v1/inbox', dave))).items;
    expect(forDave?.notCounted).toBe('dave is not among group:release-managers');
    expect((await json<Inbox>(s.call('GET', '/api/v1/inbox', billingOnly))).items.length).toBe(0);
    expect(
      (await s.call('POST', `${base}/stages/prod/approvals`, erin, { artifact: d1, decision: 'approve' }))
        .status,
    ).toBe(201);
    expect(await json<Inbox>(s.call('GET', '/api/v1/inbox', erin))).toEqual({ items: [] });
    const summary = await json<Overview['pipelines'][number]>(s.call('GET', `${base}/summary`, erin));
    expect(summary.stages[1]!.waiting).toMatchObject([{ digest: d1, verdict: 'allowed', pending: [] }]);
    // The decision as the dashboard asks it (the stage's usual promoter), and as erin herself would
    // promote: then her own approval does not count (notBy: promoter).
    type Decision = { verdict: string; actor: string };
    expect(
      await json<Decision>(s.call('GET', `${base}/stages/prod/check?artifact=${d1}&promoter=ci-bot`, erin)),
    ).toMatchObject({ verdict: 'allowed', actor: 'ci-bot' });
    expect(
      await json<Decision>(s.call('GET', `${base}/stages/prod/check?artifact=${d1}`, erin)),
    ).toMatchObject({
      verdict: 'blocked',
      actor: 'erin',
    });
    expect((await s.call('GET', `${base}/stages/prod/check?artifact=${d1}&promoter=%20`, erin)).status).toBe(
      400,
    );

    // The timeline, a row at a time: every entry worth showing once, newest first.
    expect((await s.call('POST', `${base}/stages/prod/promotions`, ci, { artifact: d1 })).status).toBe(201);
    await intoDev(s, ci, d2, '1.1.0');
    type Timeline = {
      entries: Array<{ seq: number; kind: string; stage: string | null; status?: string }>;
      next?: number;
    };
    const whole = await json<Timeline>(s.call('GET', `${base}/timeline`, erin));
    expect(whole.entries.map((e) => `${e.kind}:${e.stage ?? ''}`)).toEqual([
      'promotion:dev',
      'register:',
      'promotion:prod',
      'approval:prod',
      'promotion:dev',
      'register:',
    ]);
    expect(whole.next).toBeUndefined();
    const seen: number[] = [];
    let cursor: number | undefined;
    for (let page = 0; page < 10; page += 1) {
      const one = await json<Timeline>(
        s.call('GET', `${base}/timeline?limit=1${cursor ? `&before=${cursor}` : ''}`, erin),
      );
      seen.push(...one.entries.map((e) => e.seq));
      cursor = one.next;
      if (cursor === undefined) break;
    }
    expect(seen).toEqual(whole.entries.map((e) => e.seq));
    for (const bad of ['limit=0', 'limit=201', 'before=x']) {
      expect((await s.call('GET', `${base}/timeline?${bad}`, erin)).status, bad).toBe(400);
    }
    // Another pipeline's token learns nothing about this one.
    expect((await s.call('GET', `${base}/timeline`, billingOnly)).status).toBe(403);
    expect((await s.call('GET', `${base}/summary`, billingOnly)).status).toBe(403);
  });
});

describe('the overview says when what waits can pass', () => {
  it('a soak with the time it ends and a closed window with its next opening, as check computes them', async () => {
    const web = contractOf(`version: 1
pipeline: checkout
demo: true
artifact: { type: oci }
stages:
  dev: { purpose: fast feedback, requires: { tests: [{ suite: unit }] } }
  prod:
    purpose: live
    from: dev
    requires:
      soak: 24h
      # Closed all of Tuesday 2026-11-24 (Berlin), when the server's clock stands.
      windows: { deny: [{ rrule: "FREQ=WEEKLY;BYDAY=TU", duration: 24h, tz: Europe/Berlin }] }
`);
    server = await openTestServer(sqliteBackend, { contracts: [web], clock: fixedClock(new Date(NOW)) });
    const ci = await server.token({ role: 'ci', pipelines: ['checkout'], principal: 'ci-bot' });
    const digest = fakeDigest('dash-soak');
    await intoDev(server, ci, digest, '2.0.0');
    const page = await json<{
      pipelines: Array<{
        stages: Array<{ waiting: Array<{ pending: Array<{ gate: string; until?: string }> }> }>;
      }>;
    }>(server.call('GET', '/api/v1/overview', ci));
    const pending = page.pipelines[0]!.stages[1]!.waiting[0]!.pending;
    const check = await json<{ gates: Array<{ gate: string; until?: string }> }>(
      server.call('GET', `${base}/stages/prod/check?artifact=${digest}`, ci),
    );
    const untilOf = (gates: Array<{ gate: string; until?: string }>, gate: string) =>
      gates.find((g) => g.gate === gate)?.until;
    // Soak: 24 h after it entered dev (at the server's clock).
    expect(untilOf(pending, 'soak')).toBe('2026-11-25T09:00:00.000Z');
    // The window opens at the end of Tuesday in Berlin.
    expect(untilOf(pending, 'windows')).toBe('2026-11-24T23:00:00.000Z');
    expect(untilOf(pending, 'soak')).toBe(untilOf(check.gates, 'soak'));
    expect(untilOf(pending, 'windows')).toBe(untilOf(check.gates, 'windows'));
  });
});

describe('the dashboard page', () => {
  it('is served at / with a strict Content-Security-Policy, and only its own assets', async () => {
    server = await openTestServer(sqliteBackend, { dashboardDir: join(ROOT, 'dist', 'ui') });
    const page = await server.app.request('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('<script defer src="assets/app.js"></script>');
    expect(html).toContain('<meta name="tollgate-login" content="off">');
    expect(html).not.toMatch(/<script>(?!<)/);
    const script = await server.app.request('/assets/app.js');
    expect([script.status, script.headers.get('content-type')]).toEqual([
      200,
      'text/javascript; charset=utf-8',
    ]);
    for (const probe of [
      '/assets/..%2Fpackage.json',
      '/assets/../index.html',
      '/assets/%2e%2e%2f%2e%2e%2fpackage.json',
      '/assets/app.js.map',
      '/assets/nothing.js',
      '/assets/.env',
    ]) {
      const res = await server.app.request(probe);
      expect(res.status, probe).toBe(404);
    }
  });

  it('says the dashboard is not built without naming where the server is installed, and the API works without it', async () => {
    server = await openTestServer(sqliteBackend, { dashboardDir: join(ROOT, 'no-such-dir') });
    const res = await server.app.request('/');
    expect(res.status).toBe(404);
    const { message } = ((await res.json()) as { error: { message: string } }).error;
    expect(message).toMatch(/not built.*npm run build/);
    // A caller learns nothing of the server's filesystem: no folder, no file path.
    expect(message).not.toContain('no-such-dir');
    expect(message).not.toContain(ROOT);
    expect(message).not.toContain('index.html');
    expect((await server.app.request('/healthz')).status).toBe(200);
  });
});
