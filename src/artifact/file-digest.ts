/**
 * Digests of artifacts that are files or directories (`tollgate register --file PATH`).
 * Files are hashed as streams, never loaded whole; directories get a digest defined below that
 * standard tools can reproduce.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, type Dirent, fstatSync, openSync, readFileSync } from 'node:fs';
import { type FileHandle, lstat, open, readdir, stat } from 'node:fs/promises';
import { TollgateError, unreadableFile } from '../errors.js';
import type { Digest } from './digest.js';

/** Read size. 1 MiB reads keep SHA-256 at `openssl dgst` speed; 64 KiB reads reach ~0.7× of it. */
export const DIGEST_CHUNK_BYTES = 1024 * 1024;

/**
 * The `sha256:<hex>` digest of a file's bytes, streamed in 1 MiB reads (the next read runs while
 * the current chunk is hashed). Equal to `openssl dgst -sha256` and `sha256sum` of the file.
 * @throws TollgateError `FILE_UNREADABLE` naming the path when it is missing, unreadable or not a file.
 * @example await digestFile('dist/app.tar.gz') // 'sha256:9f86d0…'
 */
export async function digestFile(path: string): Promise<Digest> {
  return `sha256:${await sha256File(path, path)}`;
}

/**
 * The digest of a directory tree, for artifacts that are a folder of files (a static site, an
 * unpacked release). Definition:
 *
 * 1. Every regular file under `path`, at any depth, is listed by its path relative to `path`,
 *    with `/` between segments and no leading `./`, as raw bytes (names are not normalised).
 * 2. Each file gives one line `<sha256 hex of its content>  <relative path>\n` (two spaces, as
 *    `sha256sum` writes).
 * 3. Lines are sorted by the bytes of the relative path and concatenated; the digest is
 *    `sha256:` + the SHA-256 of that text.
 *
 * Directories are not entries: an empty subdirectory changes nothing (as in git), and a directory
 * with no file at all is refused, since its digest would be the same for every empty directory.
 * Symbolic links, sockets, FIFOs and devices are refused with their path: a link's meaning depends
 * on what is outside the artifact. File modes, owners and times are not part of the digest.
 * A name containing a newline is refused (it would make two lines of one entry).
 *
 * For names without a backslash or newline, the same value comes from
 * `cd DIR && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sed 's|  \./|  |' | sha256sum`.
 * @example await digestDirectory('site/public') // 'sha256:3a6eb0…'
 */
export async function digestDirectory(path: string): Promise<Digest> {
  await expectKind(path, 'directory');
  const files: { relative: Buffer; absolute: Buffer }[] = [];
  await collectFiles(Buffer.from(path), Buffer.alloc(0), files);
  if (files.length === 0) {
    throw new TollgateError(
      'FILE_UNREADABLE',
      `${path} contains no files: expected a directory with at least one regular file to digest`,
      { position: { file: path } },
    );
  }
  files.sort((a, b) => Buffer.compare(a.relative, b.relative));
  const manifest = createHash('sha256');
  for (const file of files) {
    const hex = await sha256File(file.absolute, `${path}/${file.relative.toString()}`);
    manifest.update(`${hex}  `);
    manifest.update(file.relative);
    manifest.update('\n');
  }
  return `sha256:${manifest.digest('hex')}`;
}

/**
 * `digestFile` for a file, `digestDirectory` for a directory: what `register --file PATH` records.
 * @example await digestPath('build/output')
 */
export async function digestPath(path: string): Promise<Digest> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    throw unreadableFile(path, error);
  }
  return info.isDirectory() ? digestDirectory(path) : digestFile(path);
}

/**
 * What `register --file PATH` records: `digestPath`'s digest and, for a file, the sha512 of the
 * same read (hex), so a signed subject's `sha512` can be held against the bytes later. A directory
 * has no sha512 (its digest is of a listing, not of bytes a subject would name).
 * @example await digestPathForRegister('dist/app.tgz') // { digest: 'sha256:9f86d0…', sha512: 'ee26b0…' }
 */
