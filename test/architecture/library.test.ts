/**
 * The public library: the example outside src/ runs on the built package through its own name
 * (package.json "exports"), CommonJS users can require it, and the API report is up to date, so a
 * change to the public API cannot slip in unnoticed.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT, THREE_STAGES } from '../support/cli.js';

const run = promisify(execFile);

describe('the library', () => {
  it('runs examples/library through `import … from "tollgate"`: ledger, gates and the pure core', async () => {
    const { stdout } = await run(process.execPath, ['promote-with-the-library.mjs'], {
      cwd: join(ROOT, 'examples/library'),
    });
    expect(stdout).toContain('dev before tests: blocked');
    expect(stdout).toMatch(/dev after tests: allowed, ledger entry \d+/);
    expect(stdout).toContain('prod: pending');
    expect(stdout).toContain('0 of 2 approvals');
    expect(stdout).toContain('dev with a failed test, decided in memory: blocked');
  });

  it('is the same API from CommonJS', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '-e',
        "const t = require('tollgate'); console.log(typeof t.decide, typeof t.readContract, typeof t.openLedger, t.EXIT.blocked)",
      ],
      { cwd: ROOT },
    );
    expect(stdout.trim()).toBe('function function function 1');
  });

  it('runs the pure-core example of docs/library.md as written', async () => {
    const doc = readFileSync(join(ROOT, 'docs/library.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Evaluate a contract in a test'));
    const snippet = /```js\n([\s\S]*?)```/.exec(section)?.[1];
    expect(snippet).toContain("decide(contract, 'dev'");
    // Inside the repository, so `import … from 'tollgate'` finds the package by its own name.
    const dir = mkdtempSync(join(ROOT, '.library-doc-'));
    try {
      writeFileSync(join(dir, 'tollgate.yaml'), THREE_STAGES);
      writeFileSync(join(dir, 'example.mjs'), snippet!);
      // The snippet asserts its verdict itself (assert.equal … 'blocked'): a throw fails here.
      const { stderr } = await run(process.execPath, ['example.mjs'], { cwd: dir });
      expect(stderr).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loads as ESM where a global __filename is set, as node -e and node -p set one', async () => {
    // `node -e "import('tollgate')…"` runs CommonJS code that sets globalThis.__filename to
    // '[eval]'; the ES module build once took that for its own file and failed to load at all.
    const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-library-eval-'));
    try {
      const script = `import('tollgate').then(async (t) => {
        const contract = t.readContract(${JSON.stringify(join(ROOT, 'examples/checkout/tollgate.yaml'))});
        const store = await t.openLedger({ dataDir: ${JSON.stringify(dataDir)} });
        await store.close();
        console.log(contract.stages.prod.requires.drift.declared[0].match);
      })`;
      const { stdout, stderr } = await run(process.execPath, ['-e', script], { cwd: ROOT });
      expect(stderr).toBe('');
      expect(stdout.trim()).toBe('\\.prod\\.internal$');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('matches its API report (etc/tollgate.api.md): an unreviewed change to the public API fails', async () => {
    const result = await run(process.execPath, [join(ROOT, 'scripts/build-types.mjs'), '--check'], {
      cwd: ROOT,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.stderr).not.toContain('the public API changed');
    expect(result.code).toBe(0);
  }, 300_000);
});
