/**
 * A folder of contracts for a server (`tollgate serve --contracts DIR`): every `*.yaml` / `*.yml`
 * directly in it, and every `tollgate.yaml` one folder down (a pipeline's folder, with the config
 * files its drift gate reads beside it). Each is validated as the CLI validates one; a folder
 * holding an invalid contract, or two contracts for one pipeline, is refused whole.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type ContractLimits, readContract } from '../contract/load-contract.js';
import type { Contract } from '../contract/types.js';
import { TollgateError, unreadableFile } from '../errors.js';

/** The contract files of `dir`, sorted by path. */
export function contractFilesIn(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (cause) {
    throw unreadableFile(dir, cause, { code: 'USAGE', what: 'the --contracts folder' });
  }
  const files: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    const info = statSync(path, { throwIfNoEntry: false });
    if (info?.isFile() && /\.ya?ml$/i.test(name)) files.push(path);
    if (info?.isDirectory()) {
      const nested = join(path, 'tollgate.yaml');
      if (statSync(nested, { throwIfNoEntry: false })?.isFile()) files.push(nested);
    }
  }
  return files;
}

/** Reads and validates every contract of `dir`. */
export function readContractDir(dir: string, limits: ContractLimits = {}): Contract[] {
  const files = contractFilesIn(dir);
  if (files.length === 0) {
    throw new TollgateError(
      'USAGE',
      `--contracts ${dir}: no contract files (*.yaml, *.yml, or */tollgate.yaml) in the folder`,
    );
  }
  return files.map((file) => readContract(file, limits));
}
