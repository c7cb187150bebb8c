/**
 * Contract YAML as plain data with positions: the document parsed once, with aliases and merge keys
 * resolved and checked, and a `Locator` that finds the line and column of any path in it, so every
 * later error (schema issues, the stage graph) can point at what the user wrote.
 */
import {
  type Alias,
  Composer,
  type CST,
  type Document,
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  Parser,
  visit,
  type YAMLMap,
  YAMLParseError,
} from 'yaml';
import { inputError } from '../errors.js';
import { checkYamlTraps } from './yaml-traps.js';

/** A path into the document: map keys and list indexes. */
export type Path = readonly PropertyKey[];

/** Where a YAML node sits, as 1-based line and column. */
export interface Located {
  line: number;
  column: number;
}

export class Locator {
  constructor(
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  private at(offset: number): Located {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  /**
   * The node at `path`, or the deepest existing ancestor when the path does not exist. The path is
   * followed as the contract was loaded: through aliases to what they name, into the maps a merge
   * key (`<<`) merges, and by a key's loaded name (`1:` is the stage "1"), so a position is that of
   * the text the value was read from.
   */
  node(path: Path): Node | undefined {
    let current = this.resolve(this.doc.contents);
    for (const step of path) {
      const next = this.resolve(this.pairOf(current, step)?.value ?? this.itemOf(current, step));
      if (next === undefined || !next.range) break;
      current = next;
    }
    return current ?? undefined;
  }

  private resolve(node: unknown): Node | undefined {
    const target = isAlias(node) ? node.resolve(this.doc) : node;
    return target === null || target === undefined ? undefined : (target as Node);
  }

  private itemOf(list: Node | undefined, index: PropertyKey): unknown {
    return isSeq(list) && typeof index === 'number' ? list.items[index] : undefined;
  }

  /** The pair giving `key` in `map`: its own, else the first a merge gives (as the loader reads it). */
  private pairOf(map: Node | undefined, key: PropertyKey, seen = new Set<Node>()): Pair | undefined {
    if (!isMap(map) || seen.has(map)) return undefined;
    seen.add(map);
    const merges: Pair[] = [];
    for (const pair of (map as YAMLMap).items) {
      if (!isScalar(pair.key)) continue;
      const value = pair.key.value;
      if (typeof value === 'symbol' && value.description === '<<') merges.push(pair);
      else if ((value === null ? '' : String(value)) === String(key)) return pair;
    }
    for (const merge of merges) {
      const source = this.resolve(merge.value);
      const sources = isSeq(source) ? source.items.map((item) => this.resolve(item)) : [source];
      for (const from of sources) {
        const found = this.pairOf(from, key, seen);
        if (found) return found;
      }
    }
    return undefined;
  }

  /** Position of the value at `path`. */
  value(path: Path): Located {
    const node = this.node(path);
    return this.at(node?.range?.[0] ?? 0);
  }

  /** Position of the key `key` inside the map at `path` (for unknown keys). */
  key(path: Path, key: string): Located {
    const pair = this.pairOf(this.node(path), key);
    if (isScalar(pair?.key) && pair.key.range) return this.at(pair.key.range[0]);
    return this.value(path);
  }
}

export interface ReadYamlOptions {
  /**
   * Refuse YAML that reads differently than it loads (yaml-traps.ts). Default true; false only to
   * read a contract already in force, which an older Tollgate may have accepted.
   */
  traps?: boolean;
}

/**
 * Parses contract YAML into plain data and a locator for it.
 * @throws TollgateError CONTRACT_INVALID at the line and column of the first YAML problem
 */
export function readYamlDocument(
  text: string,
  file: string,
  options: ReadYamlOptions = {},
): { data: unknown; locate: Locator } {
  const lines = new LineCounter();
  const fail = (offset: number, message: string) => {
    const { line, col: column } = lines.linePos(offset);
    return inputError('CONTRACT_INVALID', { file, line, column }, message);
  };
  // The yaml library's parser builds its syntax tree without recursing, but turning that tree into
  // a document recurses once a level: ten thousand `[` overflowed the stack. The depth is checked
  // on the syntax tree, in between.
  const tokens = [...new Parser(lines.addNewLine).parse(text)];
  checkSyntaxDepth(tokens, fail);
  const doc = composeDocument(tokens, text.length);
  const firstError = doc.errors[0];
  if (firstError) {
    const { line, col: column } = lines.linePos(firstError.pos[0]);
    throw inputError(
      'CONTRACT_INVALID',
      { file, line, column },
      `invalid YAML: ${firstError.message.split('\n')[0]}`,
    );
  }
  // Aliases nest one part in another: bounded before anything walks the document through them.
  checkResolvedDepth(doc, (node, message) => fail(node?.range?.[0] ?? 0, message));
  // Not for a contract already in force: an older Tollgate pinned it, and its admins must still
  // be able to read it to replace it. Every contract pinned from now on passed it.
  if (options.traps !== false) checkExpansion(doc, (node, message) => fail(node?.range?.[0] ?? 0, message));
  const data = toPlainData(doc, lines, file);
  // After the expansion is known to be bounded (toPlainData): the traps compare merged values.
  if (options.traps !== false)
    checkYamlTraps(doc, text, (node, message) => {
      const { line, col: column } = lines.linePos(node?.range?.[0] ?? 0);
      return inputError('CONTRACT_INVALID', { file, line, column }, message);
    });
  return { data, locate: new Locator(doc, lines) };
}

/**
 * Most levels of lists and maps inside one another, aliases resolved. A real contract is about
 * eight deep (`stages.prod.requires.rules[0].cel`); the limit keeps every recursive step after
 * parsing (composing, resolving aliases, the schema, freezing) far from the stack's end.
 */
const MAX_YAML_DEPTH = 64;

const tooDeep = (what: string) =>
  `${what} more than ${MAX_YAML_DEPTH} levels deep; a contract nests a few levels (stages.NAME.requires.GATE): expected a contract, not a nesting this deep`;

/** One YAML document from the parser's tokens, composed as `parseDocument` does. */
function composeDocument(tokens: CST.Token[], length: number): Document.Parsed {
  // `merge`: YAML 1.1 merge keys (`<<: *defaults`), which contracts use to share stage settings.
  const composer = new Composer({
    uniqueKeys: true,
    merge: true,
    // Keys that are lists or maps are refused below, with a position, instead of a process warning.
    logLevel: 'error',
  });
  let doc: Document.Parsed | undefined;
  for (const next of composer.compose(tokens, true, length)) {
    if (doc === undefined) {
      doc = next;
      continue;
    }
    doc.errors.push(
      new YAMLParseError(
        [next.range[0], next.range[1]],
        'MULTIPLE_DOCS',
        'Source contains multiple documents; expected one contract',
      ),
    );
    break;
  }
  // compose(…, true) always yields a document, an empty one for empty text.
  return doc!;
}

/** Throws at the first list or map nested more than MAX_YAML_DEPTH deep in the syntax tree. */
function checkSyntaxDepth(tokens: CST.Token[], fail: (offset: number, message: string) => Error): void {
  const stack: Array<[CST.Token | null | undefined, number]> = tokens.map((token) => [token, 0]);
  while (stack.length > 0) {
    const [token, depth] = stack.pop()!;
    if (token === undefined || token === null) continue;
    if (token.type === 'document') stack.push([token.value, depth]);
    else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      if (depth >= MAX_YAML_DEPTH) throw fail(token.offset, tooDeep('lists and maps nested'));
      for (const item of token.items)
        stack.push(['key' in item ? item.key : undefined, depth + 1], [item.value, depth + 1]);
    }
  }
}

/**
 * Throws when aliases nest the document more than MAX_YAML_DEPTH deep (`&a [[…]]`, then
 * `&b [[… *a]]`, …), or when an alias names the list or map it is inside, which would make an
 * endless value. Each node is measured once; the walk stops at the limit, so it recurses no deeper.
 */
function checkResolvedDepth(
  doc: Document.Parsed,
  fail: (node: { range?: [number, number, number] | null } | null | undefined, message: string) => Error,
): void {
  const heights = new Map<unknown, number>();
  const open = new Set<unknown>();
  const height = (node: unknown, above: number, via: Alias | undefined): number => {
    let target = node;
    if (isAlias(node)) {
      target = node.resolve(doc);
      via = node;
      if (open.has(target))
        throw fail(
          node,
          `alias *${node.source} is inside the list or map &${node.source} names, which would make it endless; expected an alias of a part defined before it, outside it`,
        );
    }
    if (!isCollection(target)) return 0;
    const known = heights.get(target);
    const own = known ?? 1;
    if (above + own > MAX_YAML_DEPTH)
      throw fail(via ?? target, tooDeep('with its aliases resolved, lists and maps nested'));
    if (known !== undefined) return known;
    open.add(target);
    let deepest = 0;
    for (const item of target.items) {
      const parts = isPair(item) ? [item.key, item.value] : [item];
      for (const part of parts) deepest = Math.max(deepest, height(part, above + 1, via));
    }
    open.delete(target);
    heights.set(target, deepest + 1);
    return deepest + 1;
  };
  height(doc.contents, 0, undefined);
}

/**
 * Most lists, maps and values all aliases together may repeat. The yaml library bounds how many
 * aliases there are (MAX_ALIASES), not what each repeats: 99 aliases of one list of 100,000 items
 * written once are ten million, which took a 200 KB contract 13 s and 470 MB to load. Twenty
 * stages sharing a `requires` of a hundred values by alias are 2,000.
 */
const MAX_REPEATED_NODES = 10_000;

/**
 * Throws at the first alias (in document order) past which all aliases together repeat more than
 * MAX_REPEATED_NODES nodes. Runs after checkResolvedDepth: no alias is endless, and the recursion
 * is at most MAX_YAML_DEPTH deep.
 */
function checkExpansion(
  doc: Document.Parsed,
  fail: (node: { range?: [number, number, number] | null } | null | undefined, message: string) => Error,
): void {
  const sizes = new Map<unknown, number>();
  // Nodes a part stands for, its aliases resolved.
  const size = (node: unknown): number => {
    const target = isAlias(node) ? node.resolve(doc) : node;
    if (!isCollection(target)) return 1;
    const known = sizes.get(target);
    if (known !== undefined) return known;
    let total = 1;
    for (const item of target.items) total += isPair(item) ? size(item.key) + size(item.value) : size(item);
    sizes.set(target, total);
    return total;
  };
  let repeated = 0;
  visit(doc, {
    Alias(_key, alias) {
      repeated += size(alias);
      if (repeated > MAX_REPEATED_NODES)
        throw fail(
          alias,
          `aliases repeat more than ${MAX_REPEATED_NODES.toLocaleString('en-US')} lists, maps and values of the document; expected a contract that shares a few settings by alias, not a YAML expansion (write long lists once)`,
        );
      return undefined;
    },
  });
}

/** Most aliases a contract may resolve: enough for any real one, too few for an expansion bomb. */
const MAX_ALIASES = 100;

/**
 * The document as plain data, aliases and merge keys resolved. What the yaml library would throw on
 * or quietly mangle is CONTRACT_INVALID at the node: an alias to no anchor above it, a merge key
 * (`<<`) that merges no map, a list or map used as a key, and more aliases than any contract needs
 * (the "billion laughs" expansion).
 */
function toPlainData(doc: Document.Parsed, lines: LineCounter, file: string): unknown {
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
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES });
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
  return data;
}
