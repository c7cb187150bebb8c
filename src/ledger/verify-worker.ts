/**
 * The worker thread `ledger verify` hands the later part of a long SQLite chain to (built into
 * dist/verify-worker.cjs). It opens the ledger read-only on a connection of its own, runs the
 * query the main thread compiled for its slice, checks the rows with the same code as the main
 * thread (`verifyRows`), and posts the slice's verdict.
 */
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { type StoredRow, verifyRows } from './hash-chain.js';
import { LEDGER_MMAP_BYTES, type SliceRequest } from './sqlite-slices.js';

const { file, sql, parameters, pipeline, from } = workerData as SliceRequest;
const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
try {
  db.pragma(`mmap_size = ${LEDGER_MMAP_BYTES}`);
  const rows = db
    .prepare(sql)
    .raw(true)
    .iterate(...parameters) as Iterable<StoredRow>;
  parentPort?.postMessage(verifyRows(rows, pipeline, { seq: from }));
} finally {
  db.close();
}
