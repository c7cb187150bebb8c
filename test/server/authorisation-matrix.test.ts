/**
 * The authorisation matrix, generated from the route table: every route × every role × a token
 * for the route's pipeline or for another one → the status the roles promise (src/app/authorise.ts).
 * A route added to the table without a sample request here fails this test, so none is forgotten.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role, roleAllows } from '../../src/app/authorise.js';
import { FIXTURES, fakeDigest } from '../support/cli.js';
import { sqliteBackend } from '../support/stores.js';
import { CHECKOUT, openTestServer, type TestServer } from './support.js';

const D = fakeDigest('matrix');
const base = '/api/v1/pipelines/checkout';
const XML = readFileSync(
  join(FIXTURES, 'junit/tests__utils__TEST-action.surefire.report.calc.AllOkTest.xml'),
);
const SBOM = readFileSync(join(FIXTURES, 'sbom/cyclonedx/dropwizard-1.3.15__bom.json'));
const CDEVENT = readFileSync(join(FIXTURES, 'cdevents/conformance/testsuiterun_finished.json'));
const statement = () =>
  JSON.stringify({
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'checkout', digest: { sha256: D.slice(7) } }],
    predicateType: 'https://example.com/custom/v1',
    predicate: { note: `matrix ${Math.random()}` },
  });

interface Sample {
  /** True when the request is about pipeline `checkout` (so a token for `billing` is out of scope). */
  scoped: boolean;
  /**
   * True when a caller allowed the act but out of scope is answered as if the thing did not exist
   * (404 NOT_FOUND), not refused: a 403 would tell it the thing is there.
   */
  hidden?: boolean;
  send(s: TestServer, token: string): Promise<Response>;
}

const post = (path: string, body: unknown) => (s: TestServer, token: string) =>
  s.call('POST', path, token, body);
const get = (path: string) => (s: TestServer, token: string) => s.call('GET', path, token);
const raw = (path: string, body: () => RequestInit['body'], type: string) => (s: TestServer, token: string) =>
  Promise.resolve(
    s.app.request(path, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
      body: body(),
    }),
  );

/** One valid request per route id. */
const SAMPLES: Record<string, Sample> = {
  listPipelines: { scoped: false, send: get('/api/v1/pipelines') },
  status: { scoped: true, send: get(`${base}/status`) },
  verifyLedger: { scoped: true, send: get(`${base}/ledger/verify`) },
  drift: { scoped: true, send: get(`${base}/drift?from=dev&to=prod`) },
  register: {
    scoped: true,
    send: (s, t) => post(`${base}/artifacts`, { digest: fakeDigest(`r${Math.random()}`) })(s, t),
  },
  explain: { scoped: true, send: get(`${base}/artifacts/${D}`) },
  attestTests: {
    scoped: true,
    send: raw(`${base}/artifacts/${D}/tests?suite=unit`, () => XML, 'application/xml'),
  },
  attestEvidence: {
    scoped: true,
    send: raw(`${base}/artifacts/${D}/evidence?kind=sbom`, () => SBOM, 'application/json'),
  },
  attestStatement: {
    scoped: true,
    send: raw(`${base}/artifacts/${D}/statements`, statement, 'application/vnd.in-toto+json'),
  },
  attestCdEvent: {
    scoped: true,
    send: raw(`${base}/artifacts/${D}/cdevents?suite=unit`, () => CDEVENT, 'application/json'),
  },
  attestVerification: {
    scoped: true,
    send: post(`${base}/artifacts/${D}/verifications`, { stage: 'dev', result: 'passed' }),
  },
  check: { scoped: true, send: get(`${base}/stages/prod/check?artifact=${D}`) },
  promote: { scoped: true, send: post(`${base}/stages/dev/promotions`, { artifact: D }) },
  history: { scoped: true, send: get(`${base}/stages/dev/promotions`) },
  approve: {
    scoped: true,
    send: post(`${base}/stages/prod/approvals`, { artifact: D, decision: 'approve' }),
  },
  windows: { scoped: true, send: get(`${base}/stages/prod/windows`) },
  rollbackCheck: { scoped: true, send: get(`${base}/stages/dev/rollback-check`) },
  rollback: { scoped: true, send: post(`${base}/stages/dev/rollbacks`, { reason: 'matrix' }) },
  vsa: { scoped: true, send: get(`${base}/stages/dev/vsa?artifact=${D}`) },
  events: { scoped: true, send: get(`${base}/events?after=0`) },
  whoami: { scoped: false, send: get('/api/v1/whoami') },
  // The dashboard's read models: the overview and the inbox list only the pipelines a grant covers.
  overview: { scoped: false, send: get('/api/v1/overview?page=1&size=5') },
  pipelineSummary: { scoped: true, send: get(`${base}/summary`) },
  timeline: { scoped: true, send: get(`${base}/timeline?limit=5`) },
  inbox: { scoped: false, send: get('/api/v1/inbox') },
  vsaVerification: { scoped: true, send: get(`${base}/stages/dev/vsa/verification?artifact=${D}`) },
  // The contract in force again: recorded nothing, so the sample can run for every admin cell.
  pushContract: {
    scoped: true,
    send: (s, token) =>
      Promise.resolve(
        s.app.request(`${base}/contract`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/yaml' },
          body: CHECKOUT.text,
        }),
      ),
  },
  contractVersions: { scoped: true, send: get(`${base}/contract/versions`) },
  contractVersion: { scoped: true, send: get(`${base}/contract/versions/${CHECKOUT.digest}`) },
  createToken: { scoped: true, send: post('/api/v1/tokens', { role: 'reader', pipelines: ['checkout'] }) },
  listTokens: { scoped: false, send: get('/api/v1/tokens') },
  revokeToken: {
    scoped: true,
    hidden: true,
    async send(s, token) {
      const victim = await s.token({ role: 'reader', pipelines: ['checkout'] });
      return s.call('DELETE', `/api/v1/tokens/${victim.slice(3, 19)}`, token);
    },
  },
};

