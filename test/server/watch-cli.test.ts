/**
 * `tollgate watch --server`: one line per ledger entry as a real `tollgate serve` appends it, and
 * after the server is killed mid-stream and started again, every entry exactly once — the ones
 * appended while it was down included — because the CLI reconnects with Last-Event-ID.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, fakeDigest, junit, makeWorkspace, runCli, type Served, startServe } from '../support/cli.js';

const CONTRACT = `version: 1
pipeline: shop
demo: true
artifact: { type: file }
stages:
  dev:
    purpose: fast feedback
    requires:
      tests: [{ suite: unit }]
`;
const NOW = '2026-03-02T10:00:00Z';
const digests = ['alpha', 'bravo', 'charlie', 'delta', 'echo'].map((seed) => fakeDigest(seed));

let dir: string;
let token: string;
const children: ChildProcess[] = [];

/** The child's environment: nothing of the test runner's TOLLGATE_* settings. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('TOLLGATE_')) delete env[key];
  return { ...env, ...extra };
}

/** Starts `tollgate serve` on `listen` and resolves once it listens. */
async function serve(listen: string): Promise<Served> {
  const server = await startServe(['--contracts', 'contracts', '--demo', 'shop'], {
    cwd: dir,
    env: { TOLLGATE_DATA_DIR: join(dir, 'server-ledger') },
    listen,
  });
  children.push(server.child);
  return server;
}

/** Resolves when `check` holds, looking every 50 ms (a wait, not a timing assertion). */
async function until(check: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  dir = makeWorkspace(CONTRACT, { 'contracts/shop.yaml': CONTRACT, 'unit.xml': junit(['pass']) });
  const made = await runCli(
    ['token', 'create', '--role', 'admin', '--pipeline', 'shop', '--name', 'tester'],
    {
      cwd: dir,
      env: { TOLLGATE_DATA_DIR: join(dir, 'server-ledger') },
    },
  );
  expect(made.code, made.stderr).toBe(0);
  token = made.stdout.trim();
});

afterAll(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('tollgate watch --server', () => {
  it('follows the ledger across a server killed and restarted mid-stream: nothing missed, nothing twice', async () => {
    let server = await serve('127.0.0.1:0');
    const { url } = server;
    const listen = new URL(url).host;
    const viaServer = (args: string[]) =>
      runCli(['--now', NOW, ...args], { cwd: dir, env: { TOLLGATE_SERVER: url, TOLLGATE_TOKEN: token } });

    const watcher = spawn(process.execPath, [BIN, 'watch', '--json', '--count', '6'], {
      cwd: dir,
      env: cleanEnv({ TOLLGATE_SERVER: url, TOLLGATE_TOKEN: token, TOLLGATE_PIPELINE: 'shop' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(watcher);
    let out = '';
    let err = '';
    watcher.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    watcher.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => watcher.on('exit', (code) => resolve(code)));
    const lines = () => out.split('\n').filter((line) => line !== '');
    await until(() => err.includes('following pipeline shop'), 'the watcher to connect');

    // Three entries through the server, seen live.
    expect((await viaServer(['register', '--digest', digests[0]!])).code).toBe(0);
    expect((await viaServer(['register', '--digest', digests[1]!])).code).toBe(0);
    expect(
      (
        await viaServer([
          'attest',
          'tests',
          '--artifact',
          digests[0]!,
          '--suite',
          'unit',
          '--in',
          'dev',
          'unit.xml',
        ])
      ).code,
    ).toBe(0);
    await until(() => lines().length === 3, 'three entries');

    // The server dies mid-stream; two entries are appended to its ledger while it is down.
    await server.stop('SIGKILL');
    for (const digest of [digests[2]!, digests[3]!]) {
      const local = await runCli(
        ['--now', NOW, '--contract', 'contracts/shop.yaml', 'register', '--digest', digest],
        {
          cwd: dir,
          env: { TOLLGATE_DATA_DIR: join(dir, 'server-ledger') },
        },
      );
      expect(local.code, local.stderr).toBe(0);
    }
    // Started again on the same address; one more entry through it.
    server = await serve(listen);
    expect((await viaServer(['register', '--digest', digests[4]!])).code).toBe(0);

    await until(() => watcher.exitCode !== null, 'the watcher to stop after six entries', 60_000).catch(
      (error: Error) => {
        throw new Error(`${error.message}\nstdout:\n${out}\nstderr:\n${err}`);
      },
    );
    expect(await exited).toBe(0);
    const entries = lines().map(
      (line) => JSON.parse(line) as { seq: number; kind: string; artifact: string },
    );
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(entries.map((e) => [e.kind, e.artifact])).toEqual([
      ['register', digests[0]],
      ['register', digests[1]],
      ['attest', digests[0]],
      ['register', digests[2]],
      ['register', digests[3]],
      ['register', digests[4]],
    ]);
    expect(err).toMatch(/reconnecting in \d+ ms after entry #3|trying again/);
    expect(err).toContain('following again pipeline shop after entry #3');

    // From the first entry, as text, only one stage's entries, then stop.
    const text = await runCli(['watch', 'dev', '--after', '0', '--count', '1'], {
      cwd: dir,
      env: { TOLLGATE_SERVER: url, TOLLGATE_TOKEN: token, TOLLGATE_PIPELINE: 'shop' },
    });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toBe(`#3  2026-03-02T10:00:00.000Z  attest dev ${digests[0]!}  by tester\n`);
  }, 300_000);

  it('a refusal ends it with the exit code of its error, never a retry loop; local-only flags are refused', async () => {
    const { url } = await serve('127.0.0.1:0');
    const forged = await runCli(['watch'], {
      cwd: dir,
      env: { TOLLGATE_SERVER: url, TOLLGATE_TOKEN: 'tg_forged_token', TOLLGATE_PIPELINE: 'shop' },
    });
    expect(forged.code).toBe(3);
    expect(forged.stderr).toMatch(/^tollgate: /m);
    const other = await runCli(['watch'], {
      cwd: dir,
      env: { TOLLGATE_SERVER: url, TOLLGATE_TOKEN: token, TOLLGATE_PIPELINE: 'billing' },
    });
    expect(other.code).toBe(3);
    const rollback = await runCli(['watch', 'dev', '--rollback'], {
      cwd: dir,
      env: { TOLLGATE_SERVER: url, TOLLGATE_TOKEN: token, TOLLGATE_PIPELINE: 'shop' },
    });
    expect(rollback.code).toBe(3);
    expect(rollback.stderr).toContain('--rollback does not work with --server');
    const badCount = await runCli(['watch', '--count', 'many'], {
      cwd: dir,
      env: { TOLLGATE_SERVER: url, TOLLGATE_TOKEN: token, TOLLGATE_PIPELINE: 'shop' },
    });
    expect(badCount.code).toBe(3);
    expect(badCount.stderr).toContain('--count "many": expected a whole number');
    const local = await runCli(['watch'], { cwd: dir });
    expect(local.code).toBe(3);
    expect(local.stderr).toContain('watch needs the stage');
    const localAfter = await runCli(['watch', 'dev', '--after', '3'], { cwd: dir });
    expect(localAfter.code).toBe(3);
    expect(localAfter.stderr).toContain('--after works with --server');
  }, 120_000);
});
