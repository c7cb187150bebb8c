/**
 * Ledger benchmarks (issue 12, "Speed"): on a 1,000,000-entry SQLite ledger, a signed checkpoint
 * (≤ 2 s), an inclusion proof (≤ 5 ms) and a consistency proof between two sizes (≤ 20 ms), read
 * from the stored tree. The targets are absolute times, so each row's baseline is its target.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { createContext } from '../src/app/context.js';
import { ledgerCheckpoint } from '../src/app/ledger-proofs.js';
import { chainEntry, GENESIS_HASH } from '../src/ledger/hash-chain.js';
import { verifyConsistency, verifyInclusion } from '../src/ledger/merkle.js';
import { openSqliteStore } from '../src/ledger/sqlite-store.js';
import type { BenchResult } from './bench-util.js';
import { budgetRow, median, timed } from './bench-util.js';

const ENTRIES = 1_000_000;

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-ledger-'));
  try {
    writeFileSync(
      join(dir, 'tollgate.yaml'),
      'version: 1\npipeline: bench\nartifact: { type: file }\nstages:\n  dev: { purpose: bench }\n',
    );
    const pair = generateKeyPairSync('ed25519');
    writeFileSync(join(dir, 'log.key'), pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const file = join(dir, '.tollgate', 'ledger.db');
    // The schema, then a million promotion-shaped entries written straight into the table (the
    // chain as `append` computes it), so the tree is built the way an upgraded ledger's is.
    await (await openSqliteStore(file)).close();
    const db = new BetterSqlite3(file);
    db.pragma('journal_mode = WAL');
    const insert = db.prepare('insert into ledger_entries (prev_hash, hash, body) values (?, ?, ?)');
    let prev = GENESIS_HASH;
    db.transaction(() => {
      for (let seq = 1; seq <= ENTRIES; seq++) {
        const e = chainEntry(
          {
            pipeline: 'bench',
            seq,
            kind: 'promotion',
            stage: 'dev',
            artifact: `sha256:${seq.toString(16).padStart(64, '0')}`,
            actor: 'bench',
            at: new Date(1_800_000_000_000 + seq * 1000).toISOString(),
            payload: { n: seq },
          },
          prev,
        );
        insert.run(e.prevHash, e.hash, e.body);
        prev = e.hash;
      }
    })();
    db.close();
    const store = await openSqliteStore(file);
    const build = await timed(() => store.treeHead('bench'));
    await store.close();

    const ctx = createContext({ env: process.env, contract: join(dir, 'tollgate.yaml'), as: 'bench' });
    const checkpoints: number[] = [];
    for (let i = 0; i < 5; i++)
      checkpoints.push((await timed(() => ledgerCheckpoint(ctx, { key: join(dir, 'log.key') }))).ms);
    const ledger = await ctx.services.store();
    const inclusions: number[] = [];
    const consistencies: number[] = [];
    for (let i = 0; i < 101; i++) {
      const seq = 1 + ((i * 7919 * 127) % ENTRIES);
      const proof = await timed(() => ledger.inclusionProof('bench', seq));
      if (
        !verifyInclusion(
          proof.value.leaf,
          proof.value.index,
          proof.value.size,
          proof.value.hashes,
          proof.value.root,
        )
      )
        throw new Error(`inclusion proof of #${seq} does not verify`);
      inclusions.push(proof.ms);
      const first = 1 + ((i * 104729) % (ENTRIES - 1));
      const consistency = await timed(() => ledger.consistencyProof('bench', first, ENTRIES));
      const c = consistency.value;
      if (!verifyConsistency(c.first, c.second, c.hashes, c.firstRoot, c.secondRoot))
        throw new Error(`consistency proof ${first} → ${ENTRIES} does not verify`);
      consistencies.push(consistency.ms);
    }
    await ctx.close();
    return [
      budgetRow(
        'signed checkpoint of a 1,000,000-entry ledger (`ledger checkpoint`, in process: tree head from stored nodes + Ed25519 note)',
        median(checkpoints),
        2000,
        `median of 5; building the tree of the upgraded ledger from its entries the first time took ${(build.ms / 1000).toFixed(1)} s (once per ledger)`,
      ),
      budgetRow(
        'inclusion proof of one entry in a 1,000,000-entry ledger',
        median(inclusions),
        5,
        `median of 101 entries across the ledger, each verified after; slowest ${Math.max(...inclusions).toFixed(2)} ms`,
      ),
      budgetRow(
        'consistency proof from an earlier size to 1,000,000 entries',
        median(consistencies),
        20,
        `median of 101 earlier sizes, each verified after; slowest ${Math.max(...consistencies).toFixed(2)} ms`,
      ),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
