/**
 * The people, time and policy commands end to end, on the built CLI in throwaway directories:
 * approve/reject, attest verification, windows, check --as, promote --override, --now.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeDigest, makeWorkspace, runCli } from '../support/cli.js';

const CONTRACT = `version: 1
pipeline: shop
# A demo pipeline: the test plays time forward with --now / TOLLGATE_NOW.
demo: true
artifact: { type: oci }
groups:
  release-managers: [alice, bob, carol, dave]
overrides:
  - { by: [carol], gates: [soak, windows] }
stages:
  staging:
    purpose: release candidates
  prod:
    purpose: live
    from: staging
    requires:
      soak: 24h
      verifiedIn: staging
      approvals: { count: 2, from: [group:release-managers], notBy: [author, promoter] }
      windows:
        tz: Europe/Berlin
        deny: [{ name: weekend freeze, rrule: "FREQ=WEEKLY;BYDAY=FR;BYHOUR=15", duration: 2d17h }]
  eu:
    purpose: second region
    from: prod
`;

const D = fakeDigest('people');

/** Runs as `actor` at `now` (Thursday 26 November 2026 unless given). */
function as(dir: string, actor: string, args: string[], now = '2026-11-26T09:00:00Z') {
  return runCli(args, { cwd: dir, env: { TOLLGATE_ACTOR: actor, TOLLGATE_NOW: now } });
}

async function workspace(): Promise<string> {
  const dir = makeWorkspace(CONTRACT);
  const registered = await as(
    dir,
    'ci',
    ['register', '--digest', D, '--label', 'author=alice'],
    '2026-11-24T08:00:00Z',
  );
  expect(registered.code).toBe(0);
  expect((await as(dir, 'ci', ['promote', 'staging', '--artifact', D], '2026-11-24T09:00:00Z')).code).toBe(0);
  return dir;
}

