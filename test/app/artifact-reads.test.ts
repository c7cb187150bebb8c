/**
 * A check, a promotion and a passport read the artifact they decide on once: the digest as given
 * is the read, and only a digest no artifact is keyed by sends the reader through the recorded
 * digests to the registered key (src/app/artifact-identity.ts). The store is real (each backend);
 * a wrapper in front of it lists the artifact reads the use cases ask of it, and no read of one
 * digest may be asked twice.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveArtifactDigest } from '../../src/app/artifact-identity.js';
import { checkStage } from '../../src/app/check.js';
import { createServices } from '../../src/app/create-services.js';
import { explainArtifact } from '../../src/app/explain.js';
import { promote } from '../../src/app/promote.js';
import { registerArtifact } from '../../src/app/register.js';
import { contractSource, requestOf } from '../../src/app/services.js';
import type { LedgerStore } from '../../src/ledger/ledger-store.js';
import { contractOf, tollgateRejectionOf, twoStageYaml } from '../support/builders.js';
import { BACKENDS, storePerTest } from '../support/stores.js';

const SHOP = contractOf(twoStageYaml('      approvals: { count: 1 }', undefined, { first: 'dev' }));
const NOBODY = `sha256:${'e'.repeat(64)}`;

/** The reads of one artifact's rows and entries, named by the digest they are asked for. */
const ARTIFACT_READS = new Set(['getArtifact', 'entriesAndLookalikes', 'entriesForArtifact', 'listEvidence']);

/**
 * `reader` as it is, with every artifact read asked of it (and of the readers it hands to a
 * callback: a write transaction, a counting scope) written to `reads` as "method digest".
 */
function listingReads<T extends object>(reader: T, reads: string[]): T {
  return new Proxy(reader, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (ARTIFACT_READS.has(String(key))) reads.push(`${String(key)} ${String(args[1])}`);
        const passed = args.map((arg) =>
          typeof arg === 'function'
            ? (inner: unknown, ...rest: unknown[]) =>
                arg(typeof inner === 'object' && inner !== null ? listingReads(inner, reads) : inner, ...rest)
            : arg,
        );
        return value.apply(target, passed);
      };
    },
  });
}

/** The reads asked more than once. */
function repeated(reads: readonly string[]): string[] {
  return [...new Set(reads.filter((read, i) => reads.indexOf(read) !== i))];
}

const scope = storePerTest();

describe.each(BACKENDS)('the artifact a decision is on ($title)', (backend) => {
  it('is read once by check, promote and explain, by either of its digests', async () => {
    const handle = await scope.open(backend);
    const reads: string[] = [];
    const services = createServices({
      contracts: contractSource([SHOP]),
      store: listingReads(handle.store, reads) as LedgerStore,
    });
    const as = (principal: string) => requestOf(services, { principal, pipeline: 'shop' });
    const file = join(scope.scratch('tollgate-reads-'), 'app.tgz');
    writeFileSync(file, 'the build\n');
    const sha256 = `sha256:${createHash('sha256').update('the build\n').digest('hex')}`;
    const sha512 = `sha512:${createHash('sha512').update('the build\n').digest('hex')}`;
    await registerArtifact(as('ci'), { file });

    const during = async (action: () => Promise<unknown>): Promise<string[]> => {
      reads.length = 0;
      await action();
      return [...reads];
    };

    // By its key: the artifact's entries are its one read; its registration is not read beside them.
    const byKey = await during(() => checkStage(as('ci'), 'dev', sha256));
    expect(byKey.filter((read) => read.endsWith(sha256))).toEqual([
      `listEvidence ${sha256}`,
      `entriesAndLookalikes ${sha256}`,
    ]);
    const promoted = await during(() => promote(as('ci'), 'dev', sha256));
    expect(promoted.filter((read) => read.startsWith('getArtifact'))).toEqual([]);
    expect(repeated(promoted)).toEqual([]);

    // By its sha512: the digest as given is looked for once, then the registered key read once.
    const bySha512 = await during(() => checkStage(as('ci'), 'prod', sha512));
    expect(bySha512).toContain(`entriesAndLookalikes ${sha256}`);
    expect(bySha512.filter((read) => read.startsWith('getArtifact'))).toEqual([`getArtifact ${sha512}`]);
    expect(repeated(bySha512)).toEqual([]);
    // The passport checks each stage on the key it found (a read each); its registration is not read.
    const passport = await during(() => explainArtifact(as('viewer'), sha512));
    expect(passport.filter((read) => read.startsWith('getArtifact'))).toEqual([`getArtifact ${sha512}`]);
    const resolved = await during(() => resolveArtifactDigest(as('ci'), sha512));
    expect(resolved).toEqual([`getArtifact ${sha512}`, `getArtifact ${sha256}`]);

    // A digest nobody registered: refused as before, each read asked once.
    const refused = await during(async () => {
      const error = await tollgateRejectionOf(checkStage(as('ci'), 'dev', NOBODY));
      expect(error.code).toBe('ARTIFACT_NOT_FOUND');
      expect(error.message).toContain(`artifact ${NOBODY} is not registered in pipeline shop`);
    });
    expect(refused.filter((read) => read.startsWith('getArtifact'))).toEqual([`getArtifact ${NOBODY}`]);
    expect(repeated(refused)).toEqual([]);
  });
});