export async function digestPathForRegister(path: string): Promise<{ digest: Digest; sha512?: string }> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    throw unreadableFile(path, error);
  }
  if (info.isDirectory()) return { digest: await digestDirectory(path) };
  const [sha256Hex, sha512Hex] = await hashFile(path, path, ['sha256', 'sha512']);
  return { digest: `sha256:${sha256Hex}`, sha512: sha512Hex! };
}

/**
 * `digestFile` for a file of at most `maxBytes`, read whole and synchronously (no trip through
 * libuv's thread pool: for small files read on every decision, such as a contract's key files).
 * The same refusals as `digestFile`, and one more for a file over `maxBytes`.
 * @throws TollgateError `FILE_UNREADABLE` naming the path when it is missing, unreadable, not a
 *   regular file (a FIFO is refused at once), larger than `maxBytes`, or changed while it was read.
 * @example digestSmallFileSync('keys/release.pub', 1024 * 1024) // 'sha256:9f86d0…'
 */
export function digestSmallFileSync(path: string, maxBytes: number): Digest {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FOR_DIGEST);
  } catch (error) {
    throw unreadableFile(path, error);
  }
  try {
    const info = fstatSync(fd);
    expectRegularFile(info, path);
    if (info.size > maxBytes) throw overLimit(path, maxBytes);
    const bytes = readFileSync(fd);
    if (bytes.length > maxBytes) throw overLimit(path, maxBytes);
    if (changedWhileRead(info, fstatSync(fd))) throw changedWhileDigested(path);
    return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  } catch (error) {
    if (error instanceof TollgateError) throw error;
    throw unreadableFile(path, error);
  } finally {
    closeSync(fd);
  }
}

/**
 * O_NONBLOCK: opening a FIFO (or /dev/stdin as one) for reading would otherwise wait for a writer
 * forever; opened at once, it is refused as not a regular file.
 */
const OPEN_FOR_DIGEST = constants.O_RDONLY | constants.O_NONBLOCK;

interface FileInfo {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  isFile(): boolean;
  isDirectory(): boolean;
}

function expectRegularFile(info: FileInfo, shown: string): void {
  if (info.isFile()) return;
  throw new TollgateError(
    'FILE_UNREADABLE',
    `${shown} is ${info.isDirectory() ? 'a directory' : 'not a regular file'}: expected a file to digest`,
    { position: { file: shown } },
  );
}

/**
 * A file written to while it was read hashes to a mix of two versions that never existed as a
 * whole: it is refused rather than digested.
 */
function changedWhileRead(before: FileInfo, after: FileInfo): boolean {
  return (
    after.size !== before.size ||
    after.mtimeMs !== before.mtimeMs ||
    after.ctimeMs !== before.ctimeMs ||
    after.ino !== before.ino
  );
}

function changedWhileDigested(shown: string): TollgateError {
  return new TollgateError(
    'FILE_UNREADABLE',
    `${shown} changed while it was being digested: register it once it is complete and no longer written to`,
    { position: { file: shown } },
  );
}

function overLimit(shown: string, maxBytes: number): TollgateError {
  return new TollgateError(
    'FILE_UNREADABLE',
    `${shown} is larger than ${maxBytes} bytes: expected a file of at most that size to digest`,
    { position: { file: shown } },
  );
}

/** Hex SHA-256 of a file; `shown` is how errors name it. */
async function sha256File(path: string | Buffer, shown: string): Promise<string> {
  return (await hashFile(path, shown, ['sha256']))[0]!;
}

/**
 * The hex digests of a file's bytes under each of `algorithms` (node:crypto names: `sha512`,
 * `sha3-256`), in that order, from one streamed read, so all describe the same bytes.
 * @throws TollgateError `FILE_UNREADABLE` naming the path when it is missing, unreadable, not a
 * file, or changed while read.
 * @example await hashFileWith('app.tar', ['sha256', 'sha512']) // ['9f86d0…', 'ee26b0…']
 */
