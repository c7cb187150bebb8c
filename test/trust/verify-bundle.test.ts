import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { matchesSubject, subjectMismatch } from '../../src/trust/identity.js';
import { signStatement } from '../../src/trust/sign.js';
import { signStatementBundle } from '../../src/trust/sign-bundle.js';
import { verifyBundleFile } from '../../src/trust/verify-bundle.js';
import { pemKeyPair, statementAbout, tempDir, writeTemp } from './helpers.js';

describe('verify-bundle on files Tollgate signs', () => {
  const dir = tempDir();
  const artifactPath = writeTemp(dir, 'app.tar', 'the artifact');
  const digest = `sha256:${createHash('sha256').update('the artifact').digest('hex')}`;
  const statement = Buffer.from(JSON.stringify(statementAbout(digest)));
  const ci = pemKeyPair('ed25519');
  const keyPath = writeTemp(dir, 'ci.pub', ci.publicPem);
  const otherKeyPath = writeTemp(dir, 'other.pub', pemKeyPair('p256').publicPem);

  it('verifies a DSSE envelope with its key, against the artifact or its digest', async () => {
    const path = writeTemp(dir, 'env.json', JSON.stringify(signStatement(statement, ci.privatePem)));
    const result = await verifyBundleFile(path, { artifactPath, keyPath });
    expect(result.valid, result.reason).toBe(true);
    expect(result.signer?.name).toBe(keyPath);
    expect((await verifyBundleFile(path, { digest, keyPath })).valid).toBe(true);
    expect((await verifyBundleFile(path, { digest, keyPath: otherKeyPath })).valid).toBe(false);
    const elsewhere = await verifyBundleFile(path, { digest: `sha256:${'9'.repeat(64)}`, keyPath });
    expect(elsewhere.valid).toBe(false);
    expect(elsewhere.reason).toBe(
      `the statement is about ${digest}, not about the artifact sha256:${'9'.repeat(64)}`,
    );
  });

  it('verifies a key-signed v0.3 bundle built offline', async () => {
    const path = writeTemp(
      dir,
      'b.sigstore.json',
      JSON.stringify(await signStatementBundle(statement, ci.privatePem)),
    );
    expect((await verifyBundleFile(path, { artifactPath, keyPath })).valid).toBe(true);
    const wrong = await verifyBundleFile(path, { artifactPath, keyPath: otherKeyPath });
    expect(wrong.valid).toBe(false);
    expect(wrong.reason).toContain('SIGNATURE_ERROR');
  });

  it('says why an envelope cannot be checked with an identity, and why a file is not a bundle', async () => {
    const path = writeTemp(dir, 'env2.json', JSON.stringify(signStatement(statement, ci.privatePem)));
    expect((await verifyBundleFile(path, { digest, identity: 'x', issuer: 'y' })).reason).toBe(
      'a bare DSSE envelope carries no certificate: verify it with --key',
    );
    const notBundle = writeTemp(dir, 'sbom.json', '{"bomFormat":"CycloneDX"}');
    expect((await verifyBundleFile(notBundle, { digest, keyPath })).reason).toContain(
      'neither a Sigstore bundle nor a DSSE envelope',
    );
  });

  it('reports an unsupported key type as the reason', async () => {
    const rsaPem = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo
4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u
+qKhbwKfBstIs+bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyeh
kd3qqGElvW/VDL5AaWTg0nLVkjRo9z+40RQzuVaE8AkAFmxZzow3x+VJYKdjykkJ
0iT9wCS0DRTXu269V264Vf/3jvredZiKRkgwlL9xNAwxXFg0x/XFw005UWVRIkdg
cKWTjpBP2dPwVZ4WWC+9aGVd+Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbc
mwIDAQAB
-----END PUBLIC KEY-----
`;
    const rsaPath = writeTemp(dir, 'rsa.pub', rsaPem);
    const path = writeTemp(dir, 'env3.json', JSON.stringify(signStatement(statement, ci.privatePem)));
    const result = await verifyBundleFile(path, { digest, keyPath: rsaPath });
    expect(result.valid).toBe(false);
    expect(result.reason).toBe(
      `${rsaPath}: an RSA key (2048 bits) is not supported: Tollgate accepts Ed25519 and ECDSA P-256 keys`,
    );
  });
});

describe('identity subject patterns', () => {
  it('matches exactly without *, and * as any run of characters', async () => {
    expect(matchesSubject('a@b.c', 'a@b.c')).toBe(true);
    expect(matchesSubject('a@b.c', 'a@b.cc')).toBe(false);
    expect(
      matchesSubject(
        'https://github.com/acme/*@refs/tags/*',
        'https://github.com/acme/x/.github/workflows/r.yml@refs/tags/v1',
      ),
    ).toBe(true);
    expect(
      matchesSubject('https://github.com/acme/*@refs/tags/*', 'https://github.com/acme/x@refs/heads/main'),
    ).toBe(false);
    expect(matchesSubject('https://github.com/acme/*', 'https://github.com/acmeevil/x')).toBe(false);
    expect(matchesSubject('a*a', 'a')).toBe(false);
    expect(matchesSubject('.*', 'anything')).toBe(false);
  });

  it('does not let a * reach over the first @ of a workflow subject into a branch name', () => {
    // A branch may be called x/a.yml@refs/heads/main: evil.yml run on it must not pass for main.
    const evil = 'https://github.com/acme/shop/.github/workflows/evil.yml@refs/heads/x/a.yml@refs/heads/main';
    expect(matchesSubject('https://github.com/acme/shop/.github/workflows/*.yml@refs/heads/main', evil)).toBe(
      false,
    );
    expect(matchesSubject('https://github.com/acme/*@refs/heads/main', evil)).toBe(false);
    expect(matchesSubject('https://github.com/acme/*/release.yml', `${evil}/release.yml`)).toBe(false);
    expect(
      matchesSubject(
        'https://github.com/org/repo/*',
        'https://github.com/org/repo-evil/w.yml@refs/heads/main',
      ),
    ).toBe(false);
    // What the patterns mean still matches: any workflow on main, any ref, an e-mail domain.
    const main = 'https://github.com/acme/shop/.github/workflows/release.yml@refs/heads/main';
    expect(matchesSubject('https://github.com/acme/shop/.github/workflows/*.yml@refs/heads/main', main)).toBe(
      true,
    );
    expect(matchesSubject('https://github.com/acme/*@refs/heads/main', main)).toBe(true);
    expect(matchesSubject('https://github.com/acme/shop/.github/workflows/*', evil)).toBe(true);
    expect(matchesSubject('https://github.com/acme/shop/*@*', evil)).toBe(true);
    expect(
      matchesSubject(
        'https://github.com/acme/shop/.github/workflows/release.yml@refs/tags/*',
        `${main.split('@')[0]}@refs/tags/v1@x`,
      ),
    ).toBe(true);
    expect(matchesSubject('*@acme.example', 'dev@acme.example')).toBe(true);
    expect(matchesSubject('*@acme.example', 'dev@evil.example@acme.example')).toBe(false);
    expect(subjectMismatch('https://github.com/acme/*@refs/heads/main', evil)).toBe(
      `certificate subject is "${evil}", expected "https://github.com/acme/*@refs/heads/main" (a "*" does not reach over the subject's first "@", which parts workflow from ref: the ref after it is "refs/heads/x/a.yml@refs/heads/main")`,
    );
  });
});
