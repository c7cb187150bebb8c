/**
 * The worker thread `ledger verify` hands the later part of a long SQLite chain to (built into
 * dist/verify-worker.cjs). It opens the ledger read-only on a connection of its own, runs the
 * query the main thread compiled for its slice, checks the rows with the same code as the main
 * thread (`verifyRows`), and posts the slice's verdict.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type StoredRow, verifyRows } from './hash-chain.js';
import { openSqlite } from './sqlite-driver.js';
import { LEDGER_MMAP_BYTES, type SliceRequest } from './sqlite-slices.js';

const { file, driver, sql, parameters, pipeline, from } = workerData as SliceRequest;
const db = openSqlite(file, { readonly: true, fileMustExist: true, driver });
try {
  db.exec(`pragma mmap_size = ${LEDGER_MMAP_BYTES}`);
  const rows = db.prepare(sql).iterateRaw(parameters) as Iterable<StoredRow>;
  parentPort?.postMessage(verifyRows(rows, pipeline, { seq: from }));
} finally {
  db.close();
}