export async function hashFileWith(path: string, algorithms: readonly string[]): Promise<string[]> {
  return hashFile(path, path, algorithms);
}

async function hashFile(
  path: string | Buffer,
  shown: string,
  algorithms: readonly string[],
): Promise<string[]> {
  let handle: FileHandle;
  try {
    handle = await open(path, OPEN_FOR_DIGEST);
  } catch (error) {
    throw unreadableFile(shown, error);
  }
  try {
    const info = await handle.stat();
    expectRegularFile(info, shown);
    const hashes = algorithms.map((algorithm) => createHash(algorithm));
    // Two buffers: the next read fills one while the other is hashed.
    let current = Buffer.allocUnsafe(DIGEST_CHUNK_BYTES);
    let spare = Buffer.allocUnsafe(DIGEST_CHUNK_BYTES);
    let pending = handle.read(current, 0, DIGEST_CHUNK_BYTES, null);
    for (;;) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) break;
      pending = handle.read(spare, 0, DIGEST_CHUNK_BYTES, null);
      for (const hash of hashes) hash.update(current.subarray(0, bytesRead));
      [current, spare] = [spare, current];
    }
    if (changedWhileRead(info, await handle.stat())) throw changedWhileDigested(shown);
    return hashes.map((hash) => hash.digest('hex'));
  } catch (error) {
    if (error instanceof TollgateError) throw error;
    throw unreadableFile(shown, error);
  } finally {
    await handle.close();
  }
}

async function expectKind(path: string, kind: 'directory'): Promise<void> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    throw unreadableFile(path, error);
  }
  if (!info.isDirectory()) {
    throw new TollgateError('FILE_UNREADABLE', `${path} is not a ${kind}: expected a ${kind} to digest`, {
      position: { file: path },
    });
  }
}

const SLASH = Buffer.from('/');
const NEWLINE = 0x0a;

async function collectFiles(
  root: Buffer,
  relative: Buffer,
  files: { relative: Buffer; absolute: Buffer }[],
): Promise<void> {
  const directory = relative.length === 0 ? root : Buffer.concat([root, SLASH, relative]);
  let entries: Dirent<Buffer>[];
  try {
    entries = await readdir(directory, { withFileTypes: true, encoding: 'buffer' });
  } catch (error) {
    throw unreadableFile(directory.toString(), error);
  }
  for (const entry of entries) {
    const name = entry.name;
    const childRelative = relative.length === 0 ? name : Buffer.concat([relative, SLASH, name]);
    const shown = `${root.toString()}/${childRelative.toString()}`;
    if (name.includes(NEWLINE)) {
      throw new TollgateError(
        'FILE_UNREADABLE',
        `${JSON.stringify(shown)}: a file name with a newline cannot be digested`,
        {
          position: { file: shown },
        },
      );
    }
    let kind = entry;
    // Some file systems do not report the type in readdir; ask lstat then.
    if (!entry.isFile() && !entry.isDirectory() && !entry.isSymbolicLink() && !isSpecial(entry)) {
      kind = (await lstat(Buffer.concat([directory, SLASH, name]))) as unknown as Dirent<Buffer>;
    }
    if (kind.isDirectory()) {
      await collectFiles(root, childRelative, files);
    } else if (kind.isFile()) {
      files.push({ relative: childRelative, absolute: Buffer.concat([directory, SLASH, name]) });
    } else {
      const what = kind.isSymbolicLink() ? 'a symbolic link' : 'not a regular file or directory';
      throw new TollgateError(
        'FILE_UNREADABLE',
        `${shown} is ${what}: a directory digest covers regular files only (resolve links, or archive the directory and register the archive)`,
        { position: { file: shown } },
      );
    }
  }
}

function isSpecial(entry: Dirent<Buffer>): boolean {
  return entry.isFIFO() || entry.isSocket() || entry.isBlockDevice() || entry.isCharacterDevice();
}
