import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  digestDirectory,
  digestFile,
  digestPath,
  digestSmallFileSync,
} from '../../src/artifact/file-digest.js';
import { TollgateError } from '../../src/errors.js';
import { serviceAvailable } from '../support/services.js';

let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'tollgate-digest-'));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function hasOpenssl(): boolean {
  return spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
}

/** The shell recipe in digestDirectory's doc comment. */
function shellDirectoryDigest(dir: string): string {
  const out = execFileSync(
    'sh',
    ['-c', "find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sed 's|  \\./|  |' | sha256sum"],
    { cwd: dir },
  );
  return `sha256:${out.toString().split(' ')[0]}`;
}

async function rejection(promise: Promise<unknown>): Promise<TollgateError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TollgateError);
    return error as TollgateError;
  }
  throw new Error('expected the promise to reject');
}

function makeTree(name: string, files: Record<string, string | Buffer>): string {
  const dir = join(work, name);
  for (const [relative, content] of Object.entries(files)) {
    const path = join(dir, relative);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content);
  }
  return dir;
}

describe('digestFile', () => {
  it.skipIf(!serviceAvailable('openssl', hasOpenssl(), 'the openssl command is not installed'))(
    'equals openssl dgst -sha256 on a file spanning several 1 MiB reads',
    async () => {
      // 5 MiB + 12,345 bytes: several full reads, then a short one.
      const path = join(work, 'random.bin');
      const bytes = Buffer.alloc(5 * 1024 * 1024 + 12_345);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
      writeFileSync(path, bytes);
      const openssl = execFileSync('openssl', ['dgst', '-sha256', '-r', path]).toString().split(' ')[0];
      expect(openssl).toMatch(/^[0-9a-f]{64}$/);
      expect(await digestFile(path)).toBe(`sha256:${openssl}`);
    },
  );

  it('digests an empty file and matches node:crypto on a small one', async () => {
    const empty = join(work, 'empty');
    writeFileSync(empty, '');
    expect(await digestFile(empty)).toBe(
      'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    const small = join(work, 'small.txt');
    writeFileSync(small, 'hello\n');
    expect(await digestFile(small)).toBe(`sha256:${createHash('sha256').update('hello\n').digest('hex')}`);
  });

  it('names a missing path', async () => {
    const missing = join(work, 'nope.tar');
    const error = await rejection(digestFile(missing));
    expect(error.code).toBe('FILE_UNREADABLE');
    expect(error.message).toBe(`${missing}: cannot read the file: no such file or directory`);
    expect(error.position).toEqual({ file: missing });
  });

  it('refuses a directory', async () => {
    const error = await rejection(digestFile(work));
    expect(error.message).toBe(`${work} is a directory: expected a file to digest`);
  });
});

/** The TollgateError `run` throws. */
function thrown(run: () => unknown): TollgateError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TollgateError);
    return error as TollgateError;
  }
  throw new Error('expected the call to throw');
}

describe('digestSmallFileSync', () => {
  it('gives what digestFile gives, up to and including the limit', async () => {
    const small = join(work, 'sync-small.txt');
    writeFileSync(small, 'hello\n');
    expect(digestSmallFileSync(small, 6)).toBe(await digestFile(small));
  });

  it('refuses a file over the limit, naming it', () => {
    const small = join(work, 'sync-over.txt');
    writeFileSync(small, 'hello\n');
    const error = thrown(() => digestSmallFileSync(small, 5));
    expect(error.code).toBe('FILE_UNREADABLE');
    expect(error.message).toBe(
      `${small} is larger than 5 bytes: expected a file of at most that size to digest`,
    );
    expect(error.position).toEqual({ file: small });
  });

  it('refuses what digestFile refuses with the same messages', async () => {
    const missing = join(work, 'sync-nope');
    for (const path of [missing, work]) {
      const sync = thrown(() => digestSmallFileSync(path, 1024));
      const async = await rejection(digestFile(path));
      expect([sync.code, sync.message, sync.position]).toEqual([async.code, async.message, async.position]);
    }
  });

  it('refuses a FIFO at once instead of waiting for a writer', () => {
    const fifo = join(work, 'sync-pipe');
    execFileSync('mkfifo', [fifo]);
    expect(thrown(() => digestSmallFileSync(fifo, 1024)).message).toBe(
      `${fifo} is not a regular file: expected a file to digest`,
    );
  });

  it('refuses a file that another process writes to while it is read', async () => {
    const file = join(work, 'sync-growing.bin');
    writeFileSync(file, Buffer.alloc(32 * 1024 * 1024, 7));
    const writer = spawn('sh', ['-c', 'while :; do printf x >> "$1"; done', 'sh', file], { stdio: 'ignore' });
    try {
      const start = statSync(file).size;
      while (statSync(file).size === start) await new Promise((resolve) => setImmediate(resolve));
      const error = thrown(() => digestSmallFileSync(file, 64 * 1024 * 1024));
      expect(error.message).toMatch(`${file} changed while it was being digested`);
    } finally {
      writer.kill();
    }
  });
});

