import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { TollgateError, unreadableFile } from '../errors.js';
import { formatBytes } from '../text/size.js';

/** Default largest attestation, envelope or bundle file accepted: 256 MiB. */
export const DEFAULT_MAX_INPUT_BYTES = 256 * 1024 * 1024;

/**
 * Reads a whole input file after checking its size, so an oversized file is refused before it is
 * read into memory.
 * @param limitFlag the flag that raises `maxBytes` for the command reading it, named in the refusal;
 *   none for commands whose limit is fixed (`sign`, `verify`, `verify-bundle`)
 * @throws TollgateError EVIDENCE_TOO_LARGE, FILE_UNREADABLE
 */
export function readInputFile(path: string, maxBytes = DEFAULT_MAX_INPUT_BYTES, limitFlag?: string): Buffer {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (cause) {
    throw unreadableFile(path, cause);
  }
  if (size > maxBytes) {
    throw new TollgateError(
      'EVIDENCE_TOO_LARGE',
      `${path}: file is ${formatBytes(size)}, over the limit of ${formatBytes(maxBytes)}; ` +
        (limitFlag === undefined
          ? 'no statement, envelope or bundle is that large'
          : `raise the limit (${limitFlag}) if it is expected`),
      { position: { file: path } },
    );
  }
  return readFileSync(path);
}

/** Largest key or trusted-root file read: 1 MiB (a PEM key is under 1 KiB, a trusted root ~10 KiB). */
export const MAX_TRUST_FILE_BYTES = 1024 * 1024;

/**
 * Reads a key or trusted-root file as text, at most `maxBytes`: a contract names these files, and a
 * path swapped for a huge file or a device (`/dev/zero`) must not exhaust memory on every decision.
 * Read in chunks rather than trusting the size a stat gives, so a pipe (`--key <(…)`) or a file that
 * grows while read is bounded too.
 * @param what names the file in messages (`key file`, `trusted root`)
 * @throws TollgateError CONFIG_INVALID naming the file and the limit, or why it cannot be read
 */
export function readTrustFileText(path: string, what: string, maxBytes = MAX_TRUST_FILE_BYTES): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (cause) {
    throw unreadableFile(path, cause, { code: 'CONFIG_INVALID', what });
  }
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, maxBytes + 1 - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > maxBytes)
        throw new TollgateError(
          'CONFIG_INVALID',
          `${path}: the ${what} is over the limit of ${formatBytes(maxBytes)}; a ${what} is a few KiB at most, so this is not one`,
          { position: { file: path } },
        );
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } catch (cause) {
    if (cause instanceof TollgateError) throw cause;
    throw unreadableFile(path, cause, { code: 'CONFIG_INVALID', what });
  } finally {
    closeSync(fd);
  }
}
