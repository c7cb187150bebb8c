/**
 * One clock for decisions that record (issue 12): promote, approve, attest and rollback refuse a
 * set clock unless the contract declares a demo pipeline; `check` at a set clock is a "what if"
 * that records nothing; soak never counts time from an entry written at a set clock outside a
 * demo. Every attack from the issue is a test here, on SQLite and PostgreSQL.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { recordApproval } from '../../src/app/approve.js';
import { attestTests } from '../../src/app/attest.js';
import { checkStage } from '../../src/app/check.js';
import { copyArtifact } from '../../src/app/copy.js';
import { createServices } from '../../src/app/create-services.js';
import { promote } from '../../src/app/promote.js';
import { publishVerdict } from '../../src/app/publish.js';
import { registerArtifact } from '../../src/app/register.js';
import { rollbackStage } from '../../src/app/rollback.js';
import { contractSource, type Environment, requestOf } from '../../src/app/services.js';
import { attestVerification } from '../../src/app/verification.js';
import type { Contract } from '../../src/contract/types.js';
import { TollgateError } from '../../src/errors.js';
import { ENTRY } from '../../src/ledger/entry.js';
import { renderDecisionMarkdown, renderDecisionText } from '../../src/report/decision-report.js';
import { createServerApp } from '../../src/server/app.js';
import { readPublicKeyFile } from '../../src/trust/keys.js';
import { verifyVsa } from '../../src/trust/vsa.js';
import { contractOf, twoStageYaml } from '../support/builders.js';
import { FIXTURES, fakeDigest, makeWorkspace, ROOT, runCli } from '../support/cli.js';
import { BACKENDS, type StoreHandle } from '../support/stores.js';

const REAL = twoStageYaml('      soak: 24h');
const FREEZE = twoStageYaml(
  // A freeze over today and the next ten years: only a clock set past it could step out.
  '      windows: { deny: [{ name: long freeze, from: "2026-01-01", until: "2036-01-01", tz: UTC }] }',
);
const DEMO = REAL.replace('pipeline: shop\n', 'pipeline: shop\ndemo: true\n');

const D = fakeDigest('clock');
const PAST = new Date('2020-01-01T00:00:00Z');
const FUTURE = new Date('2045-06-01T12:00:00Z');
const JUNIT = join(FIXTURES, 'junit/tests__utils__TEST-action.surefire.report.calc.AllOkTest.xml');

let handle: StoreHandle | undefined;
afterEach(async () => {
  await handle?.dispose();
  handle = undefined;
});

function servicesOf(contract: Contract, store: StoreHandle['store'], env: Environment = {}) {
  return createServices({ contracts: contractSource([contract]), store, env });
}

async function refusal(work: Promise<unknown>): Promise<TollgateError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TollgateError);
  return error as TollgateError;
}

describe.each(BACKENDS)('one clock for decisions that record ($name)', (backend) => {
  it('refuses promote --now 2020 into staging, so prod cannot pass a 24h soak on the real clock', async () => {
    handle = await backend.open();
    const services = servicesOf(contractOf(REAL), handle.store);
    const real = (principal = 'ci') => requestOf(services, { principal });
    const setAt = (at: Date, principal = 'ci') => requestOf(services, { principal, at });
    await registerArtifact(real(), { digest: D });
    const before = (await handle.store.verify('shop')).entries;

    const error = await refusal(promote(setAt(PAST), 'staging', D));
    expect(error.code).toBe('CLOCK_SET');
    expect(error.exitCode).toBe(3);
    expect(error.message).toContain('promote records what it decides');
    expect(error.message).toContain('2020-01-01T00:00:00.000Z');
    expect(error.message).toContain('demo: true');
    expect((await handle.store.verify('shop')).entries).toBe(before);

    // On the real clock the promotion is recorded, and prod waits the full soak from now.
    expect((await promote(real(), 'staging', D)).entry).toBeDefined();
    const prod = await checkStage(real(), 'prod', D);
    expect(prod.verdict).toBe('pending');
    expect(prod.demo).toBeUndefined();
  });

  it('refuses promote --now 2045 out of a freeze window, and check --now only asks "what if"', async () => {
    handle = await backend.open();
    const services = servicesOf(contractOf(FREEZE), handle.store);
    await registerArtifact(requestOf(services, { principal: 'ci' }), { digest: D });
    await promote(requestOf(services, { principal: 'ci' }), 'staging', D);
    const before = (await handle.store.verify('shop')).entries;

    const real = await promote(requestOf(services, { principal: 'ci' }), 'prod', D);
    expect(real.decision.verdict).not.toBe('allowed');
    expect(real.decision.gates.find((g) => g.gate === 'windows')?.status).not.toBe('pass');
    expect(real.entry).toBeUndefined();
    const error = await refusal(promote(requestOf(services, { principal: 'ci', at: FUTURE }), 'prod', D));
    expect(error.code).toBe('CLOCK_SET');

    // The same time asked of check: a decision, nothing recorded.
    const whatIf = await checkStage(requestOf(services, { principal: 'ci', at: FUTURE }), 'prod', D);
    expect(whatIf).toMatchObject({ verdict: 'allowed', evaluatedAt: FUTURE.toISOString() });
    // ... which says so wherever it is read: a TOLLGATE_NOW left in CI variables shows in the log.
    expect(whatIf.clockSet).toBe(true);
    expect(renderDecisionText(whatIf).split('\n')[3]).toBe(
      `  clock: ${FUTURE.toISOString()}, set by the caller (--now or TOLLGATE_NOW), not the real time: a "what if", not the answer now`,
    );
    expect(renderDecisionMarkdown(whatIf)).toContain(`Clock \`${FUTURE.toISOString()}\`, set by the caller`);
    const now = await checkStage(requestOf(services, { principal: 'ci' }), 'prod', D);
    expect(now.clockSet).toBeUndefined();
    expect(renderDecisionText(now)).not.toContain('clock:');
    expect((await handle.store.verify('shop')).entries).toBe(before);
  });

  it('refuses approve, reject, attest, attest verification and rollback at a set clock', async () => {
    handle = await backend.open();
    const services = servicesOf(contractOf(REAL), handle.store);
    const real = requestOf(services, { principal: 'ci' });
    await registerArtifact(real, { digest: D });
    await promote(real, 'staging', D);
    const before = (await handle.store.verify('shop')).entries;
    const set = requestOf(services, { principal: 'erin', at: PAST });
    const attempts: Array<[string, Promise<unknown>]> = [
      ['approve', recordApproval(set, 'prod', { artifact: D, decision: 'approve' })],
      ['reject', recordApproval(set, 'prod', { artifact: D, decision: 'reject' })],
      ['attest', attestTests(set, { artifact: D, suite: 'unit', files: [JUNIT] })],
      ['attest verification', attestVerification(set, { artifact: D, stage: 'staging', result: 'passed' })],
      ['rollback', rollbackStage(set, 'staging', { reason: 'bad deploy' })],
    ];
    for (const [verb, attempt] of attempts) {
      const error = await refusal(attempt);
      expect(error.code, verb).toBe('CLOCK_SET');
      expect(error.message, verb).toContain(`${verb} records what it decides`);
    }
    expect((await handle.store.verify('shop')).entries).toBe(before);
  });

  it('never counts soak from an entry written at a set clock outside a demo pipeline', async () => {
    handle = await backend.open();
    const services = servicesOf(contractOf(REAL), handle.store);
    const real = requestOf(services, { principal: 'ci' });
    await registerArtifact(real, { digest: D });
    // What an earlier Tollgate (or a demo that was then turned into a real pipeline) left behind:
    // a promotion into staging recorded at a clock somebody set, years ago.
    await handle.store.write('shop', (tx) =>
      tx.append('shop', {
        kind: ENTRY.promotion,
        stage: 'staging',
        artifact: D,
        actor: 'ci',
        at: PAST.toISOString(),
        payload: { contractDigest: 'sha256:old', clockSet: true },
      }),
    );
    const decision = await checkStage(real, 'prod', D);
    expect(decision.verdict).toBe('blocked');
    const soak = decision.gates.find((g) => g.gate === 'soak');
    expect(soak?.status).toBe('fail');
    expect(soak?.required[0]?.text).toContain('recorded at a time someone set');
    // In a demo pipeline the same entry counts: that is what a demo is for.
    const demo = servicesOf(contractOf(DEMO), handle.store);
    const demoDecision = await checkStage(requestOf(demo, { principal: 'ci' }), 'prod', D);
    expect(demoDecision.gates.find((g) => g.gate === 'soak')?.status).toBe('pass');
    expect(demoDecision.demo).toBe(true);
  });

  it('refuses register, copy and publish at a set clock outside a demo, recording nothing', async () => {
    handle = await backend.open();
    const services = servicesOf(contractOf(REAL), handle.store);
    const setAt = (at: Date) => requestOf(services, { principal: 'ci', at });
    for (const [verb, work] of [
      ['register', () => registerArtifact(setAt(PAST), { digest: D })],
      ['copy', () => copyArtifact(setAt(FUTURE), { digest: D, to: 'registry.example.com/shop/app:1' })],
      ['publish', () => publishVerdict(setAt(FUTURE), { stage: 'staging', digest: D })],
    ] as const) {
      const error = await refusal(work());
      expect(error.code, verb).toBe('CLOCK_SET');
      expect(error.message).toMatch(
        new RegExp(`^${verb} records what it decides, so it runs on the real clock`),
      );
    }
    expect(await handle.store.head('shop')).toBe(0);
    // On the real clock it records; in a demo pipeline a set clock is recorded as such.
    expect((await registerArtifact(requestOf(services, { principal: 'ci' }), { digest: D })).created).toBe(
      true,
    );
    const demo = servicesOf(contractOf(DEMO.replace('pipeline: shop', 'pipeline: demo')), handle.store);
    await registerArtifact(requestOf(demo, { principal: 'ci', at: PAST, pipeline: 'demo' }), { digest: D });
    const [entry] = await handle.store.entriesForArtifact('demo', D);
    expect(entry).toMatchObject({
      kind: ENTRY.register,
      at: PAST.toISOString(),
      payload: { clockSet: true },
    });
  });

  it('lets a demo pipeline record at a set clock, and says so in the decision, the entry and the VSA', async () => {
    handle = await backend.open();
    const keys = join(ROOT, 'examples', 'checkout', 'keys');
    const services = servicesOf(contractOf(DEMO), handle.store, {
      TOLLGATE_VSA_KEY: join(keys, 'verifier.key'),
    });
    const at = (time: Date) => requestOf(services, { principal: 'ci', at: time });
    await registerArtifact(at(PAST), { digest: D });
    const staging = await promote(at(PAST), 'staging', D);
    expect(staging.entry?.payload.clockSet).toBe(true);
    const prod = await promote(at(new Date(PAST.getTime() + 25 * 3_600_000)), 'prod', D);
    expect(prod.decision).toMatchObject({ verdict: 'allowed', demo: true });
    const statement = JSON.parse(Buffer.from(prod.vsa!.payload, 'base64').toString('utf8')) as {
      predicate: { verifiedLevels: string[] };
    };
    expect(statement.predicate.verifiedLevels).toEqual(['TOLLGATE_STAGE_prod', 'TOLLGATE_DEMO']);
    // Its own signature and stage hold, but a verdict made at a set clock admits nothing unless
    // the verifier says it is checking a demo.
    const options = { key: readPublicKeyFile(join(keys, 'verifier.pub')), digest: D, stage: 'prod' };
    const refused = verifyVsa(prod.vsa, options);
    expect(refused).toMatchObject({ valid: false });
    expect(refused.reason).toContain('the VSA comes from a demo pipeline (verified level TOLLGATE_DEMO)');
    expect(verifyVsa(prod.vsa, { ...options, allowDemo: true })).toMatchObject({ valid: true });
  });
});

describe('the CLI and the server hold the same rule', () => {
  it('refuses --now and TOLLGATE_NOW for promote (exit 3) and answers check --now', async () => {
    const dir = makeWorkspace(REAL);
    const early = await runCli(['register', '--digest', D, '--now', '2020-01-01'], { cwd: dir });
    expect(early.code).toBe(3);
    expect(early.stderr).toContain('register records what it decides, so it runs on the real clock');
    expect((await runCli(['register', '--digest', D], { cwd: dir })).code).toBe(0);
    const flag = await runCli(['promote', 'staging', '--artifact', D, '--now', '2020-01-01'], { cwd: dir });
    expect(flag.code).toBe(3);
    expect(flag.stderr).toContain('not at --now / TOLLGATE_NOW 2020-01-01T00:00:00.000Z');
    const env = await runCli(['promote', 'staging', '--artifact', D], {
      cwd: dir,
      env: { TOLLGATE_NOW: '2045-06-01T12:00:00Z' },
    });
    expect(env.code).toBe(3);
    expect(env.stderr).toContain('only a demo pipeline');
    const verify = await runCli(['ledger', 'verify', '--json'], { cwd: dir });
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, entries: 1 });
    const check = await runCli(['check', 'staging', '--artifact', D, '--now', '2020-01-01'], { cwd: dir });
    expect(check.code).toBe(0);
    // On the real clock it is recorded, and --json names the ledger entry.
    const promoted = await runCli(['promote', 'staging', '--artifact', D, '--json'], { cwd: dir });
    expect(promoted.code).toBe(0);
    expect(JSON.parse(promoted.stdout)).toMatchObject({ verdict: 'allowed' });
  });

  it('refuses to serve a pipeline in demo mode unless its contract declares demo: true', () => {
    const services = createServices({
      contracts: contractSource([contractOf(REAL)]),
      store: async () => {
        throw new Error('not opened');
      },
    });
    expect(() => createServerApp({ services, authenticators: [], demoPipelines: ['shop'] })).toThrow(
      /--demo shop: the contract of pipeline shop .* does not declare `demo: true`/,
    );
    const demo = createServices({
      contracts: contractSource([contractOf(DEMO)]),
      store: async () => {
        throw new Error('not opened');
      },
    });
    expect(() =>
      createServerApp({ services: demo, authenticators: [], demoPipelines: ['shop'] }),
    ).not.toThrow();
  });
});
