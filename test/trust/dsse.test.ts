import { createPrivateKey, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  IN_TOTO_PAYLOAD_TYPE,
  parseEnvelope,
  preAuthEncoding,
  signEnvelope,
  verifyEnvelope,
} from '../../src/trust/dsse.js';
import { loadPrivateKey, loadPublicKey, type NamedKey } from '../../src/trust/keys.js';
import { signStatement } from '../../src/trust/sign.js';
import { DIGEST_A, pemKeyPair, statementAbout } from './helpers.js';

function named(name: string, pem: string): NamedKey {
  return { name, ...loadPublicKey(pem, `${name}.pub`) };
}

describe('DSSE pre-authentication encoding', () => {
  it('matches the example in the DSSE protocol', () => {
    // protocol.md: PAE("http://example.com/HelloWorld", "hello world")
    expect(preAuthEncoding('http://example.com/HelloWorld', Buffer.from('hello world')).toString()).toBe(
      'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
    );
  });

  it('counts bytes, not characters', () => {
    expect(preAuthEncoding('t', Buffer.from('é')).toString()).toBe('DSSEv1 1 t 2 é');
  });
});

describe('DSSE sign and verify', () => {
  for (const kind of ['ed25519', 'p256'] as const) {
    it(`round-trips with ${kind}`, () => {
      const { publicPem, privatePem } = pemKeyPair(kind);
      const statement = Buffer.from(JSON.stringify(statementAbout(DIGEST_A)));
      const envelope = signStatement(statement, privatePem);
      expect(envelope.payloadType).toBe(IN_TOTO_PAYLOAD_TYPE);
      expect(Buffer.from(envelope.payload, 'base64').equals(statement)).toBe(true);
      const parsed = parseEnvelope(JSON.parse(JSON.stringify(envelope)), 'env.json');
      const result = verifyEnvelope(parsed, [named('ci', publicPem)]);
      expect(result.valid).toBe(true);
      if (result.valid) expect(result.key.name).toBe('ci');
    });
  }

  it('refuses a signature by another key', () => {
    const signer = pemKeyPair('p256');
    const other = pemKeyPair('p256');
    const envelope = signStatement(Buffer.from(JSON.stringify(statementAbout(DIGEST_A))), signer.privatePem);
    const result = verifyEnvelope(parseEnvelope(envelope, 'env.json'), [named('release', other.publicPem)]);
    expect(result.valid).toBe(false);
    if (!result.valid) expect(result.reason).toContain('(release)');
  });

  it('refuses a signature over a different payload', () => {
    const { publicPem, privatePem } = pemKeyPair('p256');
    const envelope = signStatement(Buffer.from(JSON.stringify(statementAbout(DIGEST_A))), privatePem);
    const swapped = {
      ...envelope,
      payload: Buffer.from(JSON.stringify(statementAbout(`sha256:${'c'.repeat(64)}`))).toString('base64'),
    };
    const result = verifyEnvelope(parseEnvelope(swapped, 'env.json'), [named('ci', publicPem)]);
    expect(result.valid).toBe(false);
    if (!result.valid) expect(result.reason).toMatch(/payload was altered or signed by another key/);
  });

  it('refuses a payload type that differs from the signed one', () => {
    const { publicPem, privatePem } = pemKeyPair('ed25519');
    const envelope = signStatement(Buffer.from(JSON.stringify(statementAbout(DIGEST_A))), privatePem);
    const result = verifyEnvelope(parseEnvelope({ ...envelope, payloadType: 'text/plain' }, 'e'), [
      named('ci', publicPem),
    ]);
    expect(result.valid).toBe(false);
  });

  it('accepts URL-safe base64 for payload and signature', () => {
    const { publicPem, privatePem } = pemKeyPair('p256');
    // A payload whose base64 holds "+" or "/" so the URL-safe form really differs.
    const statement = statementAbout(DIGEST_A, 'https://example.com/p', { note: '>>>???~~~' });
    const envelope = signStatement(Buffer.from(JSON.stringify(statement)), privatePem);
    const urlSafe = {
      ...envelope,
      payload: Buffer.from(envelope.payload, 'base64').toString('base64url'),
      signatures: envelope.signatures.map((s) => ({
        ...s,
        sig: Buffer.from(s.sig, 'base64').toString('base64url'),
      })),
    };
    expect(urlSafe.payload).not.toBe(envelope.payload);
    expect(verifyEnvelope(parseEnvelope(urlSafe, 'e'), [named('ci', publicPem)]).valid).toBe(true);
  });

  it('refuses truncated base64 before any signature check', () => {
    const { privatePem } = pemKeyPair('p256');
    const envelope = signStatement(Buffer.from(JSON.stringify(statementAbout(DIGEST_A))), privatePem);
    const body = envelope.payload.replace(/=+$/, '');
    // 4n+1 characters can never be whole bytes.
    const truncated = { ...envelope, payload: body.slice(0, 4 * Math.floor(body.length / 4) - 3) };
    expect(() => parseEnvelope(truncated, 'env.json')).toThrow(/env\.json: DSSE payload is truncated/);
    const badSig = { ...envelope, signatures: [{ keyid: '', sig: envelope.signatures[0]!.sig.slice(0, 9) }] };
    expect(() => parseEnvelope(badSig, 'env.json')).toThrow(/signatures\[0\]\.sig is truncated/);
    expect(() => parseEnvelope({ ...envelope, payload: 'ab$c' }, 'env.json')).toThrow(/not base64/);
  });

  it('refuses a payload cut at a whole number of bytes: it decodes, but the signature no longer matches', () => {
    const { publicPem, privatePem } = pemKeyPair('p256');
    const envelope = signStatement(Buffer.from(JSON.stringify(statementAbout(DIGEST_A))), privatePem);
    const cut = { ...envelope, payload: envelope.payload.slice(0, 40) };
    expect(verifyEnvelope(parseEnvelope(cut, 'e'), [named('ci', publicPem)]).valid).toBe(false);
  });

  it('tries every key when the keyid is empty or unknown, as cosign leaves it empty', () => {
    const a = pemKeyPair('p256');
    const b = pemKeyPair('ed25519');
    const envelope = signStatement(Buffer.from(JSON.stringify(statementAbout(DIGEST_A))), b.privatePem);
    const anonymous = { ...envelope, signatures: [{ keyid: '', sig: envelope.signatures[0]!.sig }] };
    const result = verifyEnvelope(parseEnvelope(anonymous, 'e'), [
      named('a', a.publicPem),
      named('b', b.publicPem),
    ]);
    expect(result.valid && result.key.name).toBe('b');
  });

  it('accepts an ECDSA signature in IEEE P1363 (r||s) form', () => {
    const { publicPem, privatePem } = pemKeyPair('p256');
    const payload = Buffer.from(JSON.stringify(statementAbout(DIGEST_A)));
    const sig = sign('sha256', preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, payload), {
      key: createPrivateKey(privatePem),
      dsaEncoding: 'ieee-p1363',
    });
    expect(sig.length).toBe(64);
    const envelope = {
      payloadType: IN_TOTO_PAYLOAD_TYPE,
      payload: payload.toString('base64'),
      signatures: [{ keyid: '', sig: sig.toString('base64') }],
    };
    expect(verifyEnvelope(parseEnvelope(envelope, 'e'), [named('ci', publicPem)]).valid).toBe(true);
  });

  it('refuses envelopes of the wrong shape', () => {
    expect(() => parseEnvelope({ payloadType: 'x', payload: 'YQ==', signatures: [] }, 'e.json')).toThrow(
      'e.json: DSSE envelope has no "signatures"',
    );
    expect(() => parseEnvelope({ payload: 'YQ==', signatures: [{ sig: 'YQ==' }] }, 'e.json')).toThrow(
      '"payloadType"',
    );
  });

  it('signStatement refuses something that is not a statement, and the signature covers the exact bytes', () => {
    const { publicPem, privatePem } = pemKeyPair('ed25519');
    expect(() => signStatement(Buffer.from('{"hello":1}'), privatePem, 's.json')).toThrow(
      's.json: wrong _type',
    );
    // Whitespace is kept: the signed payload is the file as given.
    const pretty = Buffer.from(JSON.stringify(statementAbout(DIGEST_A), null, 2));
    const envelope = signEnvelope(pretty, IN_TOTO_PAYLOAD_TYPE, loadPrivateKey(privatePem, 'k'));
    expect(parseEnvelope(envelope, 'e').payload.equals(pretty)).toBe(true);
    expect(verifyEnvelope(parseEnvelope(envelope, 'e'), [named('ci', publicPem)]).valid).toBe(true);
  });
});
