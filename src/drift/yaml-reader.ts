/**
 * YAML config files, multi-document. js-yaml is used because it is ten times faster than `yaml` on
 * large files (DESIGN.md); its errors carry line and column. Schema: YAML 1.2 core plus merge keys
 * (`<<`), so `2026-01-01` stays a string and `on` stays a string, as Kubernetes and Helm read them,
 * and a leading-zero octal integer (`0644`) read as octal, as they read it too.
 */
import jsYaml from 'js-yaml';
import { isMap, isScalar, parseAllDocuments, Scalar, visit } from 'yaml';
import { inputError, TollgateError } from '../errors.js';
import { setOwn } from '../records.js';
import { lineColumnAt } from '../text/json-text.js';
import { inexactNumber } from './numbers.js';
import type { ConfigValue } from './types.js';
import { yamlReadersDisagree } from './yaml-readings.js';

// @types/js-yaml lags js-yaml 4.3: it lacks `types` and the `maxDepth` option.
const yamlTypes = (
  jsYaml as unknown as {
    types: Record<'merge' | 'null' | 'bool' | 'int' | 'float', jsYaml.Type>;
  }
).types;

/**
 * An integer written with a leading zero and octal digits (`defaultMode: 0644`) is octal, as the
 * readers of these files read it: kubectl and Helm (Go's YAML libraries, v2 and v3 alike), PyYAML,
 * Spring's SnakeYAML. The YAML 1.2 core schema alone would read 644, so `0644` against `420` would
 * show a change nobody made, and `0644` against `644` none where the consumer sees one.
 */
const LEGACY_OCTAL = /^[-+]?0[0-7]+$/;
const coreInt = yamlTypes.int as jsYaml.Type & {
  resolve(data: string | null): boolean;
  construct(data: string): number;
};
/** The core schema's `int`, with a leading-zero octal read as octal (one type per tag: js-yaml keeps the last). */
const INT = new jsYaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (data: string | null) => (data !== null && LEGACY_OCTAL.test(data)) || coreInt.resolve(data),
  construct: (data: string) => {
    if (!LEGACY_OCTAL.test(data)) return coreInt.construct(data);
    const sign = data.startsWith('-') ? -1 : 1;
    return sign * Number.parseInt(data.replace(/^[-+]/, ''), 8);
  },
});

// Loading only: nothing is dumped with this schema.
const SCHEMA = jsYaml.FAILSAFE_SCHEMA.extend({
  implicit: [yamlTypes.null, yamlTypes.bool, INT, yamlTypes.float, yamlTypes.merge],
});
const LOAD_OPTIONS = { schema: SCHEMA, maxDepth: 1000 } as jsYaml.LoadOptions;

/**
 * Parses every document of a YAML file. Empty documents are left out. Aliases are expanded into
 * copies, at most `100,000 + 4 × file length` values in total, so an alias bomb fails fast and a
 * recursive alias is refused.
 */
export function parseYamlDocuments(text: string, file: string): ConfigValue[] {
  let documents: unknown[];
  const options =
    NUMBER_HINT.test(text) || YAML11_HINT.test(text) || READERS_HINT.test(text)
      ? { ...LOAD_OPTIONS, filename: file, listener: scalarChecker(file) }
      : { ...LOAD_OPTIONS, filename: file };
  try {
    documents = jsYaml.loadAll(text, null, options);
  } catch (error) {
    if (error instanceof jsYaml.YAMLException) {
      const mark = (error as { mark?: { line: number; column: number } }).mark;
      const position = mark === undefined ? { file } : { file, line: mark.line + 1, column: mark.column + 1 };
      const first =
        error.reason === 'duplicated mapping key' && mark !== undefined
          ? firstDuplicateLine(text, mark.line + 1)
          : undefined;
      const reason = first === undefined ? error.reason : `${error.reason} (first set on line ${first})`;
      throw inputError('CONFIG_INVALID', position, `invalid YAML: ${reason}`, error);
    }
    throw error;
  }
  if (text.indexOf('<<') !== text.lastIndexOf('<<')) refuseTwoMergeKeys(text, file);
  const present = documents.filter((document) => document !== null && document !== undefined);
  // js-yaml turns a mapping key that is itself a map into the text "[object Object]", so an
  // unrendered template (`config: {{data}}`) would read as a map with that key. Refused instead.
  if ((text.includes('{') || text.includes('?')) && !text.includes(OBJECT_KEY)) {
    // Only aliases share values: without an anchor there is nothing to remember.
    const seen = text.includes('&') ? new Set<object>() : undefined;
    for (const document of present) {
      if (hasObjectKey(document, 0, seen)) throw mapAsKey(text, file);
    }
  }
  // Without an anchor there is no alias, so nothing is shared and no copy is needed.
  if (text.indexOf('&') === -1) return present as ConfigValue[];
  const budget = { left: 100_000 + 4 * text.length };
  return present.map((document) => expandAliases(document, file, budget, new Set()));
}

