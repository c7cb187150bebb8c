/**
 * Java `.properties` files, following `java.util.Properties.load(Reader)`: natural lines end at
 * `\n`, `\r` or `\r\n`; a line ending in an odd number of backslashes continues on the next line
 * (whose leading white space is dropped); `#` or `!` as the first non-blank character starts a
 * comment line; the key ends at the first unescaped `=`, `:` or white space, and one `=` or `:`
 * with white space around it separates key and value; `\t \n \r \f \uXXXX` are escapes and a
 * backslash before any other character stands for that character. Keys stay flat (`a.b.c`).
 *
 * Encoding: `Properties.load(InputStream)` and Spring Boot's loader (OriginTrackedPropertiesLoader)
 * read ISO-8859-1; `Properties.load(Reader)` with UTF-8 and `ResourceBundle` (Java 9+) read UTF-8,
 * the latter falling back to ISO-8859-1 on a malformed sequence. A file that is not valid UTF-8 is
 * ISO-8859-1 to all of them and read so here; in a valid UTF-8 file, a non-ASCII character outside
 * a comment (or a byte order mark) means one thing to some readers and another to the rest, so it
 * is refused (`refuseAmbiguousEncoding`): `\uXXXX` escapes mean one thing to all.
 */
import { inputError } from '../errors.js';
import { setOwn } from '../records.js';
import type { ConfigMap } from './types.js';

const WHITE = new Set([' ', '\t', '\f']);

interface LogicalLine {
  text: string;
  line: number;
  /** Where each natural line joined into `text` starts: its offset in `text`, its line and column. */
  parts: { offset: number; line: number; column: number }[];
}

/** The line and column (1-based) of the file where `offset` of a logical line's text stands. */
function placeOf(logical: LogicalLine, offset: number): { line: number; column: number } {
  let part = logical.parts[0]!;
  for (const next of logical.parts) if (next.offset <= offset) part = next;
  return { line: part.line, column: part.column + offset - part.offset };
}

/** Parses a `.properties` file into a flat map of strings; a duplicate key or bad `\u` escape is CONFIG_INVALID. */
export function parseProperties(text: string, file: string): ConfigMap {
  const result: ConfigMap = {};
  const seen = new Map<string, number>();
  for (const logical of logicalLines(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, file)) {
    const { key, value } = splitEntry(logical, file);
    const first = seen.get(key);
    if (first !== undefined) {
      throw inputError(
        'CONFIG_INVALID',
        { file, ...placeOf(logical, 0) },
        `duplicate key "${key}" (first set on line ${first})`,
      );
    }
    seen.set(key, logical.line);
    setOwn(result, key, value);
  }
  return result;
}

/**
 * For a file that decoded as UTF-8: refuses a byte order mark and the first non-ASCII character
 * outside a comment line, with its line and column. ISO-8859-1 readers would read `é` (two bytes in
 * UTF-8) as `Ã©`, so `city=Zürich` in one stage and `city=ZÃ¼rich` in the other compare as
 * different here and equal to the application, and two UTF-8 spellings that differ here may be
 * one value to it, or the other way round. The character is not quoted: it may be part of a password.
 */
export function refuseAmbiguousEncoding(bytes: Uint8Array, text: string, file: string): void {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    throw inputError(
      'CONFIG_INVALID',
      { file, line: 1, column: 1 },
      'a UTF-8 byte order mark: Properties.load(InputStream) and Spring Boot read .properties files as ISO-8859-1 and see three characters (ï»¿) at the start of the first key (or of a first comment line, which is then no comment); save the file without the mark',
    );
  }
  if (!bytes.some((byte) => byte >= 0x80)) return;
  const natural = text.split(/\r\n|\r|\n/);
  let continued = false;
  for (let index = 0; index < natural.length; index++) {
    const line = natural[index]!;
    const start = stripLeading(line);
    const comment: boolean = !continued && (start[0] === '#' || start[0] === '!');
    continued = !comment && endsWithOddBackslashes(line);
    if (comment) continue;
    const at = line.search(/[^\u0000-\u007f]/);
    if (at === -1) continue;
    throw inputError(
      'CONFIG_INVALID',
      { file, line: index + 1, column: at + 1 },
      'a non-ASCII character: Properties.load(InputStream) and Spring Boot read .properties files as ISO-8859-1, ResourceBundle and Properties.load(Reader) as UTF-8, so the two readings give different values and a difference could hide; write each non-ASCII character as a \\uXXXX escape (`native2ascii`, or `iconv` plus escaping), which every reader reads alike',
    );
  }
}

