/**
 * `$digest`, `$stage` and `$pipeline` in a condition's PromQL, replaced safely.
 *
 * The values are data, never PromQL: inside a double- or single-quoted string literal a value is
 * escaped for that literal; inside a backtick raw string (which has no escapes) a value containing
 * a backtick is refused; outside any string the value is inserted as a double-quoted literal, so
 * `{image_digest=$digest}` becomes `{image_digest="sha256:…"}` and can never become an operator.
 * In the pattern of a regex matcher (`=~`, `!~`) the value's regex metacharacters are escaped too,
 * so `{stage=~"$stage"}` for stage `prod.eu` matches `prod.eu` only, never `prod-eu`.
 * `${digest}` is accepted too, for a variable directly followed by a letter.
 */
import { TollgateError } from '../errors.js';

export interface QueryVariables {
  digest: string;
  stage: string;
  pipeline: string;
}

const NAMES = new Set(['digest', 'stage', 'pipeline']);

/**
 * How a string (or a bare variable) is read by PromQL where it stands:
 * - `plain`: a label matcher value after `=` / `!=`, or label_join's separator: the value as it is;
 * - `regex`: a regex matcher after `=~` / `!~`, or label_replace's regex (both fully anchored, RE2);
 * - `replacement`: label_replace's replacement, where `$1` / `${name}` expand and `$$` is a `$`;
 * - `label`: a label or metric name (label_replace's and label_join's label arguments, a quoted
 *   name in braces): a value cannot be made a name safely;
 * - `unknown`: anywhere else (another function's argument, a top-level string, an operand).
 */
type Context = 'plain' | 'regex' | 'replacement' | 'label' | 'unknown';

/** An open bracket while scanning: for `(`, the function before it and the argument index reached. */
interface Frame {
  open: '(' | '{' | '[';
  fn: string;
  arg: number;
}

/** String arguments of the functions whose strings Tollgate can classify, by argument index. */
const FUNCTION_ARGUMENTS: Readonly<Record<string, (arg: number) => Context>> = {
  // label_replace(v, dst_label, replacement, src_label, regex)
  label_replace: (arg) => (arg === 2 ? 'replacement' : arg === 4 ? 'regex' : arg === 0 ? 'unknown' : 'label'),
  // label_join(v, dst_label, separator, src_label...)
  label_join: (arg) => (arg === 2 ? 'plain' : arg === 0 ? 'unknown' : 'label'),
};

const CONTEXT_TEXT: Readonly<Record<'label' | 'unknown', string>> = {
  label: 'a label or metric name, which no value can be made into safely',
  unknown:
    "a place whose reading Tollgate cannot tell (not a label matcher value, nor label_replace's replacement or regex, nor label_join's separator)",
};

/**
 * Substitutes the variables in `promql`; `where` names the condition for errors.
 * @example substituteQuery('up{digest="$digest"}', { digest: 'sha256:ab…', stage: 'prod', pipeline: 'shop' }, 'x')
 */
