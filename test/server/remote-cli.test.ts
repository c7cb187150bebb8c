/**
 * The CLI pointed at a server (`--server`, TOLLGATE_SERVER, TOLLGATE_TOKEN) prints what it prints
 * locally and exits the same way: every verb with a route is run twice in the same order, once on
 * a local SQLite ledger and once against a real `tollgate serve` on its own ledger, and the
 * standard output and exit codes are compared byte for byte. The clock is set (a demo pipeline,
 * `serve --demo`) so times match too. Then what a careless or hostile caller might try.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BIN,
  type CliResult,
  copyFixture,
  fakeDigest,
  junit,
  makeWorkspace,
  runCli,
} from '../support/cli.js';

const CONTRACT = `version: 1
pipeline: shop
demo: true
artifact: { type: file }
stages:
  dev:
    purpose: fast feedback
    requires:
      tests: [{ suite: unit }]
  prod:
    purpose: live
    from: dev
    requires:
      approvals: { count: 1 }
`;

const NOT_DEMO = `version: 1
pipeline: billing
artifact: { type: file }
stages:
  dev: { purpose: fast feedback }
`;

const D = fakeDigest('remote-parity');
const NOW = '2026-03-02T10:00:00Z';

let dir: string;
let url: string;
let token: string;
let child: ChildProcess;

beforeAll(async () => {
  dir = makeWorkspace(CONTRACT, {
    'unit.xml': junit(['pass', 'pass', 'fail']),
    'unit-ok.xml': junit(['pass', 'pass']),
    'contracts/shop.yaml': CONTRACT,
    'contracts/billing.yaml': NOT_DEMO,
  });
  copyFixture(dir, 'sbom/cyclonedx/dropwizard-1.3.15__bom.json', 'bom.json');
  const serverEnv = { TOLLGATE_DATA_DIR: join(dir, 'server-ledger') };
  const made = await runCli(
    ['token', 'create', '--role', 'admin', '--pipeline', 'shop', '--pipeline', 'billing', '--name', 'tester'],
    { cwd: dir, env: serverEnv },
  );
  expect(made.code, made.stderr).toBe(0);
  token = made.stdout.trim();
  const env: NodeJS.ProcessEnv = { ...process.env, ...serverEnv };
  for (const key of Object.keys(env)) if (key.startsWith('TOLLGATE_') && !(key in serverEnv)) delete env[key];
  child = spawn(
    process.execPath,
    [BIN, 'serve', '--listen', '127.0.0.1:0', '--contracts', 'contracts', '--demo', 'shop'],
    { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
});

afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const local = (args: string[], env: Record<string, string> = {}) =>
  // The contract file the server reads: decisions name it.
  runCli(['--now', NOW, '--contract', 'contracts/shop.yaml', ...args], {
    cwd: dir,
    env: { TOLLGATE_DATA_DIR: join(dir, 'local-ledger'), ...env },
  });
const remote = (args: string[], env: Record<string, string | undefined> = {}) =>
  runCli(['--now', NOW, ...args], {
    cwd: dir,
    env: { TOLLGATE_SERVER: url, TOLLGATE_TOKEN: token, ...env },
  });

/** Runs `args` both ways; `where` lets a line naming the ledger's own location differ (it is each side's file). */
async function same(args: string[], where = false): Promise<CliResult> {
  const here = await local(args);
  if (where) here.stdout = here.stdout.replaceAll('local-ledger', 'server-ledger');
  const there = await remote(args);
  expect({ code: there.code, stdout: there.stdout }, `remote ${args.join(' ')}\n${there.stderr}`).toEqual({
    code: here.code,
    stdout: here.stdout,
  });
  return there;
}

