/**
 * Attacker round 11 on keys and signatures: files handed to Tollgate that look like a trusted
 * key but are something else.
 */
import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createServices } from '../../src/app/create-services.js';
import { promote } from '../../src/app/promote.js';
import { registerArtifact } from '../../src/app/register.js';
import { contractSource, type Environment, fixedClock, requestOf } from '../../src/app/services.js';
import { verifyVerdictFile } from '../../src/app/signing.js';
import { attestVerification } from '../../src/app/verification.js';
import { vsaRevoked } from '../../src/app/vsa.js';
import { TollgateError } from '../../src/errors.js';
import type { LedgerStore } from '../../src/ledger/ledger-store.js';
import { loadPublicKey, readPrivateKeyFile, readPublicKeyFile } from '../../src/trust/keys.js';
import { signStatement } from '../../src/trust/sign.js';
import type { Statement } from '../../src/trust/statement.js';
import { verifyBundleFile } from '../../src/trust/verify-bundle.js';
import { signVsa } from '../../src/trust/vsa.js';
import { contractOf } from '../support/builders.js';
import { fakeDigest } from '../support/cli.js';
import { type StoreHandle, sqliteBackend, storePerTest } from '../support/stores.js';
import { statementAbout, tempDir, writeTemp } from './helpers.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

