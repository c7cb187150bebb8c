/**
 * The digests of the files a contract trusts by reference (src/app/contract-pin.ts `trustFilesOf`),
 * kept per file while its stat is unchanged. `check` compares them with the pin on every decision
 * and the dashboard checks many doors per page; hashing every key file each time is wasted work
 * when none changed, but a swapped file must still be noticed. One per services object (a process's
 * store scope), never a module-level cache.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readFileSync, type Stats, statSync } from 'node:fs';
import { MAX_TRUST_FILE_BYTES } from '../trust/read-input.js';

/** What a trusted file that cannot be read (or is too large to be one) is recorded as. */
const UNREADABLE = 'unreadable';

/**
 * A file counts as unchanged while device, inode, size, mtime and ctime (nanoseconds) are. A file
 * written in the same timestamp tick as it was hashed could change again without its stat showing
 * it (as git's "racily clean" index entries): such a file is hashed again until its last change
 * is older than this margin before the hash.
 */
const RACY_MARGIN_NS = 2_000_000_000n;

interface Kept {
  stat: string;
  /** The file's ctime, in ns, when hashed. */
  changedNs: bigint;
  hashedNs: bigint;
  digest: string;
}

export interface TrustFileDigestsOptions {
  /** The clock hashes are timed by, in ns since the epoch (default: the system's). */
  nowNs?: () => bigint;
}

export class TrustFileDigests {
  readonly #kept = new Map<string, Kept>();
  readonly #nowNs: () => bigint;

  constructor(options: TrustFileDigestsOptions = {}) {
    this.#nowNs = options.nowNs ?? (() => BigInt(Date.now()) * 1_000_000n);
  }

  /** Files hashed (not answered from what was kept), for tests and benchmarks. */
  hashed = 0;

  /** `sha256:` of the file's bytes, or `unreadable` (missing, not a regular file, over 1 MiB). */
  async digestOf(path: string): Promise<string> {
    // Synchronous: a key file is at most 1 MiB, and promise-based reads sent a `check` through
    // libuv's thread pool (started for them) in seven round trips a file.
    let info: ReturnType<typeof statSync> & { ctimeNs: bigint; mtimeNs: bigint };
    try {
      info = statSync(path, { bigint: true });
    } catch {
      this.#kept.delete(path);
      return UNREADABLE;
    }
    if (!info.isFile() || info.size > BigInt(MAX_TRUST_FILE_BYTES)) {
      this.#kept.delete(path);
      return UNREADABLE;
    }
    const signature = `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
    const kept = this.#kept.get(path);
    if (kept?.stat === signature && kept.changedNs + RACY_MARGIN_NS < kept.hashedNs) return kept.digest;
    const hashedNs = this.#nowNs();
    this.hashed++;
    const digest = digestSmallFile(path);
    // ctime moves with every change to the file and cannot be set back (mtime can, with utimes).
    this.#kept.set(path, { stat: signature, changedNs: info.ctimeNs, hashedNs, digest });
    return digest;
  }
}

/**
 * `sha256:` of a file of at most {@link MAX_TRUST_FILE_BYTES}, read whole, or `unreadable` when it
 * cannot be opened, is not a regular file, is over the limit, or changed while it was read (as
 * `digestFile` refuses). Opened with O_NONBLOCK: a FIFO put in a key's place is refused at once
 * instead of waiting for a writer.
 */
function digestSmallFile(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return UNREADABLE;
  }
  try {
    const before = fstatSync(fd);
    if (!before.isFile() || before.size > MAX_TRUST_FILE_BYTES) return UNREADABLE;
    const bytes = readFileSync(fd);
    if (bytes.length > MAX_TRUST_FILE_BYTES || changed(before, fstatSync(fd))) return UNREADABLE;
    return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  } catch {
    return UNREADABLE;
  } finally {
    closeSync(fd);
  }
}

function changed(before: Stats, after: Stats): boolean {
  return (
    after.size !== before.size ||
    after.mtimeMs !== before.mtimeMs ||
    after.ctimeMs !== before.ctimeMs ||
    after.ino !== before.ino
  );
}
