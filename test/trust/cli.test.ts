/**
 * The trust commands end to end, on the built binary: sign → attest statement → promote with a
 * signed VSA → verify; verify-bundle on the conformance fixtures; explain.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyFixture, junit, makeWorkspace, runCli } from '../support/cli.js';
import { pemKeyPair } from './helpers.js';

const CONTRACT = `version: 1
pipeline: shop
artifact: { type: oci, repository: registry.example.com/shop }
trust:
  keys: { ci: keys/ci.pub }
  verifier: { id: https://tollgate.example.com/shop, key: keys/verifier.key }
stages:
  dev:
    purpose: fast feedback
    requires:
      tests: [{ suite: unit }]
  staging:
    purpose: release candidate
    from: dev
    requires:
      signedBy: { by: [ci] }
      tests: [{ suite: unit }]
`;

function workspace() {
  const ci = pemKeyPair('p256');
  const verifier = pemKeyPair('ed25519');
  const dir = makeWorkspace(CONTRACT, {
    'keys/ci.pub': ci.publicPem,
    'keys/ci.key': ci.privatePem,
    'keys/verifier.pub': verifier.publicPem,
    'keys/verifier.key': verifier.privatePem,
    'unit.xml': junit(['pass', 'pass']),
  });
  return dir;
}

const DIGEST = `sha256:${'d'.repeat(64)}`;

function testResult(digest: string, result = 'PASSED') {
  return JSON.stringify({
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'shop', digest: { sha256: digest.slice(7) } }],
    predicateType: 'https://in-toto.io/attestation/test-result/v0.1',
    predicate: { result, configuration: [{ name: 'ci' }], passedTests: ['a', 'b', 'c'], failedTests: [] },
  });
}

describe('trust commands', () => {
  it('sets aside evidence signed with a key the contract has since replaced under the same name', async () => {
    const dir = workspace();
    const run = (args: string[]) => runCli(args, { cwd: dir });
    expect((await run(['register', '--digest', DIGEST])).code).toBe(0);
    expect((await run(['attest', 'tests', '--artifact', DIGEST, '--suite', 'unit', 'unit.xml'])).code).toBe(
      0,
    );
    expect((await run(['promote', 'dev', '--artifact', DIGEST])).code).toBe(0);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'unit.intoto.json'), testResult(DIGEST));
    expect(
      (await run(['sign', '--key', 'keys/ci.key', '--output', 'unit.dsse.json', 'unit.intoto.json'])).code,
    ).toBe(0);
    expect(
      (await run(['attest', 'statement', '--artifact', DIGEST, '--suite', 'unit', 'unit.dsse.json'])).code,
    ).toBe(0);
    expect((await run(['check', 'staging', '--artifact', DIGEST])).code).toBe(0);
    // The ci key leaked and was replaced: what the old key signed no longer counts as ci's.
    writeFileSync(join(dir, 'keys/ci.pub'), pemKeyPair('p256').publicPem);
    const rotated = await run(['check', 'staging', '--artifact', DIGEST]);
    expect(rotated.code, rotated.stdout).toBe(1);
    expect(rotated.stdout).toContain('tests evidence must be signed by ci');
    expect(rotated.stdout).toContain('which the contract no longer trusts as ci');
  });

  it('sets aside keyless provenance once the contract names another issuer for its identity', async () => {
    const issuerLine = (issuer: string) => `version: 1
pipeline: shop
artifact: { type: file }
trust:
  identities:
    beacon:
      issuer: ${issuer}
      subject: https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/*@refs/heads/main
stages:
  dev:
    purpose: fast feedback
    requires:
      signedBy: { by: [beacon], kinds: [provenance] }
      provenance: required
`;
    const dir = makeWorkspace(issuerLine('https://token.actions.githubusercontent.com'));
    copyFixture(
      dir,
      'sigstore-bundles/happy-path-intoto-in-dsse-v3/bundle.sigstore.json',
      'prov.sigstore.json',
    );
    const run = (args: string[]) => runCli(args, { cwd: dir });
    const digest = 'sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf';
    expect((await run(['register', '--digest', digest])).code).toBe(0);
    const attested = await run(['attest', 'provenance', '--artifact', digest, 'prov.sigstore.json']);
    expect(attested.code, attested.stderr).toBe(0);
    const before = await run(['check', 'dev', '--artifact', digest]);
    expect(before.code, before.stdout).toBe(0);
    // The identity now names another issuer: the certificate recorded under the first no longer counts.
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'tollgate.yaml'), issuerLine('https://gitlab.com'));
    const after = await run(['check', 'dev', '--artifact', digest]);
    expect(after.code, after.stdout).toBe(1);
    expect(after.stdout).toContain(
      'with a certificate from issuer https://token.actions.githubusercontent.com, which the contract no longer trusts as beacon (issuer now https://gitlab.com)',
    );
  });

  it('refuses one signed test-result statement as a second suite: it names no suite, --suite does', async () => {
    const dir = workspace();
    const run = (args: string[]) => runCli(args, { cwd: dir });
    expect((await run(['register', '--digest', DIGEST])).code).toBe(0);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'unit.intoto.json'), testResult(DIGEST));
    expect(
      (await run(['sign', '--key', 'keys/ci.key', '--output', 'unit.dsse.json', 'unit.intoto.json'])).code,
    ).toBe(0);
    const attest = (suite: string) =>
      run(['attest', 'statement', '--artifact', DIGEST, '--suite', suite, 'unit.dsse.json']);
    expect((await attest('unit')).code).toBe(0);
    // The same file again for the same suite is the same fact: accepted, stored once.
    expect((await attest('unit')).code).toBe(0);
    const relabelled = await attest('e2e');
    expect(relabelled.code).toBe(3);
    expect(relabelled.stderr).toContain(
      'unit.dsse.json: this signed test-result statement is already recorded as suite "unit"',
    );
    expect(relabelled.stderr).toContain('cannot also stand for suite "e2e"');
    // Reformatted, or with an extra signature that verifies nothing, the file's bytes differ but
    // the signed statement is the same run: still refused.
    const envelope = JSON.parse(readFileSync(join(dir, 'unit.dsse.json'), 'utf8'));
    writeFileSync(join(dir, 'pretty.dsse.json'), JSON.stringify(envelope, null, 2));
    envelope.signatures.push({ keyid: 'junk', sig: Buffer.from('junk').toString('base64') });
    writeFileSync(join(dir, 'padded.dsse.json'), JSON.stringify(envelope));
    for (const file of ['pretty.dsse.json', 'padded.dsse.json']) {
      const copied = await run(['attest', 'statement', '--artifact', DIGEST, '--suite', 'e2e', file]);
      expect(copied.code, copied.stderr).toBe(3);
      expect(copied.stderr).toContain(
        `${file}: this signed test-result statement is already recorded as suite "unit"`,
      );
    }
  });

  it('signs, attests, promotes with a signed VSA, and verifies it like an admission controller', async () => {
    const dir = workspace();
    const run = (args: string[]) => runCli(args, { cwd: dir });
    expect((await run(['register', '--digest', DIGEST])).code).toBe(0);
    expect((await run(['attest', 'tests', '--artifact', DIGEST, '--suite', 'unit', 'unit.xml'])).code).toBe(
      0,
    );
    expect((await run(['promote', 'dev', '--artifact', DIGEST])).code).toBe(0);

    // Unsigned JUnit results count as missing under signedBy.
    const blocked = await run(['check', 'staging', '--artifact', DIGEST]);
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toContain('tests evidence must be signed by ci');

    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'unit.intoto.json'), testResult(DIGEST));
    const signed = await run([
      'sign',
      '--key',
      'keys/ci.key',
      '--output',
      'unit.dsse.json',
      'unit.intoto.json',
    ]);
    expect(signed.code, signed.stderr).toBe(0);
    const attested = await run([
      'attest',
      'statement',
      '--artifact',
      DIGEST,
      '--suite',
      'unit',
      'unit.dsse.json',
    ]);
    expect(attested.code, attested.stderr).toBe(0);
    expect(attested.stdout).toContain('tests (test-result) from dsse, signed by ci');

    const promoted = await run(['promote', 'staging', '--artifact', DIGEST, '--vsa-out', 'staging.vsa.json']);
    expect(promoted.code, promoted.stdout + promoted.stderr).toBe(0);
    expect(existsSync(join(dir, 'staging.vsa.json'))).toBe(true);
    const envelope = JSON.parse(readFileSync(join(dir, 'staging.vsa.json'), 'utf8'));
    const vsa = JSON.parse(Buffer.from(envelope.payload, 'base64').toString());
    expect(vsa.predicate.resourceUri).toBe(`oci://registry.example.com/shop@${DIGEST}`);
    expect(vsa.predicate.verifiedLevels).toEqual(['TOLLGATE_STAGE_staging']);
    expect(vsa.predicate.inputAttestations).toHaveLength(1);

    const admitted = await run([
      'verify',
      'staging.vsa.json',
      '--key',
      'keys/verifier.pub',
      '--digest',
      DIGEST,
      '--stage',
      'staging',
    ]);
    expect(admitted.code).toBe(0);
    expect(admitted.stdout).toContain('admitted: PASSED for stage staging');
    const wrongStage = await run([
      'verify',
      'staging.vsa.json',
      '--key',
      'keys/verifier.pub',
      '--digest',
      DIGEST,
      '--stage',
      'prod',
    ]);
    expect(wrongStage.code).toBe(1);
    const wrongKey = await run([
      'verify',
      'staging.vsa.json',
      '--key',
      'keys/ci.pub',
      '--digest',
      DIGEST,
      '--stage',
      'staging',
    ]);
    expect(wrongKey.code).toBe(1);

    const exported = await run(['vsa', 'staging', '--artifact', DIGEST]);
    expect(exported.code).toBe(0);
    expect(JSON.parse(exported.stdout)).toEqual(envelope);
    expect((await run(['vsa', 'dev', '--artifact', DIGEST])).code).toBe(0);

    const passport = await run(['explain', DIGEST, '--json']);
    expect(passport.code).toBe(0);
    const parsed = JSON.parse(passport.stdout);
    expect(
      parsed.evidence.map((e: { format: string; signer: { name: string } | null }) => [
        e.format,
        e.signer?.name ?? null,
      ]),
    ).toEqual([
      ['junit', null],
      ['test-result', 'ci'],
    ]);
    expect(parsed.stages.find((s: { stage: string }) => s.stage === 'staging').promotion.vsa).toBe(true);
  });

  it('refuses a statement about another digest, and a forged envelope, storing nothing', async () => {
    const dir = workspace();
    const run = (args: string[]) => runCli(args, { cwd: dir });
    expect((await run(['register', '--digest', DIGEST])).code).toBe(0);
    const { writeFileSync } = await import('node:fs');
    const other = `sha256:${'e'.repeat(64)}`;
    writeFileSync(join(dir, 'other.intoto.json'), testResult(other));
    const mismatch = await run([
      'attest',
      'statement',
      '--artifact',
      DIGEST,
      '--suite',
      'unit',
      'other.intoto.json',
    ]);
    expect(mismatch.code).toBe(3);
    expect(mismatch.stderr).toContain(other);
    expect(mismatch.stderr).toContain(DIGEST);

    writeFileSync(join(dir, 'unit.intoto.json'), testResult(DIGEST));
    expect(
      (await run(['sign', '--key', 'keys/ci.key', '--output', 'unit.dsse.json', 'unit.intoto.json'])).code,
    ).toBe(0);
    const envelope = JSON.parse(readFileSync(join(dir, 'unit.dsse.json'), 'utf8'));
    envelope.payload = Buffer.from(testResult(DIGEST, 'FAILED')).toString('base64');
    writeFileSync(join(dir, 'forged.json'), JSON.stringify(envelope));
    // Two files: the good one would be stored, but the forged one fails, so neither is.
    const forged = await run([
      'attest',
      'statement',
      '--artifact',
      DIGEST,
      '--suite',
      'unit',
      'unit.dsse.json',
      'forged.json',
    ]);
    expect(forged.code).toBe(3);
    expect(forged.stderr).toContain('forged.json: none of the 1 DSSE signature verifies');
    const passport = JSON.parse((await run(['explain', DIGEST, '--json'])).stdout);
    expect(passport.evidence).toEqual([]);

    const tooBig = await run([
      'attest',
      'statement',
      '--artifact',
      DIGEST,
      '--suite',
      'unit',
      '--max-evidence-bytes',
      '100',
      'unit.dsse.json',
    ]);
    expect(tooBig.code).toBe(3);
    expect(tooBig.stderr).toContain('over the limit of 100 bytes');
  });

  it('verify-bundle exits 0 for a valid bundle and 1, with the reason, for an invalid one', async () => {
    const dir = makeWorkspace('');
    copyFixture(dir, 'sigstore-bundles/happy-path-v0.3/bundle.sigstore.json', 'good.json');
    copyFixture(dir, 'sigstore-bundles/signature-mismatch_fail/bundle.sigstore.json', 'bad.json');
    copyFixture(dir, 'sigstore-bundles/a.txt');
    const identity = [
      '--identity',
      'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/*',
      '--issuer',
      'https://token.actions.githubusercontent.com',
    ];
    const good = await runCli(['verify-bundle', 'good.json', '--artifact', 'a.txt', ...identity], {
      cwd: dir,
    });
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/^valid: signature over the artifact verified/);
    const bad = await runCli(['verify-bundle', 'bad.json', '--artifact', 'a.txt', ...identity, '--json'], {
      cwd: dir,
    });
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({
      valid: false,
      reason: expect.stringContaining('TLOG_BODY_ERROR'),
    });
    const usage = await runCli(['verify-bundle', 'good.json', '--artifact', 'a.txt'], { cwd: dir });
    expect(usage.code).toBe(3);
  });

  it('sign refuses an unsupported key type with the file name', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const dir = makeWorkspace('', { 'rsa.key': rsa, 's.json': testResult(DIGEST) });
    const result = await runCli(['sign', '--key', 'rsa.key', 's.json'], { cwd: dir });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('rsa.key: an RSA key (2048 bits) is not supported');
  });
});
