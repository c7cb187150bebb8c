/**
 * Reading a contract: YAML text → validated, compiled `Contract`, with every error located at file,
 * line and column. `validateContract` is pure (text in, contract or error out); `readContract` does
 * the read. The steps live apart: YAML with positions (yaml-document.ts), schema validation and
 * compilation (schema.ts and requires/), issues in words (schema-issues.ts), the stage graph
 * (stage-graph.ts).
 */
import './zod-setup.js';
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { inputError, TollgateError, unreadableFile } from '../errors.js';
import { expansionBudget } from '../policy/window-spec.js';
import { freezeDeep, withoutPrototypes } from '../records.js';
import { adminsSection, groupsSection } from './people-section.js';
import { windowOccurrenceIssues } from './requires/windows.js';
import { contractSchema, EXTENSION_PREFIX } from './schema.js';
import { formatIssue, positionOf } from './schema-issues.js';
import { checkStageGraph } from './stage-graph.js';
import type { Contract } from './types.js';
import { readYamlDocument } from './yaml-document.js';

/**
 * Largest contract read by default: 1 MiB, a hundred times the largest real contract we know of.
 * YAML parsing takes time and memory many times the text's size (a 50 MB contract took 19 s and
 * 2.6 GB), so the limit is checked before any parsing. TOLLGATE_CONTRACT_MAX_BYTES raises it.
 */
export const DEFAULT_MAX_CONTRACT_BYTES = 1024 * 1024;

export interface ContractLimits {
  /** Largest contract accepted, in bytes (UTF-8). Default {@link DEFAULT_MAX_CONTRACT_BYTES}. */
  maxBytes?: number;
  /**
   * Periods of recurrence rules the load may expand to find windows that never occur, over all
   * windows together. Default {@link DEFAULT_EXPANSION_PERIODS}; past it the contract is refused.
   */
  expansionPeriods?: number;
}

function tooLarge(file: string, size: number, maxBytes: number): TollgateError {
  return new TollgateError(
    'CONTRACT_INVALID',
    `${file}: contract is ${size} bytes, over the limit of ${maxBytes} bytes; a contract is a few kilobytes of YAML (set TOLLGATE_CONTRACT_MAX_BYTES to raise the limit if this one is meant to be that large)`,
    { position: { file } },
  );
}

/**
 * Validates contract text. Pure: the file name is only used in messages.
 * @throws TollgateError CONTRACT_INVALID with file:line:column, what was expected, and the nearest key.
 */
export function validateContract(
  text: string,
  file: string,
  root = dirname(file),
  limits: ContractLimits = {},
): Contract {
  return loadContractText(text, file, root, limits, true);
}

/**
 * Validates the text of a contract already in force (recorded in the ledger) without the YAML-trap
 * refusals (yaml-traps.ts), which a contract pinned by an older Tollgate may not pass: its admins
 * can still be read, and it can still be replaced.
 */
export function validateContractInForce(text: string, file: string, root: string): Contract {
  return loadContractText(text, file, root, {}, false);
}

/** Who may change a contract: what `contract update` reads of the contract in force. */
export interface ContractPeople {
  pipeline: string;
  admins?: string[] | undefined;
  groups?: Record<string, string[]> | undefined;
}

const peopleOnlySchema = z.object({
  pipeline: z.string(),
  admins: adminsSection.optional(),
  groups: groupsSection.optional(),
});

/**
 * Reads only the pipeline, `admins` and `groups` of a contract already in force, for when the whole
 * of it no longer loads (a rule added since refuses something in it). Its admins were valid when it
 * was pinned and are what decide who may replace it: without this, a stricter Tollgate would lock
 * the pipeline to a contract nobody may change.
 * @throws TollgateError CONTRACT_INVALID when even those sections do not read
 */
export function readPeopleInForce(text: string, file: string): ContractPeople {
  const { data, locate } = readYamlDocument(text, file, { traps: false });
  const parsed = peopleOnlySchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new TollgateError('CONTRACT_INVALID', formatIssue(issue, locate, file), {
      position: { file, ...positionOf(issue, locate) },
    });
  }
  return withoutPrototypes(parsed.data);
}

