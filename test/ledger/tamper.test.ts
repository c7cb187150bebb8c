/**
 * Issue 12, the ledger's attacks: every edit an attacker can make to the database behind
 * Tollgate's back — in the real SQLite file and the real PostgreSQL tables — stops `check` and
 * `promote` with LEDGER_CORRUPT (exit 4) naming what was changed, appends nothing, and is reported
 * by `ledger verify`. Each case first shows the decision the attack was after would otherwise differ.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordApproval } from '../../src/app/approve.js';
import { attestTests } from '../../src/app/attest.js';
import { checkStage } from '../../src/app/check.js';
import { createServices } from '../../src/app/create-services.js';
import { promote } from '../../src/app/promote.js';
import { registerArtifact } from '../../src/app/register.js';
import { type AppServices, contractSource, fixedClock, requestOf } from '../../src/app/services.js';
import { verifyLedger } from '../../src/app/status.js';
import { evidenceId } from '../../src/ledger/evidence-chain.js';
import { canonicalJson, sha256 } from '../../src/ledger/hash-chain.js';
import { contractOf, tollgateRejectionOf } from '../support/builders.js';
import { fakeDigest, junit } from '../support/cli.js';
import { BACKENDS, execBehindTheStore, type StoreHandle } from '../support/stores.js';

const CONTRACT = contractOf(`version: 1
pipeline: shop
# A demo pipeline: the test plays time forward with fixed request times.
demo: true
artifact: { type: file }
trust: { keys: { ci: keys/ci.pub } }
stages:
  dev:
    purpose: unit tests
    requires:
      tests: [{ suite: unit }]
  staging: { purpose: release candidates, from: dev }
  prod:
    purpose: live
    from: staging
    requires:
      soak: 24h
      approvals: { count: 1 }
  signed:
    purpose: only signed tests count
    requires:
      signedBy: { by: [ci], kinds: [tests] }
      tests: [{ suite: unit }]
`);

const D = fakeDigest('tamper');
/** The database's refusal of an UPDATE of a column it computes from the body (SQLite; PostgreSQL). */
const COLUMN_REFUSED = /cannot UPDATE generated column|can only be updated to DEFAULT/;
const T0 = new Date('2026-11-24T09:00:00Z');
const hours = (n: number) => new Date(T0.getTime() + n * 3_600_000);

