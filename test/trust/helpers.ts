import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServices } from '../../src/app/create-services.js';
import { contractSource, type Environment, fixedClock, requestOf } from '../../src/app/services.js';
import type { LedgerStore } from '../../src/ledger/ledger-store.js';
import { contractOf } from '../support/builders.js';

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

/** A fresh key pair of `kind` written to `dir` as PEM files `NAME.key` (PKCS#8) and `NAME.pub` (SPKI). */
export function keyPairFiles(
  dir: string,
  name: string,
  kind: KeyKind = 'ed25519',
): { privateFile: string; publicFile: string } {
  const { privatePem, publicPem } = pemKeyPair(kind);
  return {
    privateFile: writeTemp(dir, `${name}.key`, privatePem),
    publicFile: writeTemp(dir, `${name}.pub`, publicPem),
  };
}

/**
 * The demo contract (YAML) the VSA tests promote under: pipeline `pipeline` whose dev stage takes
 * any registered file, then `moreStages` (YAML lines under `stages:`, indented by two).
 */
export function vsaContractText(pipeline = 'shop', moreStages = ''): string {
  return `version: 1
pipeline: ${pipeline}
# A demo pipeline: the test plays time forward with fixed request times.
demo: true
artifact: { type: file }
stages:
  dev: { purpose: dev }
${moreStages}`;
}

/** A request by principal ci to `store` under the contract `yaml`, made at 2026-12-01 00:`minute` UTC. */
export function vsaRequest(yaml: string, store: LedgerStore, env: Environment, minute = 0) {
  const contract = contractOf(yaml);
  const services = createServices({
    contracts: contractSource([contract]),
    store,
    env,
    clock: fixedClock(new Date(Date.UTC(2026, 11, 1, 0, minute))),
  });
  return requestOf(services, { principal: 'ci', pipeline: contract.pipeline });
}
