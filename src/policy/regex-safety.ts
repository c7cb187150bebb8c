/**
 * Regular expressions a rule may run. CEL's `matches()` is specified over RE2, which runs in time
 * linear in its input; cel-js runs it as a JavaScript RegExp, which backtracks. A pattern that
 * repeats a group that itself repeats or alternates (`^([0-9]+\.?)+$`, `(\d|\w)+`) or refers back
 * to a group (`(a+)\1`) takes exponential time on a crafted input: a label of a few dozen
 * characters, set by whoever registers the artifact, would stall every decision and a server's
 * event loop with it. Such patterns are refused when the contract loads, and so are patterns the
 * two engines read differently (`describeDialectDifference`). cel-js 8 cannot run RE2 instead: it
 * registers `string.matches(string)` itself, refuses an overlapping overload, and cannot leave
 * it out. Pure: no I/O.
 */

interface Group {
  /** The group contains a quantifier, or an alternation, directly or in a nested group. */
  variable: boolean;
  /** It contains an alternation directly. */
  alternates: boolean;
  /** Index of its body's first character. */
  bodyStart: number;
}

interface Quantifier {
  /** Index just past the quantifier (and its lazy `?`). */
  end: number;
  /** It allows more than one repetition (`*`, `+`, `{2}`, `{1,}`, `{0,5}`). */
  repeats: boolean;
}

/** A quantifier at `i`, if one starts there. */
function quantifierAt(pattern: string, i: number): Quantifier | undefined {
  const c = pattern[i];
  let end: number;
  let repeats: boolean;
  if (c === '*' || c === '+') {
    end = i + 1;
    repeats = true;
  } else if (c === '?') {
    end = i + 1;
    repeats = false;
  } else if (c === '{') {
    const match = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
    if (!match) return undefined;
    end = i + match[0].length;
    const min = Number(match[1]);
    const max = match[2] === undefined ? min : match[3] === '' ? Number.POSITIVE_INFINITY : Number(match[3]);
    repeats = max > 1;
  } else return undefined;
  if (pattern[end] === '?') end++;
  return { end, repeats };
}

/** Index just past the character class starting at `i` (a `[`). */
function skipClass(pattern: string, i: number): number {
  let j = i + 1;
  if (pattern[j] === '^') j++;
  while (j < pattern.length && pattern[j] !== ']') j += pattern[j] === '\\' ? 2 : 1;
  return j + 1;
}

/** Index just past a group's opening: `(`, `(?:`, `(?=`, `(?!`, `(?<=`, `(?<!`, `(?<name>`. */
function skipGroupOpening(pattern: string, i: number): number {
  if (pattern[i + 1] !== '?') return i + 1;
  const rest = pattern.slice(i);
  const named = /^\(\?<[A-Za-z_$][\w$]*>/.exec(rest);
  if (named) return i + named[0].length;
  const prefix = /^\(\?(?::|=|!|<=|<!)/.exec(rest);
  return i + (prefix ? prefix[0].length : 2);
}

/** The first token of `body` when it is one literal character (`-`, `\\.`), without a quantifier. */
function leadingLiteral(body: string): { char: string; end: number } | undefined {
  const c = body[0];
  if (c === undefined) return undefined;
  let char: string;
  let end: number;
  if (c === '\\') {
    const next = body[1] ?? '';
    // Escaped punctuation only: \d, \w, \s and the like are classes.
    if (!/[^A-Za-z0-9]/.test(next)) return undefined;
    char = next;
    end = 2;
  } else {
    if ('[](){}|.*+?^$'.includes(c)) return undefined;
    char = c;
    end = 1;
  }
  return quantifierAt(body, end) === undefined ? { char, end } : undefined;
}

/**
 * A repeated group is safe when each repetition starts with one literal character that nothing
 * else in the group can match (`(\\.[0-9]+)*`, `(-[a-z]+)+`): every repetition then begins at a
 * place the input fixes, and the engine never has two ways to split it.
 */
function isDelimited(body: string): boolean {
  const lead = leadingLiteral(body);
  if (lead === undefined) return false;
  const matchesLead = (token: string) => new RegExp(token).test(lead.char);
  let j = lead.end;
  while (j < body.length) {
    const c = body[j]!;
    if (c === '\\') {
      if (matchesLead(body.slice(j, j + 2))) return false;
      j += 2;
    } else if (c === '[') {
      const end = skipClass(body, j);
      if (matchesLead(body.slice(j, end))) return false;
      j = end;
    } else if (c === '(') {
      j = skipGroupOpening(body, j);
    } else if (c === '.') {
      if (lead.char !== '\n') return false;
      j++;
    } else if (c === lead.char) {
      return false;
    } else {
      j = quantifierAt(body, j)?.end ?? j + 1;
    }
  }
  return true;
}

/**
 * Why `pattern` may not be run by a rule, or undefined when it is a valid regular expression
 * whose matching time cannot blow up.
 * @example describeUnsafePattern('^([0-9]+\\.?)+$') // 'repeats a group that itself repeats or alternates: …'
 * @example describeUnsafePattern('^[0-9]+(\\.[0-9]+)*$') // undefined: each repetition starts with "."
 */
export function describeUnsafePattern(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
  } catch (error) {
    const flags = /\(\?[imsU-]+[:)]/.test(pattern)
      ? ' (flags such as (?i) are RE2 syntax that JavaScript does not take: write [Aa] for either case)'
      : '';
    return `is not a valid regular expression: ${(error as Error).message}${flags}`;
  }
  const stack: Group[] = [{ variable: false, alternates: false, bodyStart: 0 }];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    const top = stack.at(-1)!;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (/[1-9]/.test(next) || (next === 'k' && pattern[i + 2] === '<'))
        return `refers back to a group (\\${next}${next === 'k' ? '<…>' : ''}), which RE2, the engine CEL specifies, does not allow and which backtracks without bound`;
      i += 2;
    } else if (c === '[') {
      i = skipClass(pattern, i);
    } else if (c === '(') {
      const bodyStart = skipGroupOpening(pattern, i);
      stack.push({ variable: false, alternates: false, bodyStart });
      i = bodyStart;
      continue;
    } else if (c === ')') {
      const group = stack.pop()!;
      const parent = stack.at(-1)!;
      const body = pattern.slice(group.bodyStart, i);
      i++;
      const quantifier = quantifierAt(pattern, i);
      if (quantifier?.repeats && group.variable && (group.alternates || !isDelimited(body)))
        return 'repeats a group that itself repeats or alternates (such as (…+)+ or (a|b)*), which JavaScript matches by backtracking in time exponential in the input: write it with a character class ([0-9.]+), or start each repetition with a character nothing else in the group matches ([0-9]+(\\.[0-9]+)*)';
      parent.variable ||= group.variable || quantifier !== undefined;
      if (quantifier) i = quantifier.end;
      continue;
    } else if (c === '|') {
      top.variable = true;
      top.alternates = true;
      i++;
      continue;
    } else {
      i++;
    }
    // After an atom: its quantifier, if any, makes the enclosing group variable.
    const quantifier = quantifierAt(pattern, i);
    if (quantifier) {
      top.variable = true;
      i = quantifier.end;
    }
  }
  return describeDialectDifference(pattern);
}

