/**
 * Opening the PostgreSQL ledger while other clients create and drop schemas in the same database
 * (parallel test files, other tenants): Kysely's migrator scans every schema, and one dropped
 * under the scan failed the open with 'schema "…" does not exist'. The open must not care.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/ledger/postgres-store.js';
import { createSchema, POSTGRES_AVAILABLE, POSTGRES_URL } from '../support/stores.js';

describe.runIf(POSTGRES_AVAILABLE)('the PostgreSQL ledger beside schemas that come and go', () => {
  it('opens every time while another client keeps dropping schemas', async () => {
    const churn = new pg.Client({ connectionString: POSTGRES_URL });
    await churn.connect();
    let running = true;
    let dropped = 0;
    const loop = (async () => {
      while (running) {
        const name = `tollgate_churn_${process.pid}_${dropped}`;
        // Tables in the schema make the migrator's catalogue scan see it, then lose it.
        await churn.query(`create schema ${name}; create table ${name}.t (a int, b text, c int)`);
        await churn.query(`drop schema ${name} cascade`);
        dropped += 1;
        // A busy neighbour, not a wall: the open must get through between its drops.
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    try {
      for (let i = 0; i < 25; i++) {
        const schema = await createSchema();
        try {
          const store = await openPostgresStore(schema.url);
          expect(await store.head('p')).toBe(0);
          await store.close();
        } finally {
          await schema.drop();
        }
      }
    } finally {
      running = false;
      await loop;
      await churn.end();
    }
    expect(dropped).toBeGreaterThan(0);
  }, 120_000);
});

describe.runIf(POSTGRES_AVAILABLE)(
  'the PostgreSQL ledger under a setting that changes how definitions print',
  () => {
    it('opens with quote_all_identifiers on, as a role or database may set it', async () => {
      const schema = await createSchema();
      try {
        const store = await openPostgresStore(schema.url);
        await store.close();
        // The catalogue now prints every name quoted ("body", "btree", ::"text"): the same table.
        const url = new URL(schema.url);
        url.searchParams.set('options', `${url.searchParams.get('options')} -c quote_all_identifiers=on`);
        const quoted = await openPostgresStore(url.toString());
        try {
          expect(await quoted.head('p')).toBe(0);
        } finally {
          await quoted.close();
        }
      } finally {
        await schema.drop();
      }
    });
  },
);
