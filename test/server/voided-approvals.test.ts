/**
 * A failed post-deploy verification of a digest in a stage voids the approvals of that digest for
 * that stage given before it, as a rollback does: promoting the same digest into the stage again
 * (no rollback in between) needs fresh approvals. Through the server's API, on every store backend;
 * the CLI runs the same gate (test/app/voided-approvals.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { twoStageContract } from '../support/builders.js';
import { fakeDigest } from '../support/cli.js';
import { BACKENDS } from '../support/stores.js';
import { openTestServer, type TestServer } from './support.js';

const FLOW = twoStageContract('      approvals: { count: 1, notBy: [promoter] }', 'artifact: { type: oci }', {
  first: 'dev',
});
const D = fakeDigest('voided-approvals');

let server: TestServer | undefined;
afterEach(async () => {
  await server?.dispose();
  server = undefined;
});

type Decision = {
  verdict: string;
  gates: Array<{ gate: string; status: string; summary: string }>;
  validated: Array<{ gate: string; text: string }>;
};

describe.each(BACKENDS)('approvals given before a failed verification, on $title', (backend) => {
  it('no longer count when the same digest is promoted into the same stage again', async () => {
    server = await openTestServer(backend, { contracts: [FLOW] });
    const s = server;
    const ci = await s.token({ role: 'ci', pipelines: ['shop'], principal: 'ci-bot' });
    const erin = await s.token({ role: 'approver', pipelines: ['shop'], principal: 'erin' });
    const ok = async (method: string, path: string, token: string, body?: unknown) => {
      const res = await s.call(method, path, token, body);
      expect(res.status, `${method} ${path}: ${await res.clone().text()}`).toBeLessThan(300);
      return res;
    };
    const base = '/api/v1/pipelines/shop';
    const promoteProd = async () => {
      const res = await s.call('POST', `${base}/stages/prod/promotions`, ci, { artifact: D });
      return { status: res.status, decision: (await res.json()) as Decision };
    };
    await ok('POST', `${base}/artifacts`, ci, { digest: D });
    await ok('POST', `${base}/stages/dev/promotions`, ci, { artifact: D });
    await ok('POST', `${base}/stages/prod/approvals`, erin, { artifact: D, decision: 'approve' });
    expect((await promoteProd()).decision.verdict).toBe('allowed');

    // The deploy fails its post-deploy check; nobody rolls back, someone promotes the digest again.
    await ok('POST', `${base}/artifacts/${D}/verifications`, ci, { stage: 'prod', result: 'failed' });
    const again = await promoteProd();
    expect(again.decision.verdict).not.toBe('allowed');
    const gate = again.decision.gates.find((g) => g.gate === 'approvals');
    expect(gate?.status).toBe('pending');
    expect(gate?.summary).toContain(
      "erin's approval does not count: given before the failed post-deploy verification in prod reported by ci-bot",
    );
    expect(again.decision.validated.filter((v) => v.gate === 'approvals')).toEqual([]);

    // A fresh approval, after the failure, lets it in.
    await ok('POST', `${base}/stages/prod/approvals`, erin, { artifact: D, decision: 'approve' });
    const fresh = await promoteProd();
    expect(fresh.decision.verdict).toBe('allowed');
    expect(fresh.decision.validated.filter((v) => v.gate === 'approvals')).toHaveLength(1);
  });
});
