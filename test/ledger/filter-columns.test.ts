/**
 * The columns a read filters on (pipeline, seq, kind, stage, artifact) are computed by the
 * database from each entry's hashed body (migration 0010), so an attacker with the database cannot
 * move an entry away from the artifact or stage a decision reads: the edit is refused, and the
 * entry still counts. A table rebuilt with plain columns is refused when the ledger opens. On
 * SQLite (every driver) and PostgreSQL.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, Migrator, PostgresDialect, type SqliteDatabase, SqliteDialect } from 'kysely';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordApproval } from '../../src/app/approve.js';
import { attestTests } from '../../src/app/attest.js';
import { checkStage } from '../../src/app/check.js';
import { createServices } from '../../src/app/create-services.js';
import { pgUserOf } from '../../src/app/open-ledger.js';
import { promote } from '../../src/app/promote.js';
import { registerArtifact } from '../../src/app/register.js';
import { rollbackStage } from '../../src/app/rollback.js';
import { contractSource, fixedClock, requestOf } from '../../src/app/services.js';
import { openPostgresStore } from '../../src/ledger/postgres-store.js';
import { migrationProvider } from '../../src/ledger/schema.js';
import { openSqlite } from '../../src/ledger/sqlite-driver.js';
import { openSqliteStore } from '../../src/ledger/sqlite-store.js';
import { contractOf, tollgateRejectionOf, twoStageContract } from '../support/builders.js';
import { fakeDigest, junit } from '../support/cli.js';
import { pipelines, type TestPipeline } from '../support/pipeline.js';
import {
  BACKENDS,
  type Backend,
  createSchema,
  execBehindTheStore,
  type StoreHandle,
} from '../support/stores.js';

const CONTRACT = contractOf(`version: 1
pipeline: shop
demo: true
artifact: { type: file }
overrides:
  - { by: [carol], gates: [windows] }
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
      approvals: { count: 1 }
`);

const D = fakeDigest('columns');
const OTHER = fakeDigest('columns-other');
const T0 = new Date('2026-11-24T09:00:00Z');
const hours = (n: number) => new Date(T0.getTime() + n * 3_600_000);

/** Every edit of a filter column an attacker would try, with the value that would hide the entry. */
const EDITS: ReadonlyArray<[column: string, value: string]> = [
  ['artifact', `'${OTHER}'`],
  ['stage', "'qa'"],
  ['kind', "'register'"],
  ['pipeline', "'elsewhere'"],
  ['seq', '100000'],
];

/** The database's refusal of an UPDATE of a computed column (SQLite; PostgreSQL). */
const REFUSED = /cannot UPDATE generated column|can only be updated to DEFAULT/;

const openPipeline = pipelines();

