/**
 * A `contract update` deleted behind Tollgate's back puts the contract before it back in force.
 * The gap count of a decision starts at the artifact's first entry, so for an artifact first
 * recorded after the update it does not see the deletion: the artifact's first entry names the
 * contract entry in force when it was written, and a decision that no longer finds that entry
 * stops (LEDGER_CORRUPT, exit 4, nothing recorded). On every store backend, by raw SQL.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attestTests } from '../../src/app/attest.js';
import { checkStage } from '../../src/app/check.js';
import { updateContract } from '../../src/app/contract-pin.js';
import { promote } from '../../src/app/promote.js';
import { registerArtifact } from '../../src/app/register.js';
import { verifyLedger } from '../../src/app/status.js';
import type { Contract } from '../../src/contract/types.js';
import { ENTRY } from '../../src/ledger/entry.js';
import { canonicalJson, sha256 } from '../../src/ledger/hash-chain.js';
import { CONTRACT_ANCHOR } from '../../src/ledger/sql-ledger-store.js';
import { contractOf, tollgateRejectionOf } from '../support/builders.js';
import { fakeDigest, junit } from '../support/cli.js';
import { BACKENDS, execBehindTheStore, requestUnder, storePerTest } from '../support/stores.js';

const head = `version: 1
pipeline: shop
artifact: { type: file }
admins: [alice]
`;
/** The contract first in force: dev lets anything in. */
const LAX = contractOf(`${head}stages:
  dev: { purpose: anything goes }
`);
/** The update that replaced it: dev needs passing unit tests. */
const STRICT = contractOf(`${head}stages:
  dev:
    purpose: unit tests
    requires:
      tests: [{ suite: unit }]
`);

const D = fakeDigest('anchor');
const EARLIER = fakeDigest('earlier-anchor');
const OTHER = fakeDigest('other-anchor');
const LATER = fakeDigest('later-anchor');

const scope = storePerTest();

