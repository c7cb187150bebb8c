/**
 * `tollgate --version` and `--help` load only the CLI's shell bundle; the core (contract, ledger,
 * gates) is read from disk only when a command's action needs it, and a deciding command starts
 * only the modules (and Node built-ins) it uses. A preload records every bundle file the launcher
 * reads, every code cache it writes and every built-in module Node loaded.
 */

import { isAscii } from 'node:buffer';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../support/cli.js';

const run = promisify(execFile);
const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
/** node:sqlite, the ledger's default driver from Node 22.13 on (src/ledger/sqlite-driver.ts). */
const builtinSqlite = major > 22 || (major === 22 && minor >= 13);
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
// Printed at once: the launcher writes its caches in an exit handler that runs after this file's.
const write = fs.writeFileSync;
fs.writeFileSync = function (file, ...rest) {
  if (typeof file === 'string' && /\\.cache\\.\\d+$/.test(file))
    process.stderr.write('CACHE ' + require('node:path').basename(file) + '\\n');
  return write.call(this, file, ...rest);
};
process.on('exit', () => {
  process.stderr.write('BUNDLES ' + JSON.stringify(seen) + '\\n');
  const builtins = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13));
  process.stderr.write('BUILTINS ' + JSON.stringify(builtins) + '\\n');
  process.stderr.write('MODULES ' + JSON.stringify(Object.keys(require.cache)) + '\\n');
});
`,
);

interface Run {
  code: number;
  stdout: string;
  /** The lines the preload printed, by their first word. */
  recorded: Record<'BUNDLES' | 'CACHES' | 'BUILTINS' | 'MODULES', string[]>;
}

async function recordedRun(args: string[], cwd = ROOT): Promise<Run> {
  const result = await run(process.execPath, ['--require', preload, BIN, ...args], {
    cwd,
    env: { ...process.env, TOLLGATE_ACTOR: 'tester', TOLLGATE_DATABASE_URL: '', TOLLGATE_SERVER: '' },
  }).catch((error: { code: number; stdout: string; stderr: string }) => error);
  const recorded = {} as Run['recorded'];
  const lines = result.stderr.split('\n');
  for (const key of ['BUNDLES', 'BUILTINS', 'MODULES'] as const) {
    const line = lines.find((l) => l.startsWith(`${key} `));
    expect(line, result.stderr).toBeDefined();
    recorded[key] = JSON.parse(line!.slice(key.length + 1)) as string[];
  }
  recorded.CACHES = lines.filter((l) => l.startsWith('CACHE ')).map((l) => l.slice('CACHE '.length));
  return { code: 'code' in result ? (result.code as number) : 0, stdout: result.stdout, recorded };
}

async function bundlesReadBy(args: string[]): Promise<string[]> {
  const result = await run(process.execPath, ['--require', preload, BIN, ...args], { cwd: ROOT }).catch(
    (error: { stdout: string; stderr: string }) => error,
  );
  const line = result.stderr.split('\n').find((l) => l.startsWith('BUNDLES '));
  expect(line, result.stderr).toBeDefined();
  return JSON.parse(line!.slice('BUNDLES '.length)) as string[];
}

describe('start-up', () => {
  it('reads no bundle for --version, only the shell bundle for --help', async () => {
    expect(await bundlesReadBy(['--version'])).toEqual([]);
    expect(await bundlesReadBy(['-V'])).toEqual([]);
    expect(await bundlesReadBy(['--help'])).toEqual(['tollgate.cjs']);
    // The launcher's answer is the package's version, the same commander prints from the shell.
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const args of [['--version'], ['-V'], ['--version', '--no-color']]) {
      const { stdout } = await run(process.execPath, [BIN, ...args], { cwd: ROOT });
      expect(stdout).toBe(`${pkg.version}\n`);
    }
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
    expect((missing as { stderr: string }).stderr).toContain('cannot read the contract');
    expect((missing as { stderr: string }).stderr).not.toContain('internal error');
  });

  it('runs a deciding command on the cache the build wrote, and leaves it as it found it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-startup-check-'));
    cpSync(join(ROOT, 'examples', 'checkout'), dir, { recursive: true });
    const registered = await recordedRun(['register', '--file', 'build/checkout-1.4.2.txt', '--json'], dir);
    const { digest } = JSON.parse(registered.stdout) as { digest: string };
    for (const stage of ['prod', 'staging', 'prod']) {
      const check = await recordedRun(['check', stage, '--artifact', digest], dir);
      expect(check.stdout).toContain(`${stage} ←`);
      // A cache that loaded and was accepted is not written again at exit (2 MB, 35–50 ms).
      expect(check.recorded.CACHES).toEqual([]);
      // Nothing on the way to a local decision talks HTTP or starts a process (node:net is there
      // for the piped stdout).
      for (const builtin of ['http', 'https', 'tls', 'child_process', 'worker_threads'])
        expect(check.recorded.BUILTINS).not.toContain(builtin);
      // better-sqlite3's JavaScript comes with the core; only its addon is loaded from the package
      // (where the runtime has no node:sqlite).
      const fromPackage = check.recorded.MODULES.filter((m) =>
        /[\\/]node_modules[\\/](better-sqlite3|bindings)[\\/]/.test(m),
      );
      expect(fromPackage.filter((m) => !m.endsWith('.node'))).toEqual([]);
      if (!builtinSqlite) expect(fromPackage.some((m) => m.endsWith('better_sqlite3.node'))).toBe(true);
    }
  });

  it('leaves out of the core the zod code Tollgate never calls, which ran when the contract loaded', () => {
    const core = readFileSync(join(ROOT, 'dist', 'core.cjs'), 'latin1');
    // z.fromJSONSchema: its module spread all of zod's schema and check namespaces at load.
    // Booleans: a failing toContain would print the whole 1.9 MB bundle.
    expect(core.includes('External $ref is not supported'), 'from-json-schema is in the core').toBe(false);
    expect(
      core.includes('z.fromJSONSchema is not in the Tollgate CLI bundle'),
      'the stand-in is missing',
    ).toBe(true);
  });

  it('keeps its bundles in ASCII, which the launcher reads without decoding UTF-8', () => {
    for (const bundle of ['tollgate.cjs', 'core.cjs'])
      expect(isAscii(readFileSync(join(ROOT, 'dist', bundle))), bundle).toBe(true);
  });
});
