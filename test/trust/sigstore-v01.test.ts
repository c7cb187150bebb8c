/**
 * A v0.1 bundle (sigstore-python's test/assets/bundle.txt.sigstore), signed on the Sigstore staging
 * instance: verifies only with the staging trusted root, which a contract identity names as a file.
 */
import { describe, expect, it } from 'vitest';
import { verifyBundleFile } from '../../src/trust/verify-bundle.js';

const DIR = 'test/fixtures/sigstore-python';
const BUNDLE = `${DIR}/test__assets__bundle.txt.sigstore`;
const ARTIFACT = `${DIR}/test__assets__bundle.txt`;
const STAGING_ROOT = `${DIR}/sigstore___store__https%3A%2F%2Ftuf-repo-cdn.sigstage.dev__trusted_root.json`;

describe('Sigstore bundle v0.1', () => {
  it('verifies with the staging trusted root and the signer e-mail', async () => {
    const result = await verifyBundleFile(BUNDLE, {
      artifactPath: ARTIFACT,
      identity: 'a@tny.town',
      issuer: 'https://github.com/login/oauth',
      trustedRootPath: STAGING_ROOT,
    });
    expect(result.valid, result.reason).toBe(true);
    expect(result.signer).toEqual({
      name: 'a@tny.town',
      method: 'sigstore',
      subject: 'a@tny.town',
      issuer: 'https://github.com/login/oauth',
    });
  });

  it('fails with the public-good root: the staging CA is not trusted there', async () => {
    const result = await verifyBundleFile(BUNDLE, {
      artifactPath: ARTIFACT,
      identity: 'a@tny.town',
      issuer: 'https://github.com/login/oauth',
    });
    expect(result.valid).toBe(false);
    expect(result.reason).toContain('CERTIFICATE_ERROR');
  });

  it('fails for another e-mail', async () => {
    const result = await verifyBundleFile(BUNDLE, {
      artifactPath: ARTIFACT,
      identity: '*@example.com',
      issuer: 'https://github.com/login/oauth',
      trustedRootPath: STAGING_ROOT,
    });
    expect(result.valid).toBe(false);
    expect(result.reason).toContain('certificate subject is "a@tny.town"');
  });
});
