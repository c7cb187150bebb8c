/**
 * YAML that parses but reads differently to a reviewer than to the loader. Each is refused at the
 * node, saying what to write instead:
 * - a `%YAML` directive other than 1.2: under `%YAML 1.1`, `010` is 8, `yes` is true, `1_000` is a
 *   number and dates are timestamps, all silently;
 * - a tag other than YAML's core ones (`!custom`, `!!binary`, `!!set`, `!!omap`, `!!js/regexp`):
 *   Tollgate gives them no meaning, so a tag would either be dropped or turn a value into something
 *   else than it reads as;
 * - an integer written with a leading zero, or in hex or octal (`010`, `0o10`, `0x1`): YAML 1.1 and
 *   1.2 disagree on `010` (8 or 10), and a count is clearest in decimal;
 * - a map key that loads as another name than it shows: a number or boolean written otherwise than
 *   it loads (`1.10` is the name "1.1", `True` is "true", `~` is ""), and two keys YAML holds
 *   apart that load as one name (`1` and `"1"`), the later replacing the earlier without a word;
 * - merge keys (`<<`) whose outcome is not what the map shows: a map with two `<<` keys, a key that
 *   two merged maps give differently (YAML takes the first), and a map or list written beside a
 *   merge that also gives it: the merge is shallow, so the written one replaces the merged one whole
 *   and every requirement only the merged one held is dropped.
 */
import {
  type Document,
  isAlias,
  isCollection,
  isMap,
  isScalar,
  isSeq,
  type Node,
  type Pair,
  type Scalar,
  visit,
  type YAMLMap,
} from 'yaml';

type Fail = (node: { range?: [number, number, number] | null } | null | undefined, message: string) => Error;

