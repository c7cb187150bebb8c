import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTRY } from '../../src/ledger/ledger-view.js';
import { ROOT } from '../support/cli.js';
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
  describe(`concurrent promotions on ${backend.name}`, () => {
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
        expect(verdict).toMatchObject({ ok: true, entries: WORKERS * PER_WORKER * 2 });
      } finally {
        await handle.dispose();
      }
    }, 300_000);
  });
}
