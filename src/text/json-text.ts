/**
 * The one JSON reader with positions. `JSON.parse` builds values fastest but names neither line nor
 * column for most errors and keeps the last of duplicate keys silently; a small scanner finds where
 * text stops being JSON and refuses duplicate keys. Evidence, signed statements and config files
 * all read JSON through here, and none of them accepts a key named twice in one object: with
 * `"results": [critical…], "results": []` the last would win silently and a gate would pass.
 * - `parseJsonText`: `JSON.parse` first (large reports stay fast); on a syntax error, the scanner's
 *   words at the line and column it finds ("malformed JSON: expected a value, found '}'"), which
 *   describe what stands there without quoting the file (it may hold a secret); then the scanner
 *   for duplicate keys ("duplicate key "results" …" at the second one);
 * - `parseStrictJson`: the scanner first, then `JSON.parse` ("invalid JSON: …"), for config files.
 */
import { type ErrorCode, inputError, type SourcePosition } from '../errors.js';

/** 1-based line and column of character `offset` in `text` (clamped to the text). */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), text.length);
  let i = text.indexOf('\n');
  while (i !== -1 && i < end) {
    line++;
    lineStart = i + 1;
    i = text.indexOf('\n', lineStart);
  }
  return { line, column: end - lineStart + 1 };
}

/** True for a plain JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Where JSON text stops being JSON, and why. */
export interface JsonSyntaxError {
  offset: number;
  message: string;
}

export interface JsonScanOptions {
  /** Refuse an object that names a key twice (default: allowed, as JSON.parse allows it). */
  refuseDuplicateKeys?: boolean;
  /** Deepest nesting accepted (default 10,000). */
  maxDepth?: number;
}

/**
 * The first syntax error in `text` (RFC 8259), or undefined when it is valid JSON.
 * @example jsonSyntaxError('{"a": [1, 2,]}')?.offset // 12
 */
