/**
 * Shared input handling for the JSON evidence parsers: size limit, JSON syntax errors with line and
 * column, and shape errors that name the file and the JSON path of the offending value.
 */
import { inputError, type SourcePosition, TollgateError } from '../errors.js';

/** Default largest evidence file accepted: 256 MiB (`--max-evidence-bytes` / config may change it). */
export const DEFAULT_MAX_EVIDENCE_BYTES = 256 * 1024 * 1024;

/** Options shared by every evidence reader. */
export interface EvidenceInputOptions {
  /** Largest input accepted, in bytes. Default {@link DEFAULT_MAX_EVIDENCE_BYTES}. */
  maxBytes?: number;
}

/**
 * Refuses an input larger than the limit before it is parsed, so a huge file never reaches memory
 * twice. @example assertEvidenceSize(stat.size, 'bom.json')
 */
export function assertEvidenceSize(size: number, file: string, maxBytes = DEFAULT_MAX_EVIDENCE_BYTES): void {
  if (size > maxBytes) {
    throw new TollgateError(
      'EVIDENCE_TOO_LARGE',
      `${file}: evidence file is ${formatBytes(size)}, over the limit of ${formatBytes(maxBytes)}; raise the limit (maxEvidenceBytes) or split the file`,
      { position: { file } },
    );
  }
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB (${bytes} bytes)`;
  return `${bytes} bytes`;
}

/** 1-based line and column of character `offset` in `text`. */
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

/**
 * Parses JSON text; a syntax error becomes EVIDENCE_INVALID naming the file, line and column.
 * A leading byte-order mark is ignored.
 */
export function parseJsonEvidence(text: string, file: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    const position: SourcePosition = { file };
    const at = /at position (\d+)/.exec(message);
    // Node 20's V8 gives a position for some errors only ("Unexpected token '}', ..."); find it then.
    const offset = at
      ? Number(at[1])
      : /end of JSON input/.test(message)
        ? body.length
        : jsonErrorOffset(body);
    if (offset !== undefined) Object.assign(position, lineColumnAt(body, offset));
    const found = message
      .replace(/, (?:\.\.\.)?".*" is not valid JSON$/s, '')
      .replace(/ in JSON at position \d+.*$/s, '')
      .replace(/ \(line \d+ column \d+\)$/, '');
    throw inputError('EVIDENCE_INVALID', position, `malformed JSON: ${found}`, cause);
  }
}

/**
 * Where JSON text first stops being valid JSON: a small scanner run only after JSON.parse failed,
 * to name the line and column when the engine's message does not. Undefined if it finds no error.
 */
export function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const n = text.length;
  const space = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail();
  };
  const string = () => {
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return;
      }
      if (c < 0x20) fail();
      if (c === 92) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
            i += 2;
            fail();
          }
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else {
          i++;
          fail();
        }
      } else i++;
    }
    fail();
  };
  const value = (depth: number): void => {
    if (depth > 10_000) fail();
    space();
    const c = text[i];
    if (c === '{') {
      i++;
      space();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        space();
        if (text[i] !== '"') fail();
        string();
        space();
        if (text[i] !== ':') fail();
        i++;
        value(depth + 1);
        space();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return;
        } else fail();
      }
    } else if (c === '[') {
      i++;
      space();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1);
        space();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return;
        } else fail();
      }
    } else if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else {
      const number = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
      if (!number) fail();
      i += number![0].length;
    }
  };
  try {
    value(0);
    space();
    return i < n ? i : undefined;
  } catch (offset) {
    return typeof offset === 'number' ? offset : undefined;
  }
}

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What a value is, in words, for "expected X, found Y" messages. */
export function describeJson(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

/** A wrong-shape error: "file: at components[3].name: expected a string, found number 3". */
export function shapeError(
  file: string,
  path: string,
  expected: string,
  found: unknown,
  what?: string,
): TollgateError {
  const where = path === '' ? '' : `at ${path}: `;
  const prefix = what ? `not a valid ${what}: ` : '';
  return inputError(
    'EVIDENCE_INVALID',
    { file },
    `${prefix}${where}expected ${expected}, found ${describeJson(found)}`,
  );
}

/**
 * Small typed readers over parsed JSON, each naming the path of a wrong value. They are lenient
 * about absent optional fields and strict about present fields of the wrong type.
 */
export class JsonReader {
  constructor(
    readonly file: string,
    readonly what: string,
  ) {}

  object(value: unknown, path: string): JsonObject {
    if (!isJsonObject(value)) throw shapeError(this.file, path, 'an object', value, this.what);
    return value;
  }

  array(value: unknown, path: string): unknown[] {
    if (!Array.isArray(value)) throw shapeError(this.file, path, 'an array', value, this.what);
    return value;
  }

  /** An optional array: absent or null gives []. */
  optArray(value: unknown, path: string): unknown[] {
    if (value === undefined || value === null) return [];
    return this.array(value, path);
  }

  string(value: unknown, path: string): string {
    if (typeof value !== 'string') throw shapeError(this.file, path, 'a string', value, this.what);
    return value;
  }

  /** An optional string: absent, null or empty gives undefined. */
  optString(value: unknown, path: string): string | undefined {
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value === 'number') return String(value);
    return this.string(value, path);
  }

  optObject(value: unknown, path: string): JsonObject | undefined {
    if (value === undefined || value === null) return undefined;
    return this.object(value, path);
  }
}
