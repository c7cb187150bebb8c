/**
 * `tollgate --version` and `--help` load only the CLI's shell bundle; the core (contract, ledger,
 * gates) is read from disk only when a command's action needs it. A preload records every bundle
 * file the launcher reads.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../support/cli.js';

const run = promisify(execFile);
const preload = join(mkdtempSync(join(tmpdir(), 'tollgate-startup-')), 'record-reads.cjs');
writeFileSync(
  preload,
  `const fs = require('node:fs');
const read = fs.readFileSync;
const seen = [];
fs.readFileSync = function (file, ...rest) {
  if (typeof file === 'string' && /dist[\\\\/][^\\\\/]+\\.cjs$/.test(file)) seen.push(require('node:path').basename(file));
  return read.call(this, file, ...rest);
};
process.on('exit', () => process.stderr.write('BUNDLES ' + JSON.stringify(seen) + '\\n'));
`,
);

async function bundlesReadBy(args: string[]): Promise<string[]> {
  const result = await run(process.execPath, ['--require', preload, BIN, ...args], { cwd: ROOT }).catch(
    (error: { stdout: string; stderr: string }) => error,
  );
  const line = result.stderr.split('\n').find((l) => l.startsWith('BUNDLES '));
  expect(line, result.stderr).toBeDefined();
  return JSON.parse(line!.slice('BUNDLES '.length)) as string[];
}

describe('start-up', () => {
  it('reads only the shell bundle for --version and --help', async () => {
    expect(await bundlesReadBy(['--version'])).toEqual(['tollgate.cjs']);
    expect(await bundlesReadBy(['--help'])).toEqual(['tollgate.cjs']);
  });

  it('loads the core when a command runs, and its errors keep their exit codes', async () => {
    expect(await bundlesReadBy(['validate', 'examples/checkout/tollgate.yaml'])).toEqual([
      'tollgate.cjs',
      'core.cjs',
    ]);
    const missing = await run(process.execPath, [BIN, 'validate', 'no-such-contract.yaml'], {
      cwd: ROOT,
    }).catch((error: { code: number; stderr: string }) => error);
    expect((missing as { code: number }).code).toBe(3);
    expect((missing as { stderr: string }).stderr).toContain('cannot read contract');
    expect((missing as { stderr: string }).stderr).not.toContain('internal error');
  });
});
