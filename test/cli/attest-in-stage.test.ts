/**
 * `attest tests --in STAGE` for a digest that has not entered STAGE: the results are kept (exit 0),
 * but no `in: STAGE` requirement will ever count them, so the command says so at once instead of
 * leaving it to the next stage's check. The README tour once led there by attesting e2e in staging
 * before promoting into staging.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { fakeDigest, makeWorkspace, runCli } from '../support/cli.js';

const CONTRACT = `version: 1
pipeline: shop
artifact: { type: file }
stages:
  staging:
    purpose: release candidates
  prod:
    purpose: live
    from: staging
    requires:
      tests: [{ suite: e2e, in: staging }]
`;

const report = (name: string) =>
  `<testsuite name="e2e" tests="1"><testcase classname="e2e" name="${name}"/></testsuite>\n`;

describe('attest tests --in a stage the digest has not entered', () => {
  const dir = makeWorkspace(CONTRACT, { 'early.xml': report('early'), 'late.xml': report('late') });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const digest = fakeDigest('attest-in-stage');

  it('records the results, exits 0, and notes on stderr (and in --json) that they will not count', async () => {
    expect((await runCli(['register', '--digest', digest], { cwd: dir })).code).toBe(0);
    const early = await runCli(
      ['attest', 'tests', '--artifact', digest, '--suite', 'e2e', '--in', 'staging', '--json', 'early.xml'],
      { cwd: dir },
    );
    expect(early.code, early.stderr).toBe(0);
    const note = `${digest} has not entered staging: results recorded in staging before it does never count for \`in: staging\``;
    expect(early.stderr).toContain(`tollgate: note: ${note}`);
    expect((JSON.parse(early.stdout) as { notice?: string }).notice).toContain(note);

    // The note was right: prod does not count them, even once the digest is in staging.
    expect((await runCli(['promote', 'staging', '--artifact', digest], { cwd: dir })).code).toBe(0);
    expect((await runCli(['check', 'prod', '--artifact', digest], { cwd: dir })).code).toBe(1);
  });

  it('says nothing once the digest has entered the stage, and those results count', async () => {
    const late = await runCli(
      ['attest', 'tests', '--artifact', digest, '--suite', 'e2e', '--in', 'staging', '--json', 'late.xml'],
      { cwd: dir },
    );
    expect(late.code, late.stderr).toBe(0);
    expect(late.stderr).toBe('');
    expect(JSON.parse(late.stdout)).not.toHaveProperty('notice');
    expect((await runCli(['check', 'prod', '--artifact', digest], { cwd: dir })).code).toBe(0);
  });
});
