/**
 * A sha512 given beside a sha256 (`RegisterOptions.sha512`, the server's register request) is the
 * caller's word, not a read: Tollgate never saw the bytes. It may not attach a digest to an
 * artifact already known by the other one (docs/trust.md, "The identity of an artifact"), or a
 * rebuild registered as `sha256:X` beside a passed artifact's sha512 would become that artifact
 * and inherit its evidence, approvals and promotions. On every store backend.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkStage } from '../../src/app/check.js';
import { promote } from '../../src/app/promote.js';
import { registerArtifact } from '../../src/app/register.js';
import { verifyLedger } from '../../src/app/status.js';
import { ENTRY } from '../../src/ledger/entry.js';
import { contractOf, tollgateRejectionOf } from '../support/builders.js';
import { fakeDigest } from '../support/cli.js';
import { pipelines } from '../support/pipeline.js';
import { BACKENDS } from '../support/stores.js';

const SHOP = contractOf(`version: 1
pipeline: shop
# A demo pipeline: the test sets the clock.
demo: true
artifact: { type: file }
stages:
  staging: { purpose: integration }
`);
const AT = new Date('2026-03-02T10:00:00Z');
const hex = (algorithm: 'sha256' | 'sha512', bytes: string) =>
  createHash(algorithm).update(bytes).digest('hex');

// The build that passed staging, registered by its sha512 alone.
const PASSED = hex('sha512', 'the build that passed staging\n');
// A rebuild: other bytes, its own sha256.
const REBUILD = `sha256:${hex('sha256', 'a rebuild nobody tested\n')}`;

const openPipeline = pipelines();
let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const UNREAD =
  /Tollgate did not read these bytes, so it cannot vouch that they are the artifact already known as/;

describe.each(BACKENDS)('a sha512 the caller claims ($name)', (backend) => {
  async function passedBySha512() {
    const pipeline = await openPipeline(backend, SHOP, { clock: AT });
    const ci = pipeline.as('ci', AT);
    await registerArtifact(ci, { digest: `sha512:${PASSED}` });
    expect((await promote(ci, 'staging', `sha512:${PASSED}`)).entry).toBeDefined();
    return { ...pipeline, ci };
  }

  it('refuses to attach a new sha256 to an artifact known by that sha512, and records nothing', async () => {
    const { ci, store } = await passedBySha512();
    const before = (await store.entriesForArtifact('shop', `sha512:${PASSED}`)).length;
    const refused = await tollgateRejectionOf(registerArtifact(ci, { digest: REBUILD, sha512: PASSED }));
    expect(refused.code).toBe('ARTIFACT_DIGEST_CONFLICT');
    expect(refused.message).toMatch(UNREAD);
    expect(refused.message).toContain(`sha512:${PASSED}`);
    expect(refused.message).toContain('register --file');
    expect((await store.entriesForArtifact('shop', `sha512:${PASSED}`)).length).toBe(before);
    expect(await store.getArtifact('shop', REBUILD)).toBeUndefined();
    const checked = await tollgateRejectionOf(checkStage(ci, 'staging', REBUILD));
    expect(checked.code).toBe('ARTIFACT_NOT_FOUND');
  });

  it('refuses a sha512 beside a sha256 already registered without one, or with another', async () => {
    const { as, store } = await openPipeline(backend, SHOP, { clock: AT });
    const ci = as('ci', AT);
    const bare = `sha256:${hex('sha256', 'registered by digest alone\n')}`;
    await registerArtifact(ci, { digest: bare });
    const first = await tollgateRejectionOf(
      registerArtifact(ci, { digest: bare, sha512: hex('sha512', 'anything\n') }),
    );
    expect(first.code).toBe('ARTIFACT_DIGEST_CONFLICT');
    expect(first.message).toMatch(UNREAD);
    const claimed = `sha256:${hex('sha256', 'claimed once\n')}`;
    await registerArtifact(ci, { digest: claimed, sha512: hex('sha512', 'claimed once\n') });
    const other = await tollgateRejectionOf(
      registerArtifact(ci, { digest: claimed, sha512: hex('sha512', 'other bytes\n') }),
    );
    expect(other.code).toBe('ARTIFACT_DIGEST_CONFLICT');
    // The sha512 of an artifact known by another sha256 is not taken for a second artifact either.
    const twice = await tollgateRejectionOf(
      registerArtifact(ci, { digest: REBUILD, sha512: hex('sha512', 'claimed once\n') }),
    );
    expect(twice.code).toBe('ARTIFACT_DIGEST_CONFLICT');
    expect(twice.message).toContain(claimed);
    expect(await store.getArtifact('shop', REBUILD)).toBeUndefined();
    for (const digest of [bare, claimed]) {
      const registers = (await store.entriesForArtifact('shop', digest)).filter(
        (e) => e.kind === ENTRY.register,
      );
      expect(registers, digest).toHaveLength(1);
    }
  });

  it('accepts the same claim again, and records a new one as the callers word', async () => {
    const { as, store } = await openPipeline(backend, SHOP, { clock: AT });
    const ci = as('ci', AT);
    const digest = `sha256:${hex('sha256', 'build 42\n')}`;
    const sha512 = hex('sha512', 'build 42\n');
    const first = await registerArtifact(ci, { digest, sha512 });
    expect(first.created).toBe(true);
    const again = await registerArtifact(ci, { digest, sha512 });
    expect(again).toMatchObject({ created: false, artifact: { digest, digests: { sha512 } } });
    const [entry, ...more] = await store.entriesForArtifact('shop', digest);
    expect(more).toHaveLength(0);
    expect(entry?.payload).toMatchObject({ digests: { sha512 }, claimed: ['sha512'] });
    expect((await checkStage(ci, 'staging', `sha512:${sha512}`)).artifact.digest).toBe(digest);
  });

  it('a local register --file still links bytes first registered by their sha512, unmarked', async () => {
    const { ci, store } = await passedBySha512();
    dir = mkdtempSync(join(tmpdir(), 'tollgate-claimed-'));
    writeFileSync(join(dir, 'app.tgz'), 'the build that passed staging\n');
    const read = await registerArtifact(ci, { file: join(dir, 'app.tgz') });
    expect(read.artifact.digest).toBe(`sha512:${PASSED}`);
    const linked = (await store.entriesForArtifact('shop', `sha512:${PASSED}`)).filter(
      (e) => e.kind === ENTRY.register,
    );
    expect(linked).toHaveLength(2);
    expect(linked[1]?.payload).not.toHaveProperty('claimed');
    const sha256 = `sha256:${hex('sha256', 'the build that passed staging\n')}`;
    expect((await checkStage(ci, 'staging', sha256)).artifact.digest).toBe(`sha512:${PASSED}`);
  });
});

/**
 * A ledger written before the ARTIFACT_DIGEST_CONFLICT check: a second register entry claimed the
 * sha512 of an artifact already known, as a version without the check appended it (the artifacts
 * row and the register entry, through the store). The chain is intact; `ledger verify` names the
 * sha512, both artifacts and the entries that record it.
 */