/**
 * Two merge keys in one map (`<<: *a` then `<<: *b`): js-yaml takes the first for a key both give,
 * PyYAML and ruamel the last, so the value compared may not be the one the consumer reads; the
 * `yaml` package finds the map (js-yaml keeps no positions). Refused at the second `<<`.
 */
function refuseTwoMergeKeys(text: string, file: string): void {
  for (const document of parseAllDocuments(text, { uniqueKeys: false })) {
    if (!('contents' in document)) continue;
    let second: number | undefined;
    visit(document, {
      Map(_, map) {
        if (!isMap(map)) return undefined;
        const merges = map.items.filter(
          (pair) => isScalar(pair.key) && pair.key.value === '<<' && pair.key.type === Scalar.PLAIN,
        );
        if (merges.length < 2) return undefined;
        second = (merges[1]!.key as Scalar).range?.[0];
        return visit.BREAK;
      },
    });
    if (second !== undefined) {
      throw inputError(
        'CONFIG_INVALID',
        { file, ...lineColumnAt(text, second) },
        'a second merge key (<<) in one map: YAML readers disagree on which merged map gives a key both give (js-yaml the first, PyYAML the last), so the value compared may not be the one your application reads; merge them with one `<<: [*first, *second]`, or write the keys here',
      );
    }
  }
}

/**
 * The line of the first of two equal keys, the second being on `line` (js-yaml names only the
 * second): the `yaml` package keeps positions. Keys are compared as js-yaml compares them, by their
 * value as text (`1` and `"1"`, `0x10` and `16` are one key). Undefined when not found.
 */
function firstDuplicateLine(text: string, line: number): number | undefined {
  let found: number | undefined;
  for (const document of parseAllDocuments(text, { uniqueKeys: false })) {
    if (!('contents' in document)) continue;
    visit(document, {
      Map(_, map) {
        if (!isMap(map)) return undefined;
        const seen = new Map<string, number>();
        for (const pair of map.items) {
          if (!isScalar(pair.key) || pair.key.range === undefined || pair.key.range === null) continue;
          if (pair.key.value === '<<' && pair.key.type === Scalar.PLAIN) continue;
          const key = String(pair.key.value);
          const at = lineColumnAt(text, pair.key.range[0]).line;
          const earlier = seen.get(key);
          if (earlier !== undefined && at === line) {
            found = earlier;
            return visit.BREAK;
          }
          if (earlier === undefined) seen.set(key, at);
        }
        return undefined;
      },
    });
    if (found !== undefined) return found;
  }
  return undefined;
}

const OBJECT_KEY = '[object Object]';

// A number of 16 or more digits, or one with a leading zero and an 8 or 9: only then are numbers looked at.
const NUMBER_HINT = /[0-9.]{16}|(?:^|[^\w.])[-+]?0\d*[89]/m;

/**
 * Plain words and numbers that YAML 1.1 readers resolve to another type than the YAML 1.2 core
 * schema read here: Helm and kubectl (sigs.k8s.io/yaml over go-yaml v2, whose resolve table has
 * `y`, `yes`, `on`, `n`, `no`, `off` in three cases as booleans, and drops `_` from numbers) and
 * PyYAML (yes/no/on/off, `1_000`). Read as text, `enabled: on` and `enabled: "on"` compared equal
 * while Helm renders `true` for one and `on` for the other; `country: NO` is false to Helm.
 */
