/**
 * Approving a digest that has a look-alike, over HTTP, with the requests a hurried approver or a
 * script would send: without naming the look-alike it compared, with its own digest in place of
 * the look-alike, with a confirmation drawn before a second look-alike was registered. Each is
 * refused with LOOKALIKE_UNCONFIRMED and records nothing; naming every look-alike records it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ENTRY } from '../../src/ledger/entry.js';
import { APPROVED_PROD, GENUINE, IMPOSTOR, SHARED } from '../support/lookalikes.js';
import { BACKENDS } from '../support/stores.js';
import { openTestServer, type TestServer } from './support.js';

const SHOP = APPROVED_PROD;
const base = '/api/v1/pipelines/shop';
const SECOND = `sha256:${SHARED.slice(0, 12)}${'c'.repeat(52)}`;

let server: TestServer | undefined;
afterEach(async () => {
  await server?.dispose();
  server = undefined;
});

async function errorOf(answer: Response): Promise<{ code: string; message: string }> {
  return ((await answer.json()) as { error: { code: string; message: string } }).error;
}

describe.each(BACKENDS)('approving a look-alike over HTTP ($title)', (backend) => {
  it('is refused until every look-alike is named by its full digest, and records nothing until then', async () => {
    server = await openTestServer(backend, { contracts: [SHOP] });
    const s = server;
    const ci = await s.token({ role: 'ci', pipelines: ['shop'], principal: 'ci-bot' });
    const mallory = await s.token({ role: 'ci', pipelines: ['shop'], principal: 'mallory' });
    const erin = await s.token({ role: 'approver', pipelines: ['shop'], principal: 'erin' });
    expect((await s.call('POST', `${base}/artifacts`, ci, { digest: GENUINE })).status).toBe(201);
    expect((await s.call('POST', `${base}/stages/dev/promotions`, ci, { artifact: GENUINE })).status).toBe(
      201,
    );
    expect((await s.call('POST', `${base}/artifacts`, mallory, { digest: IMPOSTOR })).status).toBe(201);
    const approvals = async () =>
      (await s.handle.store.entriesForArtifact('shop', GENUINE)).filter((e) => e.kind === ENTRY.approval)
        .length;

    const refused: Array<[string, unknown]> = [
      ['no confirmation at all', { artifact: GENUINE, decision: 'approve' }],
      ['an empty confirmation', { artifact: GENUINE, decision: 'approve', lookalikesSeen: [] }],
      [
        'its own digest as the look-alike',
        { artifact: GENUINE, decision: 'approve', lookalikesSeen: [GENUINE] },
      ],
    ];
    for (const [what, body] of refused) {
      const answer = await s.call('POST', `${base}/stages/prod/approvals`, erin, body);
      expect(answer.status, what).toBe(409);
      const error = await errorOf(answer);
      expect(error.code, what).toBe('LOOKALIKE_UNCONFIRMED');
      expect(error.message, what).toContain(`look-alike of ${IMPOSTOR}, registered by mallory at`);
      expect(error.message, what).toContain('lookalikesSeen');
    }
    // A short form is no confirmation: the field takes full digests only.
    const short = await s.call('POST', `${base}/stages/prod/approvals`, erin, {
      artifact: GENUINE,
      decision: 'approve',
      lookalikesSeen: [IMPOSTOR.slice(0, 19)],
    });
    expect(short.status).toBe(400);
    expect(await approvals()).toBe(0);

    // A second look-alike registered after the approver compared the first: the old confirmation
    // does not cover it, and the refusal names only the one not yet seen.
    expect((await s.call('POST', `${base}/artifacts`, mallory, { digest: SECOND })).status).toBe(201);
    const stale = await s.call('POST', `${base}/stages/prod/approvals`, erin, {
      artifact: GENUINE,
      decision: 'approve',
      lookalikesSeen: [IMPOSTOR],
    });
    expect(stale.status).toBe(409);
    const staleError = await errorOf(stale);
    expect(staleError.message).toContain(`look-alike of ${SECOND}`);
    expect(staleError.message).not.toContain(`look-alike of ${IMPOSTOR}`);
    expect(await approvals()).toBe(0);

    const confirmed = await s.call('POST', `${base}/stages/prod/approvals`, erin, {
      artifact: GENUINE,
      decision: 'approve',
      lookalikesSeen: [IMPOSTOR, SECOND],
    });
    expect(confirmed.status).toBe(201);
    const document = (await confirmed.json()) as { artifact: string; lookalikes: Array<{ digest: string }> };
    expect(document.artifact).toBe(GENUINE);
    expect(document.lookalikes.map((l) => l.digest).sort()).toEqual([IMPOSTOR, SECOND].sort());
    expect(await approvals()).toBe(1);

    // Taking a word back or saying no needs no confirmation: neither can let the wrong digest in.
    const withdrawn = await s.call('POST', `${base}/stages/prod/approvals`, erin, {
      artifact: GENUINE,
      decision: 'approve',
      withdraw: true,
    });
    expect(withdrawn.status).toBe(201);
    const rejected = await s.call('POST', `${base}/stages/prod/approvals`, erin, {
      artifact: IMPOSTOR,
      decision: 'reject',
    });
    expect(rejected.status).toBe(201);
  });

  it('flags a look-alike in the timeline rows and the passport, where the page would show the short form', async () => {
    server = await openTestServer(backend, { contracts: [SHOP] });
    const s = server;
    const ci = await s.token({ role: 'ci', pipelines: ['shop'], principal: 'ci-bot' });
    const viewer = await s.token({ role: 'reader', pipelines: ['shop'], principal: 'vera' });
    const LONE = `sha256:${'9'.repeat(64)}`;
    for (const digest of [GENUINE, LONE]) {
      expect((await s.call('POST', `${base}/artifacts`, ci, { digest })).status).toBe(201);
      expect((await s.call('POST', `${base}/stages/dev/promotions`, ci, { artifact: digest })).status).toBe(
        201,
      );
    }
    expect((await s.call('POST', `${base}/artifacts`, ci, { digest: IMPOSTOR })).status).toBe(201);
    const timeline = (await (await s.call('GET', `${base}/timeline`, viewer)).json()) as {
      entries: Array<{ artifact: string; lookalikes?: Array<{ digest: string }> }>;
    };
    const flagged = (digest: string) =>
      timeline.entries.filter((e) => e.artifact === digest).map((e) => e.lookalikes?.map((l) => l.digest));
    expect(flagged(GENUINE)).toEqual([[IMPOSTOR], [IMPOSTOR]]);
    expect(flagged(IMPOSTOR)).toEqual([[GENUINE]]);
    expect(flagged(LONE)).toEqual([undefined, undefined]);
    const passport = (await (await s.call('GET', `${base}/artifacts/${GENUINE}`, viewer)).json()) as {
      artifact: { lookalikes?: Array<{ digest: string }> };
    };
    expect(passport.artifact.lookalikes?.map((l) => l.digest)).toEqual([IMPOSTOR]);
  });
});