describe.each(BACKENDS)(
  'ledger verify of an old ledger where two artifacts claim one sha512 ($name)',
  (backend) => {
    it('names the sha512, both artifacts and their register entries, and the chain stays intact', async () => {
      const { as, store } = await openPipeline(backend, SHOP, { clock: AT });
      const ci = as('ci', AT);
      const sha512 = hex('sha512', 'the build that passed staging\n');
      const first = `sha256:${hex('sha256', 'the build that passed staging\n')}`;
      await registerArtifact(ci, { digest: first, sha512 });
      await registerArtifact(ci, { digest: fakeDigest('unrelated') });
      // What an old version appended for the rebuild, without the conflict check.
      await store.write('shop', async (tx) => {
        await tx.insertArtifact(
          'shop',
          {
            digest: REBUILD,
            labels: {},
            registeredAt: AT.toISOString(),
            source: 'digest',
            digests: { sha512 },
          },
          'mallory',
        );
        await tx.append('shop', {
          kind: ENTRY.register,
          stage: null,
          artifact: REBUILD,
          actor: 'mallory',
          at: AT.toISOString(),
          payload: { labels: {}, source: 'digest', digests: { sha512 }, claimed: ['sha512'] },
        });
      });
      const verdict = await verifyLedger(ci);
      expect(verdict.ok).toBe(true);
      expect(verdict).toMatchObject({
        digestConflicts: [
          {
            digest: `sha512:${sha512}`,
            artifacts: [
              { artifact: first, seq: 1 },
              { artifact: REBUILD, seq: 3 },
            ],
          },
        ],
      });
    });

    it('finds nothing on a ledger where each digest names one artifact, however often it is recorded', async () => {
      const { ci } = await passedBySha512Of(backend);
      dir = mkdtempSync(join(tmpdir(), 'tollgate-claimed-'));
      writeFileSync(join(dir, 'app.tgz'), 'the build that passed staging\n');
      writeFileSync(join(dir, 'other.tgz'), 'another build\n');
      await registerArtifact(ci, { file: join(dir, 'app.tgz') });
      await registerArtifact(ci, { file: join(dir, 'app.tgz') });
      await registerArtifact(ci, { file: join(dir, 'other.tgz') });
      const digest = `sha256:${hex('sha256', 'build 42\n')}`;
      await registerArtifact(ci, { digest, sha512: hex('sha512', 'build 42\n') });
      await registerArtifact(ci, { digest, sha512: hex('sha512', 'build 42\n') });
      const verdict = await verifyLedger(ci);
      expect(verdict.ok).toBe(true);
      expect(verdict).not.toHaveProperty('digestConflicts');
    });
  },
);

async function passedBySha512Of(backend: (typeof BACKENDS)[number]) {
  const pipeline = await openPipeline(backend, SHOP, { clock: AT });
  const ci = pipeline.as('ci', AT);
  await registerArtifact(ci, { digest: `sha512:${PASSED}` });
  return { ...pipeline, ci };
}
