/**
 * The two SQLite drivers behind one interface: every driver this runtime can load is held to the
 * same behaviour the store relies on (rows or not, raw rows in column order, transactions, read-only).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  defaultSqliteDriver,
  openSqlite,
  SQLITE_DRIVERS,
  sqliteDriverAvailable,
} from '../../src/ledger/sqlite-driver.js';

const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
const builtinExpected = major > 22 || (major === 22 && minor >= 13);

describe('the default driver', () => {
  it('is node:sqlite from Node 22.13 on, and better-sqlite3 before', () => {
    expect(defaultSqliteDriver()).toBe(builtinExpected ? 'node:sqlite' : 'better-sqlite3');
    expect(sqliteDriverAvailable('node:sqlite')).toBe(builtinExpected);
  });
});

const drivers = SQLITE_DRIVERS.filter(sqliteDriverAvailable);

describe.each(drivers)('%s', (driver) => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const open = (options = {}) => {
    dir ??= mkdtempSync(join(tmpdir(), 'tollgate-driver-'));
    return openSqlite(join(dir, 'x.db'), { driver, ...options });
  };

  it('tells statements that return rows from those that do not, and binds parameters in order', () => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-driver-'));
    const db = open();
    expect(db.driver).toBe(driver);
    db.exec('create table t (a integer, b text, c blob)');
    const insert = db.prepare('insert into t (a, b, c) values (?, ?, ?)');
    expect(insert.reader).toBe(false);
    expect(insert.run([1, 'one', Buffer.from('x')]).changes).toBe(1);
    expect(insert.run([2, 'two', null]).changes).toBe(1);
    const returning = db.prepare('update t set b = ? where a = ? returning a');
    expect(returning.reader).toBe(true);
    expect(returning.all(['uno', 1])).toEqual([{ a: 1 }]);
    const select = db.prepare('select a, b from t where a >= ? order by a');
    expect(select.reader).toBe(true);
    expect(select.all([1])).toEqual([
      { a: 1, b: 'uno' },
      { a: 2, b: 'two' },
    ]);
    expect(select.get([2])).toEqual({ a: 2, b: 'two' });
    expect([...select.iterateRaw([1])]).toEqual([
      [1, 'uno'],
      [2, 'two'],
    ]);
    db.close();
  });

  it('knows when a transaction is open, and a rollback leaves nothing', () => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-driver-'));
    const db = open();
    db.exec('create table t (a integer)');
    expect(db.inTransaction).toBe(false);
    db.exec('begin immediate');
    expect(db.inTransaction).toBe(true);
    db.prepare('insert into t values (?)').run([1]);
    db.exec('rollback');
    expect(db.inTransaction).toBe(false);
    expect(db.prepare('select count(*) as n from t').get()).toEqual({ n: 0 });
    db.close();
  });

  it('opens read-only without writing, and refuses a missing file when asked', () => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-driver-'));
    const writer = open();
    writer.exec('create table t (a integer)');
    writer.close();
    const reader = open({ readonly: true, fileMustExist: true });
    expect(() => reader.exec('insert into t values (1)')).toThrow(/readonly|read-only/i);
    reader.close();
    expect(() =>
      openSqlite(join(dir, 'missing.db'), { driver, readonly: true, fileMustExist: true }),
    ).toThrow();
  });
});
