/**
 * `tollgate register --server URL --file F` records what a local `register --file` records: the
 * sha256 and, from the same read, the sha512 (docs/trust.md, "The identity of an artifact"). Were
 * the sha512 left behind, `--artifact sha512:…` would name the artifact on a local ledger and no
 * artifact at all on a server, and a rolled-back build re-registered by its sha512 there would
 * start a clean history. Over real HTTP against a real `tollgate serve` on its own SQLite ledger.
 */
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeDigest, makeWorkspace, runCli, type Served, startServe } from '../support/cli.js';

const CONTRACT = `version: 1
pipeline: shop
# A demo pipeline: both sides run at the same set clock, so their output compares byte for byte.
demo: true
artifact: { type: file }
stages:
  dev: { purpose: fast feedback }
`;
const BYTES = 'the bytes of build 42\n';
const SHA256 = `sha256:${createHash('sha256').update(BYTES).digest('hex')}`;
const SHA512 = `sha512:${createHash('sha512').update(BYTES).digest('hex')}`;

let dir: string;
let token: string;
let server: Served | undefined;

beforeAll(async () => {
  dir = makeWorkspace(CONTRACT, { 'app.tgz': BYTES });
  const serverEnv = { TOLLGATE_DATA_DIR: join(dir, 'server-ledger') };
  const made = await runCli(
    ['token', 'create', '--role', 'admin', '--pipeline', 'shop', '--name', 'tester'],
    {
      cwd: dir,
      env: serverEnv,
    },
  );
  expect(made.code, made.stderr).toBe(0);
  token = made.stdout.trim();
  server = await startServe(['--contract', 'tollgate.yaml', '--demo', 'shop'], { cwd: dir, env: serverEnv });
});

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const NOW = '2026-03-02T10:00:00Z';
const local = (args: string[]) =>
  runCli(['--now', NOW, ...args], { cwd: dir, env: { TOLLGATE_DATA_DIR: join(dir, 'local-ledger') } });
const remote = (args: string[]) =>
  runCli(['--now', NOW, ...args], { cwd: dir, env: { TOLLGATE_SERVER: server!.url, TOLLGATE_TOKEN: token } });

/** POST /api/v1/pipelines/shop/artifacts with `body`, as a client other than the CLI would. */
async function postRegister(
  body: unknown,
): Promise<{ status: number; error?: { code: string; message: string } }> {
  const res = await fetch(new URL('/api/v1/pipelines/shop/artifacts', server!.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, ...((await res.json()) as { error?: { code: string; message: string } }) };
}

describe('a remote register --file', () => {
  it('records the sha512 of the file as a local one does: the sha512 then names the same artifact', async () => {
    for (const run of [local, remote]) {
      const registered = await run(['register', '--file', 'app.tgz', '--json']);
      expect(registered.code, registered.stderr).toBe(0);
      expect(JSON.parse(registered.stdout)).toMatchObject({
        digest: SHA256,
        digests: { sha512: SHA512.slice('sha512:'.length) },
        created: true,
      });
    }
    for (const args of [
      ['check', 'dev', '--artifact', SHA512, '--json'],
      ['register', '--digest', SHA512],
      // explain too, but its source line differs: file:app.tgz here, digest there (the server
      // never sees the file).
    ]) {
      const here = await local(args);
      const there = await remote(args);
      expect(here.code, `local ${args.join(' ')}\n${here.stderr}`).toBe(0);
      expect({ code: there.code, stdout: there.stdout }, `remote ${args.join(' ')}\n${there.stderr}`).toEqual(
        {
          code: here.code,
          stdout: here.stdout,
        },
      );
    }
    expect((await remote(['register', '--digest', SHA512])).stdout).toBe(
      `already registered ${SHA256} (the same bytes as ${SHA512})\n`,
    );
    const checked = JSON.parse((await remote(['check', 'dev', '--artifact', SHA512, '--json'])).stdout);
    expect(checked.artifact.digest).toBe(SHA256);
    // Promoted by its sha512 (the ledger entries' hashes differ from the local ones: the register
    // entry's source does).
    const promoted = await remote(['promote', 'dev', '--artifact', SHA512, '--json']);
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(JSON.parse(promoted.stdout).artifact.digest).toBe(SHA256);
    expect(promoted.stderr).toMatch(/^promoted sha256:\S+ into dev: ledger entry #\d+/);
  });

  it('refuses a malformed sha512 with 400 naming the field, and stores nothing', async () => {
    const digest = fakeDigest('malformed sha512');
    const good = createHash('sha512').update('x').digest('hex');
    const cases: Array<[string, unknown, RegExp]> = [
      [
        '127 digits',
        { digest, sha512: good.slice(1) },
        /json\.sha512: the sha512 of the same bytes: 128 lower-case hex/,
      ],
      [
        '129 digits',
        { digest, sha512: `${good}0` },
        /json\.sha512: the sha512 of the same bytes: 128 lower-case hex/,
      ],
      ['upper case', { digest, sha512: good.toUpperCase() }, /json\.sha512: .*128 lower-case hex/],
      ['not hex', { digest, sha512: `${good.slice(2)}zz` }, /json\.sha512: .*128 lower-case hex/],
      ['with its prefix', { digest, sha512: `sha512:${good}` }, /json\.sha512: .*no "sha512:"/],
      [
        'beside a sha512 digest',
        { digest: `sha512:${good}`, sha512: good },
        /sha512 goes with a sha256 digest, the other digest of the same read/,
      ],
    ];
    for (const [what, body, message] of cases) {
      const answer = await postRegister(body);
      expect(answer.status, what).toBe(400);
      expect(answer.error?.code, what).toBe('USAGE');
      expect(answer.error?.message, what).toMatch(message);
    }
    for (const named of [digest, `sha512:${good}`]) {
      const explained = await remote(['explain', named]);
      expect(explained.code, named).toBe(3);
      expect(explained.stderr, named).toContain('not registered');
    }
  });
});
