import { describe, expect, it } from 'vitest';
import { parseEnvelope, signEnvelope } from '../../src/trust/dsse.js';
import { loadPrivateKey, loadPublicKey } from '../../src/trust/keys.js';
import { buildVsa, signVsa, VSA_PREDICATE_TYPE, verifyVsa } from '../../src/trust/vsa.js';
import { DIGEST_A, DIGEST_B, pemKeyPair } from './helpers.js';

const CONTRACT = `sha256:${'c'.repeat(64)}`;
const EVIDENCE = `sha256:${'e'.repeat(64)}`;

function vsaFor(stage: string, levels?: string[]) {
  return buildVsa({
    artifactDigest: DIGEST_A,
    resourceUri: `oci://registry.example.com/shop/checkout@${DIGEST_A}`,
    verifierId: 'https://tollgate.example.com/checkout',
    verifierVersion: '0.1.0',
    timeVerified: new Date('2026-11-26T10:00:00Z'),
    pipeline: 'checkout',
    stage,
    contractDigest: CONTRACT,
    inputAttestations: [{ uri: 'tollgate:evidence/sha256:1', digest: EVIDENCE }],
    ...(levels ? { verifiedLevels: levels } : {}),
  });
}

describe('VSA', () => {
  const { publicPem, privatePem } = pemKeyPair('p256');
  const key = loadPublicKey(publicPem, 'verifier.pub');
  const signer = loadPrivateKey(privatePem, 'verifier.key');

  it('builds a VSA v1 statement with every field', () => {
    const vsa = vsaFor('staging');
    expect(vsa._type).toBe('https://in-toto.io/Statement/v1');
    expect(vsa.predicateType).toBe(VSA_PREDICATE_TYPE);
    expect(vsa.subject).toEqual([
      { name: `oci://registry.example.com/shop/checkout@${DIGEST_A}`, digest: { sha256: 'a'.repeat(64) } },
    ]);
    expect(vsa.predicate).toEqual({
      verifier: { id: 'https://tollgate.example.com/checkout', version: { tollgate: '0.1.0' } },
      timeVerified: '2026-11-26T10:00:00.000Z',
      resourceUri: `oci://registry.example.com/shop/checkout@${DIGEST_A}`,
      policy: { uri: 'tollgate:checkout/stages/staging', digest: { sha256: 'c'.repeat(64) } },
      inputAttestations: [{ uri: 'tollgate:evidence/sha256:1', digest: { sha256: 'e'.repeat(64) } }],
      verificationResult: 'PASSED',
      verifiedLevels: ['TOLLGATE_STAGE_staging'],
      slsaVersion: '1.0',
    });
  });

  it('accepts official SLSA levels and custom ones, and refuses custom levels starting with SLSA_', () => {
    expect(vsaFor('prod', ['SLSA_BUILD_LEVEL_2', 'ACME_REVIEWED']).predicate.verifiedLevels).toEqual([
      'TOLLGATE_STAGE_prod',
      'SLSA_BUILD_LEVEL_2',
      'ACME_REVIEWED',
    ]);
    expect(() => vsaFor('prod', ['SLSA_ACME_REVIEWED'])).toThrow('custom levels must not start with SLSA_');
  });

  it('signs and verifies as an admission controller would', () => {
    const envelope = JSON.stringify(signVsa(vsaFor('prod'), signer));
    const result = verifyVsa(envelope, {
      key,
      digest: DIGEST_A,
      stage: 'prod',
      pipeline: 'checkout',
      verifierId: 'https://tollgate.example.com/checkout',
    });
    expect(result.valid, result.reason).toBe(true);
    expect(result.reason).toBe(
      'PASSED for stage prod, verified by https://tollgate.example.com/checkout at 2026-11-26T10:00:00.000Z',
    );
  });

  it('refuses another stage, another digest, another pipeline or verifier', () => {
    const envelope = JSON.stringify(signVsa(vsaFor('staging'), signer));
    const stage = verifyVsa(envelope, { key, digest: DIGEST_A, stage: 'prod' });
    expect(stage.valid).toBe(false);
    expect(stage.reason).toBe(
      'the VSA does not admit stage prod: verified levels are ["TOLLGATE_STAGE_staging"]',
    );
    expect(verifyVsa(envelope, { key, digest: DIGEST_B, stage: 'staging' }).reason).toBe(
      `the VSA is not about ${DIGEST_B}`,
    );
    expect(verifyVsa(envelope, { key, digest: DIGEST_A, stage: 'staging', pipeline: 'cart' }).valid).toBe(
      false,
    );
    expect(
      verifyVsa(envelope, { key, digest: DIGEST_A, stage: 'staging', verifierId: 'https://other' }).valid,
    ).toBe(false);
  });

  it('refuses a VSA signed by another key', () => {
    const other = loadPrivateKey(pemKeyPair('ed25519').privatePem, 'o.key');
    const result = verifyVsa(JSON.stringify(signVsa(vsaFor('prod'), other)), {
      key,
      digest: DIGEST_A,
      stage: 'prod',
    });
    expect(result.valid).toBe(false);
    expect(result.reason).toContain('signed by another key');
  });

  it('refuses a FAILED result even when correctly signed', () => {
    const vsa = vsaFor('prod');
    const failed = { ...vsa, predicate: { ...vsa.predicate, verificationResult: 'FAILED' } };
    const envelope = signEnvelope(
      Buffer.from(JSON.stringify(failed)),
      'application/vnd.in-toto+json',
      signer,
    );
    const result = verifyVsa(envelope, { key, digest: DIGEST_A, stage: 'prod' });
    expect(result.reason).toBe('verification result is "FAILED", not PASSED');
  });

  it('refuses a tampered payload and a statement of another predicate type', () => {
    const envelope = signVsa(vsaFor('staging'), signer);
    const promoted = JSON.parse(parseEnvelope(envelope, 'e').payload.toString());
    promoted.predicate.verifiedLevels = ['TOLLGATE_STAGE_prod'];
    const tampered = { ...envelope, payload: Buffer.from(JSON.stringify(promoted)).toString('base64') };
    expect(verifyVsa(tampered, { key, digest: DIGEST_A, stage: 'prod' }).valid).toBe(false);
    const other = { ...vsaFor('prod'), predicateType: 'https://slsa.dev/provenance/v1' };
    const signedOther = signEnvelope(
      Buffer.from(JSON.stringify(other)),
      'application/vnd.in-toto+json',
      signer,
    );
    expect(verifyVsa(signedOther, { key, digest: DIGEST_A, stage: 'prod' }).reason).toContain(
      'predicate type is https://slsa.dev/provenance/v1',
    );
  });

  it('refuses a VSA dated in the future, or whose timeVerified is not a time, unless a demo is allowed', () => {
    const now = new Date('2026-11-26T10:00:00Z');
    const dated = (timeVerified: unknown, levels: string[] = ['TOLLGATE_STAGE_prod']) => {
      const vsa = vsaFor('prod');
      const statement = { ...vsa, predicate: { ...vsa.predicate, timeVerified, verifiedLevels: levels } };
      return signEnvelope(Buffer.from(JSON.stringify(statement)), 'application/vnd.in-toto+json', signer);
    };
    const options = { key, digest: DIGEST_A, stage: 'prod', now };
    // Within the allowed clock skew: admitted.
    expect(verifyVsa(dated('2026-11-26T10:04:00Z'), options).valid).toBe(true);
    const ahead = verifyVsa(dated('2027-01-01T00:00:00Z'), options);
    expect(ahead.valid).toBe(false);
    expect(ahead.reason).toBe(
      "VSA: timeVerified 2027-01-01T00:00:00Z is in the future (the verifier's clock says 2026-11-26T10:00:00.000Z, and at most 5m of clock drift is allowed): a verdict dated ahead was made at a wrong clock, and admits nothing",
    );
    for (const bad of [undefined, 'yesterday', '2026-11-26', 1764151200]) {
      const result = verifyVsa(dated(bad), options);
      expect(result.valid).toBe(false);
      expect(result.reason).toContain('not an RFC 3339 time');
    }
    // A demo pipeline's clock is set on purpose: --allow-demo admits its dates as they are.
    const demo = dated('2027-01-01T00:00:00Z', ['TOLLGATE_STAGE_prod', 'TOLLGATE_DEMO']);
    expect(verifyVsa(demo, { ...options, allowDemo: true }).valid).toBe(true);
    expect(verifyVsa(demo, options).valid).toBe(false);
  });

  it('reports malformed envelope JSON as an invalid VSA', () => {
    const result = verifyVsa('{"payloadType": ', { key, digest: DIGEST_A, stage: 'prod' }, 'vsa.json');
    expect(result.valid).toBe(false);
    expect(result.reason).toMatch(/^vsa\.json:1:\d+: malformed JSON/);
  });
});