export function substituteQuery(promql: string, variables: QueryVariables, where: string): string {
  let out = '';
  let quote: '"' | "'" | '`' | null = null;
  // How the string being read is read by PromQL (set when it opens).
  let context: Context = 'unknown';
  // The string's text as PromQL decodes it so far: a regex's state before a value is read from it.
  let decoded = '';
  const stack: Frame[] = [];
  let i = 0;
  while (i < promql.length) {
    const ch = promql[i] as string;
    if (quote !== null && quote !== '`' && ch === '\\') {
      // Keep escapes inside quoted strings as they are (and never read `\$` as a variable).
      const sequence = /^\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|[\s\S])/.exec(
        promql.slice(i),
      )?.[0] as string;
      out += sequence;
      decoded += decodeEscape(sequence);
      i += sequence.length;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') {
      if (quote === null) {
        quote = ch;
        context = classify(out, stack);
        decoded = '';
      } else if (quote === ch) quote = null;
      else decoded += ch;
      out += ch;
      i += 1;
      continue;
    }
    if (quote === null && ch === '#') {
      // A PromQL comment runs to the end of the line; variables there are left alone.
      const end = promql.indexOf('\n', i);
      const stop = end === -1 ? promql.length : end;
      out += promql.slice(i, stop);
      i = stop;
      continue;
    }
    if (quote === null) track(ch, out, stack);
    if (ch === '$') {
      const match = /^\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))/.exec(promql.slice(i));
      const name = match?.[1] ?? match?.[2];
      if (match && name !== undefined) {
        // Inside a string an unknown `$word` is left alone: it is most likely a regex anchor.
        if (!NAMES.has(name) && quote !== null) {
          out += ch;
          decoded += ch;
          i += 1;
          continue;
        }
        if (!NAMES.has(name)) {
          throw new TollgateError(
            'CONTRACT_INVALID',
            `${where}: unknown variable $${name} in the query: expected $digest, $stage or $pipeline`,
          );
        }
        const value = variables[name as keyof QueryVariables];
        const here = quote === null ? classify(out, stack) : context;
        if (here === 'label' || here === 'unknown') {
          throw new TollgateError(
            'CONTRACT_INVALID',
            `${where}: $${name} stands in ${CONTEXT_TEXT[here]}; write it in a label matcher ({label="$${name}"} or {label=~"$${name}"})`,
          );
        }
        if (here === 'regex') {
          const state = regexState(decoded);
          if (state !== undefined) {
            throw new TollgateError(
              'CONTRACT_INVALID',
              `${where}: $${name} stands ${state} of a regex, where an escaped value would not match itself; move it out of the ${state === 'after a backslash' ? 'escape' : state.replace(/^inside /, '')}`,
            );
          }
        }
        // In a regex the value is matched literally (`prod.eu` must not match `prod-eu`); in a
        // replacement `$` is written `$$` so that a value never expands a capture group.
        const literal =
          here === 'regex'
            ? escapeRegex(value)
            : here === 'replacement'
              ? value.replace(/\$/g, '$$$$')
              : value;
        out += quoteValue(literal, quote, name, where);
        decoded += literal;
        i += match[0].length;
        continue;
      }
    }
    out += ch;
    if (quote !== null) decoded += ch;
    i += 1;
  }
  if (quote !== null) {
    throw new TollgateError('CONTRACT_INVALID', `${where}: unterminated ${quote} string in the query`);
  }
  return out;
}

/** Keeps the bracket stack up to date for one character outside strings and comments. */
function track(ch: string, before: string, stack: Frame[]): void {
  if (ch === '(' || ch === '{' || ch === '[') {
    const fn = ch === '(' ? (/([A-Za-z_][\w:]*)\s*$/.exec(before)?.[1] ?? '') : '';
    stack.push({ open: ch, fn: fn.toLowerCase(), arg: 0 });
  } else if (ch === ',') {
    const top = stack[stack.length - 1];
    if (top !== undefined) top.arg += 1;
  } else if (ch === ')' || ch === '}' || ch === ']') {
    stack.pop();
  }
}

