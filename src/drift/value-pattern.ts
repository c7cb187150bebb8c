/**
 * The `match` of a drift declaration: a regular expression over a config value, run by RE2 (the
 * re2js port, pure JavaScript), whose matching time is linear in the value. The value is written
 * by the config's author, who may be the very person a declaration is meant to hold: with
 * JavaScript's backtracking RegExp, `^(a+)+$` over forty `a`s and a `b` would stall
 * `tollgate check` and a team server's event loop with it. RE2 refuses what it cannot run in
 * linear time (backreferences, lookaround) when the contract loads.
 *
 * re2js is loaded on first use, so that commands and contracts without a `match` never pay its
 * start-up; the CLI's core bundle carries it (see `re2`).
 */
import { createRequire } from 'node:module';
import type { RE2JS } from 're2js';

// Required, not imported, so that it is loaded only when a contract has a `match`. In the CommonJS
// bundles (`__filename` is defined) `require` is esbuild's: re2js is bundled into the CLI's core,
// where V8's code cache covers it, and initialised on this first call (from node_modules it cost
// `check` ~11 ms, most of it compiling). The ESM library has no `require`, and esbuild's stand-in
// for one there passes `typeof require === 'function'` but throws ("Dynamic require of re2js is not
// supported"): there, and from source, Node's is made from the module's URL. `node -e` sets a
// global __filename and require, which an ES module sees too: a CommonJS module's own __filename
// is told from it by not being the global one.
let engine: typeof RE2JS | undefined;
function re2(): typeof RE2JS {
  const commonJs =
    typeof __filename === 'string' &&
    typeof require === 'function' &&
    __filename !== (globalThis as { __filename?: unknown }).__filename;
  engine ??= (
    (commonJs ? require('re2js') : createRequire(import.meta.url)('re2js')) as {
      RE2JS: typeof RE2JS;
    }
  ).RE2JS;
  return engine;
}

/** A compiled `match`: true when the pattern is found in the text (unanchored, as written). */
export interface ValuePattern {
  source: string;
  test(text: string): boolean;
}

/** What RE2 says it cannot take, in the reader's terms. */
function explainSyntaxError(message: string): string {
  if (/invalid escape sequence: `\\[1-9]/.test(message) || /`\\k/.test(message))
    return 'refers back to a group (\\1, \\k<name>): a backreference cannot be matched in time linear in the value, so RE2 does not have it';
  if (/`\(\?(?:=|!|<)/.test(message))
    return 'uses lookaround ((?=, (?!, (?<=, (?<!): RE2 does not have it, because it cannot be matched in time linear in the value';
  return message.replace(/^error parsing regexp: /, '');
}

/** Top-level alternatives of a pattern (outside groups and character classes). */
function topLevelAlternatives(pattern: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let inClass = false;
  let start = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
      if (pattern[i + 1] === '^') i++;
      if (pattern[i + 1] === ']') i++;
    } else if (c === '(') {
      depth++;
    } else if (c === ')') {
      depth--;
    } else if (c === '|' && depth === 0) {
      parts.push(pattern.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(pattern.slice(start));
  return parts;
}

/** True when the alternative ends with an unescaped `$` or with `\z`. */
function endsAnchored(alternative: string): boolean {
  const trailing = /(\\*)(\$|z)$/.exec(alternative);
  if (trailing === null) return false;
  const backslashes = trailing[1]!.length;
  return trailing[2] === '$' ? backslashes % 2 === 0 : backslashes % 2 === 1;
}

/**
 * Why `pattern` cannot be a declaration's `match`, or undefined when it can. Besides what RE2
 * refuses, a pattern must say where the value ends (`$`): `\.prod\.internal` is found in
 * `db.prod.internal.evil.example`, and `^db\.prod\.` in `db.prod.evil.example`, so a declaration
 * written to pin a value to one domain would excuse a value pointing anywhere. Whoever means "and
 * anything after" writes it: `^db\.prod\..*$`.
 * @example describeValuePatternProblem('\\.prod\\.internal$') // undefined
 * @example describeValuePatternProblem('(a)\\1') // 'refers back to a group …'
 */
export function describeValuePatternProblem(pattern: string): string | undefined {
  try {
    re2().compile(pattern);
  } catch (error) {
    return explainSyntaxError((error as Error).message);
  }
  if (/\(\?[a-zA-Z]*m/.test(pattern))
    return 'uses the flag m, with which $ matches at the end of any line: a value with a second line would pass; remove it';
  if (!topLevelAlternatives(pattern).every(endsAnchored))
    return `does not end with $, so it is found inside longer values too (\\.prod\\.internal matches "db.prod.internal.evil.example"); end it with $ (write .*$ where anything may follow)`;
  return undefined;
}

/**
 * Compiles a `match` (the contract checks it first with `describeValuePatternProblem`).
 * @throws Error when the pattern is refused.
 */
export function compileValuePattern(source: string): ValuePattern {
  const problem = describeValuePatternProblem(source);
  if (problem !== undefined) throw new Error(`the pattern ${JSON.stringify(source)} ${problem}`);
  const compiled = re2().compile(source);
  return { source, test: (text) => compiled.test(text) };
}