function loadContractText(
  text: string,
  file: string,
  root: string,
  limits: ContractLimits,
  traps: boolean,
): Contract {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_CONTRACT_BYTES;
  // Checked before parsing: a UTF-8 byte is at most one UTF-16 unit, so a text longer than the
  // limit in units is over it in bytes without counting them.
  if (text.length > maxBytes) throw tooLarge(file, Buffer.byteLength(text, 'utf8'), maxBytes);
  const size = Buffer.byteLength(text, 'utf8');
  if (size > maxBytes) throw tooLarge(file, size, maxBytes);
  const { data: raw, locate } = readYamlDocument(text, file, { traps });
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw inputError(
      'CONTRACT_INVALID',
      { file, line: 1, column: 1 },
      'expected a map with version, pipeline, artifact and stages',
    );
  }
  // Top-level `x-` keys are the contract's own scratch space (for anchors), as in Compose files.
  for (const key of Object.keys(raw))
    if (key.startsWith(EXTENSION_PREFIX)) delete (raw as Record<string, unknown>)[key];
  const parsed = contractSchema.safeParse(raw, { reportInput: true });
  // The windows that never occur, found with one budget of expansion for the whole contract: a
  // contract of thousands of such windows is refused when the budget is spent, not checked for an hour.
  const issues: z.core.$ZodIssue[] = parsed.success
    ? windowOccurrenceIssues(
        (raw as { stages: Parameters<typeof windowOccurrenceIssues>[0] }).stages,
        expansionBudget(limits.expansionPeriods),
      ).map((issue) => ({ code: 'custom', input: undefined, ...issue }))
    : parsed.error.issues;
  if (!parsed.success || issues.length > 0) {
    const messages = issues.map((issue) => formatIssue(issue, locate, file));
    const where = positionOf(issues[0]!, locate);
    throw new TollgateError('CONTRACT_INVALID', messages.join('\n'), { position: { file, ...where } });
  }
  // Stage, group, signer and other names are keys the user chose; without a prototype, a stage
  // named `constructor` or a `from: toString` finds only what the contract holds.
  const contract = withoutPrototypes(parsed.data);
  checkStageGraph(contract.stages, locate, file);
  // One immutable object: nothing downstream can change the policy a decision is made under.
  return freezeDeep(
    Object.assign(contract, {
      file,
      root,
      text,
      digest: `sha256:${createHash('sha256').update(text).digest('hex')}`,
    }),
  );
}

/**
 * Reads and validates the contract at `path` (default `tollgate.yaml` in the working directory).
 * A file over the size limit is refused from its size alone, before it is read.
 */
export function readContract(path = 'tollgate.yaml', limits: ContractLimits = {}): Contract {
  const file = resolve(path);
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_CONTRACT_BYTES;
  let bytes: Buffer;
  try {
    const fd = openSync(file, 'r');
    try {
      const stat = fstatSync(fd);
      if (!stat.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
      const size = stat.size;
      if (size > maxBytes) throw tooLarge(path, size, maxBytes);
      // Read at most one byte past the limit: a file that grows after the stat is still refused.
      const buffer = Buffer.alloc(Math.min(size, maxBytes) + 1);
      let length = 0;
      for (let n = -1; n !== 0 && length < buffer.length; length += n)
        n = readSync(fd, buffer, length, buffer.length - length, null);
      if (length > maxBytes) throw tooLarge(path, length, maxBytes);
      bytes = buffer.subarray(0, length);
    } finally {
      closeSync(fd);
    }
  } catch (cause) {
    if (cause instanceof TollgateError) throw cause;
    throw unreadableFile(path, cause, {
      code: 'CONTRACT_NOT_FOUND',
      what: 'the contract',
      hint: 'run `tollgate init` to write one, or pass --contract PATH',
    });
  }
  return validateContract(contractTextOf(bytes, path), path, dirname(file), { maxBytes });
}

/**
 * The contract's text, refusing bytes that are not UTF-8. Decoded leniently, invalid bytes would
 * become U+FFFD: the digest (of the decoded text) would then match no `sha256sum` of the file, and
 * two different files would share one digest.
 * @throws TollgateError CONTRACT_INVALID at the line and column of the first invalid byte
 */
export function contractTextOf(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    const lenient = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    const before = lenient.slice(0, Math.max(0, lenient.indexOf('\uFFFD')));
    const line = before.split('\n').length;
    const column = before.length - before.lastIndexOf('\n');
    throw inputError(
      'CONTRACT_INVALID',
      { file, line, column },
      'the file is not UTF-8 text; expected a contract saved as UTF-8 (convert it, e.g. with `iconv -t UTF-8`)',
    );
  }
}