describe('the CLI against a server: the same output and exit codes as locally', () => {
  it('runs every verb with a route, in order, with identical stdout and exit codes', async () => {
    expect((await same(['register', '--digest', D, '--label', 'version=1.0.0'])).code).toBe(0);
    // Again: already registered, 0 both ways.
    expect((await same(['register', '--digest', D, '--label', 'version=1.0.0', '--json'])).stdout).toContain(
      '"created": false',
    );
    // A failing suite first (streamed upload), then a passing one.
    expect((await same(['attest', 'tests', '--artifact', D, '--suite', 'unit', 'unit.xml'])).stdout).toMatch(
      /3 tests, 2 passed, 1 failed/,
    );
    expect((await same(['check', 'dev', '--artifact', D])).code).toBe(1);
    expect((await same(['check', 'dev', '--artifact', D, '--json'])).code).toBe(1);
    await same(['attest', 'tests', '--artifact', D, '--suite', 'unit', 'unit-ok.xml', '--json']);
    expect((await same(['check', 'dev', '--artifact', D, '--markdown'])).code).toBe(0);
    expect((await same(['attest', 'sbom', '--artifact', D, 'bom.json'])).stdout).toMatch(/^recorded SBOM/);
    await same(['attest', 'evidence', '--artifact', D, 'bom.json', '--json']);
    expect((await same(['promote', 'dev', '--artifact', D])).code).toBe(0);
    // prod needs an approval: pending (2), then approved by someone else, then allowed.
    expect((await same(['check', 'prod', '--artifact', D])).code).toBe(2);
    expect((await same(['--as', 'rita', 'approve', 'prod', '--artifact', D, '--comment', 'ok'])).code).toBe(
      0,
    );
    await same(['--as', 'sam', 'reject', 'prod', '--artifact', D, '--json']);
    await same(['--as', 'sam', 'reject', 'prod', '--artifact', D, '--withdraw']);
    expect((await same(['promote', 'prod', '--artifact', D, '--json'])).code).toBe(0);
    expect((await same(['status'])).stdout).toContain('pipeline shop');
    await same(['status', '--json']);
    expect((await same(['history', 'dev'])).stdout).toMatch(/^#\d+ {2}2026-03-02T10:00:00/);
    await same(['history', 'prod', '--json']);
    await same(['explain', D]);
    await same(['explain', D, '--json']);
    await same(['windows', 'dev']);
    await same(['windows', 'prod', '--json', '--days', '3']);
    await same(['rollback', 'check', 'dev']);
    // No verifier key: no VSA, exit 3 both ways.
    expect((await same(['vsa', 'dev', '--artifact', D])).code).toBe(3);
    expect((await same(['ledger', 'verify'], true)).stdout).toMatch(/^ledger of shop intact: 9 entries/);
    await same(['ledger', 'verify', '--json'], true);
    // Bad input answers with the same exit code: an unknown stage, an unregistered digest.
    expect((await same(['check', 'qa', '--artifact', D])).code).toBe(3);
    expect((await same(['promote', 'dev', '--artifact', fakeDigest('never')])).code).toBe(3);
  }, 600_000);
});

describe('the CLI against a server: refusals', () => {
  it('a ledger verb without a route says so (exit 3) and never runs on a local ledger', async () => {
    const run = await remote(['attest', 'cdevent', '--artifact', D, 'unit.xml']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('tollgate attest cdevent has no route on a Tollgate server');
    const copy = await remote(['copy', '--artifact', D, '--to', 'registry.example.com/x:1']);
    expect(copy.code).toBe(3);
    expect(copy.stderr).toContain('has no route');
  });

  it('needs a credential; a wrong one is refused by the server (exit 3)', async () => {
    const none = await remote(['status'], { TOLLGATE_TOKEN: undefined });
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('needs a credential in TOLLGATE_TOKEN');
    const wrong = await remote(['status'], { TOLLGATE_TOKEN: 'tg_not-a-token' });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toMatch(/tollgate: .*(token|credential)/i);
  });

  it('--now on a pipeline that is not a demo: the server refuses (403), exit 3, nothing recorded', async () => {
    const run = await runCli(['--now', NOW, 'register', '--digest', D], {
      cwd: dir,
      env: { TOLLGATE_SERVER: url, TOLLGATE_TOKEN: token, TOLLGATE_PIPELINE: 'billing' },
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('refused unless pipeline billing is in demo mode');
    const status = await runCli(['history', 'dev', '--json'], {
      cwd: dir,
      env: { TOLLGATE_SERVER: url, TOLLGATE_TOKEN: token, TOLLGATE_PIPELINE: 'billing' },
    });
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toEqual([]);
  });

  it('an unreachable server is an infrastructure error (exit 4) and the password in its URL is neither sent nor printed', async () => {
    const run = await runCli(['status'], {
      cwd: dir,
      env: { TOLLGATE_SERVER: 'http://ci:s3cret@127.0.0.1:9/', TOLLGATE_TOKEN: token },
    });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('the Tollgate server at http://127.0.0.1:9/ did not answer');
    expect(run.stderr).not.toContain('s3cret');
  });

  it('--image and --publish need a registry the CLI reaches: refused with --server', async () => {
    const image = await remote([
      'check',
      'dev',
      '--image',
      'registry.example.com/shop@sha256:' + 'a'.repeat(64),
    ]);
    expect(image.code).toBe(3);
    expect(image.stderr).toContain('--image does not work with --server');
    const publish = await remote(['promote', 'dev', '--artifact', D, '--publish']);
    expect(publish.code).toBe(3);
    expect(publish.stderr).toContain('--publish does not work with --server');
  });
});