describe('digestDirectory', () => {
  it('equals the documented find | sort | sha256sum recipe', async () => {
    const dir = makeTree('site', {
      'index.html': '<h1>hi</h1>\n',
      'a-b': 'dash sorts before slash\n',
      'a/b': 'nested\n',
      'B.txt': 'upper case sorts first\n',
      'assets/deep/er/app.js': 'console.log(1)\n',
      'empty-file': '',
    });
    const digest = await digestDirectory(dir);
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(digest).toBe(shellDirectoryDigest(dir));
  });

  it('is exactly sha256 over sorted "<hex>  <path>\\n" lines', async () => {
    const dir = makeTree('exact', { 'z.txt': 'z', 'a/y.txt': 'y' });
    const line = (path: string, content: string) =>
      `${createHash('sha256').update(content).digest('hex')}  ${path}\n`;
    const expected = createHash('sha256')
      .update(line('a/y.txt', 'y') + line('z.txt', 'z'))
      .digest('hex');
    expect(await digestDirectory(dir)).toBe(`sha256:${expected}`);
  });

  it('sorts raw name bytes, also for names that are not UTF-8', async () => {
    const dir = makeTree('bytes', { 'plain.txt': 'p' });
    // 0xff is not valid UTF-8: the digest must use the bytes as the file system has them.
    writeFileSync(Buffer.concat([Buffer.from(`${dir}/caf`), Buffer.from([0xff])]), 'latin-1 name');
    writeFileSync(join(dir, 'café'), 'utf-8 name');
    expect(await digestDirectory(dir)).toBe(shellDirectoryDigest(dir));
  });

  it('changes when a file is renamed or edited, not when an empty directory is added', async () => {
    const dir = makeTree('changes', { 'a.txt': 'one', 'sub/b.txt': 'two' });
    const before = await digestDirectory(dir);
    mkdirSync(join(dir, 'empty/nested'), { recursive: true });
    expect(await digestDirectory(dir)).toBe(before);
    writeFileSync(join(dir, 'a.txt'), 'one!');
    const edited = await digestDirectory(dir);
    expect(edited).not.toBe(before);
    rmSync(join(dir, 'a.txt'));
    writeFileSync(join(dir, 'c.txt'), 'one!');
    expect(await digestDirectory(dir)).not.toBe(edited);
  });

  it('refuses a symbolic link inside the tree, naming it', async () => {
    const dir = makeTree('links', { 'real.txt': 'x' });
    symlinkSync('real.txt', join(dir, 'alias.txt'));
    const error = await rejection(digestDirectory(dir));
    expect(error.code).toBe('FILE_UNREADABLE');
    expect(error.message).toContain(`${dir}/alias.txt is a symbolic link`);
  });

  it('refuses a directory with no files', async () => {
    const dir = join(work, 'hollow/inner');
    mkdirSync(dir, { recursive: true });
    const error = await rejection(digestDirectory(join(work, 'hollow')));
    expect(error.message).toContain('contains no files');
  });

  it('refuses a missing path and a file', async () => {
    const missing = join(work, 'gone');
    expect((await rejection(digestDirectory(missing))).message).toBe(
      `${missing}: cannot read the file: no such file or directory`,
    );
    const file = join(work, 'plain-file');
    writeFileSync(file, 'x');
    expect((await rejection(digestDirectory(file))).message).toContain('is not a directory');
  });
});

describe('digestPath', () => {
  it('refuses a file that is written to while it is digested', async () => {
    const file = join(work, 'growing.bin');
    writeFileSync(file, Buffer.alloc(64 * 1024 * 1024, 7));
    const writer = setInterval(() => appendFileSync(file, 'more'), 1);
    try {
      const error = await rejection(digestPath(file));
      expect(error.message).toBe(
        `${file} changed while it was being digested: register it once it is complete and no longer written to`,
      );
    } finally {
      clearInterval(writer);
    }
  });

  it('refuses a FIFO at once instead of waiting for a writer forever', async () => {
    const fifo = join(work, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const hung = new Promise<string>((resolve) => setTimeout(() => resolve('still waiting'), 2000));
    const outcome = await Promise.race([
      digestPath(fifo).then(
        () => 'digested',
        (error: unknown) => (error as Error).message,
      ),
      hung,
    ]);
    expect(outcome).toBe(`${fifo} is not a regular file: expected a file to digest`);
  });

  it('digests files as files and directories as trees', async () => {
    const file = join(work, 'artifact.bin');
    writeFileSync(file, 'artifact');
    expect(await digestPath(file)).toBe(await digestFile(file));
    const dir = makeTree('tree', { 'x/y': 'z' });
    expect(await digestPath(dir)).toBe(await digestDirectory(dir));
    const missing = join(work, 'missing');
    expect((await rejection(digestPath(missing))).message).toContain(missing);
  });
});