/** Escapes of a letter that mean the same in RE2 and in JavaScript (`\\x` only with two hex digits). */
const SHARED_LETTER_ESCAPES = new Set(['d', 'D', 'w', 'W', 's', 'S', 'b', 'B', 'n', 'r', 't', 'f', 'v']);

/** What RE2 reads in an escape JavaScript takes for the letter itself. */
const RE2_ESCAPES: Record<string, string> = {
  A: 'the start of the text: write ^',
  z: 'the end of the text: write $ (without the m flag, the end of the text in both)',
  C: 'any byte',
  Q: 'the start of a literal run (up to \\E): escape each character instead',
  E: 'the end of a literal run',
  p: 'a Unicode class',
  P: 'a negated Unicode class',
  a: 'the bell character',
  x: 'a character code in braces: write \\xHH',
};

/**
 * Where the pattern means one thing to RE2, which CEL specifies and a reader of the contract
 * expects, and another to JavaScript's RegExp, which cel-js runs; or is RE2 syntax JavaScript
 * reads its own way. Such a pattern would match other text than it says, so that a rule such as
 * `!branch.matches("^main\\z")` (JavaScript: "mainz") holds for the very branch it is meant to stop.
 * Lookaround is refused as RE2 refuses it: a contract moved to another CEL implementation would
 * stop loading.
 */
function describeDialectDifference(pattern: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      i++;
      if (!/[A-Za-z]/.test(next) || SHARED_LETTER_ESCAPES.has(next)) continue;
      if (next === 'x' && /^[0-9A-Fa-f]{2}/.test(pattern.slice(i + 1))) continue;
      const re2 = RE2_ESCAPES[next];
      return re2 === undefined
        ? `uses the escape \\${next}, which RE2, the engine CEL specifies, does not have`
        : `uses the escape \\${next}, which JavaScript, the engine cel-js runs, reads as the letter ${next}, and RE2, the engine CEL specifies, as ${re2}`;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      else if (c === '[' && pattern[i + 1] === ':')
        return 'uses a POSIX class such as [[:alpha:]], which RE2 reads as a class and JavaScript, which cel-js runs, as the characters [, :, a, l…: write the range, as [A-Za-z]';
      continue;
    }
    if (c === '[') {
      inClass = true;
      if (pattern[i + 1] === '^') i++;
      if (pattern[i + 1] === ']')
        return 'starts a character class with ], which RE2 reads as the character ] and JavaScript, which cel-js runs, as an empty class: escape it as \\]';
    } else if (c === '(' && /^\(\?(?:=|!|<=|<!)/.test(pattern.slice(i))) {
      return 'uses lookaround ((?=, (?!, (?<=, (?<!), which RE2, the engine CEL specifies, does not have: a contract using it would not load in another CEL implementation';
    }
  }
  return undefined;
}