for (const backend of BACKENDS) {
  describe(`an attacker with the ${backend.name} database`, () => {
    let handle: StoreHandle;
    let services: AppServices;
    let dir: string;
    const as = (principal: string, at: Date) => requestOf(services, { principal, pipeline: 'shop', at });
    const sql = (statement: string, params: unknown[] = []) =>
      execBehindTheStore(backend.name, handle, statement, params);
    const head = () => handle.store.head('shop');

    beforeEach(async () => {
      handle = await backend.open();
      services = createServices({
        contracts: contractSource([CONTRACT]),
        store: handle.store,
        clock: fixedClock(T0),
      });
      dir = mkdtempSync(join(tmpdir(), 'tollgate-tamper-'));
      writeFileSync(join(dir, 'unit-bad.xml'), junit(['pass', 'fail'], 'unit'));
      writeFileSync(join(dir, 'unit-good.xml'), junit(['pass', 'pass'], 'unit'));
      await registerArtifact(as('ci', hours(0)), { digest: D });
    });
    afterEach(async () => {
      await handle.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    /** Promote must refuse without appending, and `ledger verify` must name the same thing. */
    async function expectRefused(stage: string, at: Date, names: RegExp) {
      const before = await head();
      const check = await tollgateRejectionOf(checkStage(as('ci', at), stage, D));
      expect(check.code).toBe('LEDGER_CORRUPT');
      expect(check.exitCode).toBe(4);
      expect(check.message).toMatch(names);
      const promoted = await tollgateRejectionOf(promote(as('ci', at), stage, D));
      expect(promoted.code).toBe('LEDGER_CORRUPT');
      expect(promoted.message).toMatch(names);
      expect(await head()).toBe(before);
      const verdict = await verifyLedger(as('auditor', at));
      expect(verdict.ok).toBe(false);
    }

    it('an evidence row edited from "failed":1 to "failed":0 stops check and promote', async () => {
      await attestTests(as('ci', hours(1)), {
        artifact: D,
        suite: 'unit',
        files: [join(dir, 'unit-bad.xml')],
      });
      expect((await checkStage(as('ci', hours(2)), 'dev', D)).verdict).toBe('blocked');
      const [row] = await sql("select id from evidence where format = 'junit'");
      await sql(
        `update evidence set data = replace(replace(data, '"failed":1', '"failed":0'), '"passed":1', '"passed":2')`,
      );
      await expectRefused(
        'dev',
        hours(2),
        new RegExp(`evidence ${row!.id}.*\\(recorded by ledger entry #2\\).*the row was edited`),
      );
      const verdict = await verifyLedger(as('auditor', hours(2)));
      expect(verdict).toMatchObject({ ok: false, evidence: row!.id, seq: 2 });
    });

    it('an inserted evidence row that passes, with a correct content id, is not counted: it stops the read', async () => {
      const data = {
        kind: 'tests',
        suite: 'unit',
        tests: 2,
        passed: 2,
        failed: 0,
        errored: 0,
        skipped: 0,
        failures: [],
        failuresOmitted: 0,
      };
      const content = { stage: null, format: 'junit', sourceDigest: fakeDigest('forged') };
      const id = evidenceId(D, content, canonicalJson(data));
      expect((await checkStage(as('ci', hours(2)), 'dev', D)).verdict).toBe('blocked');
      await sql(
        'insert into evidence (pipeline, id, artifact, kind, format, stage, source_digest, signer, actor, recorded_at, data) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [
          'shop',
          id,
          D,
          'tests',
          'junit',
          null,
          content.sourceDigest,
          null,
          'ci',
          hours(1).toISOString(),
          canonicalJson(data),
        ],
      );
      await expectRefused('dev', hours(2), new RegExp(`evidence ${id}.*no ledger entry records it`));
    });

    it('a signer set in the evidence table does not make unsigned JUnit satisfy signedBy', async () => {
      await attestTests(as('ci', hours(1)), {
        artifact: D,
        suite: 'unit',
        files: [join(dir, 'unit-good.xml')],
      });
      expect((await checkStage(as('ci', hours(2)), 'signed', D)).verdict).toBe('blocked');
      await sql(`update evidence set signer = '{"method":"key","name":"ci","subject":"SHA256:forged"}'`);
      await expectRefused(
        'signed',
        hours(2),
        /signer column says ci, the entry that recorded it says unsigned/,
      );
    });

    it('a deleted failing report still blocks: the read stops on the missing row', async () => {
      await attestTests(as('ci', hours(1)), {
        artifact: D,
        suite: 'unit',
        files: [join(dir, 'unit-good.xml')],
      });
      await attestTests(as('ci', hours(1.5)), {
        artifact: D,
        suite: 'unit',
        files: [join(dir, 'unit-bad.xml')],
      });
      expect((await checkStage(as('ci', hours(2)), 'dev', D)).verdict).toBe('blocked');
      await sql(`delete from evidence where data like '%"failed":1%'`);
      await expectRefused(
        'dev',
        hours(2),
        /recorded by ledger entry #3.*row is missing from the evidence table/,
      );
    });

    describe('with the digest in staging', () => {
      beforeEach(async () => {
        await attestTests(as('ci', hours(0)), {
          artifact: D,
          suite: 'unit',
          files: [join(dir, 'unit-good.xml')],
        });
        expect((await promote(as('ci', hours(1)), 'dev', D)).entry).toBeDefined();
        expect((await promote(as('ci', hours(2)), 'staging', D)).entry).toBeDefined();
      });

      it('a rejection cannot be edited into another kind: the database refuses, and it still blocks', async () => {
        await recordApproval(as('dana', hours(3)), 'prod', { artifact: D, decision: 'approve' });
        await recordApproval(as('erin', hours(3)), 'prod', { artifact: D, decision: 'reject' });
        const blocked = await checkStage(as('ci', hours(30)), 'prod', D);
        expect(blocked.verdict).toBe('blocked');
        const [rejection] = await sql(
          "select seq from ledger_entries where kind = 'approval' and actor = 'erin'",
        );
        // The kind column is computed from the hashed body (test/ledger/filter-columns.test.ts).
        await expect(
          sql(`update ledger_entries set kind = 'attest' where seq = ${Number(rejection!.seq)}`),
        ).rejects.toThrow(COLUMN_REFUSED);
        expect((await checkStage(as('ci', hours(30)), 'prod', D)).verdict).toBe('blocked');
      });

      it('a rejection deleted from the middle of the ledger stops the read at the entry before it', async () => {
        await recordApproval(as('dana', hours(3)), 'prod', { artifact: D, decision: 'approve' });
        await recordApproval(as('erin', hours(3)), 'prod', { artifact: D, decision: 'reject' });
        // Another artifact's entry after it: the entry after the gap is not one the decision reads.
        await registerArtifact(as('ci', hours(4)), { digest: fakeDigest('tamper-other') });
        expect((await checkStage(as('ci', hours(30)), 'prod', D)).verdict).toBe('blocked');
        const [approval] = await sql(
          "select seq from ledger_entries where kind = 'approval' and actor = 'dana'",
        );
        await sql("delete from ledger_entries where kind = 'approval' and actor = 'erin'");
        await expectRefused(
          'prod',
          hours(30),
          new RegExp(
            `ledger entry #${Number(approval!.seq)} of pipeline shop fails verification: entry #${Number(approval!.seq) + 1} after it is missing`,
          ),
        );
      });

      it('a rejection deleted between other artifacts entries still stops the decision, naming the gap', async () => {
        await recordApproval(as('dana', hours(3)), 'prod', { artifact: D, decision: 'approve' });
        // Neither neighbour of the rejection is an entry the decision reads about this digest.
        await registerArtifact(as('ci', hours(3)), { digest: fakeDigest('tamper-before') });
        await recordApproval(as('erin', hours(3)), 'prod', { artifact: D, decision: 'reject' });
        await registerArtifact(as('ci', hours(4)), { digest: fakeDigest('tamper-after') });
        expect((await checkStage(as('ci', hours(30)), 'prod', D)).verdict).toBe('blocked');
        const [rejection] = await sql(
          "select seq from ledger_entries where kind = 'approval' and actor = 'erin'",
        );
        await sql("delete from ledger_entries where kind = 'approval' and actor = 'erin'");
        const missing = Number(rejection!.seq);
        await expectRefused('prod', hours(30), new RegExp(`entry #${missing} is missing`));
      });

      it('an earlier `at` on the staging promotion does not satisfy soak', async () => {
        await recordApproval(as('dana', hours(3)), 'prod', { artifact: D, decision: 'approve' });
        expect((await checkStage(as('ci', hours(4)), 'prod', D)).verdict).toBe('pending');
        const [entry] = await sql(
          "select seq from ledger_entries where kind = 'promotion' and stage = 'staging'",
        );
        await expect(
          sql(`update ledger_entries set at = '2020-01-01T00:00:00.000Z' where seq = ${Number(entry!.seq)}`),
        ).rejects.toThrow(COLUMN_REFUSED);
        // Moved in the body instead, the entry no longer hashes to its hash.
        await sql(
          `update ledger_entries set body = replace(body, at, '2020-01-01T00:00:00.000Z') where seq = ${Number(entry!.seq)}`,
        );
        await expectRefused(
          'prod',
          hours(4),
          new RegExp(`ledger entry #${Number(entry!.seq)} .*body hashes to`),
        );
      });

      it('a stage edited on a promotion is refused by the database', async () => {
        const [entry] = await sql(
          "select seq from ledger_entries where kind = 'promotion' and stage = 'dev'",
        );
        await expect(
          sql(`update ledger_entries set stage = 'staging' where seq = ${Number(entry!.seq)}`),
        ).rejects.toThrow(COLUMN_REFUSED);
        expect((await checkStage(as('ci', hours(30)), 'prod', D)).verdict).toBe('pending');
      });

      it('an entry rewritten with a freshly computed hash breaks its successor’s link', async () => {
        const [entry] = await sql(
          "select seq, body from ledger_entries where kind = 'promotion' and stage = 'dev'",
        );
        const seq = Number(entry!.seq);
        const body = String(entry!.body).replace('"actor":"ci"', '"actor":"cj"');
        await sql('update ledger_entries set body = ?, hash = ? where seq = ?', [body, sha256(body), seq]);
        await expectRefused('prod', hours(30), new RegExp(`ledger entry #${seq} .*entry #${seq + 1} names`));
      });

      it('a head entry rewritten, fresh hash, into a kind Tollgate never writes stops the read', async () => {
        // A rejection made unrecognisable (so the view would skip it) with a correct hash: the chain
        // links, but the entry is of no kind this version writes, and a decision will not ignore it.
        await recordApproval(as('dana', hours(2)), 'prod', { artifact: D, decision: 'reject' });
        const last = await head();
        const [entry] = await sql(`select body from ledger_entries where seq = ${last}`);
        const body = String(entry!.body).replace('"kind":"approval"', '"kind":"approval-note"');
        expect(body).not.toBe(String(entry!.body));
        await sql('update ledger_entries set body = ?, hash = ? where seq = ?', [body, sha256(body), last]);
        const check = await tollgateRejectionOf(checkStage(as('ci', hours(30)), 'prod', D));
        expect(check.code).toBe('LEDGER_CORRUPT');
        expect(check.message).toMatch(
          new RegExp(`ledger entry #${last} .*kind "approval-note".*expected one of`),
        );
        const promoted = await tollgateRejectionOf(promote(as('ci', hours(30)), 'prod', D));
        expect(promoted.code).toBe('LEDGER_CORRUPT');
        expect(await head()).toBe(last);
      });

      it('nothing is appended to a chain whose head was edited', async () => {
        const last = await head();
        await sql(`update ledger_entries set body = replace(body, '"ci"', '"mallory"') where seq = ${last}`);
        const refused = await tollgateRejectionOf(
          recordApproval(as('dana', hours(3)), 'prod', { artifact: D, decision: 'approve' }),
        );
        expect(refused.message).toMatch(new RegExp(`ledger entry #${last} .*body hashes to`));
        expect(await head()).toBe(last);
        const attest = await tollgateRejectionOf(
          attestTests(as('ci', hours(3)), { artifact: D, suite: 'unit', files: [join(dir, 'unit-bad.xml')] }),
        );
        expect(attest.code).toBe('LEDGER_CORRUPT');
        expect(await head()).toBe(last);
        expect((await sql('select count(*) as n from evidence')).map((r) => Number(r.n))).toEqual([1]);
      });
    });
  });
}
