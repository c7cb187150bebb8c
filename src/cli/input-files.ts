/**
 * Input files as CI users write them: `-` for standard input, and globs (`reports/**\/*.xml`)
 * expanded here, so they work where no shell expands them (a GitHub Action's `with:`, a quoted
 * argument, a shell without globstar). Standard input is spooled to a private temporary file named
 * `stdin`, so every reader sees a real file: the same size limits, digests and error positions.
 */
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { TollgateError } from '../errors.js';

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
): Promise<InputFiles> {
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
        await pipeline(stdin, createWriteStream(path, { mode: 0o600 }));
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
): Promise<InputFiles & { file: string }> {
  const inputs = await expandInputs([arg], stdin);
  if (inputs.files.length !== 1) {
    inputs.dispose();
    throw new TollgateError(
      'USAGE',
      `${arg} matches ${inputs.files.length} files (${inputs.files.slice(0, 5).join(', ')}${inputs.files.length > 5 ? ', …' : ''}); this command records one file at a time`,
    );
  }
  return { ...inputs, file: inputs.files[0]! };
}
