/**
 * Attacker round 10 on signatures and VSAs: verdicts that were signed by the right key and are
 * still not evidence of what they are shown for.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { promote } from '../../src/app/promote.js';
import { registerArtifact } from '../../src/app/register.js';
import { rollbackStage } from '../../src/app/rollback.js';
import type { Environment } from '../../src/app/services.js';
import { verifyVerdictFile } from '../../src/app/signing.js';
import { vsaRevoked } from '../../src/app/vsa.js';
import type { LedgerStore } from '../../src/ledger/ledger-store.js';
import { fakeDigest } from '../support/cli.js';
import { sqliteBackend, storePerTest } from '../support/stores.js';
import { keyPairFiles, vsaContractText, vsaRequest } from './helpers.js';

const A = fakeDigest('a10round');
const B = fakeDigest('b10round');

const scope = storePerTest();
let dir: string;
beforeEach(() => {
  dir = scope.scratch('tollgate-round10-');
});

function requestFor(store: LedgerStore, env: Environment, minute: number, pipeline = 'shop') {
  return vsaRequest(vsaContractText(pipeline), store, env, minute);
}

function verifierKey(): { env: Environment; publicFile: string } {
  const { privateFile, publicFile } = keyPairFiles(dir, 'verifier');
  return { env: { TOLLGATE_VSA_KEY: privateFile }, publicFile };
}

async function ledger(): Promise<LedgerStore> {
  return (await scope.open(sqliteBackend)).store;
}

describe('a VSA placed against the ledger at hand', () => {
  it('is not admitted when its ledger entry is not this ledger s, so a rollback here cannot be placed after it', async () => {
    const { env, publicFile } = verifierKey();

    // The old ledger of pipeline shop: many entries, then B's promotion, sealed at a high number.
    const old = await ledger();
    for (let n = 0; n < 12; n += 1)
      await registerArtifact(requestFor(old, env, 1), { digest: fakeDigest(`${n}pad10round`) });
    await registerArtifact(requestFor(old, env, 1), { digest: B });
    const issued = await promote(requestFor(old, env, 1), 'dev', B);
    const file = join(dir, 'b.vsa.json');
    writeFileSync(file, JSON.stringify(issued.vsa));

    // The ledger started afresh with the same key: B promoted, then rolled back to A, at low numbers.
    const fresh = await ledger();
    for (const [minute, digest] of [A, B].entries()) {
      await registerArtifact(requestFor(fresh, env, 2 + minute), { digest });
      await promote(requestFor(fresh, env, 2 + minute), 'dev', digest);
    }
    const rollback = await rollbackStage(requestFor(fresh, env, 4), 'dev', { reason: 'error rate' });
    expect(rollback.entry.seq).toBeLessThan(issued.entry!.seq);

    const verdict = await verifyVerdictFile({
      envelopeFile: file,
      keyFile: publicFile,
      allowDemo: true,
      digest: B,
      stage: 'dev',
      pipeline: 'shop',
      rolledBack: (verified, d) => vsaRevoked(requestFor(fresh, env, 5), 'dev', d, verified),
    });
    expect(verdict.valid).toBe(false);
    expect(verdict.reason).toContain(`this VSA rests on promotion entry #${issued.entry!.seq}`);
    expect(verdict.reason).toContain('it was issued by another ledger of pipeline shop');
  });

  it('does not say a rollback was looked for when the VSA is of another pipeline than the ledger at hand', async () => {
    const { env, publicFile } = verifierKey();
    // One verifier key for two pipelines: sandbox promotes B and rolls it back; shop never saw it.
    const sandbox = await ledger();
    for (const [minute, digest] of [A, B].entries()) {
      await registerArtifact(requestFor(sandbox, env, 1 + minute, 'sandbox'), { digest });
      const promoted = await promote(requestFor(sandbox, env, 1 + minute, 'sandbox'), 'dev', digest);
      if (digest === B) writeFileSync(join(dir, 'b.vsa.json'), JSON.stringify(promoted.vsa));
    }
    await rollbackStage(requestFor(sandbox, env, 3, 'sandbox'), 'dev', { reason: 'error rate' });
    const shop = await ledger();
    const verdict = await verifyVerdictFile({
      envelopeFile: join(dir, 'b.vsa.json'),
      keyFile: publicFile,
      allowDemo: true,
      digest: B,
      stage: 'dev',
      rolledBack: (verified, d) => vsaRevoked(requestFor(shop, env, 4), 'dev', d, verified),
    });
    // Admitted, as any VSA checked away from its own ledger is, but never as checked by a ledger.
    expect(verdict.valid).toBe(true);
    expect(verdict.reason).not.toContain('no rollback of it since, by the ledger');
    expect(verdict.reason).toContain(
      'a later rollback was not checked (the ledger at hand is pipeline shop\'s, and this VSA\'s policy is "tollgate:sandbox/stages/dev"',
    );
  });
});