describe.each(BACKENDS)('a deleted contract update ($title)', (backend) => {
  const sql = (statement: string, params: unknown[] = []) =>
    execBehindTheStore(backend.name, scope.handle, statement, params);

  /**
   * LAX pinned (#1), another artifact (#2), STRICT recorded over LAX (#3), another artifact (#4),
   * then D (#5): no neighbour of the update is an entry a decision about D reads, and the pin
   * read after the deletion (#1) keeps its successor.
   */
  async function setup() {
    await scope.open(backend);
    scope.scratch('tollgate-anchor-');
    const store = scope.handle.store;
    const as = (principal: string, contract: Contract) => requestUnder(store, principal, contract);
    const lax = await updateContract(as('alice', LAX));
    await registerArtifact(as('ci', LAX), { digest: EARLIER });
    const strict = await updateContract(as('alice', STRICT));
    expect([lax.entry.seq, strict.entry.seq]).toEqual([1, 3]);
    await registerArtifact(as('ci', STRICT), { digest: OTHER });
    await registerArtifact(as('ci', STRICT), { digest: D });
    return { as, store, update: strict.entry };
  }

  it('the first entry of an artifact names the contract entry in force; later ones do not', async () => {
    const { as, store, update } = await setup();
    const [first] = await store.entriesForArtifact('shop', D);
    expect(first!.kind).toBe(ENTRY.register);
    expect(first!.payload[CONTRACT_ANCHOR]).toEqual({ seq: update.seq, hash: update.hash });
    writeFileSync(join(scope.dir, 'unit.xml'), junit(['pass', 'pass'], 'unit'));
    await attestTests(as('ci', STRICT), { artifact: D, suite: 'unit', files: [join(scope.dir, 'unit.xml')] });
    const entries = await store.entriesForArtifact('shop', D);
    expect(entries.map((e) => e.kind)).toEqual([ENTRY.register, ENTRY.attest]);
    expect(entries[1]!.payload).not.toHaveProperty(CONTRACT_ANCHOR);
  });

  it('an artifact first recorded while nothing is pinned names no contract entry', async () => {
    await scope.open(backend);
    const as = requestUnder(scope.handle.store, 'ci', STRICT);
    await registerArtifact(as, { digest: D });
    const [first] = await scope.handle.store.entriesForArtifact('shop', D);
    expect(first!.payload[CONTRACT_ANCHOR]).toBeNull();
    expect((await checkStage(as, 'dev', D)).verdict).toBe('blocked');
  });

  it('check and promote under the contract the deleted update replaced stop with exit 4, nothing recorded', async () => {
    const { as, store, update } = await setup();
    expect((await checkStage(as('ci', STRICT), 'dev', D)).verdict).toBe('blocked');
    // While the update stands, the lax contract is a what-if only.
    expect((await checkStage(as('ci', LAX), 'dev', D)).verdict).toBe('blocked');
    await sql(`delete from ledger_entries where seq = ${update.seq}`);
    const before = await store.head('shop');
    const named = new RegExp(
      `ledger entry #5 of pipeline shop fails verification: contract entry #${update.seq}, in force when this artifact was first recorded, is missing`,
    );
    const check = await tollgateRejectionOf(checkStage(as('ci', LAX), 'dev', D));
    expect(check.code).toBe('LEDGER_CORRUPT');
    expect(check.exitCode).toBe(4);
    expect(check.message).toMatch(named);
    const promoted = await tollgateRejectionOf(promote(as('ci', LAX), 'dev', D));
    expect(promoted.code).toBe('LEDGER_CORRUPT');
    expect(promoted.message).toMatch(named);
    expect(await store.head('shop')).toBe(before);
    expect((await verifyLedger(as('auditor', LAX))).ok).toBe(false);
  });

  it('an artifact is not first recorded after the update was deleted: the head names it', async () => {
    await scope.open(backend);
    const store = scope.handle.store;
    const as = (principal: string, contract: Contract) => requestUnder(store, principal, contract);
    await updateContract(as('alice', LAX));
    await registerArtifact(as('ci', LAX), { digest: EARLIER });
    const strict = await updateContract(as('alice', STRICT));
    await registerArtifact(as('ci', STRICT), { digest: OTHER });
    await registerArtifact(as('ci', STRICT), { digest: LATER });
    // Deleted before D is first recorded: D's first entry would name the lax contract. The head
    // (#5) is not a neighbour of the update (#3).
    await sql(`delete from ledger_entries where seq = ${strict.entry.seq}`);
    const before = await store.head('shop');
    const refused = await tollgateRejectionOf(registerArtifact(as('ci', LAX), { digest: D }));
    expect(refused.code).toBe('LEDGER_CORRUPT');
    expect(refused.exitCode).toBe(4);
    expect(refused.message).toMatch(
      new RegExp(
        `ledger entry #${before} of pipeline shop fails verification: it was written under contract entry #${strict.entry.seq}, but the newest contract entry is #1`,
      ),
    );
    expect(await store.head('shop')).toBe(before);
    expect(await store.getArtifact('shop', D)).toBeUndefined();
  });

  it('an artifact first recorded before the anchor existed is read as before', async () => {
    const { as, update } = await setup();
    // D's first entry as a version without the anchor wrote it (the head, so nothing links to it).
    const [row] = await sql('select body from ledger_entries where seq = 5');
    const body = JSON.parse(String(row!.body)) as { payload: Record<string, unknown> };
    delete body.payload[CONTRACT_ANCHOR];
    const text = canonicalJson(body);
    await sql('update ledger_entries set body = ?, hash = ? where seq = 5', [text, sha256(text)]);
    await sql(`delete from ledger_entries where seq = ${update.seq}`);
    // The limit docs/ledger.md states for such entries: only `ledger verify` finds this gap.
    expect((await checkStage(as('ci', LAX), 'dev', D)).verdict).toBe('allowed');
    expect((await verifyLedger(as('auditor', LAX))).ok).toBe(false);
  });
});
