/**
 * Reading a contract: YAML text → validated `Contract`, with every error located at file, line and
 * column. `validateContract` is pure (text in, contract or error out); `readContract` does the read.
 */
import './zod-setup.js';
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  type Alias,
  isAlias,
  isCollection,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  visit,
  type YAMLMap,
} from 'yaml';
import type { z } from 'zod';
import { inputError, TollgateError } from '../errors.js';
import { freezeDeep, hasOwnKey, ownValue, withoutPrototypes } from '../records.js';
import { nearestName } from '../text/nearest.js';
import { contractSchema, EXTENSION_PREFIX } from './schema.js';
import { type Contract, upstreamOf } from './types.js';

type Path = readonly PropertyKey[];

/** Where a YAML node sits, as 1-based line and column. */
interface Located {
  line: number;
  column: number;
}

class Locator {
  constructor(
    private readonly doc: ReturnType<typeof parseDocument>,
    private readonly lines: LineCounter,
  ) {}

  private at(offset: number): Located {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  /** The node at `path`, or the deepest existing ancestor when the path does not exist. */
  node(path: Path): Node | undefined {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = this.doc.getIn(path.slice(0, depth) as unknown[], true) as Node | undefined;
      if (node && typeof node === 'object' && 'range' in node && node.range) return node;
    }
    return this.doc.contents ?? undefined;
  }

  /** Position of the value at `path`. */
  value(path: Path): Located {
    const node = this.node(path);
    return this.at(node?.range?.[0] ?? 0);
  }

  /** Position of the key `key` inside the map at `path` (for unknown keys). */
  key(path: Path, key: string): Located {
    const map = this.node(path);
    if (map && isMap(map)) {
      for (const pair of (map as YAMLMap).items) {
        if (isScalar(pair.key) && String(pair.key.value) === key && pair.key.range) {
          return this.at(pair.key.range[0]);
        }
      }
    }
    return this.value(path);
  }
}

/** The known key closest to `key`, when it is close enough to be a likely typo. */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  return nearestName(key, known, Math.max(2, Math.floor(key.length / 2)));
}

/** Known keys of the strict object schema at `path` of the contract, for suggestions. */
function knownKeysAt(path: Path): string[] {
  let schema: z.ZodType | undefined = contractSchema;
  for (const segment of path) {
    if (!schema) return [];
    schema = childSchema(schema, segment);
  }
  const object = schema && objectOption(schema);
  return object ? Object.keys(object.shape) : [];
}

/** The strict object a schema stands for, looking through wrappers and unions. */
function objectOption(schema: z.ZodType): z.ZodObject | undefined {
  const inner = unwrap(schema);
  if (inner.def.type === 'object') return inner as unknown as z.ZodObject;
  if (inner.def.type === 'union') {
    for (const option of (inner as unknown as z.ZodUnion<z.ZodType[]>).def.options) {
      const found = objectOption(option);
      if (found) return found;
    }
  }
  return undefined;
}