/** The Fulcio certificate of a conformance bundle, as PEM: a real certificate that lived ten minutes in 2024. */
function fulcioCertificatePem(): string {
  const bundle = JSON.parse(
    readFileSync(join(FIXTURES, 'sigstore-bundles', 'happy-path-v0.3', 'bundle.sigstore.json'), 'utf8'),
  ) as { verificationMaterial: { certificate: { rawBytes: string } } };
  const base64 = bundle.verificationMaterial.certificate.rawBytes;
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

function errorOf(fn: () => unknown): TollgateError {
  try {
    fn();
  } catch (error) {
    if (error instanceof TollgateError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('a certificate is not a key', () => {
  it('refuses a key file that is one certificate, which Node would read as its public key', () => {
    const pem = fulcioCertificatePem();
    // The certificate expired long ago; read as a key, its validity would be ignored for ever.
    expect(Date.parse(new X509Certificate(pem).validTo)).toBeLessThan(Date.now());
    const error = errorOf(() => loadPublicKey(pem, 'keys/ci.pub'));
    expect(error.code).toBe('KEY_UNSUPPORTED');
    expect(error.message).toContain('keys/ci.pub: holds a "CERTIFICATE" block, not a public key');
  });

  it('refuses an expired self-signed certificate as the key of verify-bundle, which then said valid', async () => {
    const dir = tempDir();
    const certPath = join(FIXTURES, 'expired-certificate', 'signer.crt');
    const keyPem = readFileSync(join(FIXTURES, 'expired-certificate', 'signer.key'), 'utf8');
    expect(new X509Certificate(readFileSync(certPath)).validTo).toContain('2020');
    const digest = `sha256:${createHash('sha256').update('the artifact').digest('hex')}`;
    const envelope = signStatement(Buffer.from(JSON.stringify(statementAbout(digest))), keyPem);
    const path = writeTemp(dir, 'env.json', JSON.stringify(envelope));
    const result = await verifyBundleFile(path, { digest, keyPath: certPath });
    expect(result.valid).toBe(false);
    expect(result.reason).toContain(`${certPath}: holds a "CERTIFICATE" block, not a public key`);
    expect(() => readPublicKeyFile(certPath)).toThrow('not a public key');
  });
});

const CONTRACT = `version: 1
pipeline: shop
# A demo pipeline: the test plays time forward with fixed request times.
demo: true
artifact: { type: file }
stages:
  dev: { purpose: dev }
`;

const scope = storePerTest();

/** A fresh SQLite ledger, disposed of after the test. */
function openLedger(): Promise<StoreHandle> {
  return scope.open(sqliteBackend);
}

/** A request as `ci` on the shop pipeline at `minute` past midnight, 1 December 2026. */
function requestFor(store: LedgerStore, env: Environment, minute: number) {
  const services = createServices({
    contracts: contractSource([contractOf(CONTRACT)]),
    store,
    env,
    clock: fixedClock(new Date(Date.UTC(2026, 11, 1, 0, minute))),
  });
  return requestOf(services, { principal: 'ci', pipeline: 'shop' });
}

/** A new Ed25519 VSA key pair in a temporary folder, and the environment that signs with it. */
function verifierKeys() {
  const dir = tempDir();
  const pair = generateKeyPairSync('ed25519');
  const keyFile = join(dir, 'verifier.key');
  const publicFile = join(dir, 'verifier.pub');
  writeFileSync(keyFile, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(publicFile, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  return { dir, keyFile, publicFile, env: { TOLLGATE_VSA_KEY: keyFile } };
}

describe('a VSA without its ledger entry, checked against the ledger at hand', () => {
  it('is not admitted as checked by a ledger that never recorded its promotion (restored from before it)', async () => {
    const { dir, keyFile, publicFile, env } = verifierKeys();
    const A = fakeDigest('a11round');
    const B = fakeDigest('b11round');

    // B promoted into dev; its VSA as one from before checkpoints: re-signed without tollgateLedger.
    const issuing = await openLedger();
    await registerArtifact(requestFor(issuing.store, env, 1), { digest: B });
    const issued = await promote(requestFor(issuing.store, env, 2), 'dev', B);
    const statement = JSON.parse(Buffer.from(issued.vsa!.payload, 'base64').toString('utf8')) as Statement & {
      predicate: Record<string, unknown>;
    };
    delete statement.predicate.tollgateLedger;
    const file = join(dir, 'b.vsa.json');
    writeFileSync(file, JSON.stringify(signVsa(statement, readPrivateKeyFile(keyFile))));

    // The ledger at hand: the same pipeline put back to before B's promotion (B registered only).
    const restored = await openLedger();
    await registerArtifact(requestFor(restored.store, env, 1), { digest: A });
    await promote(requestFor(restored.store, env, 2), 'dev', A);
    await registerArtifact(requestFor(restored.store, env, 3), { digest: B });

    const options = {
      envelopeFile: file,
      keyFile: publicFile,
      allowDemo: true,
      digest: B,
      stage: 'dev',
      pipeline: 'shop',
    };
    // Offline it is admitted, and says no rollback was looked for.
    expect((await verifyVerdictFile(options)).valid).toBe(true);
    const verdict = await verifyVerdictFile({
      ...options,
      rolledBack: (verified, d) => vsaRevoked(requestFor(restored.store, env, 9), 'dev', d, verified),
    });
    expect(verdict.reason).not.toContain('no rollback of it since, by the ledger');
    expect(verdict.valid).toBe(false);
    expect(verdict.reason).toContain(`this ledger has no promotion of ${B} into stage dev`);
  });
});

describe('a VSA checked against the ledger at hand, after its promotion failed post-deploy verification', () => {
  it('is not admitted: the ledger no longer trusts the promotion it vouches for', async () => {
    const { dir, publicFile, env } = verifierKeys();
    const B = fakeDigest('b11failed');
    const handle = await openLedger();
    await registerArtifact(requestFor(handle.store, env, 1), { digest: B });
    const issued = await promote(requestFor(handle.store, env, 2), 'dev', B);
    const file = join(dir, 'b.vsa.json');
    writeFileSync(file, JSON.stringify(issued.vsa));
    const options = {
      envelopeFile: file,
      keyFile: publicFile,
      allowDemo: true,
      digest: B,
      stage: 'dev',
      pipeline: 'shop',
      rolledBack: (verified: Parameters<typeof vsaRevoked>[3], d: string) =>
        vsaRevoked(requestFor(handle.store, env, 9), 'dev', d, verified),
    };
    expect((await verifyVerdictFile(options)).valid).toBe(true);

    // The deployment failed its post-deploy check; nobody has rolled it back yet.
    const failed = await attestVerification(requestFor(handle.store, env, 3), {
      artifact: B,
      stage: 'dev',
      result: 'failed',
    });
    const verdict = await verifyVerdictFile(options);
    expect(verdict.reason).not.toContain('no rollback of it since, by the ledger');
    expect(verdict.valid).toBe(false);
    expect(verdict.reason).toContain(
      `${B} failed post-deploy verification in stage dev (ledger entry #${failed.entry.seq}`,
    );
  });
});
