/**
 * The artifacts table is an index beside the ledger, not part of the hash chain: the register
 * entry is the record. A row inserted (or edited) in the real SQLite file or PostgreSQL schema
 * behind Tollgate's back must never be what a decision, a registration or a rollback rests on,
 * and `ledger verify` must name it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
demo: true
artifact: { type: file }
stages:
  hotfix:
    purpose: hotfixes with a ticket go straight in
    requires:
      rules:
        - name: hotfixes carry a ticket
          cel: 'has(artifact.labels.ticket)'
`);

const T0 = new Date('2026-11-24T09:00:00Z');
const Z = fakeDigest('never-registered');
const D = fakeDigest('registered');

for (const backend of BACKENDS) {
  describe(`the artifacts table of a ${backend.title} ledger edited behind Tollgate`, () => {
    let handle: StoreHandle;
    let services: AppServices;
    const as = (principal: string) => requestOf(services, { principal, pipeline: 'shop', at: T0 });
    const sql = (statement: string, params: unknown[] = []) =>
      execBehindTheStore(backend.name, handle, statement, params);
    const insertRow = (digest: string, labels: string) =>
      sql(
        'insert into artifacts (pipeline, digest, labels, source, registered_at, actor) values (?, ?, ?, ?, ?, ?)',
        ['shop', digest, labels, 'digest', T0.toISOString(), 'ci'],
      );

    beforeEach(async () => {
      handle = await backend.open();
      services = createServices({
        contracts: contractSource([CONTRACT]),
        store: handle.store,
        clock: fixedClock(T0),
      });
    });
    afterEach(() => handle.dispose());

    it('an inserted row with the labels a rule wants decides nothing: check and promote stop (exit 4)', async () => {
      await insertRow(Z, '{"ticket":"T-1"}');
      const check = await tollgateRejectionOf(checkStage(as('ci'), 'hotfix', Z));
      expect(check.code).toBe('LEDGER_CORRUPT');
      expect(check.exitCode).toBe(4);
      expect(check.message).toContain(`artifacts row of ${Z}`);
      expect(check.message).toContain('has no register entry');
      const promoted = await tollgateRejectionOf(promote(as('ci'), 'hotfix', Z));
      expect(promoted.code).toBe('LEDGER_CORRUPT');
      expect(await handle.store.head('shop')).toBe(0);
      const verdict = await verifyLedger(as('auditor'));
      expect(verdict).toMatchObject({ ok: false, artifact: Z });
      expect(verdict.ok || verdict.reason).toMatch(/no register entry records it/);
    });

    it('registering a digest whose row was inserted stops instead of skipping its register entry', async () => {
      await insertRow(Z, '{"ticket":"T-1"}');
      const refused = await tollgateRejectionOf(registerArtifact(as('ci'), { digest: Z }));
      expect(refused.code).toBe('LEDGER_CORRUPT');
      expect(await handle.store.head('shop')).toBe(0);
    });

    it('a registered digest is decided on its register entry; an edited row is named by ledger verify', async () => {
      await registerArtifact(as('ci'), { digest: D });
      expect((await checkStage(as('ci'), 'hotfix', D)).verdict).toBe('blocked');
      await sql('update artifacts set labels = \'{"ticket":"T-9"}\' where digest = ?', [D]);
      expect((await checkStage(as('ci'), 'hotfix', D)).verdict).toBe('blocked');
      const verdict = await verifyLedger(as('auditor'));
      expect(verdict).toMatchObject({ ok: false, artifact: D, seq: 1 });
      expect(verdict.ok || verdict.reason).toMatch(/register entry #1 records another labels/);
    });

    it('a deleted row is named by ledger verify', async () => {
      await registerArtifact(as('ci'), { digest: D });
      expect((await verifyLedger(as('auditor'))).ok).toBe(true);
      await sql('delete from artifacts where digest = ?', [D]);
      const verdict = await verifyLedger(as('auditor'));
      expect(verdict).toMatchObject({ ok: false, artifact: D });
      expect(verdict.ok || verdict.reason).toMatch(/row is missing from the artifacts table/);
    });
  });
}
