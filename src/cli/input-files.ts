/**
 * Input files as CI users write them: `-` for standard input, and globs (`reports/**\/*.xml`)
 * expanded here, so they work where no shell expands them (a GitHub Action's `with:`, a quoted
 * argument, a shell without globstar). Standard input is spooled to a private temporary file named
 * `stdin`, so every reader sees a real file: the same size limits, digests and error positions.
 * The spool itself stops at the evidence size limit: an endless or huge stream is refused once it
 * passes the limit, before it fills the disk.
 */
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TollgateError } from '../errors.js';
import { DEFAULT_MAX_EVIDENCE_BYTES } from '../evidence/json-input.js';
import { formatBytes } from '../text/size.js';

export interface InputOptions {
  /** Most bytes standard input may bring (default {@link DEFAULT_MAX_EVIDENCE_BYTES}). */
  maxStdinBytes?: number;
}

export interface InputFiles {
  files: string[];
  /** Removes the spooled standard input, if any. */
  dispose(): void;
}

const GLOB = /[*?[\]{}]/;

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Expands `-` and glob arguments into file paths, in the order given (each glob's matches sorted).
 * A literal path that exists is never treated as a glob; a glob that matches nothing is an error.
 * @example await expandInputs(['reports/**\/*.xml'], process.stdin)
 */
export async function expandInputs(
  args: readonly string[],
  stdin: NodeJS.ReadableStream,
  options: InputOptions = {},
): Promise<InputFiles> {
  const maxBytes = options.maxStdinBytes ?? DEFAULT_MAX_EVIDENCE_BYTES;
  const files: string[] = [];
  let spool: string | undefined;
  const dispose = () => {
    if (spool) rmSync(spool, { recursive: true, force: true });
  };
  try {
    for (const arg of args) {
      if (arg === '-') {
        if (spool) throw new TollgateError('USAGE', '"-" (standard input) can be given only once');
        spool = mkdtempSync(join(tmpdir(), 'tollgate-stdin-'));
        const path = join(spool, 'stdin');
        await pipeline(stdin, sizeLimit(maxBytes), createWriteStream(path, { mode: 0o600 }));
        files.push(path);
      } else if (GLOB.test(arg) && !isFile(arg)) {
        const { glob } = await import('tinyglobby');
        const matches = (await glob(arg, { onlyFiles: true, expandDirectories: false })).sort();
        if (matches.length === 0) {
          throw new TollgateError('FILE_UNREADABLE', `no file matches ${arg} (in ${process.cwd()})`);
        }
        files.push(...matches);
      } else {
        files.push(arg);
      }
    }
    return { files: [...new Set(files)], dispose };
  } catch (error) {
    dispose();
    throw error;
  }
}

/** Like `expandInputs` for a command that reads one file: the arguments must name exactly one. */
export async function expandOneInput(
  arg: string,
  stdin: NodeJS.ReadableStream,
  options: InputOptions = {},
): Promise<InputFiles & { file: string }> {
  const inputs = await expandInputs([arg], stdin, options);
  if (inputs.files.length !== 1) {
    inputs.dispose();
    throw new TollgateError(
      'USAGE',
      `${arg} matches ${inputs.files.length} files (${inputs.files.slice(0, 5).join(', ')}${inputs.files.length > 5 ? ', …' : ''}); this command records one file at a time`,
    );
  }
  return { ...inputs, file: inputs.files[0]! };
}

/** Passes bytes through until more than `maxBytes` came, then fails with EVIDENCE_TOO_LARGE. */
function sizeLimit(maxBytes: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > maxBytes) {
        callback(
          new TollgateError(
            'EVIDENCE_TOO_LARGE',
            `- (standard input): more than ${formatBytes(maxBytes)} came, over the evidence size limit; nothing was recorded. Raise the limit (--max-evidence-bytes, where the command has it) or pass the report as a file`,
            { position: { file: '-' } },
          ),
        );
        return;
      }
      callback(null, chunk);
    },
  });
}