for (const backend of BACKENDS) {
  describe(`an attacker editing the filter columns of the ${backend.title} ledger`, () => {
    let pipeline: TestPipeline;
    let dir: string;
    const as = (principal: string, at: Date) => pipeline.as(principal, at);
    const sql = (statement: string, params: unknown[] = []) =>
      execBehindTheStore(backend.name, pipeline.handle, statement, params);

    beforeEach(async () => {
      pipeline = await openPipeline(backend, CONTRACT, { clock: T0 });
      dir = mkdtempSync(join(tmpdir(), 'tollgate-columns-'));
      writeFileSync(join(dir, 'unit-bad.xml'), junit(['pass', 'fail'], 'unit'));
      writeFileSync(join(dir, 'unit-good.xml'), junit(['pass', 'pass'], 'unit'));
      await registerArtifact(as('ci', hours(0)), { digest: D });
      await registerArtifact(as('ci', hours(0)), { digest: OTHER });
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    /** Each edit of the entry at `seq` is refused, and `stillBlocked` still sees the entry. */
    async function everyEditRefused(seq: number, stillBlocked: () => Promise<void>) {
      const before = await sql('select body, hash from ledger_entries where seq = ?', [seq]);
      for (const [column, value] of EDITS) {
        await expect(
          sql(`update ledger_entries set ${column} = ${value} where seq = ${seq}`),
          `the edit of ${column}`,
        ).rejects.toThrow(REFUSED);
        await stillBlocked();
      }
      expect(await sql('select body, hash from ledger_entries where seq = ?', [seq])).toEqual(before);
    }

    it('cannot move a failing test report away from its artifact', async () => {
      await attestTests(as('ci', hours(1)), {
        artifact: D,
        suite: 'unit',
        files: [join(dir, 'unit-bad.xml')],
      });
      const [attest] = await sql("select seq from ledger_entries where kind = 'attest'");
      const seq = Number(attest!.seq);
      const blocked = async () => {
        const decision = await checkStage(as('ci', hours(2)), 'dev', D);
        expect(decision.verdict).toBe('blocked');
        expect(decision.gates.find((g) => g.gate === 'tests')?.status).toBe('fail');
      };
      await blocked();
      await everyEditRefused(seq, blocked);
      // The evidence row moved on its own is missed by the chain that recorded it.
      await sql(`update evidence set artifact = '${OTHER}' where artifact = '${D}'`);
      const moved = await tollgateRejectionOf(checkStage(as('ci', hours(2)), 'dev', D));
      expect(moved.code).toBe('LEDGER_CORRUPT');
      expect(moved.message).toMatch(
        new RegExp(`recorded by ledger entry #${seq}.*its row is missing from the evidence table`),
      );
    });

    it('cannot move a rejection away from its artifact or stage', async () => {
      await attestTests(as('ci', hours(1)), {
        artifact: D,
        suite: 'unit',
        files: [join(dir, 'unit-good.xml')],
      });
      expect((await promote(as('ci', hours(1)), 'dev', D)).entry).toBeDefined();
      expect((await promote(as('ci', hours(2)), 'staging', D)).entry).toBeDefined();
      await recordApproval(as('dana', hours(3)), 'prod', { artifact: D, decision: 'approve' });
      const rejection = await recordApproval(as('erin', hours(3)), 'prod', {
        artifact: D,
        decision: 'reject',
      });
      const blocked = async () =>
        expect((await checkStage(as('ci', hours(4)), 'prod', D)).verdict).toBe('blocked');
      await blocked();
      await everyEditRefused(rejection.entry!.seq, blocked);
      const refused = await promote(as('ci', hours(4)), 'prod', D);
      expect(refused.entry).toBeUndefined();
    });
  });
}

const ROLLBACK_CONTRACT = twoStageContract(
  '      approvals: { count: 1, from: [alice, bob] }',
  `demo: true
artifact: { type: oci }
overrides:
  - { by: [carol], gates: [windows, rolledBack, approvals] }`,
);
const V1 = fakeDigest('1.0.1');
const V2 = fakeDigest('1.0.2');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

describe.each(BACKENDS)('an attacker editing the filter columns of a rollback ($title)', (backend) => {
  it('cannot hide the rollback from the next promotion of the digest it took out', async () => {
    const { as, handle } = await openPipeline(backend, ROLLBACK_CONTRACT, { clock: T0 });
    for (const digest of [V1, V2]) {
      await registerArtifact(as('ci', minutes(0)), { digest });
      expect((await promote(as('ci', minutes(1)), 'staging', digest)).entry).toBeDefined();
      await recordApproval(as('alice', minutes(2)), 'prod', { artifact: digest, decision: 'approve' });
    }
    expect((await promote(as('ci', minutes(3)), 'prod', V1)).entry).toBeDefined();
    expect((await promote(as('ci', minutes(4)), 'prod', V2)).entry).toBeDefined();
    const rollback = await rollbackStage(as('watch', minutes(30)), 'prod', { reason: 'error rate' });
    const stillOut = async () => {
      const decision = await checkStage(as('ci', minutes(40)), 'prod', V2);
      expect(decision.verdict).toBe('blocked');
      expect(decision.gates.find((g) => g.gate === 'rolledBack')?.status).toBe('fail');
    };
    await stillOut();
    for (const [column, value] of EDITS) {
      await expect(
        execBehindTheStore(
          backend.name,
          handle,
          `update ledger_entries set ${column} = ${value} where seq = ${rollback.entry.seq}`,
        ),
        `the edit of ${column}`,
      ).rejects.toThrow(REFUSED);
      await stillOut();
    }
  });
});

/** Reopens the store's ledger as a new process would. */
function reopen(backend: Backend, handle: StoreHandle) {
  return backend.name === 'sqlite'
    ? openSqliteStore(join(handle.env.TOLLGATE_DATA_DIR!, 'ledger.db'))
    : openPostgresStore(handle.env.TOLLGATE_DATABASE_URL!, pgUserOf(process.env));
}

describe.each(BACKENDS)('a ledger table rebuilt with plain columns ($title)', (backend) => {
  it('is refused when the ledger opens, naming what changed', async () => {
    const { as, handle } = await openPipeline(backend, CONTRACT, { clock: T0 });
    await registerArtifact(as('ci', hours(0)), { digest: D });
    const tamper = (statement: string) => execBehindTheStore(backend.name, handle, statement);
    if (backend.name === 'sqlite') {
      // The table as migration 0001 made it: plain columns anyone can edit.
      await tamper(`create table plain (pipeline text not null, seq integer not null, kind text not null,
        stage text, artifact text, actor text not null, at text not null, prev_hash text not null,
        hash text not null, body text not null, primary key (pipeline, seq));
        insert into plain select pipeline, seq, kind, stage, artifact, actor, at, prev_hash, hash, body from ledger_entries;
        drop table ledger_entries;
        alter table plain rename to ledger_entries;
        create unique index ledger_entries_pk on ledger_entries (pipeline, seq);
        create index ledger_artifact on ledger_entries (pipeline, artifact, seq);
        create index ledger_stage on ledger_entries (pipeline, stage, kind, seq);
        update ledger_entries set artifact = 'sha256:elsewhere' where seq = 1;`);
    } else {
      await tamper(`alter table ledger_entries alter column artifact drop expression;
        update ledger_entries set artifact = 'sha256:elsewhere' where seq = 1`);
    }
    const refused = await tollgateRejectionOf(reopen(backend, handle));
    expect(refused.code).toBe('LEDGER_CORRUPT');
    expect(refused.exitCode).toBe(4);
    expect(refused.message).toMatch(
      backend.name === 'sqlite'
        ? /ledger_entries .* is not the one Tollgate made: the table was rebuilt: it is now CREATE TABLE "ledger_entries" \(pipeline text not null/
        : /ledger_entries .* is not the one Tollgate made: its column artifact is no longer computed from the hashed body \(it is a plain column\)/,
    );
    expect(refused.message).toContain('`tollgate ledger verify` walks the whole chain');
  });

  it('is refused when an index was added, dropped or changed', async () => {
    const { as, handle } = await openPipeline(backend, CONTRACT, { clock: T0 });
    await registerArtifact(as('ci', hours(0)), { digest: D });
    const tamper = (statement: string) => execBehindTheStore(backend.name, handle, statement);
    await tamper('drop index ledger_artifact');
    await tamper(
      "create index ledger_artifact on ledger_entries (pipeline, artifact, seq) where kind <> 'attest'",
    );
    const refused = await tollgateRejectionOf(reopen(backend, handle));
    expect(refused.code).toBe('LEDGER_CORRUPT');
    expect(refused.message).toMatch(
      /the index ledger_artifact was changed: it is now CREATE INDEX ledger_artifact/,
    );
  });
});

/**
 * A ledger as the schema before 0010 kept it (migrations 0001–0009, plain columns), holding the
 * rows `source` holds; the attest entry's artifact column was moved behind Tollgate's back.
 */
async function previousSchemaLedger(backend: Backend, source: StoreHandle) {
  const rows = await execBehindTheStore(
    backend.name,
    source,
    'select pipeline, seq, kind, stage, artifact, actor, at, prev_hash, hash, body from ledger_entries order by seq',
  );
  const artifacts = await execBehindTheStore(backend.name, source, 'select * from artifacts');
  const evidence = await execBehindTheStore(backend.name, source, 'select * from evidence');
  const previous = Object.fromEntries(
    Object.entries(await migrationProvider.getMigrations()).filter(([name]) => name < '0010'),
  );
  let target: { env: Record<string, string>; dispose(): Promise<void> };
  let kysely: Kysely<unknown>;
  let migrationTableSchema: string | undefined;
  if (backend.name === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-previous-'));
    const db = openSqlite(join(dir, 'ledger.db'));
    kysely = new Kysely({
      dialect: new SqliteDialect({
        database: {
          close: () => db.close(),
          prepare: (text: string) => db.prepare(text) as unknown as ReturnType<SqliteDatabase['prepare']>,
        },
      }),
    });
    target = { env: { TOLLGATE_DATA_DIR: dir }, dispose: async () => rmSync(dir, { recursive: true }) };
  } else {
    const schema = await createSchema();
    kysely = new Kysely({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: schema.url }) }),
    });
    migrationTableSchema = new URL(schema.url).searchParams.get('options')!.replace('-c search_path=', '');
    target = { env: { TOLLGATE_DATABASE_URL: schema.url }, dispose: schema.drop };
  }
  const migrator = new Migrator({
    db: kysely,
    provider: { getMigrations: async () => previous },
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
  for (const row of rows) {
    const moved = row.kind === 'attest' ? { ...row, artifact: OTHER } : row;
    await kysely
      .insertInto('ledger_entries' as never)
      .values(moved as never)
      .execute();
  }
  for (const row of artifacts)
    await kysely
      .insertInto('artifacts' as never)
      .values(row as never)
      .execute();
  for (const row of evidence)
    await kysely
      .insertInto('evidence' as never)
      .values(row as never)
      .execute();
  await kysely.destroy();
  return target;
}

describe.each(BACKENDS)('a ledger made by the schema before 0010 ($title)', (backend) => {
  it('keeps every entry through the migration, verifies, and its moved column counts where its body says', async () => {
    const source = await openPipeline(backend, CONTRACT, { clock: T0 });
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-columns-'));
    writeFileSync(join(dir, 'unit-bad.xml'), junit(['pass', 'fail'], 'unit'));
    await registerArtifact(source.as('ci', hours(0)), { digest: D });
    await registerArtifact(source.as('ci', hours(0)), { digest: OTHER });
    await attestTests(source.as('ci', hours(1)), {
      artifact: D,
      suite: 'unit',
      files: [join(dir, 'unit-bad.xml')],
    });
    await recordApproval(source.as('dana', hours(1)), 'prod', { artifact: D, decision: 'approve' });
    rmSync(dir, { recursive: true });
    const before = await execBehindTheStore(
      backend.name,
      source.handle,
      'select prev_hash, hash, body from ledger_entries order by seq',
    );
    const old = await previousSchemaLedger(backend, source.handle);
    try {
      const store = await reopen(backend, { ...source.handle, env: old.env });
      const handle: StoreHandle = { store, env: old.env, dispose: async () => store.close() };
      try {
        expect(
          await execBehindTheStore(
            backend.name,
            handle,
            'select prev_hash, hash, body from ledger_entries order by seq',
          ),
        ).toEqual(before);
        expect(await store.verify('shop')).toMatchObject({ ok: true, entries: before.length });
        const [attest] = await execBehindTheStore(
          backend.name,
          handle,
          "select artifact from ledger_entries where kind = 'attest'",
        );
        expect(attest!.artifact).toBe(D);
        const services = createServices({
          contracts: contractSource([CONTRACT]),
          store,
          clock: fixedClock(T0),
        });
        const decision = await checkStage(
          requestOf(services, { principal: 'ci', pipeline: 'shop', at: hours(2) }),
          'dev',
          D,
        );
        expect(decision.verdict).toBe('blocked');
        expect(decision.gates.find((g) => g.gate === 'tests')?.status).toBe('fail');
      } finally {
        await store.close();
      }
    } finally {
      await old.dispose();
    }
  });
});