function* logicalLines(text: string, file: string): Generator<LogicalLine> {
  const natural = text.split(/\r\n|\r|\n/);
  let index = 0;
  while (index < natural.length) {
    const startLine = index + 1;
    // Spring Boot splits at a line of exactly #--- or !--- (no leading white space).
    const raw = natural[index]!;
    let line = stripLeading(raw);
    index++;
    if (raw === '#---' || raw === '!---') {
      throw inputError(
        'CONFIG_INVALID',
        { file, line: startLine, column: 1 },
        "a Spring Boot document separator (#--- or !---): Spring Boot applies the keys after it only when that document is active (spring.config.activate.on-profile), java.util.Properties reads it as a comment and every key as live; put each document in its own file and list them in the stage's config",
      );
    }
    if (line === '' || line[0] === '#' || line[0] === '!') continue;
    let joined = '';
    const parts = [{ offset: 0, line: startLine, column: raw.length - line.length + 1 }];
    for (;;) {
      if (!endsWithOddBackslashes(line)) {
        joined += line;
        break;
      }
      joined += line.slice(0, -1);
      if (index >= natural.length) break;
      const next = natural[index]!;
      line = stripLeading(next);
      index++;
      parts.push({ offset: joined.length, line: index, column: next.length - line.length + 1 });
    }
    yield { text: joined, line: startLine, parts };
  }
}

function stripLeading(line: string): string {
  let i = 0;
  while (i < line.length && WHITE.has(line[i]!)) i++;
  return line.slice(i);
}

function endsWithOddBackslashes(line: string): boolean {
  let count = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i--) count++;
  return count % 2 === 1;
}

function splitEntry(logical: LogicalLine, file: string): { key: string; value: string } {
  const text = logical.text;
  let i = 0;
  let keyEnd = text.length;
  while (i < text.length) {
    const char = text[i]!;
    if (char === '\\') {
      i += 2;
      continue;
    }
    if (char === '=' || char === ':' || WHITE.has(char)) {
      keyEnd = i;
      break;
    }
    i++;
  }
  keyEnd = Math.min(keyEnd, text.length);
  let valueStart = keyEnd;
  while (valueStart < text.length && WHITE.has(text[valueStart]!)) valueStart++;
  if (valueStart < text.length && (text[valueStart] === '=' || text[valueStart] === ':')) {
    valueStart++;
    while (valueStart < text.length && WHITE.has(text[valueStart]!)) valueStart++;
  }
  return {
    key: unescapeText(text.slice(0, keyEnd), logical, 0, file),
    value: unescapeText(text.slice(valueStart), logical, valueStart, file),
  };
}

/** `raw` (the logical line's text from `start`) with its escapes read. */
function unescapeText(raw: string, logical: LogicalLine, start: number, file: string): string {
  if (raw.indexOf('\\') === -1) return raw;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const char = raw[i]!;
    if (char !== '\\') {
      out += char;
      continue;
    }
    i++;
    if (i >= raw.length) break;
    const next = raw[i]!;
    if (next === 'u') {
      const hex = raw.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
        throw inputError(
          'CONFIG_INVALID',
          { file, ...placeOf(logical, start + i - 1) },
          // Not quoted: the value may be a password (Java refuses it the same way, "Malformed \uxxxx encoding").
          'malformed \\uXXXX escape: expected four hex digits after "\\u"',
        );
      }
      out += String.fromCharCode(Number.parseInt(hex, 16));
      i += 4;
    } else if (next === 't') out += '\t';
    else if (next === 'n') out += '\n';
    else if (next === 'r') out += '\r';
    else if (next === 'f') out += '\f';
    else out += next;
  }
  return out;
}