const YAML11_BOOLEAN = new Set(
  ['y', 'yes', 'n', 'no', 'on', 'off'].flatMap((word) => [
    word,
    word.toUpperCase(),
    word[0]!.toUpperCase() + word.slice(1),
  ]),
);
// Checked with the "_" removed, as go-yaml v2 and PyYAML remove them; it must start with a sign or a digit.
const YAML11_NUMBER = /^[-+]?(?:0x[0-9a-fA-F]+|0b[01]+|[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?)$/;
// Forms on which Go's YAML, PyYAML and the core schema may disagree (yaml-readings.ts): 0o/0X/0B
// prefixes, base 60, exponents, a sign before a dot, a plain `=`. Only then are scalars looked at.
const READERS_HINT = /0[oObBxX]|\d:[0-5]?\d|\d[eE][-+]?\d|[-+]\.\d|(?:^|[\s:,[{-])=(?:$|[\s,\]}])/m;
const YAML11_HINT = /\b(?:[yYnN]|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)\b|[0-9a-fA-F]_[0-9a-fA-F_]/;

/** Why a plain scalar read as text here is read otherwise by YAML 1.1 readers; undefined when it is not. */
function yaml11Meaning(text: string): string | undefined {
  if (YAML11_BOOLEAN.has(text)) {
    const value = /^[yo]/i.test(text) && text.toLowerCase() !== 'off';
    return `the plain word "${text}" is ${value} to YAML 1.1 readers (Helm, kubectl, PyYAML) and text to YAML 1.2 readers, so two stages could compare equal while one gets a boolean; quote it ('${text}') if text is meant, or write ${value}`;
  }
  if (text.includes('_') && /^[-+]?[0-9]/.test(text) && YAML11_NUMBER.test(text.replaceAll('_', ''))) {
    return 'a number written with "_" separators is a number to YAML 1.1 readers (Helm, kubectl, PyYAML) and text to YAML 1.2 readers; write it without the "_", or quote it if text is meant';
  }
  return undefined;
}

interface ListenerState {
  position: number;
  input: string;
  result: unknown;
  /** `?` after a plain scalar that no implicit type resolved (read as text). */
  tag?: string | null;
}

/**
 * A js-yaml listener that refuses a number the diff could not compare as written (src/drift/numbers.ts)
 * and a plain scalar YAML 1.1 readers read with another type (`yaml11Meaning`): a scalar's events
 * are an `open` at its start and a `close` at its end, so its text lies between.
 */
function scalarChecker(file: string): (event: 'open' | 'close', state: ListenerState) => void {
  let open = 0;
  return (event, state) => {
    if (event === 'open') {
      open = state.position;
      return;
    }
    if (state.tag === '?' && typeof state.result === 'string') {
      const why = yaml11Meaning(state.result) ?? yamlReadersDisagree(state.result, 'text');
      if (why === undefined) return;
      const raw = state.input.slice(open, state.position);
      throw inputError(
        'CONFIG_INVALID',
        { file, ...lineColumnAt(state.input, open + raw.lastIndexOf(state.result)) },
        why,
      );
    }
    if (typeof state.result !== 'number') return;
    const raw = state.input.slice(open, state.position);
    // Anchors and tags stand before the scalar (`&n 010`, `!!int "010"`); an alias (`*n`) was checked at its anchor.
    const written = raw.trim().split(/\s+/).pop() ?? '';
    if (written.startsWith('*')) return;
    const quoted = /^(["']).*\1$/.test(written);
    const unquoted = quoted ? written.slice(1, -1) : written;
    // A plain number (no quotes, no tag such as `!!float`): do the other readers read the same number?
    const plain = !quoted && !raw.includes('!');
    const why =
      inexactNumber(unquoted, state.result, true) ??
      (plain ? yamlReadersDisagree(written, state.result) : undefined);
    if (why === undefined) return;
    const { line, column } = lineColumnAt(state.input, open + raw.lastIndexOf(written));
    throw inputError('CONFIG_INVALID', { file, line, column }, why);
  };
}

/**
 * Looks at each map and list once: before the aliases are expanded, an alias shares the anchored
 * value, so an alias bomb is a small graph of shared nodes that a walk without `seen` would follow
 * once per path (9^10 paths for ten levels of nine aliases: minutes, before the alias budget ever
 * ran). A `{` anywhere, even in a comment, used to start that walk.
 */
function hasObjectKey(value: unknown, depth: number, seen: Set<object> | undefined): boolean {
  if (value === null || typeof value !== 'object' || depth > 1000) return false;
  if (seen !== undefined) {
    if (seen.has(value)) return false;
    seen.add(value);
  }
  if (Array.isArray(value)) return value.some((item) => hasObjectKey(item, depth + 1, seen));
  for (const [key, item] of Object.entries(value)) {
    if (key === OBJECT_KEY || hasObjectKey(item, depth + 1, seen)) return true;
  }
  return false;
}

function mapAsKey(text: string, file: string): TollgateError {
  const line = text
    .split(/\r\n|\r|\n/)
    .findIndex((candidate) => /(?:^\s*(?:-\s+)?|[:?]\s+|[,[{]\s*)\{\s*\{/.test(candidate));
  const position = line === -1 ? { file } : { file, line: line + 1 };
  return inputError(
    'CONFIG_INVALID',
    position,
    'invalid YAML for a config file: a mapping key is itself a map (an unrendered template such as "{{ value }}"?); quote it, or render the template first',
  );
}

function expandAliases(
  value: unknown,
  file: string,
  budget: { left: number },
  ancestors: Set<object>,
): ConfigValue {
  if (--budget.left < 0) {
    throw new TollgateError(
      'CONFIG_INVALID',
      `${file}: YAML aliases expand to too many values (more than 100,000 + 4 × the file length); an alias bomb is refused`,
      { position: { file } },
    );
  }
  if (value === null || typeof value !== 'object') return value as ConfigValue;
  if (ancestors.has(value)) {
    throw new TollgateError(
      'CONFIG_INVALID',
      `${file}: a YAML alias refers to one of its own ancestors (a cycle)`,
      {
        position: { file },
      },
    );
  }
  ancestors.add(value);
  let copy: ConfigValue;
  if (Array.isArray(value)) {
    copy = value.map((item) => expandAliases(item, file, budget, ancestors));
  } else {
    const object: { [key: string]: ConfigValue } = {};
    for (const [key, item] of Object.entries(value))
      setOwn(object, key, expandAliases(item, file, budget, ancestors));
    copy = object;
  }
  ancestors.delete(value);
  return copy;
}
