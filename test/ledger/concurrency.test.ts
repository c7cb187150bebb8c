import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTRY } from '../../src/ledger/entry.js';
import { openSqliteStore } from '../../src/ledger/sqlite-store.js';
import { fakeDigest, ROOT, runCli } from '../support/cli.js';
import { BACKENDS } from '../support/stores.js';

const WORKERS = 8;
const PER_WORKER = 50;
const CONTRACT = `version: 1
pipeline: race
artifact: { type: oci }
stages:
  dev: { purpose: where everyone promotes at once }
`;

let dir: string;
let workerFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-race-'));
  writeFileSync(join(dir, 'tollgate.yaml'), CONTRACT);
  // Inside the project so the bundle's bare imports resolve from its node_modules.
  workerFile = join(ROOT, 'node_modules', '.cache', 'tollgate-tests', `promote-worker-${process.pid}.mjs`);
  await build({
    entryPoints: [join(ROOT, 'test/support/promote-worker.ts')],
    outfile: workerFile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
});

afterAll(() => rmSync(workerFile, { force: true }));

function runWorker(id: number, env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [workerFile, String(id), String(PER_WORKER), 'dev'], {
      cwd: dir,
      env: { ...process.env, TOLLGATE_CONTRACT: join(dir, 'tollgate.yaml'), ...env },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

for (const backend of BACKENDS) {
  describe(`concurrent promotions on ${backend.title}`, () => {
    it(`${WORKERS} processes × ${PER_WORKER} promotions into one stage: each recorded once, chain intact`, async () => {
      const handle = await backend.open();
      try {
        const results = await Promise.all(
          Array.from({ length: WORKERS }, (_, i) => runWorker(i, handle.env)),
        );
        for (const result of results) expect(result, result.out).toMatchObject({ code: 0 });
        const entries = await handle.store.entriesForStage('race', 'dev', [ENTRY.promotion]);
        expect(entries).toHaveLength(WORKERS * PER_WORKER);
        expect(new Set(entries.map((e) => e.artifact)).size).toBe(WORKERS * PER_WORKER);
        const verdict = await handle.store.verify('race');
        // A register and a promotion per digest, and the contract the first promotion pinned.
        expect(verdict).toMatchObject({ ok: true, entries: WORKERS * PER_WORKER * 2 + 1 });
      } finally {
        await handle.dispose();
      }
    }, 300_000);
  });
}

describe('concurrent first use of a fresh SQLite data directory', () => {
  // Eight `register`s started at once on a directory with no ledger yet all run the first migration:
  // before, one of them failed with "table artifacts already exists" (exit 4). Three fresh
  // directories make the race near certain to show if the migration were unsafe.
  it('eight `register` processes in parallel all succeed, and every artifact is recorded once', async () => {
    for (let round = 0; round < 3; round += 1) {
      const fresh = mkdtempSync(join(tmpdir(), 'tollgate-fresh-'));
      try {
        writeFileSync(join(fresh, 'tollgate.yaml'), CONTRACT);
        const digests = Array.from({ length: WORKERS }, (_, i) => fakeDigest(`fresh-${round}-${i}`));
        const results = await Promise.all(
          digests.map((digest) => runCli(['register', '--digest', digest], { cwd: fresh })),
        );
        for (const result of results) expect(result, result.stderr).toMatchObject({ code: 0 });
        const store = await openSqliteStore(join(fresh, '.tollgate', 'ledger.db'), { sliceWorker: false });
        try {
          for (const digest of digests) expect(await store.getArtifact('race', digest)).toBeDefined();
          expect(await store.verify('race')).toMatchObject({ ok: true });
        } finally {
          await store.close();
        }
      } finally {
        rmSync(fresh, { recursive: true, force: true });
      }
    }
  }, 120_000);
});