function childSchema(schema: z.ZodType, segment: PropertyKey): z.ZodType | undefined {
  const inner = unwrap(schema);
  switch (inner.def.type) {
    case 'object':
      return ((inner as unknown as z.ZodObject).shape as Record<string, z.ZodType>)[String(segment)];
    case 'record':
      return (inner as unknown as z.ZodRecord).def.valueType as z.ZodType;
    case 'array':
      return (inner as unknown as z.ZodArray<z.ZodType>).def.element;
    case 'union': {
      const wantsIndex = typeof segment === 'number';
      for (const option of (inner as unknown as z.ZodUnion<z.ZodType[]>).def.options) {
        const type = unwrap(option).def.type;
        if ((wantsIndex && type === 'array') || (!wantsIndex && (type === 'object' || type === 'record'))) {
          return childSchema(option, segment);
        }
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = current.def as { type: string; innerType?: z.ZodType; in?: z.ZodType };
    if ((def.type === 'optional' || def.type === 'default' || def.type === 'nullable') && def.innerType) {
      current = def.innerType;
    } else if (def.type === 'pipe' && def.in) {
      current = def.in;
    } else {
      return current;
    }
  }
}

function describeExpected(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (typeof issue.input === 'number' && !Number.isFinite(issue.input))
        return `expected a finite number, found ${Number.isNaN(issue.input) ? '.nan' : issue.input > 0 ? '.inf' : '-.inf'}`;
      return `expected ${issue.expected}${'input' in issue ? `, found ${kindOf(issue.input)}` : ''}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_format':
    case 'custom':
    case 'too_small':
    case 'too_big':
    case 'invalid_union':
      return issue.message
        .replace(/^Invalid input: /, '')
        .replace(/^Invalid string: must match pattern .*/, 'invalid value');
    default:
      return issue.message;
  }
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (value === undefined) return 'nothing';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function pathText(path: Path): string {
  return path.map(String).join('.') || '(top level)';
}

/**
 * Largest contract read by default: 1 MiB, a hundred times the largest real contract we know of.
 * YAML parsing takes time and memory many times the text's size (a 50 MB contract took 19 s and
 * 2.6 GB), so the limit is checked before any parsing. TOLLGATE_CONTRACT_MAX_BYTES raises it.
 */
export const DEFAULT_MAX_CONTRACT_BYTES = 1024 * 1024;

export interface ContractLimits {
  /** Largest contract accepted, in bytes (UTF-8). Default {@link DEFAULT_MAX_CONTRACT_BYTES}. */
  maxBytes?: number;
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
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_CONTRACT_BYTES;
  // Checked before parsing: a UTF-8 byte is at most one UTF-16 unit, so a text longer than the
  // limit in units is over it in bytes without counting them.
  if (text.length > maxBytes) throw tooLarge(file, Buffer.byteLength(text, 'utf8'), maxBytes);
  const size = Buffer.byteLength(text, 'utf8');
  if (size > maxBytes) throw tooLarge(file, size, maxBytes);
  const lines = new LineCounter();
  // `merge`: YAML 1.1 merge keys (`<<: *defaults`), which contracts use to share stage settings.
  const doc = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: true,
    merge: true,
    // Keys that are lists or maps are refused below, with a position, instead of a process warning.
    logLevel: 'error',
  });
  const locate = new Locator(doc, lines);
  const firstError = doc.errors[0];
  if (firstError) {
    const { line, col: column } = lines.linePos(firstError.pos[0]);
    throw inputError(
      'CONTRACT_INVALID',
      { file, line, column },
      `invalid YAML: ${firstError.message.split('\n')[0]}`,
    );
  }
  const raw = toPlainData(doc, lines, file);
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
  if (!parsed.success) {
    const messages = parsed.error.issues.map((issue) => formatIssue(issue, locate, file));
    const where = positionOf(parsed.error.issues[0]!, locate);
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
      digest: `sha256:${createHash('sha256').update(text).digest('hex')}`,
    }),
  );
}

/** Most aliases a contract may resolve: enough for any real one, too few for an expansion bomb. */
const MAX_ALIASES = 100;

/**
 * The document as plain data, aliases and merge keys resolved. What the yaml library would throw on
 * or quietly mangle is CONTRACT_INVALID at the node: an alias to no anchor above it, a merge key
 * (`<<`) that merges no map, a list or map used as a key, and more aliases than any contract needs
 * (the "billion laughs" expansion).
 */
function toPlainData(doc: ReturnType<typeof parseDocument>, lines: LineCounter, file: string): unknown {
  const fail = (node: { range?: [number, number, number] | null } | null | undefined, message: string) => {
    const { line, col: column } = lines.linePos(node?.range?.[0] ?? 0);
    return inputError('CONTRACT_INVALID', { file, line, column }, message);
  };
  visit(doc, {
    Alias(_key, alias) {
      if (!alias.resolve(doc))
        throw fail(
          alias,
          `alias *${alias.source} names no anchor above it; expected &${alias.source} defined earlier in the file`,
        );
      return undefined;
    },
  });
  // A second pass: a pair is visited before the aliases inside it, and a merge of an alias to no
  // anchor must be named by the pass above.
  const target = (node: unknown) => (isAlias(node) ? node.resolve(doc) : node);
  visit(doc, {
    Pair(_key, pair) {
      if (isCollection(pair.key))
        throw fail(pair.key, `a ${isSeq(pair.key) ? 'list' : 'map'} used as a key; expected a name`);
      // With `merge` on, a plain `<<` key is parsed as the symbol the library merges on. It merges a
      // map, or a list of maps, each possibly given by an alias.
      const merge =
        isScalar(pair.key) && typeof pair.key.value === 'symbol' && pair.key.value.description === '<<';
      const value = target(pair.value);
      if (merge && !isMap(value) && !(isSeq(value) && value.items.every((item) => isMap(target(item)))))
        throw fail(
          (pair.value ?? pair.key) as Node | null,
          'a merge key (<<) takes a map, an alias of one (*name), or a list of those',
        );
      return undefined;
    },
  });
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    let first: Alias | undefined;
    visit(doc, {
      Alias(_key, alias) {
        first = alias;
        return visit.BREAK;
      },
    });
    throw fail(
      first,
      `aliases expand to more than ${MAX_ALIASES} nodes; expected a contract, not a YAML expansion`,
    );
  }
}

/** Where an issue points: at the (first) offending key for key issues, else at the value. */
function positionOf(issue: z.core.$ZodIssue, locate: Locator): Located {
  if (issue.code === 'unrecognized_keys') return locate.key(issue.path, issue.keys[0]!);
  if (issue.code === 'invalid_key') return locate.key(issue.path.slice(0, -1), String(issue.path.at(-1)));
  return locate.value(issue.path);
}

function formatIssue(issue: z.core.$ZodIssue, locate: Locator, file: string): string {
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(issue.path);
    return issue.keys
      .map((key) => {
        const { line, column } = locate.key(issue.path, key);
        const near = nearestKey(key, known);
        const hint = near
          ? `; did you mean "${near}"?`
          : known.length
            ? `; expected one of: ${known.join(', ')}`
            : '';
        return `${file}:${line}:${column}: unknown key "${key}" in ${pathText(issue.path)}${hint}`;
      })
      .join('\n');
  }
  if (issue.code === 'invalid_key') {
    // A map key that its schema refuses (a stage named "Dev"): point at the key, say what it must be.
    const { line, column } = positionOf(issue, locate);
    const what = issue.issues.map((inner) => inner.message).join('; ');
    return `${file}:${line}:${column}: ${pathText(issue.path.slice(0, -1))}: key "${String(issue.path.at(-1))}" is not ${what}`;
  }
  const { line, column } = positionOf(issue, locate);
  return `${file}:${line}:${column}: ${pathText(issue.path)}: ${describeExpected(issue)}`;
}

/** `from` must name existing stages and must not form a cycle. */
function checkStageGraph(stages: Contract['stages'], locate: Locator, file: string): void {
  const names = Object.keys(stages);
  for (const [name, stage] of Object.entries(stages)) {
    upstreamOf(stage).forEach((upstream, index, all) => {
      const path = Array.isArray(stage.from) ? ['stages', name, 'from', index] : ['stages', name, 'from'];
      if (all.indexOf(upstream) !== index) {
        throw inputError(
          'CONTRACT_INVALID',
          { file, ...locate.value(path) },
          `stages.${name}.from: "${upstream}" is listed twice; expected each upstream stage once`,
        );
      }
      if (hasOwnKey(stages, upstream)) return;
      const near = nearestKey(upstream, names);
      throw inputError(
        'CONTRACT_INVALID',
        { file, ...locate.value(path) },
        `stages.${name}.from: "${upstream}" names no stage; expected one of: ${names.join(', ')}${near ? ` (did you mean "${near}"?)` : ''}`,
      );
    });
  }
  // Depth-first search; a grey node met again closes a cycle.
  const state = new Map<string, 'grey' | 'black'>();
  const visit = (name: string, trail: string[]): void => {
    if (state.get(name) === 'black') return;
    if (state.get(name) === 'grey') {
      const cycle = [...trail.slice(trail.indexOf(name)), name];
      throw inputError(
        'CONTRACT_INVALID',
        { file, ...locate.value(['stages', name, 'from']) },
        `stages.${name}.from: cycle ${cycle.join(' → ')}; expected stages to form a graph without cycles`,
      );
    }
    state.set(name, 'grey');
    for (const upstream of upstreamOf(ownValue(stages, name)!)) visit(upstream, [...trail, name]);
    state.set(name, 'black');
  };
  for (const name of names) visit(name, []);
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
    throw new TollgateError(
      'CONTRACT_NOT_FOUND',
      `cannot read contract ${path}: ${(cause as NodeJS.ErrnoException).code ?? cause}; run \`tollgate init\` to write one, or pass --contract PATH`,
      { cause, position: { file: path } },
    );
  }
  return validateContract(bytes.toString('utf8'), path, dirname(file), { maxBytes });
}
