/**
 * A server started while its database is unavailable serves again once the database is back: a
 * failed opening of the store is tried again (one attempt at a time, at most one per
 * `storeRetryMs`), and /readyz says so. On a real PostgreSQL: a database that does not exist yet,
 * then is created.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createServices } from '../../src/app/create-services.js';
import { contractSource } from '../../src/app/services.js';
import type { LedgerStore } from '../../src/ledger/ledger-store.js';
import { openPostgresStore } from '../../src/ledger/postgres-store.js';
import { createServerApp } from '../../src/server/app.js';
import { apiTokenAuthenticator } from '../../src/server/token-auth.js';
import { POSTGRES_AVAILABLE, POSTGRES_URL } from '../support/stores.js';
import { CHECKOUT } from './support.js';

const database = `tollgate_recovery_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
const url = (() => {
  const parsed = new URL(POSTGRES_URL);
  parsed.pathname = `/${database}`;
  return parsed.toString();
})();

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describe.skipIf(!POSTGRES_AVAILABLE)('a store that could not be opened', () => {
  let attempts = 0;
  const open = () => {
    attempts += 1;
    return openPostgresStore(url);
  };
  const services = createServices({ contracts: contractSource([CHECKOUT]), store: open, storeRetryMs: 0 });
  const { app } = createServerApp({ services, authenticators: [apiTokenAuthenticator(services)] });
  afterAll(async () => {
    await services.close();
    await admin(`drop database if exists ${database} with (force)`);
  });

  it('is opened again once the database is there, and readyz reflects it', async () => {
    expect((await app.request('/readyz')).status).toBe(503);
    await admin(`create database ${database}`);
    const ready = await app.request('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ok: true });
    expect(attempts).toBe(2);
    // Open now: the one store is shared, nothing opens again.
    expect((await app.request('/readyz')).status).toBe(200);
    expect(attempts).toBe(2);
  });
});

describe('opening a store again after a failure', () => {
  it('makes one attempt at a time and none before the retry interval', async () => {
    let attempts = 0;
    let fail = true;
    const store = { close: async () => undefined } as unknown as LedgerStore;
    const services = createServices({
      contracts: contractSource([CHECKOUT]),
      store: async () => {
        attempts += 1;
        await new Promise((resolve) => setImmediate(resolve));
        if (fail) throw new Error('connection refused');
        return store;
      },
      storeRetryMs: 3_600_000,
    });
    // Requests arriving together while the database is down share one attempt.
    const together = await Promise.allSettled(Array.from({ length: 5 }, () => services.store()));
    expect(together.every((result) => result.status === 'rejected')).toBe(true);
    expect(attempts).toBe(1);
    // Within the interval, a request is answered the failure at once, without a new attempt.
    fail = false;
    await expect(services.store()).rejects.toThrow('connection refused');
    expect(attempts).toBe(1);
    await services.close();

    const eager = createServices({
      contracts: contractSource([CHECKOUT]),
      store: async () => {
        attempts += 1;
        if (attempts === 2) throw new Error('connection refused');
        return store;
      },
      storeRetryMs: 0,
    });
    await expect(eager.store()).rejects.toThrow('connection refused');
    await new Promise((resolve) => setImmediate(resolve));
    expect(await eager.store()).toBe(store);
    expect(await eager.store()).toBe(store);
    expect(attempts).toBe(3);
    await eager.close();
  });
});
