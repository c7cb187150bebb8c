/**
 * Typos a new user makes on the command line, named where they happen: `attest tests --suite unt`
 * for a contract that reads `unit` is recorded (exit 0, as any evidence) but noted on stderr and in
 * `--json`, naming the suite most likely meant, since no gate would ever count it, and so is a
 * suite read only `in: dev` attested without `--in`; and
 * `promote --override aprovals` and `attest verification --result pass` suggest what was meant; the
 * 12-digit short digest `status` prints, pasted into `--artifact`, is refused saying why and what to give.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { fakeDigest, makeWorkspace, runCli } from '../support/cli.js';

const CONTRACT = `version: 1
pipeline: billing
artifact: { type: file }
overrides:
  - { by: [alice] }
stages:
  dev:
    purpose: quick feedback
    requires:
      tests: [{ suite: unit }]
  prod:
    purpose: live
    from: dev
    requires:
      tests: [{ suite: e2e, in: dev }]
      approvals: { count: 1, notBy: [attester:smoke] }
      rules: [{ name: perf, cel: 'has(evidence.tests.suites.load)' }]
`;

const report = (suite: string) =>
  `<testsuite name="${suite}" tests="1"><testcase classname="${suite}" name="t"/></testsuite>\n`;

describe('typos on the command line', () => {
  const dir = makeWorkspace(CONTRACT, {
    'unit.xml': report('unit'),
    'smoke.xml': report('smoke'),
    'load.xml': report('load'),
    'other.xml': report('other'),
    'e2e.xml': report('e2e'),
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const digest = fakeDigest('typo-hints-cli');
  const attest = (suite: string, file: string, ...more: string[]) =>
    runCli(['attest', 'tests', '--artifact', digest, '--suite', suite, '--json', ...more, file], {
      cwd: dir,
    });

  it('notes a suite no stage reads and names the nearest one', async () => {
    expect((await runCli(['register', '--digest', digest], { cwd: dir })).code).toBe(0);
    const typo = await attest('unt', 'unit.xml');
    expect(typo.code, typo.stderr).toBe(0);
    const note =
      'no stage of tollgate.yaml reads suite "unt" (did you mean "unit"?); its suites are e2e, smoke, unit: the results are kept, but no gate counts them';
    expect(typo.stderr).toContain(`tollgate: note: ${note}`);
    expect((JSON.parse(typo.stdout) as { notice?: string }).notice).toBe(note);
  });

  it('notes a far-off suite without a suggestion, and no suite a tests gate, a notBy attester or a rule reads', async () => {
    const far = await attest('other', 'other.xml');
    expect(far.code, far.stderr).toBe(0);
    expect(far.stderr).toContain('reads suite "other"; its suites are e2e, smoke, unit:');
    expect(far.stderr).not.toContain('did you mean');
    for (const [suite, file] of [
      ['unit', 'unit.xml'],
      ['smoke', 'smoke.xml'],
      ['load', 'load.xml'],
    ] as const) {
      const named = await attest(suite, file);
      expect(named.code, named.stderr).toBe(0);
      expect(named.stderr).toBe('');
      expect(JSON.parse(named.stdout)).not.toHaveProperty('notice');
    }
  });

  it('suggests the gate an override names', async () => {
    const result = await runCli(
      [
        'promote',
        'prod',
        '--artifact',
        digest,
        '--override',
        'aprovals',
        '--reason',
        'hotfix',
        '--as',
        'alice',
      ],
      { cwd: dir },
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('stage prod has no gate "aprovals"');
    expect(result.stderr).toContain('(did you mean "approvals"?)');
  });

  it('suggests the word a verification result meant', async () => {
    const result = await runCli(
      ['attest', 'verification', '--artifact', digest, '--in', 'dev', '--result', 'pass'],
      { cwd: dir },
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('--result "pass": expected passed or failed (did you mean "passed"?)');
  });

  it('notes results of a suite read only in a stage, attested without --in or in another stage', async () => {
    const none = await attest('e2e', 'e2e.xml');
    expect(none.code, none.stderr).toBe(0);
    expect(none.stderr).toContain(
      'tollgate: note: suite "e2e" counts only as run in dev (`in: dev` in tollgate.yaml): these results, attested without --in, are kept, but no gate counts them; attest the run there with --in dev',
    );
    const elsewhere = await attest('e2e', 'e2e.xml', '--in', 'prod');
    expect(elsewhere.code, elsewhere.stderr).toBe(0);
    expect(elsewhere.stderr).toContain(
      'these results, attested --in prod, are kept, but no gate counts them',
    );
    const there = await attest('e2e', 'e2e.xml', '--in', 'dev');
    expect(there.code, there.stderr).toBe(0);
    expect(there.stderr).not.toContain('counts only');
  });

  it('says why the short digest that status prints is refused, and what to give instead', async () => {
    const short = digest.slice(0, 'sha256:'.length + 12);
    const result = await runCli(['check', 'dev', '--artifact', short], { cwd: dir });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      `--artifact "${short}" has 12 hex characters: sha256 needs 64; the short form that status and history print is for reading only, since another artifact may share it: give the full digest (register prints it, and so does every --json output)`,
    );
    const other = await runCli(['check', 'dev', '--artifact', digest.slice(0, 20)], { cwd: dir });
    expect(other.code).toBe(3);
    expect(other.stderr).not.toContain('short form');
  });
});
