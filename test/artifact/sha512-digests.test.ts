/**
 * `sha512:` artifact digests: they work end to end for artifacts other than images (registered,
 * promoted, the VSA's subject an in-toto `sha512` DigestSet, statements matched by algorithm), and
 * an image, known by its sha256 manifest digest, is refused one at the first step.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { attestStatements } from '../../src/app/attest-statement.js';
import { createServices } from '../../src/app/create-services.js';
import { promote } from '../../src/app/promote.js';
import { registerArtifact } from '../../src/app/register.js';
import { contractSource, requestOf, systemClock } from '../../src/app/services.js';
import { statementCovers } from '../../src/trust/statement.js';
import { contractOf, tollgateRejectionOf } from '../support/builders.js';
import { type StoreHandle, sqliteBackend } from '../support/stores.js';
import { pemKeyPair } from '../trust/helpers.js';

const SHA512 = `sha512:${'5a'.repeat(64)}`;
const stages = 'stages:\n  dev: { purpose: dev }\n';

let dir: string | undefined;
let handle: StoreHandle | undefined;
afterEach(async () => {
  await handle?.dispose();
  handle = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

async function request(artifact: string, env: Record<string, string> = {}) {
  handle = await sqliteBackend.open();
  const contract = contractOf(`version: 1\npipeline: shop\nartifact: ${artifact}\n${stages}`);
  const services = createServices({
    contracts: contractSource([contract]),
    store: handle.store,
    clock: systemClock,
    env,
  });
  return requestOf(services, { principal: 'ci', pipeline: 'shop' });
}

describe('sha512 artifact digests', () => {
  it('register refuses a sha512 digest for an OCI image and records nothing', async () => {
    const ctx = await request('{ type: oci, repository: registry.example.com/shop }');
    const refused = await tollgateRejectionOf(registerArtifact(ctx, { digest: SHA512 }));
    expect(refused.code).toBe('DIGEST_INVALID');
    expect(refused.message).toContain(
      'is not a sha256 digest: an OCI image is known by its sha256 manifest digest',
    );
    expect(await (await ctx.services.store()).getArtifact('shop', SHA512)).toBeUndefined();
  });

  it('a file artifact registered by sha512 is promoted and its VSA names it as a sha512 subject', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-sha512-'));
    writeFileSync(join(dir, 'verifier.key'), pemKeyPair('ed25519').privatePem);
    const ctx = await request('{ type: file }', { TOLLGATE_VSA_KEY: join(dir, 'verifier.key') });
    await registerArtifact(ctx, { digest: SHA512 });
    const result = await promote(ctx, 'dev', SHA512);
    expect(result.decision.verdict).toBe('allowed');
    const statement = JSON.parse(Buffer.from(result.vsa!.payload, 'base64').toString('utf8'));
    expect(statement.subject[0].digest).toEqual({ sha512: '5a'.repeat(64) });
    expect(statementCovers(statement, SHA512)).toBe(true);
    // The same hex under another algorithm is another artifact.
    expect(statementCovers(statement, `sha256:${'5a'.repeat(32)}`)).toBe(false);
  });
});

function statementAbout(digest: Record<string, string>): Buffer {
  return Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'app.tar', digest }],
      predicateType: 'https://example.com/opaque/v1',
      predicate: {},
    }),
  );
}

describe('sha512 digests recorded at register --file', () => {
  const bytes = Buffer.from('the release bytes\n');
  const sha256Hex = createHash('sha256').update(bytes).digest('hex');
  const sha512Hex = createHash('sha512').update(bytes).digest('hex');

  async function registeredFile() {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-sha512-'));
    writeFileSync(join(dir, 'app.tar'), bytes);
    const ctx = await request('{ type: file }');
    const { artifact } = await registerArtifact(ctx, { file: join(dir, 'app.tar') });
    return { ctx, artifact };
  }

  it('records the sha512 of the file beside its sha256 digest', async () => {
    const { ctx, artifact } = await registeredFile();
    expect(artifact.digest).toBe(`sha256:${sha256Hex}`);
    const stored = await (await ctx.services.store()).getArtifact('shop', artifact.digest);
    expect(stored?.digests).toEqual({ sha512: sha512Hex });
  });

  it('attest refuses a subject whose sha256 matches but whose sha512 names other bytes', async () => {
    const { ctx, artifact } = await registeredFile();
    const other = createHash('sha512').update('other bytes').digest('hex');
    const refused = await tollgateRejectionOf(
      attestStatements(ctx, {
        artifact: artifact.digest,
        contents: [{ name: 'swap.json', bytes: statementAbout({ sha256: sha256Hex, sha512: other }) }],
      }),
    );
    expect(refused.code).toBe('EVIDENCE_SUBJECT_MISMATCH');
    expect(refused.message).toContain(`its sha512 is ${other} and the artifact's sha512 is ${sha512Hex}`);
    expect(await (await ctx.services.store()).listEvidence('shop', artifact.digest)).toEqual([]);
  });

  it('attest takes a subject whose sha256 and sha512 are both the file and checks both', async () => {
    const { ctx, artifact } = await registeredFile();
    const [recorded] = await attestStatements(ctx, {
      artifact: artifact.digest,
      contents: [{ name: 'ok.json', bytes: statementAbout({ sha256: sha256Hex, sha512: sha512Hex }) }],
    });
    expect(recorded?.stored).toBe(true);
    expect(recorded?.unchecked).toEqual([]);
  });

  it('an artifact registered by digest alone says its sha512 went unchecked', async () => {
    const ctx = await request('{ type: file }');
    await registerArtifact(ctx, { digest: `sha256:${sha256Hex}` });
    const other = createHash('sha512').update('other bytes').digest('hex');
    const [recorded] = await attestStatements(ctx, {
      artifact: `sha256:${sha256Hex}`,
      contents: [{ name: 'old.json', bytes: statementAbout({ sha256: sha256Hex, sha512: other }) }],
    });
    expect(recorded?.stored).toBe(true);
    expect(recorded?.unchecked).toEqual(['sha512']);
  });
});
