/**
 * The pinned contract through the built CLI: `-c loose.yaml` against the shared ledger exits 3
 * naming both digests, and `tollgate contract update` records a change (text and --json) only for
 * an admin of the contract in force.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { validateContract } from '../../src/contract/load-contract.js';
import { twoStageYaml } from '../support/builders.js';
import { fakeDigest, makeWorkspace, runCli } from '../support/cli.js';
import { pemKeyPair } from '../trust/helpers.js';

const STRICT = `version: 1
pipeline: shop
artifact: { type: file }
admins: [alice]
stages:
  dev:
    purpose: unit tests
    requires:
      tests: [{ suite: unit }]
`;
const LOOSE = `version: 1
pipeline: shop
artifact: { type: file }
admins: [mallory]
stages:
  dev: { purpose: anything goes }
`;

const D = fakeDigest('cli-pin');
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('tollgate contract update', () => {
  it('refuses -c loose.yaml after the first promotion, and records an admin’s change', async () => {
    const dir = makeWorkspace(STRICT, { 'loose.yaml': LOOSE });
    dirs.push(dir);
    const run = (args: string[], as = 'ci') => runCli([...args, '--as', as], { cwd: dir });
    expect((await run(['register', '--digest', D])).code).toBe(0);
    // The strict contract blocks dev (no unit tests); loose lets it in.
    expect((await run(['promote', 'dev', '--artifact', D])).code).toBe(1);
    writeFileSync(join(dir, 'unit.xml'), '<testsuite name="unit"><testcase name="a"/></testsuite>');
    expect((await run(['attest', 'tests', '--artifact', D, '--suite', 'unit', 'unit.xml'])).code).toBe(0);
    expect((await run(['promote', 'dev', '--artifact', D])).code).toBe(0);

    const strict = validateContract(STRICT, 'tollgate.yaml').digest;
    const loose = validateContract(LOOSE, 'loose.yaml').digest;
    const refused = await run(['-c', 'loose.yaml', 'promote', 'dev', '--artifact', D, '--again'], 'mallory');
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(`the contract loose.yaml is ${loose}`);
    expect(refused.stderr).toContain(`pipeline shop is pinned to ${strict}`);

    const notAdmin = await run(['-c', 'loose.yaml', 'contract', 'update'], 'mallory');
    expect(notAdmin.code).toBe(3);
    expect(notAdmin.stderr).toContain('mallory may not change the contract of shop');

    const text = await run(['-c', 'loose.yaml', 'contract', 'update', '--reason', 'demo'], 'Alice');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`contract of shop changed from ${strict} to ${loose} by alice`);
    expect(text.stdout).toContain('dev: requirements removed: tests; settings changed: purpose');
    expect(text.stdout).toContain('sections changed: admins');

    const again = await run(['-c', 'loose.yaml', 'contract', 'update', '--json'], 'alice');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ recorded: false, digest: loose, previous: strict });
    expect((await run(['-c', 'loose.yaml', 'promote', 'dev', '--artifact', D, '--again'])).code).toBe(0);
    expect((await run(['promote', 'dev', '--artifact', D, '--again'])).code).toBe(3);
    expect((await run(['ledger', 'verify'])).code).toBe(0);

    // What people read: the change in history, the contract in status and in each decision.
    const history = await run(['-c', 'loose.yaml', 'history', 'dev']);
    expect(history.stdout).toContain(`contract changed before this: ${strict} → ${loose}`);
    const status = await run(['-c', 'loose.yaml', 'status']);
    expect(status.stdout).toContain(`contract ${loose.slice(0, 19)}`);
    const check = await run(['-c', 'loose.yaml', 'check', 'dev', '--artifact', D]);
    expect(check.stdout).toContain(`contract: ${loose}`);
    const versions = await run(['-c', 'loose.yaml', 'contract', 'versions']);
    expect(versions.stdout).toMatch(
      new RegExp(`^#\\d+ +\\S+ +${loose} +by alice +update +\\(in force\\)`, 'm'),
    );
    expect(versions.stdout).toContain('  reason: demo');
    expect(versions.stdout).toMatch(new RegExp(`${strict} +by ci +first promotion`));
  }, 60_000);
});

const TRUSTING = twoStageYaml(
  `      signedBy: { by: [ci], require: [tests] }
      tests: [{ suite: unit }]`,
  `artifact: { type: file }
admins: [alice]
trust:
  keys: { ci: keys/ci.pub }`,
  { first: 'dev' },
);

function testResult(digest: string): string {
  return JSON.stringify({
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'shop', digest: { sha256: digest.slice(7) } }],
    predicateType: 'https://in-toto.io/attestation/test-result/v0.1',
    predicate: { result: 'PASSED', configuration: [{ name: 'ci' }], passedTests: ['a'], failedTests: [] },
  });
}

describe('the files a pinned contract trusts', () => {
  it('refuses to record once the key file behind a trusted name was swapped, until an admin records it', async () => {
    const ci = pemKeyPair('ed25519');
    const mallory = pemKeyPair('ed25519');
    const dir = makeWorkspace(TRUSTING, {
      'keys/ci.pub': ci.publicPem,
      'mallory.key': mallory.privatePem,
      'unit.intoto.json': testResult(D),
    });
    dirs.push(dir);
    const run = (args: string[], as = 'ci') => runCli([...args, '--as', as], { cwd: dir });
    expect((await run(['register', '--digest', D])).code).toBe(0);
    expect((await run(['promote', 'dev', '--artifact', D])).code).toBe(0);
    // The attack: the contract is untouched (same digest), only the file its `ci` names is his.
    writeFileSync(join(dir, 'keys/ci.pub'), mallory.publicPem);
    expect(
      (await run(['sign', '--key', 'mallory.key', '--output', 'unit.dsse.json', 'unit.intoto.json'])).code,
    ).toBe(0);
    const attest = await run(
      ['attest', 'statement', '--artifact', D, '--suite', 'unit', 'unit.dsse.json'],
      'mallory',
    );
    expect(attest.code, attest.stdout).toBe(3);
    expect(attest.stderr).toContain('attest refused');
    expect(attest.stderr).toContain('a file it trusts changed since: trust.keys.ci (keys/ci.pub) is sha256:');
    const check = await run(['check', 'prod', '--artifact', D], 'mallory');
    expect(check.stdout).toContain(
      '[contract] decided under the contract in force, but trust.keys.ci (keys/ci.pub) changed since it was pinned',
    );
    const promote = await run(['promote', 'prod', '--artifact', D], 'mallory');
    expect(promote.code).toBe(3);
    expect(promote.stderr).toContain('promote prod refused');
    // Nobody but the pinned contract's admins may make the new key the trusted one.
    const notAdmin = await run(['contract', 'update'], 'mallory');
    expect(notAdmin.code).toBe(3);
    expect(notAdmin.stderr).toContain('mallory may not change the contract of shop');
    const rotated = await run(['contract', 'update', '--reason', 'ci key rotated'], 'alice');
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toContain('now trusts the files it names as they are, recorded by alice');
    expect(rotated.stdout).toContain('trusted files changed: trust.keys.ci');
    expect((await run(['contract', 'update', '--json'], 'alice')).stdout).toContain('"recorded": false');
    expect(
      (await run(['attest', 'statement', '--artifact', D, '--suite', 'unit', 'unit.dsse.json'])).code,
    ).toBe(0);
    expect((await run(['ledger', 'verify'])).code).toBe(0);
  }, 60_000);
});
