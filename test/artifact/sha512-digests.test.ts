/**
 * `sha512:` artifact digests: they work end to end for artifacts other than images (registered,
 * promoted, the VSA's subject an in-toto `sha512` DigestSet, statements matched by algorithm), and
 * an image, known by its sha256 manifest digest, is refused one at the first step.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
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
