/**
 * The digests of the files a contract trusts by reference (src/app/contract-pin.ts `trustFilesOf`),
 * kept per file while its stat is unchanged. `check` compares them with the pin on every decision
 * and the dashboard checks many doors per page; hashing every key file each time is wasted work
 * when none changed, but a swapped file must still be noticed. One per services object (a process's
 * store scope), never a module-level cache.
 */
import { statSync } from 'node:fs';
import { digestSmallFileSync } from '../artifact/file-digest.js';
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
    const digest = digestTrustFile(path);
    // ctime moves with every change to the file and cannot be set back (mtime can, with utimes).
    this.#kept.set(path, { stat: signature, changedNs: info.ctimeNs, hashedNs, digest });
    return digest;
  }
}

/**
 * `sha256:` of a file of at most {@link MAX_TRUST_FILE_BYTES}, or `unreadable` when `digestFile`'s
 * rules refuse it (missing, not a regular file, a FIFO at once, changed while read) or it is over
 * the limit.
 */
function digestTrustFile(path: string): string {
  try {
    return digestSmallFileSync(path, MAX_TRUST_FILE_BYTES);
  } catch {
    return UNREADABLE;
  }
}
