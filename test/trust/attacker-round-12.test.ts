/**
 * Attacker round 12 on VSAs: a verdict signed by the right key, for the right digest and stage, made
 * under rules the contract in force has changed for that stage since.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { updateContract } from '../../src/app/contract-pin.js';
import { promote } from '../../src/app/promote.js';
import { registerArtifact } from '../../src/app/register.js';
import type { Environment } from '../../src/app/services.js';
import { verifyVerdictFile } from '../../src/app/signing.js';
import { vsaRevoked } from '../../src/app/vsa.js';
import { fakeDigest } from '../support/cli.js';
import { BACKENDS, storePerTest } from '../support/stores.js';
import { keyPairFiles, vsaRequest } from './helpers.js';

const A = fakeDigest('a12round');

/** Pipeline shop, whose admin is ci, with `dev` as given and a `staging` after it. */
function shop(dev: string, staging = '{ purpose: staging, from: dev }'): string {
  return `version: 1
pipeline: shop
# A demo pipeline: the test plays time forward with fixed request times.
demo: true
admins: [ci]
artifact: { type: file }
stages:
  dev: ${dev}
  staging: ${staging}
`;
}

const LOOSE = shop('{ purpose: dev }');
const WITH_TESTS = shop('{ purpose: dev, requires: { tests: [{ suite: unit }] } }');

const scope = storePerTest();

describe.each(BACKENDS)('a VSA made under an older contract ($name)', (backend) => {
  async function issued() {
    const handle = await scope.open(backend);
    const dir = scope.scratch('tollgate-round12-');
    const { privateFile, publicFile } = keyPairFiles(dir, 'verifier');
    const env: Environment = { TOLLGATE_VSA_KEY: privateFile };
    await registerArtifact(vsaRequest(LOOSE, handle.store, env, 1), { digest: A });
    const promoted = await promote(vsaRequest(LOOSE, handle.store, env, 2), 'dev', A);
    const file = join(dir, 'a.vsa.json');
    writeFileSync(file, JSON.stringify(promoted.vsa));
    /** The VSA checked beside the ledger, under `yaml` as the contract at hand. */
    const check = (yaml: string) =>
      verifyVerdictFile({
        envelopeFile: file,
        keyFile: publicFile,
        allowDemo: true,
        digest: A,
        stage: 'dev',
        pipeline: 'shop',
        rolledBack: (verified, d) => vsaRevoked(vsaRequest(yaml, handle.store, env, 9), 'dev', d, verified),
      });
    return { store: handle.store, env, check };
  }

  it('is not admitted once the contract in force requires more of its stage, and names what changed', async () => {
    const { store, env, check } = await issued();
    expect((await check(LOOSE)).valid).toBe(true);
    await updateContract(vsaRequest(WITH_TESTS, store, env, 3), { reason: 'dev needs unit tests' });
    const verdict = await check(WITH_TESTS);
    expect(verdict.valid).toBe(false);
    expect(verdict.reason).toContain('this VSA no longer admits');
    expect(verdict.reason).toContain('changed what stage dev requires since: dev: requirements added: tests');
    expect(verdict.reason).toContain('promote');
  });

  it('stays admitted when the contract changed another stage only, or the words of its own', async () => {
    const { store, env, check } = await issued();
    const stagingStricter = shop(
      '{ purpose: dev builds }',
      '{ purpose: staging, from: dev, requires: { tests: [{ suite: unit }] } }',
    );
    await updateContract(vsaRequest(stagingStricter, store, env, 3));
    const verdict = await check(stagingStricter);
    expect(verdict.reason).toContain('no rollback of it since, by the ledger');
    expect(verdict.valid).toBe(true);
  });

  it('is admitted again when the contract returns to the rules it was made under', async () => {
    const { store, env, check } = await issued();
    await updateContract(vsaRequest(WITH_TESTS, store, env, 3));
    await updateContract(vsaRequest(LOOSE, store, env, 4));
    expect((await check(LOOSE)).valid).toBe(true);
  });
});