/** The tags of YAML 1.2's core schema: anything they say, the plain value already says. */
const CORE_TAGS = new Set(
  ['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((name) => `tag:yaml.org,2002:${name}`),
);

/** Aliases one side of a comparison may expand; the document as a whole is bounded before. */
const MAX_COMPARED_ALIASES = 100;

/** A plain integer in another notation than decimal without leading zeros. */
const AMBIGUOUS_INTEGER = /^[-+]?(0[0-9_]|0[xXoObB])/;

/** Throws at the first YAML trap in `doc` (see the module comment); `text` is the document's source. */
export function checkYamlTraps(doc: Document, text: string, fail: Fail): void {
  const version = doc.directives?.yaml;
  if (version?.explicit && version.version !== '1.2') {
    const offset = Math.max(0, text.search(/^%YAML/m));
    throw fail(
      { range: [offset, offset, offset] },
      `%YAML ${version.version}: a contract is read as YAML 1.2; under ${version.version}, yes, on, 010 and 1_000 would quietly mean true, true, 8 and 1000: remove the directive`,
    );
  }
  visit(doc, {
    Node(_key, node) {
      const tag = (node as { tag?: string }).tag;
      if (tag !== undefined && !CORE_TAGS.has(tag))
        throw fail(
          { range: tagRange(text, node as Node, shortTag(tag)) },
          `tag ${shortTag(tag)}: a contract gives tags no meaning; expected a plain value (remove the tag)`,
        );
      if (isScalar(node)) checkNumber(node, fail);
      if (isMap(node)) {
        checkKeys(doc, node, text, fail);
        checkMerges(doc, node, fail);
      }
      return undefined;
    },
  });
}

/** Where the tag is written: before its node, separated from it by white space only. */
function tagRange(text: string, node: Node, written: string): [number, number, number] | null | undefined {
  const start = node.range?.[0];
  if (start === undefined) return node.range;
  const at = text.lastIndexOf(written, start);
  return at !== -1 && /^\s*$/.test(text.slice(at + written.length, start)) ? [at, at, at] : node.range;
}

function shortTag(tag: string): string {
  return tag.startsWith('tag:yaml.org,2002:') ? `!!${tag.slice('tag:yaml.org,2002:'.length)}` : tag;
}

function checkNumber(node: Scalar, fail: Fail): void {
  if (typeof node.value !== 'number' && typeof node.value !== 'bigint') return;
  // Quoted too: `!!int "010"` makes the quoted text a number as the plain one would be.
  if (node.source === undefined) return;
  if (!AMBIGUOUS_INTEGER.test(node.source)) return;
  const digits = node.source.replace(/^[-+]/, '');
  const octal = /^0[0-7_]+$/.test(digits) ? Number.parseInt(digits.replace(/_/g, ''), 8) : undefined;
  throw fail(
    node,
    /^0[xXoObB]/.test(digits)
      ? `number ${node.source}: write ${String(node.value)} in decimal (a count in another base is easily misread), or quote it if it is text`
      : `number ${node.source}: YAML 1.1 reads a leading zero as octal${octal === undefined ? '' : ` (${octal})`}, YAML 1.2 as decimal (${String(node.value)}); write the number without leading zeros, or quote it if it is text`,
  );
}

/**
 * The name a map key loads as: what the yaml library makes of a scalar key in a plain object
 * (`String(value)`, and "" for null).
 */
function loadedName(key: Scalar): string {
  return key.value === null || key.value === undefined ? '' : String(key.value);
}

/** Each key of `map` loads as the name it shows, and as no other key's name. */
function checkKeys(doc: Document, map: YAMLMap, text: string, fail: Fail): void {
  const names = new Map<string, Scalar>();
  for (const pair of map.items) {
    if (isMergeKey(pair.key)) continue;
    const key = resolved(doc, pair.key);
    if (!isScalar(key)) continue;
    const name = loadedName(key);
    const written = key.range ? text.slice(key.range[0], key.range[1]) : name;
    if (typeof key.value !== 'string' && key.type === 'PLAIN' && written !== name)
      throw fail(
        pair.key as Node,
        `key ${written} loads as the name ${JSON.stringify(name)}, not as written; quote it ("${written}") if it is a name`,
      );
    const earlier = names.get(name);
    if (earlier !== undefined) {
      const line = earlier.range ? text.slice(0, earlier.range[0]).split('\n').length : 1;
      const shown = earlier.range ? text.slice(earlier.range[0], earlier.range[1]) : name;
      throw fail(
        pair.key as Node,
        `key ${written} loads as the name ${JSON.stringify(name)}, as the key ${shown} on line ${line} does, and would replace it; expected each name once: remove or rename one`,
      );
    }
    names.set(name, key);
  }
}

const isMergeKey = (key: unknown): boolean =>
  isScalar(key) && typeof key.value === 'symbol' && key.value.description === '<<';

const keyText = (key: unknown): string => (isScalar(key) ? String(key.value) : String(key));

/** What a pair's value stands for, looking through an alias. */
function resolved(doc: Document, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

/** The maps a `<<` merges, in YAML's order of precedence (the first wins). */
function mergedMaps(doc: Document, value: unknown): YAMLMap[] {
  const target = resolved(doc, value);
  if (isMap(target)) return [target];
  if (isSeq(target)) return target.items.map((item) => resolved(doc, item)).filter((item) => isMap(item));
  return [];
}

/** A map's keys with the pairs that give them, its own first, then its merges' (first wins). */
function effectivePairs(doc: Document, map: YAMLMap, seen = new Set<YAMLMap>()): Map<string, Pair> {
  const pairs = new Map<string, Pair>();
  if (seen.has(map)) return pairs;
  seen.add(map);
  for (const pair of map.items) if (!isMergeKey(pair.key)) pairs.set(keyText(pair.key), pair);
  for (const pair of map.items) {
    if (!isMergeKey(pair.key)) continue;
    for (const source of mergedMaps(doc, pair.value))
      for (const [key, inner] of effectivePairs(doc, source, seen))
        if (!pairs.has(key)) pairs.set(key, inner);
  }
  return pairs;
}

function checkMerges(doc: Document, map: YAMLMap, fail: Fail): void {
  const merges = map.items.filter((pair) => isMergeKey(pair.key));
  if (merges.length === 0) return;
  if (merges.length > 1)
    throw fail(
      merges[1]!.key as Node,
      'a second merge key (<<) in one map; YAML takes the first map for a key both give, which the order of lines does not show: merge them with one `<<: [*first, *second]`, or write the keys here',
    );
  // Keys the merged maps give, and which map gives each one first.
  const given = new Map<string, { pair: Pair; source: YAMLMap }>();
  for (const source of mergedMaps(doc, merges[0]!.value)) {
    for (const [key, pair] of effectivePairs(doc, source)) {
      const earlier = given.get(key);
      if (earlier === undefined) {
        given.set(key, { pair, source });
        continue;
      }
      const own = map.items.some((item) => !isMergeKey(item.key) && keyText(item.key) === key);
      if (!own && !sameValue(doc, earlier.pair.value, pair.value))
        throw fail(
          merges[0]!.value as Node,
          `"${key}" is merged from two maps that give it differently; YAML takes the first, which a reader may not expect: give "${key}" here, or in one of the merged maps only`,
        );
    }
  }
  for (const pair of map.items) {
    if (isMergeKey(pair.key)) continue;
    const key = keyText(pair.key);
    const merged = given.get(key);
    if (merged === undefined) continue;
    const written = resolved(doc, pair.value);
    const mergedValue = resolved(doc, merged.pair.value);
    // The same value written again (often the same alias) replaces nothing.
    if (!isCollection(written) || !isCollection(mergedValue) || sameValue(doc, written, mergedValue))
      continue;
    const dropped = isMap(written) && isMap(mergedValue) ? droppedKeys(doc, mergedValue, written) : [];
    throw fail(
      pair.key as Node,
      `"${key}" is written here and also merged by <<; a merge is shallow, so this ${isMap(written) ? 'map' : 'list'} replaces the merged one whole${dropped.length > 0 ? ` and drops its ${dropped.join(', ')}` : ''}: write the whole "${key}" here without merging it, or merge inside it (${key}: { <<: *name, … })`,
    );
  }
}

/** Keys of the merged map that the written map does not give. */
function droppedKeys(doc: Document, merged: YAMLMap, written: YAMLMap): string[] {
  const kept = effectivePairs(doc, written);
  return [...effectivePairs(doc, merged).keys()].filter((key) => !kept.has(key));
}

function sameValue(doc: Document, a: unknown, b: unknown): boolean {
  const left = resolved(doc, a);
  const right = resolved(doc, b);
  if (left === right) return true;
  const plain = (node: unknown) => {
    if (!isCollection(node) && !isScalar(node)) return JSON.stringify(node);
    try {
      return JSON.stringify(node.toJS(doc, { maxAliasCount: MAX_COMPARED_ALIASES }));
    } catch {
      return undefined;
    }
  };
  const text = plain(left);
  return text !== undefined && text === plain(right);
}
