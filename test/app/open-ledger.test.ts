/**
 * `openLedger`, the library's way to a ledger (docs/library.md): a location that names no usable
 * database or directory is a usage error, never a SQLite ledger.db made in the working directory.
 * docs/library.md's own example passes `process.env.TOLLGATE_DATABASE_URL`, which a JavaScript
 * caller may well have left unset.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LedgerLocation, openLedger } from '../../src/app/open-ledger.js';
import { TollgateError } from '../../src/errors.js';

describe('openLedger', () => {
  let dir: string;
  let cwd: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-open-ledger-'));
    cwd = process.cwd();
    process.chdir(dir);
  });
  afterEach(() => {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  });

  const refused: Array<[string, unknown, RegExp]> = [
    [
      'an unset databaseUrl',
      { databaseUrl: undefined },
      /databaseUrl is missing \(undefined\); expected postgres:\/\//,
    ],
    ['an empty databaseUrl', { databaseUrl: '' }, /databaseUrl is empty; expected postgres:\/\//],
    ['a databaseUrl that is not a string', { databaseUrl: 5432 }, /databaseUrl is a number, not a string/],
    ['an unset dataDir', { dataDir: undefined }, /dataDir is missing \(undefined\); expected the directory/],
    ['an empty dataDir', { dataDir: '' }, /dataDir is empty; expected the directory/],
  ];
  for (const [what, location, message] of refused) {
    it(`refuses ${what}, naming the field and what was expected, and creates no ledger`, async () => {
      const error = await openLedger(location as LedgerLocation).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TollgateError);
      expect((error as TollgateError).code).toBe('USAGE');
      expect((error as TollgateError).message).toMatch(message);
      expect(existsSync(join(dir, 'ledger.db'))).toBe(false);
    });
  }

  it('opens the embedded ledger in the directory it is given', async () => {
    const store = await openLedger({ dataDir: join(dir, 'ledger') });
    try {
      expect(existsSync(join(dir, 'ledger', 'ledger.db'))).toBe(true);
    } finally {
      await store.close();
    }
  });
});