let server: TestServer;
const tokens = new Map<string, string>();
beforeAll(async () => {
  server = await openTestServer(sqliteBackend);
  const root = await server.token({ role: 'admin', pipelines: ['*'], principal: 'root' });
  // One registered, tested artifact promoted into dev, so the samples have something to act on.
  expect((await server.call('POST', `${base}/artifacts`, root, { digest: D })).status).toBe(201);
  expect((await SAMPLES.attestTests!.send(server, root)).status).toBe(201);
  expect((await SAMPLES.promote!.send(server, root)).status).toBe(201);
  for (const role of ROLES) {
    tokens.set(`${role}:in`, await server.token({ role, pipelines: ['checkout'], principal: `${role}-in` }));
    tokens.set(`${role}:out`, await server.token({ role, pipelines: ['billing'], principal: `${role}-out` }));
  }
});
afterAll(() => server.dispose());

describe('the authorisation matrix', () => {
  it('has a sample request for every route of the table', () => {
    const missing = server.routes.map((r) => r.id).filter((id) => !(id in SAMPLES));
    expect(missing, 'routes without a sample in the matrix').toEqual([]);
    expect(Object.keys(SAMPLES).filter((id) => !server.routes.some((r) => r.id === id))).toEqual([]);
  });

  const cells = ROLES.flatMap((role) => [
    { role, scope: 'in' as const },
    { role, scope: 'out' as const },
  ]);
  it.each(cells)('every route for a $role token, $scope of scope', async ({ role, scope }) => {
    const outcomes: string[] = [];
    for (const route of server.routes) {
      const sample = SAMPLES[route.id]!;
      const allowed = roleAllows(role as Role, route.action) && (scope === 'in' || !sample.scoped);
      const res = await sample.send(server, tokens.get(`${role}:${scope}`)!);
      // A live event stream is answered with its headers; its body would never end.
      const streaming = res.headers.get('content-type')?.startsWith('text/event-stream');
      if (streaming) await res.body?.cancel();
      const body = (streaming ? {} : await res.clone().json()) as {
        error?: { code: string; message: string };
      };
      const got = res.status === 403 || res.status === 401 ? 'refused' : 'allowed';
      outcomes.push(`${route.id}: ${got}${allowed ? '' : ` (${res.status} ${body.error?.code})`}`);
      if (allowed) {
        expect(res.status, `${role} ${scope} ${route.id}: ${JSON.stringify(body.error)}`).not.toBe(403);
        expect(res.status, `${role} ${scope} ${route.id}`).not.toBe(401);
        // An allowed request is answered, not merely "not refused": no server errors.
        expect(res.status, `${role} ${scope} ${route.id}: ${JSON.stringify(body.error)}`).toBeLessThan(500);
      } else if (sample.hidden && roleAllows(role as Role, route.action)) {
        expect(res.status, `${role} ${scope} ${route.id} must be hidden`).toBe(404);
        expect(body.error?.code).toBe('NOT_FOUND');
      } else {
        expect(res.status, `${role} ${scope} ${route.id} must be refused`).toBe(403);
        expect(body.error?.code).toBe('NOT_ALLOWED');
      }
    }
    expect(outcomes).toHaveLength(server.routes.length);
  });
});
