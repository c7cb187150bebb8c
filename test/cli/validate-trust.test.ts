/**
 * `validate` reads the files the trust section names as attesting, `signedBy` and `promote` read
 * them: a missing key, a file that is not a key, an unreadable trusted root or a verifier key that
 * the pinned public key does not match is an error at its contract line, not at the first promotion.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeWorkspace, runCli } from '../support/cli.js';

const pair = () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    pub: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
};

const contract = (trust: string) => `version: 1
pipeline: shop
artifact: { type: oci }
trust:
${trust}
stages:
  dev:
    purpose: fast feedback
`;

describe('validate and the files of the trust section', () => {
  const ci = pair();
  const verifier = pair();
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
    .publicKey.export({ type: 'spki', format: 'pem' })
    .toString();

  it('refuses a missing key, a file that is no key, an RSA key and an unreadable trusted root, each at its line', async () => {
    const dir = makeWorkspace(
      contract(`  keys:
    ci: keys/ci.pub
    gone: keys/gone.pub
    notes: keys/README.md
    old: keys/rsa.pub
  identities:
    release:
      issuer: https://token.actions.githubusercontent.com
      subject: https://github.com/acme/shop/*
      trustedRoot: keys/root.json`),
      { 'keys/ci.pub': ci.pub, 'keys/README.md': 'our keys\n', 'keys/rsa.pub': rsa, 'keys/root.json': '{}' },
    );
    const result = await runCli(['validate'], { cwd: dir });
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(
      /^tollgate: tollgate\.yaml:7:11: trust\.keys\.gone: .*keys\/gone\.pub: cannot read key file: no such file or directory/,
    );
    expect(lines[0]).toContain('evidence signed as gone is verified with it: expected a PEM public key');
    expect(lines[1]).toMatch(/^tollgate\.yaml:8:12: trust\.keys\.notes: .*keys\/README\.md: not a PEM key/);
    expect(lines[2]).toMatch(
      /^tollgate\.yaml:9:10: trust\.keys\.old: .*keys\/rsa\.pub: an RSA key \(2048 bits\) is not supported/,
    );
    expect(lines[3]).toMatch(
      /^tollgate\.yaml:14:20: trust\.identities\.release\.trustedRoot: .*keys\/root\.json/,
    );
  });

  it('refuses a verifier key that does not read, or that the pinned public key does not match', async () => {
    const missing = makeWorkspace(contract('  verifier: { key: keys/verifier.key }'));
    const gone = await runCli(['validate'], { cwd: missing });
    expect(gone.code).toBe(3);
    expect(gone.stderr).toMatch(
      /^tollgate: tollgate\.yaml:5:20: trust\.verifier\.key: .*keys\/verifier\.key: cannot read key file/,
    );
    expect(gone.stderr).toContain('every promotion signs its VSA with it');

    const other = pair();
    const mismatch = makeWorkspace(
      contract('  verifier: { key: keys/verifier.key, publicKey: keys/verifier.pub }'),
      { 'keys/verifier.key': other.key, 'keys/verifier.pub': verifier.pub },
    );
    const result = await runCli(['validate'], { cwd: mismatch });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /^tollgate: tollgate\.yaml:5:13: trust\.verifier: trust\.verifier\.key .* is not the verifier key tollgate\.yaml pins/,
    );
  });

  it('takes TOLLGATE_VSA_KEY for the verifier key, checked against the pinned public key, as promote does', async () => {
    // CI keeps the private key in a secret: the file the contract names for it is not in the repository.
    const dir = makeWorkspace(
      contract(`  keys: { ci: keys/ci.pub }
  verifier: { key: secrets/verifier.key, publicKey: keys/verifier.pub }`),
      {
        'keys/ci.pub': ci.pub,
        'keys/verifier.pub': verifier.pub,
        'ci-secret.key': verifier.key,
        'other.key': pair().key,
      },
    );
    const withoutSecret = await runCli(['validate'], { cwd: dir });
    expect(withoutSecret.code).toBe(3);
    expect(withoutSecret.stderr).toContain('trust.verifier.key: ');
    expect(withoutSecret.stderr).toContain('or set TOLLGATE_VSA_KEY to the key file');

    const withSecret = await runCli(['validate'], { cwd: dir, env: { TOLLGATE_VSA_KEY: 'ci-secret.key' } });
    expect(withSecret.code, withSecret.stderr).toBe(0);
    expect(withSecret.stdout).toContain('valid contract for pipeline shop');

    const wrongSecret = await runCli(['validate'], { cwd: dir, env: { TOLLGATE_VSA_KEY: 'other.key' } });
    expect(wrongSecret.code).toBe(3);
    expect(wrongSecret.stderr).toContain(
      'trust.verifier: TOLLGATE_VSA_KEY (other.key) is not the verifier key',
    );
  });
});
