/**
 * The PostgreSQL ledger's connections keep the statements they send (src/ledger/postgres-store.ts,
 * PreparingClient): parsed and planned once a connection, not once a statement. A kept statement
 * over a table whose columns changed since (another replica's migration) still answers.
 */
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NAMED_STATEMENTS, PreparingClient } from '../../src/ledger/postgres-store.js';
import { createSchema, POSTGRES_AVAILABLE } from '../support/stores.js';

describe.runIf(POSTGRES_AVAILABLE)('statements kept by a PostgreSQL connection', () => {
  let schema: { url: string; drop(): Promise<void> };
  let client: PreparingClient;
  beforeEach(async () => {
    schema = await createSchema();
    client = new PreparingClient({ connectionString: schema.url });
    await client.connect();
    await client.query('create table t (id integer primary key, name text)');
    await client.query("insert into t values (1, 'one'), (2, 'two')");
  });
  afterEach(async () => {
    await client.end();
    await schema.drop();
  });

  const kept = async () =>
    (
      (await client.query('select name from pg_prepared_statements order by name')).rows as Array<{
        name: string;
      }>
    ).map((r) => r.name);

  it('a statement with parameters is parsed once and kept under a name of its text', async () => {
    const first = await client.query('select * from t where id = $1', [1]);
    const second = await client.query('select * from t where id = $1', [2]);
    expect(first.rows).toEqual([{ id: 1, name: 'one' }]);
    expect(second.rows).toEqual([{ id: 2, name: 'two' }]);
    const names = await kept();
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^tg_/);
    // Another text, another name; a statement without parameters is not kept.
    await client.query('select name from t where id = $1', [1]);
    await client.query('select count(*) from t');
    expect(await kept()).toHaveLength(2);
  });

  it('a kept statement over a table another connection changed answers with the new columns', async () => {
    await client.query('select * from t where id = $1', [1]);
    const other = new pg.Client({ connectionString: schema.url });
    await other.connect();
    try {
      await other.query("alter table t add column extra text default 'x'");
    } finally {
      await other.end();
    }
    const after = await client.query('select * from t where id = $1', [1]);
    expect(after.rows).toEqual([{ id: 1, name: 'one', extra: 'x' }]);
    // And from then on the text is sent unnamed: it answers again.
    expect((await client.query('select * from t where id = $1', [2])).rows).toEqual([
      { id: 2, name: 'two', extra: 'x' },
    ]);
  });

  it('keeps no more than its bound of statements', async () => {
    for (let i = 0; i < NAMED_STATEMENTS + 5; i++) await client.query(`select $1::integer + ${i} as n`, [1]);
    expect(await kept()).toHaveLength(NAMED_STATEMENTS);
    expect((await client.query(`select $1::integer + ${NAMED_STATEMENTS + 9} as n`, [1])).rows).toEqual([
      { n: NAMED_STATEMENTS + 10 },
    ]);
  });
});
