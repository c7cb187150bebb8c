/**
 * Attacker round 11: entries cut off the end of the ledger by SQL. The chain alone cannot show it
 * (the new head links to the entry before it), but the stored Merkle tree was written with every
 * entry, in the same transaction, and still holds the nodes over the entries that were cut: a
 * node past the head means the ledger was longer. Decisions, appends and `ledger verify` look.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordApproval } from '../../src/app/approve.js';
import { checkStage } from '../../src/app/check.js';
import { createServices } from '../../src/app/create-services.js';
import { promote } from '../../src/app/promote.js';
import { registerArtifact } from '../../src/app/register.js';
import { type AppServices, contractSource, fixedClock, requestOf } from '../../src/app/services.js';
import { verifyLedger } from '../../src/app/status.js';
import { contractOf, tollgateRejectionOf } from '../support/builders.js';
import { fakeDigest } from '../support/cli.js';
import { BACKENDS, execBehindTheStore, type StoreHandle } from '../support/stores.js';

const CONTRACT = contractOf(`version: 1
pipeline: shop
# A demo pipeline: the test plays time forward with fixed request times.
demo: true
artifact: { type: file }
stages:
  staging: { purpose: release candidates }
  prod:
    purpose: live
    from: staging
    requires:
      approvals: { count: 1 }
`);

const D = fakeDigest('cut-head');
const T0 = new Date('2026-11-24T09:00:00Z');
const hours = (n: number) => new Date(T0.getTime() + n * 3_600_000);

for (const backend of BACKENDS) {
  describe(`entries cut off the end of the ${backend.name} ledger`, () => {
    let handle: StoreHandle;
    let services: AppServices;
    let fillers = 0;
    const as = (principal: string, at: Date) => requestOf(services, { principal, pipeline: 'shop', at });
    const sql = (statement: string, params: unknown[] = []) =>
      execBehindTheStore(backend.name, handle, statement, params);
    const head = () => handle.store.head('shop');
    /** Registers another artifact when the next entry would not have the parity wanted. */
    async function nextEntryIs(parity: 'even' | 'odd') {
      if ((((await head()) + 1) % 2 === 0) !== (parity === 'even'))
        await registerArtifact(as('ci', hours(3)), { digest: fakeDigest(`cut-filler-${fillers++}`) });
    }
    async function reject() {
      await recordApproval(as('erin', hours(3)), 'prod', { artifact: D, decision: 'reject' });
      return head();
    }

    beforeEach(async () => {
      handle = await backend.open();
      services = createServices({
        contracts: contractSource([CONTRACT]),
        store: handle.store,
        clock: fixedClock(T0),
      });
      await registerArtifact(as('ci', hours(0)), { digest: D });
      expect((await promote(as('ci', hours(1)), 'staging', D)).entry).toBeDefined();
      await recordApproval(as('dana', hours(2)), 'prod', { artifact: D, decision: 'approve' });
    });
    afterEach(async () => {
      await handle.dispose();
    });

    async function expectCut(at: number) {
      const check = await tollgateRejectionOf(checkStage(as('ci', hours(4)), 'prod', D));
      expect(check.code).toBe('LEDGER_CORRUPT');
      expect(check.exitCode).toBe(4);
      expect(check.message).toMatch(
        new RegExp(`the stored Merkle tree holds entry #${at + 1}.* entries were cut off the end`),
      );
      const promoted = await tollgateRejectionOf(promote(as('ci', hours(4)), 'prod', D));
      expect(promoted.code).toBe('LEDGER_CORRUPT');
      // Nothing is chained on, so the stored tree's nodes over the cut entries are not kept under
      // entries they never covered.
      const append = await tollgateRejectionOf(
        registerArtifact(as('ci', hours(4)), { digest: fakeDigest('cut-after') }),
      );
      expect(append.code).toBe('LEDGER_CORRUPT');
      expect(await head()).toBe(at);
      // `ledger checkpoint` signs no tree head of the cut ledger, and no proof is read from it.
      await expect(handle.store.treeHead('shop')).rejects.toMatchObject({ code: 'LEDGER_CORRUPT' });
      const verdict = await verifyLedger(as('auditor', hours(4)));
      expect(verdict.ok).toBe(false);
    }

    it('a rejection at the head deleted, at an even number, stops check, promote and appends', async () => {
      await nextEntryIs('even');
      const rejection = await reject();
      expect((await checkStage(as('ci', hours(4)), 'prod', D)).verdict).toBe('blocked');
      await sql('delete from ledger_entries where seq = ?', [rejection]);
      await expectCut(rejection - 1);
    });

    for (const parity of ['odd', 'even'] as const) {
      it(`a rejection at an ${parity} number and the entry after it cut off stop check`, async () => {
        await nextEntryIs(parity);
        const rejection = await reject();
        await recordApproval(as('frank', hours(3)), 'prod', { artifact: D, decision: 'approve' });
        expect((await checkStage(as('ci', hours(4)), 'prod', D)).verdict).toBe('blocked');
        await sql('delete from ledger_entries where seq >= ?', [rejection]);
        await expectCut(rejection - 1);
      });
    }

    it('one entry at an odd number cut off the end is the limit the docs state', async () => {
      await nextEntryIs('odd');
      const rejection = await reject();
      await sql('delete from ledger_entries where seq = ?', [rejection]);
      // No tree node covers an odd entry alone until the next one completes it: as an entry
      // appended by SQL at an odd number, only a checkpoint that saw it tells.
      expect((await checkStage(as('ci', hours(4)), 'prod', D)).verdict).toBe('allowed');
    });
  });
}
