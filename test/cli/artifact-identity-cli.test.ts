/**
 * One set of bytes is one artifact, whichever digest names it. `register --file` records the sha256
 * and the sha512 of the file; the sha512 given later (`register --digest sha512:…`, `--artifact
 * sha512:…`) is the same artifact, with its history: a build rolled back out of a stage does not
 * walk back in as new under its other digest.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENTRY } from '../../src/ledger/entry.js';
import { openSqliteStore } from '../../src/ledger/sqlite-store.js';
import { twoStageYaml } from '../support/builders.js';
import { fakeDigest, makeWorkspace, runCli } from '../support/cli.js';

const CONTRACT = twoStageYaml('      approvals: { count: 1 }', undefined, { first: 'dev' });

function digestsOf(text: string): { sha256: string; sha512: string } {
  return {
    sha256: `sha256:${createHash('sha256').update(text).digest('hex')}`,
    sha512: `sha512:${createHash('sha512').update(text).digest('hex')}`,
  };
}

describe('one artifact whichever digest names it', () => {
  it('keeps a build rolled back out of dev out when it is registered again by its sha512', async () => {
    const dir = makeWorkspace(CONTRACT);
    const run = async (args: string[], code = 0) => {
      const result = await runCli(args, { cwd: dir, env: { TOLLGATE_ACTOR: 'ci' } });
      expect(result.code, `${args.join(' ')}: ${result.stderr}${result.stdout}`).toBe(code);
      return result;
    };
    writeFileSync(join(dir, 'good.tgz'), 'the good build\n');
    writeFileSync(join(dir, 'bad.tgz'), 'the bad build\n');
    const good = digestsOf('the good build\n');
    const bad = digestsOf('the bad build\n');
    await run(['register', '--file', 'good.tgz', '--label', 'version=1.0.0']);
    await run(['register', '--file', 'bad.tgz', '--label', 'version=1.0.1']);
    await run(['promote', 'dev', '--artifact', good.sha256]);
    await run(['promote', 'dev', '--artifact', bad.sha256]);
    await run(['rollback', 'dev', '--reason', 'errors in dev']);

    // The same bytes by their sha512: the artifact already registered, named by its sha256.
    const again = await run(['register', '--digest', bad.sha512, '--label', 'version=1.0.1']);
    expect(again.stdout).toContain(`already registered ${bad.sha256} (the same bytes as ${bad.sha512})`);
    const json = JSON.parse((await run(['register', '--digest', bad.sha512, '--json'])).stdout) as {
      digest: string;
      created: boolean;
    };
    expect(json).toMatchObject({ digest: bad.sha256, created: false });

    // Its rollback stands under either digest: check and promote say no.
    const checked = await run(['check', 'dev', '--artifact', bad.sha512], 1);
    expect(checked.stdout).toContain(
      `dev ← ${bad.sha256.slice(0, 'sha256:'.length + 12)} (version 1.0.1): BLOCKED`,
    );
    expect(checked.stdout).toContain('rolled back out of dev');
    const promoted = await run(['promote', 'dev', '--artifact', bad.sha512], 1);
    expect(`${promoted.stdout}${promoted.stderr}`).toContain('rolled back out of dev');

    // Labels stay those of the artifact, under either digest.
    const relabel = await runCli(['register', '--digest', bad.sha512, '--label', 'version=9.9.9'], {
      cwd: dir,
      env: { TOLLGATE_ACTOR: 'ci' },
    });
    expect(relabel.code).not.toBe(0);
    expect(relabel.stderr).toContain(`${bad.sha256} (the same bytes as ${bad.sha512}) is already registered`);

    // The history is one: explain by the sha512 shows the sha256 artifact with its rollback.
    // It names the sha512 only as the digest it was asked by, read from the file (not claimed).
    const explained = JSON.parse((await run(['explain', bad.sha512, '--json'])).stdout);
    expect(explained.artifact.digest).toBe(bad.sha256);
    expect(explained.artifact.askedBy).toEqual({ digest: bad.sha512, seq: 2 });
  });

  it('takes bytes registered by their sha512 alone as that artifact when the file is registered', async () => {
    const dir = makeWorkspace(CONTRACT);
    const run = async (args: string[], code = 0) => {
      const result = await runCli(args, { cwd: dir, env: { TOLLGATE_ACTOR: 'ci' } });
      expect(result.code, `${args.join(' ')}: ${result.stderr}${result.stdout}`).toBe(code);
      return result.stdout;
    };
    writeFileSync(join(dir, 'app.tgz'), 'the app\n');
    const app = digestsOf('the app\n');
    await run(['register', '--digest', app.sha512, '--label', 'version=2.0.0']);
    expect(await run(['register', '--file', 'app.tgz'])).toContain(`already registered ${app.sha512}`);
    // The sha256 the file read added now names the same artifact too.
    expect(await run(['register', '--digest', app.sha256])).toContain(
      `already registered ${app.sha512} (the same bytes as ${app.sha256})`,
    );
    await run(['promote', 'dev', '--artifact', app.sha256]);
    const status = await run(['status', '--json']);
    expect(status).toContain(app.sha512);
    expect(status).not.toContain(app.sha256);
  });

  it('warns in ledger verify of an old ledger where a second artifact claimed a known sha512', async () => {
    const dir = makeWorkspace(CONTRACT);
    const env = { TOLLGATE_ACTOR: 'ci', TOLLGATE_DATA_DIR: join(dir, 'data') };
    writeFileSync(join(dir, 'app.tgz'), 'the app\n');
    const app = digestsOf('the app\n');
    expect((await runCli(['register', '--file', 'app.tgz'], { cwd: dir, env })).code).toBe(0);
    const fine = await runCli(['ledger', 'verify'], { cwd: dir, env });
    expect(fine.code, fine.stderr).toBe(0);
    expect(fine.stdout).not.toContain('WARNING');
    // A rebuild claiming the app's sha512, appended as a version without the conflict check did.
    const rebuild = fakeDigest('a rebuild nobody tested');
    const sha512 = app.sha512.slice('sha512:'.length);
    const store = await openSqliteStore(join(dir, 'data', 'ledger.db'), { sliceWorker: false });
    try {
      await store.write('shop', async (tx) => {
        const at = new Date().toISOString();
        await tx.insertArtifact(
          'shop',
          { digest: rebuild, labels: {}, registeredAt: at, source: 'digest', digests: { sha512 } },
          'mallory',
        );
        await tx.append('shop', {
          kind: ENTRY.register,
          stage: null,
          artifact: rebuild,
          actor: 'mallory',
          at,
          payload: { labels: {}, source: 'digest', digests: { sha512 }, claimed: ['sha512'] },
        });
      });
    } finally {
      await store.close();
    }
    const verified = await runCli(['ledger', 'verify'], { cwd: dir, env });
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toContain('ledger of shop intact: 2 entries');
    expect(verified.stdout).toContain(
      `WARNING: ${app.sha512} names 2 artifacts: ${app.sha256} (register entry #1), ${rebuild} (register entry #2); one set of bytes is one artifact`,
    );
  });

  it('refuses upper-case hex, a sha256 of 63 or 65 digits and other algorithms', async () => {
    const dir = makeWorkspace(CONTRACT);
    const hex = 'ab'.repeat(32);
    const cases: Array<[string, string]> = [
      [`sha256:${hex.toUpperCase()}`, 'must be lower-case hex'],
      [`sha256:${hex.slice(1)}`, 'has 63 hex characters: sha256 needs 64'],
      [`sha256:${hex}a`, 'has 65 hex characters: sha256 needs 64'],
      [`md5:${hex.slice(0, 32)}`, 'unsupported algorithm "md5"'],
      [`sha384:${'ab'.repeat(48)}`, 'unsupported algorithm "sha384"'],
    ];
    for (const [digest, message] of cases) {
      for (const args of [
        ['register', '--digest', digest],
        ['check', 'dev', '--artifact', digest],
      ]) {
        const result = await runCli(args, { cwd: dir, env: { TOLLGATE_ACTOR: 'ci' } });
        expect(result.code, `${args.join(' ')}: ${result.stdout}`).not.toBe(0);
        expect(result.stderr).toContain(message);
      }
    }
  });
});
