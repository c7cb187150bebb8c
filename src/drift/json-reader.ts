/**
 * JSON config files. `JSON.parse` builds the value; a small scanner runs first because
 * `JSON.parse` neither reports line and column nor notices duplicate keys (it keeps the last one
 * silently, which would hide a real difference).
 */
import { inputError } from '../errors.js';
import type { ConfigValue } from './types.js';

const MAX_DEPTH = 1000;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Parses JSON text; throws CONFIG_INVALID with file, line and column on a syntax error or duplicate key. */
export function parseJson(text: string, file: string): ConfigValue {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  new JsonScanner(source, file).scanDocument();
  return JSON.parse(source) as ConfigValue;
}

/** Line and column (1-based) of a character offset. */
export function positionAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

class JsonScanner {
  private i = 0;

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {}

  scanDocument(): void {
    this.skipSpace();
    if (this.i >= this.text.length) throw this.fail('expected a JSON value, found an empty file');
    this.value(0);
    this.skipSpace();
    if (this.i < this.text.length) throw this.fail(`expected the end of the file, found ${this.found()}`);
  }

  private value(depth: number): void {
    if (depth > MAX_DEPTH) throw this.fail(`expected at most ${MAX_DEPTH} levels of nesting`);
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
    const keys = new Set<string>();
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
      const key = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
      if (keys.has(key)) {
        const at = positionAt(this.text, start);
        throw this.fail(
          `duplicate key ${JSON.stringify(key)} in the object that starts at line ${at.line}`,
          keyAt,
        );
      }
      keys.add(key);
      this.skipSpace();
      if (this.text[this.i] !== ':')
        throw this.fail(`expected ':' after a property name, found ${this.found()}`);
      this.i++;
      this.skipSpace();
      this.value(depth + 1);
      this.skipSpace();
      const next = this.text[this.i];
      this.i++;
      if (next === '}') return;
      if (next !== ',') {
        this.i--;
        throw this.fail(`expected ',' or '}' after a property value, found ${this.found()}`);
      }
    }
  }

  private array(depth: number): void {
    this.i++;
    this.skipSpace();
    if (this.text[this.i] === ']') {
      this.i++;
      return;
    }
    for (;;) {
      this.skipSpace();
      this.value(depth + 1);
      this.skipSpace();
      const next = this.text[this.i];
      this.i++;
      if (next === ']') return;
      if (next !== ',') {
        this.i--;
        throw this.fail(`expected ',' or ']' after an array item, found ${this.found()}`);
      }
    }
  }

  private string(): string {
    STRING.lastIndex = this.i;
    if (!STRING.test(this.text))
      throw this.fail('expected a valid string (closed quote, valid escapes, no raw control characters)');
    const raw = this.text.slice(this.i, STRING.lastIndex);
    this.i = STRING.lastIndex;
    return raw;
  }

  private skipSpace(): void {
    for (;;) {
      const code = this.text.charCodeAt(this.i);
      if (code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09) this.i++;
      else return;
    }
  }

  private found(): string {
    if (this.i >= this.text.length) return 'the end of the file';
    return JSON.stringify(this.text.slice(this.i, this.i + 12));
  }

  private fail(message: string, at = this.i) {
    const { line, column } = positionAt(this.text, at);
    return inputError('CONFIG_INVALID', { file: this.file, line, column }, `invalid JSON: ${message}`);
  }
}
