/**
 * `.env` files, read by the rules of the `dotenv` package (`dotenv.parse`), which most tools that
 * read `.env` files follow:
 *
 * - lines end at `\n`, `\r\n` or `\r`; blank lines and lines whose first non-blank character is `#`
 *   are comments;
 * - an assignment is `[export ]KEY=VALUE` or `KEY: VALUE`, with white space allowed around the key
 *   and the `=`; keys are letters, digits, `_`, `.` and `-`;
 * - a value in single quotes, double quotes or backticks is taken as written between them (it may
 *   span lines, and may hold `#` and the other quotes), provided only white space or a `# comment`
 *   follows the closing quote; in double quotes `\n` and `\r` become a newline and a carriage
 *   return, and every other backslash stays as written;
 * - any other value ends at a `#` that follows white space, and white space around it is trimmed;
 *   a value that then starts and ends with the same quote loses the two (`A='it''s'` is `it''s`).
 *
 * dotenv ends an unquoted value at any `#`, docker compose only at one after white space: `A=a#b`
 * is `a` to one and `a#b` to the other. The reader takes compose's, the longer reading: dotenv's
 * value is compose's cut at its first `#`, so two values that read alike the compose way read alike
 * the dotenv way too, and no difference either tool would deploy is hidden (`a#b` and `a#c` differ;
 * to an application reading them with dotenv they would not, which drift then over-reports).
 *
 * Two things dotenv does silently are refused with the file and line: a key set twice (dotenv keeps
 * the last one, so the file says two things) and a line that is not an assignment (dotenv skips it;
 * docker compose reads a bare `KEY` as "copy KEY from the environment", which no file comparison
 * can know). Variable expansion (`${VAR}`, dotenv-expand, compose interpolation) is not done: a
 * value is compared as written.
 */
import { inputError } from '../errors.js';
import { setOwn } from '../records.js';
import type { ConfigMap } from './types.js';

const ASSIGNMENT = /^[ \t\f\v]*(?:export[ \t]+)?([\w.-]+)(?:[ \t]*=[ \t]*|:[ \t]+)/;
const QUOTES = new Set(["'", '"', '`']);

/** Parses a `.env` file into a flat map of strings; a duplicate key or a stray line is CONFIG_INVALID. */
export function parseEnvFile(text: string, file: string): ConfigMap {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const result: ConfigMap = {};
  const seen = new Map<string, number>();
  let index = 0;
  while (index < lines.length) {
    const line = lines[index]!;
    const lineNumber = index + 1;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) {
      index++;
      continue;
    }
    const match = ASSIGNMENT.exec(line);
    if (match === null) {
      throw inputError(
        'CONFIG_INVALID',
        { file, line: lineNumber, column: 1 },
        `expected KEY=VALUE (a key of letters, digits, "_", "." or "-"), a "# comment" or a blank line; ${whyNotAssignment(trimmed)}`,
      );
    }
    const key = match[1]!;
    const first = seen.get(key);
    if (first !== undefined) {
      throw inputError(
        'CONFIG_INVALID',
        { file, line: lineNumber, column: 1 },
        `duplicate key "${key}" (first set on line ${first})`,
      );
    }
    seen.set(key, lineNumber);
    const { value, lines: used } = readValue(lines, index, match[0].length);
    setOwn(result, key, value);
    index += used;
  }
  return result;
}

/** Reads the value starting at `column` of line `index`; returns it and how many lines it used. */
function readValue(lines: string[], index: number, column: number): { value: string; lines: number } {
  const line = lines[index]!;
  let start = column;
  while (start < line.length && /\s/.test(line[start]!)) start++;
  const quote = line[start];
  if (quote !== undefined && QUOTES.has(quote)) {
    const quoted = readQuoted(lines, index, start + 1, quote);
    if (quoted !== undefined) return quoted;
  }
  // A comment starts at a `#` after white space only (see the file's comment: the longer reading).
  let hash = line.indexOf('#', column);
  while (hash !== -1 && !/[ \t]/.test(line[hash - 1] ?? '')) hash = line.indexOf('#', hash + 1);
  let value = (hash === -1 ? line.slice(column) : line.slice(column, hash)).trim();
  const first = value[0];
  if (value.length >= 2 && first !== undefined && QUOTES.has(first) && value.endsWith(first)) {
    value = unquote(value.slice(1, -1), first);
  }
  return { value, lines: 1 };
}

/**
 * A quoted value: the longest run up to the first closing quote not escaped by a backslash, or, when
 * anything but white space or a comment follows that quote, the last escaped quote before it that
 * is so followed (dotenv's `'(?:\\'|[^'])*'`). Undefined when no closing quote qualifies.
 */
function readQuoted(
  lines: string[],
  index: number,
  column: number,
  quote: string,
): { value: string; lines: number } | undefined {
  const candidates: Array<{ line: number; column: number }> = [];
  for (let at = index, from = column; at < lines.length; at++, from = 0) {
    const line = lines[at]!;
    for (let i = from; i < line.length; i++) {
      const char = line[i]!;
      if (char === '\\' && line[i + 1] === quote) {
        candidates.push({ line: at, column: i + 1 });
        i++;
      } else if (char === quote) {
        candidates.push({ line: at, column: i });
        return pick(lines, index, column, quote, candidates.reverse());
      }
    }
  }
  return pick(lines, index, column, quote, candidates.reverse());
}

function pick(
  lines: string[],
  index: number,
  column: number,
  quote: string,
  candidates: Array<{ line: number; column: number }>,
): { value: string; lines: number } | undefined {
  for (const end of candidates) {
    if (!/^\s*(?:#.*)?$/.test(lines[end.line]!.slice(end.column + 1))) continue;
    const inner =
      end.line === index
        ? lines[index]!.slice(column, end.column)
        : [
            lines[index]!.slice(column),
            ...lines.slice(index + 1, end.line),
            lines[end.line]!.slice(0, end.column),
          ].join('\n');
    return { value: unquote(inner, quote), lines: end.line - index + 1 };
  }
  return undefined;
}

function unquote(inner: string, quote: string): string {
  return quote === '"' ? inner.replaceAll('\\n', '\n').replaceAll('\\r', '\r') : inner;
}

/** Why a line is not an assignment, without quoting it (it may hold a secret). */
function whyNotAssignment(trimmed: string): string {
  if (!/[=:]/.test(trimmed))
    return 'the line has no "=" (a bare KEY takes its value from the environment in docker compose, which a file comparison cannot see)';
  return 'the text before "=" (or ": ") is not a key of letters, digits, "_", "." and "-"';
}
