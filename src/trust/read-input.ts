import { readFileSync, statSync } from 'node:fs';
import { TollgateError } from '../errors.js';

/** Default largest attestation, envelope or bundle file accepted: 256 MiB. */
export const DEFAULT_MAX_INPUT_BYTES = 256 * 1024 * 1024;

/**
 * Reads a whole input file after checking its size, so an oversized file is refused before it is
 * read into memory.
 * @throws TollgateError EVIDENCE_TOO_LARGE, FILE_UNREADABLE
 */
export function readInputFile(path: string, maxBytes = DEFAULT_MAX_INPUT_BYTES): Buffer {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (cause) {
    throw new TollgateError('FILE_UNREADABLE', `${path}: cannot read (${(cause as Error).message})`, {
      cause,
      position: { file: path },
    });
  }
  if (size > maxBytes) {
    throw new TollgateError(
      'EVIDENCE_TOO_LARGE',
      `${path}: file is ${size} bytes, over the limit of ${maxBytes} bytes; raise the limit (--max-size) if it is expected`,
      { position: { file: path } },
    );
  }
  return readFileSync(path);
}