describe('people, time and policy on the CLI', () => {
  it('refuses an approval for an unregistered digest and an unknown stage', async () => {
    const dir = makeWorkspace(CONTRACT);
    const unregistered = await as(dir, 'bob', ['approve', 'prod', '--artifact', D]);
    expect(unregistered.code).toBe(3);
    expect(unregistered.stderr).toContain(`artifact ${D} is not registered`);
    const unknown = await as(dir, 'bob', ['approve', 'prd', '--artifact', D]);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('did you mean "prod"');
  });

  it('records approvals once, says when one will not count, and follows --as for the promoter', async () => {
    const dir = await workspace();
    const author = await as(dir, 'alice', ['approve', 'prod', '--artifact', D]);
    expect(author.code).toBe(0);
    expect(author.stdout).toContain("recorded, but it does not count: alice is the artifact's author");
    const first = await as(dir, 'bob', ['approve', 'prod', '--artifact', D, '--comment', 'ok']);
    expect(first.stdout).toMatch(/bob approved .* for prod .*\(ledger entry #\d+\)/);
    const again = await as(dir, 'bob', ['approve', 'prod', '--artifact', D, '--comment', 'ok']);
    expect(again.stdout).toContain('bob already approved');
    expect(again.stdout).toContain('nothing new recorded');
    await as(dir, 'carol', ['approve', 'prod', '--artifact', D]);

    // As bob (the promoter), bob's approval does not count: 1 of 2.
    const asBob = await as(
      dir,
      'x',
      ['check', 'prod', '--artifact', D, '--as', 'bob', '--json'],
      '2026-11-25T10:00:00Z',
    );
    const approvals = JSON.parse(asBob.stdout).gates.find((g: { gate: string }) => g.gate === 'approvals');
    expect(approvals.summary).toContain("bob's approval does not count: bob is the promoter");
    expect(approvals.status).toBe('pending');
    expect(
      JSON.parse(asBob.stdout)
        .required.map((r: { text: string }) => r.text)
        .join('\n'),
    ).toContain('can approve: dave');
    // As ci: both count.
    const asCi = await as(dir, 'ci', ['check', 'prod', '--artifact', D, '--json'], '2026-11-25T10:00:00Z');
    expect(JSON.parse(asCi.stdout).gates.find((g: { gate: string }) => g.gate === 'approvals').status).toBe(
      'pass',
    );
  });

  it('a rejection blocks until withdrawn', async () => {
    const dir = await workspace();
    await as(dir, 'bob', ['approve', 'prod', '--artifact', D]);
    await as(dir, 'carol', ['approve', 'prod', '--artifact', D]);
    await as(
      dir,
      'ci',
      ['attest', 'verification', '--artifact', D, '--in', 'staging', '--result', 'passed'],
      '2026-11-24T10:00:00Z',
    );
    const reject = await as(dir, 'alice', ['reject', 'prod', '--artifact', D, '--comment', 'incident open']);
    expect(reject.code).toBe(0);
    const blocked = await as(dir, 'ci', ['check', 'prod', '--artifact', D], '2026-11-25T10:00:00Z');
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toContain('alice rejected at');
    const withdraw = await as(dir, 'alice', ['reject', 'prod', '--artifact', D, '--withdraw']);
    expect(withdraw.stdout).toContain('alice withdrew their reject');
    expect((await as(dir, 'ci', ['check', 'prod', '--artifact', D], '2026-11-25T10:00:00Z')).code).toBe(0);
  });

  it('records post-deploy verification only after a deployment, and verifiedIn reads it', async () => {
    const dir = await workspace();
    const before = await as(dir, 'ci', [
      'attest',
      'verification',
      '--artifact',
      D,
      '--in',
      'prod',
      '--result',
      'passed',
    ]);
    expect(before.code).toBe(3);
    expect(before.stderr).toContain('was never promoted into prod');
    const bad = await as(dir, 'ci', [
      'attest',
      'verification',
      '--artifact',
      D,
      '--in',
      'staging',
      '--result',
      'ok',
    ]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('--result "ok": expected passed or failed');
    writeFileSync(join(dir, 'smoke.txt'), 'smoke: 14/14 checks passed\n');
    const ok = await as(dir, 'smoke-bot', [
      'attest',
      'verification',
      '--artifact',
      D,
      '--in',
      'staging',
      '--result',
      'passed',
      '--details',
      'smoke.txt',
    ]);
    expect(ok.code).toBe(0);
    const check = await as(dir, 'ci', ['check', 'prod', '--artifact', D, '--json'], '2026-11-25T10:00:00Z');
    const verified = JSON.parse(check.stdout).gates.find((g: { gate: string }) => g.gate === 'verifiedIn');
    expect(verified.status).toBe('pass');
  });

  it('is pending on soak with the exact end, and in a freeze pending until it opens; windows lists periods', async () => {
    const dir = await workspace();
    await as(dir, 'bob', ['approve', 'prod', '--artifact', D]);
    await as(dir, 'carol', ['approve', 'prod', '--artifact', D]);
    await as(
      dir,
      'ci',
      ['attest', 'verification', '--artifact', D, '--in', 'staging', '--result', 'passed'],
      '2026-11-24T10:00:00Z',
    );
    const soaking = await as(dir, 'ci', ['check', 'prod', '--artifact', D, '--json'], '2026-11-24T20:00:00Z');
    expect(soaking.code).toBe(2);
    expect(JSON.parse(soaking.stdout).until).toBe('2026-11-25T09:00:00.000Z');
    // Saturday: the weekend freeze runs until Monday 08:00 Berlin.
    const frozen = await as(dir, 'ci', ['check', 'prod', '--artifact', D, '--json'], '2026-11-28T12:00:00Z');
    expect(frozen.code).toBe(2);
    expect(JSON.parse(frozen.stdout).until).toBe('2026-11-30T07:00:00.000Z');
    const windows = await as(dir, 'ci', ['windows', 'prod', '--days', '7'], '2026-11-28T12:00:00Z');
    expect(windows.code).toBe(0);
    expect(windows.stdout).toContain(
      'prod at 2026-11-28T12:00:00.000Z: CLOSED; opens 2026-11-30T07:00:00.000Z (in 1d19h)',
    );
    expect(windows.stdout).toContain('open   2026-11-30T07:00:00.000Z → 2026-12-04T14:00:00.000Z');
  });

  it('lets only override actors waive a gate, records the reason, and shows it as risk later', async () => {
    const dir = await workspace();
    // alice is the author and carol will promote: bob and dave are the eligible approvers.
    await as(dir, 'bob', ['approve', 'prod', '--artifact', D]);
    await as(dir, 'dave', ['approve', 'prod', '--artifact', D]);
    await as(
      dir,
      'ci',
      ['attest', 'verification', '--artifact', D, '--in', 'staging', '--result', 'passed'],
      '2026-11-24T10:00:00Z',
    );
    const noReason = await as(
      dir,
      'carol',
      ['promote', 'prod', '--artifact', D, '--override', 'soak'],
      '2026-11-24T12:00:00Z',
    );
    expect(noReason.code).toBe(3);
    expect(noReason.stderr).toContain('--override needs --reason');
    const notAllowed = await as(
      dir,
      'bob',
      ['promote', 'prod', '--artifact', D, '--override', 'soak', '--reason', 'hurry'],
      '2026-11-24T12:00:00Z',
    );
    expect(notAllowed.code).toBe(3);
    expect(notAllowed.stderr).toContain(
      'bob may not override gate "soak" in stage prod; the contract allows: carol',
    );
    const notGate = await as(
      dir,
      'carol',
      ['promote', 'prod', '--artifact', D, '--override', 'approvals', '--reason', 'x'],
      '2026-11-24T12:00:00Z',
    );
    expect(notGate.code).toBe(3);
    const promoted = await as(
      dir,
      'carol',
      ['promote', 'prod', '--artifact', D, '--override', 'soak', '--reason', 'INC-7 hotfix'],
      '2026-11-24T12:00:00Z',
    );
    expect(promoted.code).toBe(0);
    expect(promoted.stdout).toMatch(/soak\s+waived\s+overridden by carol: INC-7 hotfix/);
    const later = await as(dir, 'ci', ['check', 'eu', '--artifact', D, '--json'], '2026-11-24T13:00:00Z');
    const risks = JSON.parse(later.stdout).risks.map((r: { text: string }) => r.text);
    expect(risks).toContain(
      'soak was overridden by carol when promoting into prod at 2026-11-24T12:00:00.000Z: "INC-7 hotfix"',
    );
  });

  it('refuses a clock without a zone', async () => {
    const dir = await workspace();
    const result = await runCli(['check', 'prod', '--artifact', D, '--now', '2026-11-26T09:00'], {
      cwd: dir,
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('--now "2026-11-26T09:00" is not an ISO 8601 time with a zone');
  });
});
