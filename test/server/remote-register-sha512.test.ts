/**
 * `tollgate register --server URL --file F` records what a local `register --file` records: the
 * sha256 and, from the same read, the sha512 (docs/trust.md, "The identity of an artifact"). Were
 * the sha512 left behind, `--artifact sha512:…` would name the artifact on a local ledger and no
 * artifact at all on a server, and a rolled-back build re-registered by its sha512 there would
 * start a clean history. Over real HTTP against a real `tollgate serve` on its own SQLite ledger.
 */
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
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

  it('explains the sha512 the server took on the callers word as claimed, and the one read here as read', async () => {
    for (const run of [local, remote]) expect((await run(['register', '--file', 'app.tgz'])).code).toBe(0);
    const there = await remote(['explain', SHA512]);
    expect(there.code, there.stderr).toBe(0);
    expect(there.stdout).toMatch(/^artifact sha256:/);
    expect(there.stdout).toContain(
      `  asked by ${SHA512}: claimed by tester beside it (register entry #1); Tollgate did not read the bytes, so the link rests on that word`,
    );
    const json = JSON.parse((await remote(['explain', SHA512, '--json'])).stdout);
    expect(json.artifact).toMatchObject({
      digest: SHA256,
      askedBy: { digest: SHA512, seq: 1, claimedBy: 'tester' },
    });
    const here = await local(['explain', SHA512]);
    expect(here.code, here.stderr).toBe(0);
    expect(here.stdout).toContain(`  asked by ${SHA512}: read from the same bytes (register entry #1)`);
    expect(here.stdout).not.toContain('claimed');
    // Asked by the digest it is kept under, the passport names no other.
    expect((await remote(['explain', SHA256])).stdout).not.toContain('asked by');
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

/** GET `path` on the server with the token: its status and body. */
async function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(new URL(path, server!.url), { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('a sha512 the server did not read', () => {
  it('does not make a rebuild the artifact that passed: 409, nothing recorded, the rebuild unknown', async () => {
    const passed = createHash('sha512').update('the build that passed dev\n').digest('hex');
    const rebuild = fakeDigest('a rebuild nobody tested');
    expect((await remote(['register', '--digest', `sha512:${passed}`])).code).toBe(0);
    expect((await remote(['promote', 'dev', '--artifact', `sha512:${passed}`])).code).toBe(0);
    const history = JSON.parse((await remote(['explain', `sha512:${passed}`, '--json'])).stdout);
    const refused = await postRegister({ digest: rebuild, sha512: passed });
    expect(refused.status).toBe(409);
    expect(refused.error?.code).toBe('ARTIFACT_DIGEST_CONFLICT');
    expect(refused.error?.message).toContain(
      `sha512:${passed} is registered without ${rebuild}. Tollgate did not read these bytes, so it cannot vouch that they are the artifact already known as sha512:${passed}; nothing was recorded`,
    );
    expect(refused.error?.message).toContain('tollgate register --file');
    const checked = await get(`/api/v1/pipelines/shop/stages/dev/check?artifact=${rebuild}`);
    expect(checked.status).toBe(404);
    expect(checked.body).toMatchObject({ error: { code: 'ARTIFACT_NOT_FOUND' } });
    const cli = await remote(['check', 'dev', '--artifact', rebuild]);
    expect(cli.code).toBe(3);
    expect(cli.stderr).toContain(`artifact ${rebuild} is not registered in pipeline shop`);
    // The passed artifact's story is unchanged.
    expect(JSON.parse((await remote(['explain', `sha512:${passed}`, '--json'])).stdout)).toEqual(history);
  });

  it('accepts a retry of the same remote register --file', async () => {
    const bytes = 'the bytes of build 43\n';
    writeFileSync(join(dir, 'retry.tgz'), bytes);
    const sha256 = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const sha512 = createHash('sha512').update(bytes).digest('hex');
    const first = await remote(['register', '--file', 'retry.tgz', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ digest: sha256, digests: { sha512 }, created: true });
    const again = await remote(['register', '--file', 'retry.tgz', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ digest: sha256, digests: { sha512 }, created: false });
    expect((await remote(['check', 'dev', '--artifact', `sha512:${sha512}`])).code).toBe(0);
  });
});
