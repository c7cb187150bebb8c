/**
 * End-to-end CLI tests run the built binary (bin/tollgate.cjs → dist/tollgate.cjs) in throwaway
 * directories, the way a user or a CI job does. `npm test` builds first.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(ROOT, 'bin', 'tollgate.cjs');
export const FIXTURES = join(ROOT, 'test', 'fixtures');

if (!existsSync(join(ROOT, 'dist', 'tollgate.cjs'))) {
  throw new Error(
    'dist/tollgate.cjs is missing: run `npm run build` (npm test does it) before the CLI tests',
  );
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  input?: string;
  /** Kill the run after this many milliseconds (a run that would hang then fails instead). */
  killAfterMs?: number;
}

/** Runs `tollgate ARGS` and collects its output; never throws on a non-zero exit. */
export function runCli(args: string[], options: RunOptions): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env))
    if (key.startsWith('TOLLGATE_') && key !== 'TOLLGATE_REQUIRE_SERVICES') delete env[key];
  env.TOLLGATE_ACTOR = 'tester';
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(options.killAfterMs === undefined ? {} : { timeout: options.killAfterMs, killSignal: 'SIGKILL' }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

export interface ServeOptions {
  cwd: string;
  /** Added to the server's environment; the test runner's own TOLLGATE_* settings are not passed on. */
  env?: Record<string, string>;
  /** The `--listen` address: a free loopback port unless given. */
  listen?: string;
}

export interface Served {
  url: string;
  child: ChildProcess;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** What the server has written to its standard error so far. */
  stderr(): string;
  /** Sends `signal` (SIGKILL unless given) unless the process has already exited; resolves once it has. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `tollgate serve --listen ADDRESS ARGS` and resolves once it says where it listens;
 * rejects with its standard error when it exits first.
 */
export function startServe(args: string[], options: ServeOptions): Promise<Served> {
  return spawnServe(args, options).ready;
}

/** Spawns `tollgate serve` as {@link startServe} does: the child at once, `ready` once it listens. */
export function spawnServe(
  args: string[],
  options: ServeOptions,
): { child: ChildProcess; ready: Promise<Served> } {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('TOLLGATE_')) env[key] = value;
  Object.assign(env, options.env);
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--listen', options.listen ?? '127.0.0.1:0', ...args],
    { cwd: options.cwd, env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', resolveExit));
  const stop = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  const ready = new Promise<Served>((resolveServed, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      // The whole address: the line goes on after it, so a chunk ending inside it does not match.
      const match = /listening on (http:\/\/\S+) /.exec(stderr);
      if (match) resolveServed({ url: match[1]!, child, exited, stderr: () => stderr, stop });
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
  return { child, ready };
}

/** A fresh directory holding `tollgate.yaml` with `contract` (and any extra files). */
export function makeWorkspace(contract: string, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-cli-'));
  writeFileSync(join(dir, 'tollgate.yaml'), contract);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** Copies a fixture into the workspace and returns its path there. */
export function copyFixture(dir: string, fixture: string, as = fixture.split('/').at(-1)!): string {
  const target = join(dir, as);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(join(FIXTURES, fixture), target);
  return target;
}

/**
 * A valid digest made from a seed, for tests: the sha256 of the seed, so every seed names its own
 * artifact (an earlier mix read only the first 8 characters, and 'flag-names-size' and
 * 'flag-names-explain' named one artifact).
 */
export function fakeDigest(seed: string): string {
  return `sha256:${createHash('sha256').update(seed).digest('hex')}`;
}

/** A three-stage contract like the example pipeline's. */
export const THREE_STAGES = `version: 1
pipeline: shop
artifact: { type: oci, repository: registry.example.com/shop }
stages:
  dev:
    purpose: fast feedback
    requires:
      tests: [{ suite: unit, minTests: 2 }]
  staging:
    purpose: release candidate
    from: dev
    requires:
      tests:
        - { suite: unit }
        - { suite: integration, maxSkipped: 1 }
  prod:
    purpose: live
    from: staging
    requires:
      tests: [{ suite: e2e, in: staging }]
`;

/** A small JUnit report with the given outcomes. */
export function junit(cases: Array<'pass' | 'fail' | 'error' | 'skip'>, name = 'suite'): string {
  const body = cases
    .map((c, i) => {
      const open = `<testcase classname="${name}.Case" name="t${i}" time="0.01"`;
      if (c === 'pass') return `${open}/>`;
      if (c === 'fail') return `${open}><failure message="boom">trace</failure></testcase>`;
      if (c === 'error') return `${open}><error message="crash">trace</error></testcase>`;
      return `${open}><skipped/></testcase>`;
    })
    .join('\n    ');
  return `<?xml version="1.0"?>\n<testsuites>\n  <testsuite name="${name}" tests="${cases.length}">\n    ${body}\n  </testsuite>\n</testsuites>\n`;
}