export function jsonSyntaxError(text: string, options: JsonScanOptions = {}): JsonSyntaxError | undefined {
  try {
    new JsonScanner(text, options.refuseDuplicateKeys === true, options.maxDepth ?? 10_000).scanDocument();
    return undefined;
  } catch (error) {
    if (error instanceof ScanError) return { offset: error.offset, message: error.message };
    // Nesting deep enough to exhaust the stack: the position cannot be found this way.
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

function withoutByteOrderMark(text: string): string {
  // A leading byte-order mark is not JSON, but editors on some systems write one.
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Where a value sits in a JSON document: object keys and array indexes from the top. */
export type JsonPath = ReadonlyArray<string | number>;

/**
 * The one exception a format may make to "each key may appear once": a key named more than once
 * at a place the format's producers are known to repeat it, read as one value the rule chooses.
 */
export interface DuplicateKeyRule {
  /** True when `key` may be named more than once in the object at `path`; any other duplicate is refused. */
  allows(path: JsonPath, key: string): boolean;
  /** The one value to read for the values given (in document order), or undefined to refuse them. */
  merge(path: JsonPath, key: string, values: unknown[]): unknown;
}

/** A duplicate key a {@link DuplicateKeyRule} let through, and the value read for it. */
export interface MergedDuplicate {
  /** Where the object holding the key sits. */
  path: Array<string | number>;
  key: string;
  /** Every value the document gives, in order. */
  values: unknown[];
  /** The value read instead of JSON.parse's last one. */
  value: unknown;
  /** Line and column of the second naming of the key, and the refusal it would otherwise get. */
  line: number;
  column: number;
  message: string;
}

export interface ParseJsonOptions {
  /** Duplicate keys this format reads rather than refuses; merged ones are pushed to `merged`. */
  duplicates?: DuplicateKeyRule;
  merged?: MergedDuplicate[];
}

/** Deepest nesting `parseJsonText` accepts: no evidence format nests anywhere near this. */
export const MAX_JSON_DEPTH = 1000;

/**
 * Parses JSON text; a syntax error or a key named twice in one object becomes `code` (default
 * EVIDENCE_INVALID) naming the file, line and column. Nesting deeper than {@link MAX_JSON_DEPTH} is
 * refused (duplicate keys could not be looked for beyond it). A leading byte-order mark is ignored.
 * @example parseJsonText('{"a": 1, "a": 2}', 'scan.json') // throws: scan.json:1:10: duplicate key "a" …
 */
export function parseJsonText(
  raw: string,
  file: string,
  code: ErrorCode = 'EVIDENCE_INVALID',
  options: ParseJsonOptions = {},
): unknown {
  const text = withoutByteOrderMark(raw);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    // The scanner's words, not the engine's: V8 quotes the text where it stopped ("Unexpected token
    // 'p', "password=…" is not valid JSON"), and an evidence file may hold secrets. Nor is the
    // engine's error kept as the cause, for the same reason: position and expectation are enough.
    const syntax = jsonSyntaxError(text);
    const position: SourcePosition = { file };
    const engine = cause instanceof Error ? cause.message : '';
    const at = /at position (\d+)/.exec(engine);
    const offset = syntax?.offset ?? (at ? Number(at[1]) : undefined);
    if (offset !== undefined) Object.assign(position, lineColumnAt(text, offset));
    throw inputError(code, position, `malformed JSON: ${syntax?.message ?? 'expected valid JSON'}`);
  }
  // Valid JSON: scalars and flat arrays cannot repeat a key, so only text with an object is scanned.
  if (typeof value === 'object' && value !== null && text.includes('{')) {
    const merged: MergedDuplicate[] = [];
    const error = duplicateKeyError(text, options.duplicates, merged);
    if (error) {
      const message = error.message.startsWith('duplicate key')
        ? duplicateKeyRefusal(error.message)
        : error.message;
      throw inputError(code, { file, ...lineColumnAt(text, error.offset) }, message);
    }
    for (const duplicate of merged) {
      // JSON.parse kept the last value; the rule's choice replaces it.
      let holder: unknown = value;
      for (const step of duplicate.path) holder = (holder as Record<string | number, unknown>)[step];
      (holder as Record<string, unknown>)[duplicate.key] = duplicate.value;
      options.merged?.push(duplicate);
    }
  }
  return value;
}

/** The refusal of a duplicate key, as `parseJsonText` words it. */
export function duplicateKeyRefusal(message: string): string {
  return `${message}; each key may appear once (readers disagree on which value counts, so the document is ambiguous)`;
}

/** The first duplicate key (or nesting past {@link MAX_JSON_DEPTH}) in text already known to be valid JSON. */
function duplicateKeyError(
  text: string,
  rule?: DuplicateKeyRule,
  merged?: MergedDuplicate[],
): JsonSyntaxError | undefined {
  try {
    new JsonScanner(text, true, MAX_JSON_DEPTH, rule, merged).scanDocument();
    return undefined;
  } catch (error) {
    if (error instanceof ScanError) return { offset: error.offset, message: error.message };
    if (error instanceof RangeError) {
      // The scanner recurses; a stack smaller than MAX_JSON_DEPTH levels must not let a key pass unchecked.
      return { offset: 0, message: 'JSON nested too deeply to check for duplicate keys' };
    }
    throw error;
  }
}

/**
 * Parses JSON text whose every key matters: scanned first, so a syntax error or a key named twice
 * in one object is `code` (default CONFIG_INVALID) at its line and column. Nesting deeper than
 * `maxDepth` (default 1,000) is refused.
 */
export function parseStrictJson(
  raw: string,
  file: string,
  code: ErrorCode = 'CONFIG_INVALID',
  maxDepth = 1000,
): unknown {
  const text = withoutByteOrderMark(raw);
  const error = jsonSyntaxError(text, { refuseDuplicateKeys: true, maxDepth });
  if (error)
    throw inputError(code, { file, ...lineColumnAt(text, error.offset) }, `invalid JSON: ${error.message}`);
  return JSON.parse(text);
}

class ScanError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class JsonScanner {
  private i = 0;
  /** Where the scanner is, kept only when a duplicate-key rule needs it. */
  private readonly path: Array<string | number> = [];

  constructor(
    private readonly text: string,
    private readonly refuseDuplicateKeys: boolean,
    private readonly maxDepth: number,
    private readonly rule?: DuplicateKeyRule,
    private readonly merged?: MergedDuplicate[],
  ) {}

  scanDocument(): void {
    this.skipSpace();
    if (this.i >= this.text.length) throw this.fail('expected a JSON value, found an empty file');
    this.value(0);
    this.skipSpace();
    if (this.i < this.text.length) throw this.fail(`expected the end of the file, found ${this.found()}`);
  }

  private value(depth: number): void {
    if (depth > this.maxDepth) throw this.fail(`expected at most ${this.maxDepth} levels of nesting`);
    const char = this.text[this.i];
    if (char === '{') {
      this.object(depth);
      return;
    }
    if (char === '[') {
      this.array(depth);
      return;
    }
    if (char === '"') {
      this.string();
      return;
    }
    if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) {
      NUMBER.lastIndex = this.i;
      if (!NUMBER.test(this.text)) throw this.fail(`expected a number, found ${this.found()}`);
      this.i = NUMBER.lastIndex;
      return;
    }
    for (const literal of ['true', 'false', 'null']) {
      if (this.text.startsWith(literal, this.i)) {
        this.i += literal.length;
        return;
      }
    }
    throw this.fail(`expected a value, found ${this.found()}`);
  }

  private object(depth: number): void {
    const start = this.i;
    this.i++;
    const keys = this.refuseDuplicateKeys ? new Set<string>() : undefined;
    // With a rule, made when first needed: where the values of each key the rule lets repeat stand,
    // and where such a key was named again. Other keys cost only their place in the path.
    let spans: Map<string, Array<[number, number]>> | undefined;
    let repeats: Map<string, number> | undefined;
    this.skipSpace();
    if (this.text[this.i] === '}') {
      this.i++;
      return;
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.i] !== '"')
        throw this.fail(`expected a property name in double quotes, found ${this.found()}`);
      const keyAt = this.i;
      const raw = this.string();
      let key: string | undefined;
      if (keys) {
        key = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        if (keys.has(key)) {
          if (!this.rule?.allows(this.path, key)) throw this.duplicate(key, start, keyAt);
          repeats ??= new Map();
          if (!repeats.has(key)) repeats.set(key, keyAt);
        }
        keys.add(key);
      }
      this.skipSpace();
      if (this.text[this.i] !== ':')
        throw this.fail(`expected ':' after a property name, found ${this.found()}`);
      this.i++;
      this.skipSpace();
      const valueAt = this.i;
      const tracked = this.rule !== undefined && key !== undefined;
      if (tracked) this.path.push(key!);
      this.value(depth + 1);
      if (tracked) {
        this.path.pop();
        if (this.rule!.allows(this.path, key!)) {
          spans ??= new Map();
          const seen = spans.get(key!);
          if (seen) seen.push([valueAt, this.i]);
          else spans.set(key!, [[valueAt, this.i]]);
        }
      }
      this.skipSpace();
      const next = this.text[this.i];
      if (next === '}') {
        this.i++;
        for (const [repeated, secondAt] of repeats ?? [])
          this.merge(repeated, spans!.get(repeated)!, start, secondAt);
        return;
      }
      if (next !== ',') throw this.fail(`expected ',' or '}' after a property value, found ${this.found()}`);
      this.i++;
    }
  }

  private duplicate(key: string, start: number, keyAt: number): ScanError {
    const at = lineColumnAt(this.text, start);
    return this.fail(
      `duplicate key ${JSON.stringify(key)} in the object that starts at line ${at.line}`,
      keyAt,
    );
  }

  /** Reads a key the rule lets repeat as the one value it chooses, or refuses it as any duplicate. */
  private merge(key: string, spans: Array<[number, number]>, start: number, secondAt: number): void {
    const values = spans.map(([from, to]) => JSON.parse(this.text.slice(from, to)) as unknown);
    const value = this.rule!.merge(this.path, key, values);
    const refusal = this.duplicate(key, start, secondAt);
    if (value === undefined) throw refusal;
    const at = lineColumnAt(this.text, secondAt);
    this.merged?.push({ path: [...this.path], key, values, value, ...at, message: refusal.message });
  }

  private array(depth: number): void {
    this.i++;
    this.skipSpace();
    if (this.text[this.i] === ']') {
      this.i++;
      return;
    }
    for (let index = 0; ; index++) {
      this.skipSpace();
      if (this.rule) this.path.push(index);
      this.value(depth + 1);
      if (this.rule) this.path.pop();
      this.skipSpace();
      const next = this.text[this.i];
      if (next === ']') {
        this.i++;
        return;
      }
      if (next !== ',') throw this.fail(`expected ',' or ']' after an array item, found ${this.found()}`);
      this.i++;
    }
  }

  private string(): string {
    STRING.lastIndex = this.i;
    if (!STRING.test(this.text)) throw this.fail(this.stringProblem());
    const raw = this.text.slice(this.i, STRING.lastIndex);
    this.i = STRING.lastIndex;
    return raw;
  }

  /** Moves to the character that breaks a string and says what is wrong there. */
  private stringProblem(): string {
    let i = this.i + 1;
    while (i < this.text.length) {
      const code = this.text.charCodeAt(i);
      if (code === 0x22) break;
      if (code < 0x20) {
        this.i = i;
        return 'expected a valid string: a raw control character must be escaped';
      }
      if (code === 0x5c) {
        const escaped = this.text[i + 1];
        const hex = /^[0-9a-fA-F]{4}$/.test(this.text.slice(i + 2, i + 6));
        if (escaped === 'u' ? !hex : escaped === undefined || !'"\\/bfnrt'.includes(escaped)) {
          this.i = i + 1;
          return 'expected a valid string: an invalid escape';
        }
        i += escaped === 'u' ? 6 : 2;
      } else i++;
    }
    this.i = i;
    return 'expected a valid string (closed quote, valid escapes, no raw control characters)';
  }

  private skipSpace(): void {
    for (;;) {
      const code = this.text.charCodeAt(this.i);
      if (code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09) this.i++;
      else return;
    }
  }

  /**
   * What stands at the error, described, never quoted: JSON punctuation by itself, anything else by
   * its kind. The text may be an evidence file holding a secret.
   */
  private found(): string {
    if (this.i >= this.text.length) return 'the end of the file';
    const char = this.text[this.i]!;
    if ('{}[],:"'.includes(char)) return `'${char}'`;
    if (/[A-Za-z]/.test(char)) return 'a letter';
    if (/[0-9]/.test(char)) return 'a digit';
    if (char === "'") return 'a single quote (JSON strings take double quotes)';
    return `a character (U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')})`;
  }

  private fail(message: string, at = this.i): ScanError {
    return new ScanError(message, at);
  }
}
