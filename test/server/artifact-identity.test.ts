/**
 * Over HTTP, one set of bytes is one artifact whichever digest names it: an artifact registered
 * from its file (sha256, with the sha512 of the same read recorded) and rolled back out of dev is
 * found by its sha512 at the register route (the artifact already registered, named by its
 * sha256), and the check and promote routes keep it out under that digest as under the other.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { promote } from '../../src/app/promote.js';
import { registerArtifact } from '../../src/app/register.js';
import { rollbackStage } from '../../src/app/rollback.js';
import { requestOf } from '../../src/app/services.js';
import { ENTRY } from '../../src/ledger/entry.js';
import { contractOf, twoStageYaml } from '../support/builders.js';
import { BACKENDS } from '../support/stores.js';
import { openTestServer, type TestServer } from './support.js';

const SHOP = contractOf(twoStageYaml('      approvals: { count: 1 }', undefined, { first: 'dev' }));
const base = '/api/v1/pipelines/shop';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.dispose();
  server = undefined;
});

function fileWith(text: string): { path: string; sha256: string; sha512: string } {
  const path = join(mkdtempSync(join(tmpdir(), 'tollgate-identity-')), 'app.tgz');
  writeFileSync(path, text);
  return {
    path,
    sha256: `sha256:${createHash('sha256').update(text).digest('hex')}`,
    sha512: `sha512:${createHash('sha512').update(text).digest('hex')}`,
  };
}

describe.each(BACKENDS)('an artifact named by its sha512 over HTTP ($title)', (backend) => {
  it('is the registered artifact at the register, check and promote routes, rollback and all', async () => {
    server = await openTestServer(backend, { contracts: [SHOP] });
    const s = server;
    const as = (principal: string) => requestOf(s.services, { principal, pipeline: 'shop' });
    const good = fileWith('the good build\n');
    const bad = fileWith('the bad build\n');
    // Registered from their files, as `tollgate register --file` against this store does.
    await registerArtifact(as('ci'), { file: good.path });
    await registerArtifact(as('ci'), { file: bad.path });
    await promote(as('ci'), 'dev', good.sha256);
    await promote(as('ci'), 'dev', bad.sha256);
    await rollbackStage(as('ci'), 'dev', { reason: 'errors in dev' });

    const ci = await s.token({ role: 'ci', pipelines: ['shop'], principal: 'ci-bot' });
    const registered = await s.call('POST', `${base}/artifacts`, ci, { digest: bad.sha512 });
    expect(registered.status).toBe(200);
    expect(await registered.json()).toMatchObject({ digest: bad.sha256, created: false });

    const checked = await s.call('GET', `${base}/stages/dev/check?artifact=${bad.sha512}`, ci);
    expect(checked.status).toBe(200);
    const decision = (await checked.json()) as { verdict: string; artifact: { digest: string } };
    expect(decision.verdict).toBe('blocked');
    expect(decision.artifact.digest).toBe(bad.sha256);

    const promoted = await s.call('POST', `${base}/stages/dev/promotions`, ci, { artifact: bad.sha512 });
    expect(promoted.status).not.toBe(201);
    // No second history: nothing in the ledger names the sha512 as an artifact.
    expect(await s.handle.store.entriesForArtifact('shop', bad.sha512)).toEqual([]);
    const entries = await s.handle.store.entriesForArtifact('shop', bad.sha256);
    expect(entries.filter((e) => e.kind === ENTRY.register)).toHaveLength(1);
  });
});
