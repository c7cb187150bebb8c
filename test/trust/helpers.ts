import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type KeyKind = 'ed25519' | 'p256';

/** A fresh PEM key pair of the given kind. */
export function pemKeyPair(kind: KeyKind): { publicPem: string; privatePem: string } {
  const pair =
    kind === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    publicPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

export const DIGEST_A = `sha256:${'a'.repeat(64)}`;
export const DIGEST_B = `sha256:${'b'.repeat(64)}`;

/** An in-toto Statement v1 about `digest`. */
export function statementAbout(
  digest: string,
  predicateType = 'https://example.com/predicate/v1',
  predicate: unknown = { ok: true },
) {
  const [algorithm, hex] = digest.split(':') as [string, string];
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'app.tar', digest: { [algorithm]: hex } }],
    predicateType,
    predicate,
  };
}

/** A throwaway directory. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tollgate-trust-'));
}

/** Writes `content` to `dir/name` and returns the path. */
export function writeTemp(dir: string, name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}
