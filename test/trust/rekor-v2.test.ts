/**
 * Two cases of the Sigstore conformance suite, with bundles and a trusted root built here:
 * (a) a Rekor v2 bundle whose DSSE envelope is logged as `hashedrekord` 0.0.2 over the envelope's
 * PAE (rekor-v2 spec §6.1.4) verifies, inclusion proof and checkpoint included;
 * (b) a trusted root whose transparency-log key has `validFor` without `start` is refused as malformed.
 */
import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/errors.js';
import { IN_TOTO_PAYLOAD_TYPE, preAuthEncoding } from '../../src/trust/dsse.js';
import { signStatementBundle } from '../../src/trust/sign-bundle.js';
import { toTrustedRoot } from '../../src/trust/trusted-root.js';
import { verifyBundleFile } from '../../src/trust/verify-bundle.js';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-rekor-v2-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ARTIFACT = Buffer.from('the artifact\n');
const ARTIFACT_DIGEST = createHash('sha256').update(ARTIFACT).digest('hex');
const STATEMENT = Buffer.from(
  JSON.stringify({
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'artifact', digest: { sha256: ARTIFACT_DIGEST } }],
    predicateType: 'https://example.com/test/v1',
    predicate: {},
  }),
);
const LOG_ORIGIN = 'rekor.tollgate.test';
const LOG_URL = `https://${LOG_ORIGIN}`;

const signer = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const log = generateKeyPairSync('ed25519');
const der = (key: KeyObject) => key.export({ type: 'spki', format: 'der' });
const logId = createHash('sha256').update(der(log.publicKey)).digest();
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest();

function trustedRoot(validFor: Record<string, string> | undefined = { start: '2020-01-01T00:00:00Z' }) {
  return {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: LOG_URL,
        hashAlgorithm: 'SHA2_256',
        publicKey: {
          rawBytes: der(log.publicKey).toString('base64'),
          keyDetails: 'PKIX_ED25519',
          ...(validFor === undefined ? {} : { validFor }),
        },
        logId: { keyId: logId.toString('base64') },
      },
    ],
    certificateAuthorities: [],
    ctlogs: [],
    timestampAuthorities: [],
  };
}

/** A key-signed DSSE bundle with one Rekor v2 `hashedrekord` 0.0.2 entry logging `loggedDigest`. */
async function rekorV2Bundle(loggedDigest: (pae: Buffer, payload: Buffer) => Buffer, badCheckpoint = false) {
  const bundle = (await signStatementBundle(
    STATEMENT,
    signer.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  )) as unknown as {
    mediaType: string;
    dsseEnvelope: { payload: string; payloadType: string; signatures: { sig: string }[] };
    verificationMaterial: Record<string, unknown>;
  };
  const payload = Buffer.from(bundle.dsseEnvelope.payload, 'base64');
  const signature = Buffer.from(bundle.dsseEnvelope.signatures[0]!.sig, 'base64');
  const pae = preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, payload);
  const body = Buffer.from(
    JSON.stringify({
      apiVersion: '0.0.2',
      kind: 'hashedrekord',
      spec: {
        hashedRekordV002: {
          data: { algorithm: 'SHA2_256', digest: loggedDigest(pae, payload).toString('base64') },
          signature: {
            content: signature.toString('base64'),
            verifier: {
              publicKey: { rawBytes: der(signer.publicKey).toString('base64') },
              keyDetails: 'PKIX_ECDSA_P256_SHA_256',
            },
          },
        },
      },
    }),
  );
  // A log of one entry: the root is the leaf hash (RFC 6962), signed as a C2SP checkpoint.
  const root = sha256(Buffer.concat([Buffer.from([0]), body]));
  const note = `${LOG_ORIGIN}\n1\n${(badCheckpoint ? sha256(root) : root).toString('base64')}\n`;
  const noteSignature = sign(null, Buffer.from(note), log.privateKey);
  const checkpoint = `${note}\n\u2014 ${LOG_ORIGIN} ${Buffer.concat([logId.subarray(0, 4), noteSignature]).toString('base64')}\n`;
  bundle.verificationMaterial.tlogEntries = [
    {
      logIndex: '0',
      logId: { keyId: logId.toString('base64') },
      kindVersion: { kind: 'hashedrekord', version: '0.0.2' },
      integratedTime: '0',
      inclusionProof: {
        logIndex: '0',
        rootHash: root.toString('base64'),
        treeSize: '1',
        hashes: [],
        checkpoint: { envelope: checkpoint },
      },
      canonicalizedBody: body.toString('base64'),
    },
  ];
  return bundle;
}

let files = 0;
function write(name: string, content: string): string {
  files += 1;
  const path = join(dir, `${files}-${name}`);
  writeFileSync(path, content);
  return path;
}

async function verify(bundle: unknown, root: unknown = trustedRoot()) {
  return verifyBundleFile(write('bundle.sigstore.json', JSON.stringify(bundle)), {
    artifactPath: write('artifact', ARTIFACT.toString()),
    keyPath: write('key.pub', signer.publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    trustedRootPath: write('trusted_root.json', JSON.stringify(root)),
  });
}

describe('Rekor v2: a DSSE envelope logged as hashedrekord 0.0.2 over its PAE', () => {
  it('verifies, with its inclusion proof and signed checkpoint checked', async () => {
    const result = await verify(await rekorV2Bundle((pae) => sha256(pae)));
    expect(result.reason).toMatch(/in-toto statement \(https:\/\/example\.com\/test\/v1\) verified/);
    expect(result.valid).toBe(true);
  });

  it('still refuses an entry logging some other digest, or a checkpoint over another root', async () => {
    const other = await verify(await rekorV2Bundle((pae) => sha256(Buffer.concat([pae, Buffer.from('x')]))));
    expect(other.valid).toBe(false);
    expect(other.reason).toContain('TLOG_BODY_ERROR: digest mismatch');
    const forged = await verify(await rekorV2Bundle((pae) => sha256(pae), true));
    expect(forged.valid).toBe(false);
    expect(forged.reason).toContain('TLOG_INCLUSION_PROOF_ERROR');
  });
});

describe('a trusted root whose log key has validFor without start', () => {
  it('is refused as malformed, naming where', () => {
    const error = (() => {
      try {
        toTrustedRoot(trustedRoot({ end: '2030-01-01T00:00:00Z' }), 'trusted_root.json');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(TollgateError);
    expect((error as TollgateError).code).toBe('CONFIG_INVALID');
    expect((error as TollgateError).message).toBe(
      'trusted_root.json: malformed Sigstore trusted root: tlogs[0].publicKey.validFor has no start (a validity period must say when the key became valid)',
    );
  });

  it('makes verification against it fail instead of trusting the key since the beginning of time', async () => {
    await expect(verify(await rekorV2Bundle((pae) => sha256(pae)), trustedRoot({}))).rejects.toThrow(
      /tlogs\[0\]\.publicKey\.validFor has no start/,
    );
  });

  it('accepts a validFor with a start and no end, and none at all', () => {
    expect(() => toTrustedRoot(trustedRoot({ start: '2020-01-01T00:00:00Z' }), 'r.json')).not.toThrow();
    expect(() => toTrustedRoot(trustedRoot(undefined), 'r.json')).not.toThrow();
  });
});