/** How PromQL reads a string (or bare value) starting after `before`, inside the brackets `stack`. */
function classify(before: string, stack: Frame[]): Context {
  const text = before.trimEnd();
  const top = stack[stack.length - 1];
  if (/[=!]~$/.test(text)) return top?.open === '{' ? 'regex' : 'unknown';
  if (/(?:!=|(?<![=!<>])=)$/.test(text)) return top?.open === '{' ? 'plain' : 'unknown';
  if (top?.open === '{' && /[{,]$/.test(text)) return 'label';
  if (top?.open === '(' && /[(,]$/.test(text)) {
    const argument = Object.hasOwn(FUNCTION_ARGUMENTS, top.fn) ? FUNCTION_ARGUMENTS[top.fn] : undefined;
    if (argument !== undefined) return argument(top.arg);
    // count_values("label", v), sort_by_label(v, "label"…) and the like take label names.
    return 'unknown';
  }
  return 'unknown';
}

/** What a Go string escape (`\\`, `\"`, `\x5b`, `\u005b`, `\133`, `\n`) decodes to. */
function decodeEscape(sequence: string): string {
  const body = sequence.slice(1);
  if (body.length > 1) {
    const code =
      body[0] === 'x' || body[0] === 'u' || body[0] === 'U'
        ? Number.parseInt(body.slice(1), 16)
        : Number.parseInt(body, 8);
    return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : '';
  }
  const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
  return simple[body] ?? body;
}

/**
 * Where a value appended to the RE2 pattern `text` would stand, when that is somewhere escaping it
 * does not make it match itself: inside a character class (`[a-$stage]`), after a backslash, or
 * inside `\Q…\E`. Undefined when it would stand as a sequence of literals.
 */
function regexState(text: string): string | undefined {
  let inClass = false;
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    if (quoted) {
      if (text.startsWith('\\E', i)) {
        quoted = false;
        i += 2;
      } else i += 1;
      continue;
    }
    const c = text[i];
    if (c === '\\') {
      if (i + 1 >= text.length) return 'after a backslash';
      if (text[i + 1] === 'Q') quoted = true;
      i += 2;
      continue;
    }
    if (inClass) {
      if (text.startsWith('[:', i)) {
        const end = text.indexOf(':]', i + 2);
        if (end !== -1) {
          i = end + 2;
          continue;
        }
      }
      if (c === ']') inClass = false;
      i += 1;
      continue;
    }
    if (c === '[') {
      inClass = true;
      i += 1;
      if (text[i] === '^') i += 1;
      // A `]` first in a class is a literal.
      if (text[i] === ']') i += 1;
      continue;
    }
    i += 1;
  }
  if (quoted) return 'inside a \\Q…\\E quote';
  if (inClass) return 'inside a character class [ … ]';
  return undefined;
}

/**
 * True when the query selects by `$digest` where PromQL reads it: in a positive label matcher
 * (`=` or `=~`), not in a `#` comment, a negative matcher (`!=`, `!~`: every other digest) or
 * label_replace's replacement (a label written, not a series chosen). Found by substituting a
 * marker, so strings and comments are read exactly as the query will be.
 */
export function selectsByDigest(promql: string): boolean {
  const marker = 'tollgate-digest-marker';
  try {
    const out = substituteQuery(promql, { digest: marker, stage: '', pipeline: '' }, 'probe');
    return /(?<![!=<>])=~?\s*(["'`])(?:\\.|(?!\1)[^\\])*?tollgate-digest-marker/.test(out);
  } catch {
    return false;
  }
}

/**
 * Where the query uses PromQL's `@` modifier (outside strings and `#` comments), or -1. `@` fixes
 * the time a selector is read at (`x @ 1764000000`, `@ start()`, `@ end()`), so a measurement
 * would describe that time rather than its own.
 */
export function atModifierIndex(promql: string): number {
  let quote: string | null = null;
  for (let i = 0; i < promql.length; i += 1) {
    const ch = promql[i];
    if (quote !== null) {
      // Escapes hold in "…" and '…'; a backtick string has none.
      if (ch === '\\' && quote !== '`') i += 1;
      else if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if (ch === '#') {
      const end = promql.indexOf('\n', i);
      if (end === -1) return -1;
      i = end;
    } else if (ch === '@') return i;
  }
  return -1;
}

/**
 * True when the whole query falls back to a constant (`… or vector(0)`, `… or on() vector(0)` at
 * its top level, outside strings and comments): it then never answers empty, so `noData` never
 * applies, and a query that matches nothing (a wrong label, a digest not reported yet) reads as
 * that constant. Inside brackets (`(errors or vector(0)) / requests`) the fallback is left alone:
 * another operand can still answer empty.
 */
export function fallsBackToConstant(promql: string): boolean {
  let top = '';
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < promql.length; i += 1) {
    const ch = promql[i] as string;
    if (quote !== null) {
      if (ch === '\\' && quote !== '`') i += 1;
      else if (ch === quote) quote = null;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') {
      quote = ch;
      top += ' ';
    } else if (ch === '#') {
      const end = promql.indexOf('\n', i);
      i = end === -1 ? promql.length : end - 1;
    } else if (ch === '(' || ch === '{' || ch === '[') {
      if (depth === 0) top += ch;
      depth += 1;
    } else if (ch === ')' || ch === '}' || ch === ']') {
      depth = Math.max(0, depth - 1);
      if (depth === 0) top += ch;
    } else if (depth === 0) top += ch;
  }
  return /(?:^|[^\w])or\s*(?:(?:on|ignoring)\s*\(\)\s*)?vector\s*\(\)/i.test(top);
}

/** Names of the variables a query uses, for showing in decisions. */
export function queryVariables(promql: string): string[] {
  const found = new Set<string>();
  for (const match of promql.matchAll(/\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))/g)) {
    const name = match[1] ?? match[2];
    if (name !== undefined) found.add(name);
  }
  return [...found];
}

/** RE2 metacharacters escaped, so a value is matched as itself. */
function escapeRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function quoteValue(value: string, quote: '"' | "'" | '`' | null, name: string, where: string): string {
  const escaped = (q: string) =>
    value
      .replace(/\\/g, '\\\\')
      .replace(new RegExp(q, 'g'), `\\${q}`)
      .replace(/\n/g, '\\n')
      .replace(/\r/g, '\\r');
  switch (quote) {
    case null:
      return `"${escaped('"')}"`;
    case '"':
    case "'":
      return escaped(quote);
    case '`':
      if (value.includes('`')) {
        throw new TollgateError(
          'CONTRACT_INVALID',
          `${where}: $${name} is inside a backtick string but its value contains a backtick; use "…" quotes`,
        );
      }
      return value;
  }
}
