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
 * Substitutes the variables in `promql`; `where` names the condition for errors.
 * @example substituteQuery('up{digest="$digest"}', { digest: 'sha256:ab…', stage: 'prod', pipeline: 'shop' }, 'x')
 */
export function substituteQuery(promql: string, variables: QueryVariables, where: string): string {
  let out = '';
  let quote: '"' | "'" | '`' | null = null;
  // True inside a string that is the pattern of a regex matcher (`=~` / `!~`).
  let regex = false;
  let i = 0;
  while (i < promql.length) {
    const ch = promql[i] as string;
    if (quote !== null && quote !== '`' && ch === '\\') {
      // Keep escapes inside quoted strings as they are (and never read `\$` as a variable).
      out += promql.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') {
      if (quote === null) {
        quote = ch;
        regex = afterRegexMatcher(out);
      } else if (quote === ch) quote = null;
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
    if (ch === '$') {
      const match = /^\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))/.exec(promql.slice(i));
      const name = match?.[1] ?? match?.[2];
      if (match && name !== undefined) {
        // Inside a string an unknown `$word` is left alone: it is most likely a regex anchor.
        if (!NAMES.has(name) && quote !== null) {
          out += ch;
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
        // In a regex matcher the value is matched literally: `prod.eu` must not match `prod-eu`.
        const literal = quote === null ? afterRegexMatcher(out) : regex;
        out += quoteValue(literal ? escapeRegex(value) : value, quote, name, where);
        i += match[0].length;
        continue;
      }
    }
    out += ch;
    i += 1;
  }
  if (quote !== null) {
    throw new TollgateError('CONTRACT_INVALID', `${where}: unterminated ${quote} string in the query`);
  }
  return out;
}

/**
 * True when the query selects by `$digest` where PromQL reads it (not in a `#` comment): found by
 * substituting a marker, so strings and comments are read exactly as the query will be.
 */
export function selectsByDigest(promql: string): boolean {
  const marker = 'tollgate-digest-marker';
  try {
    return substituteQuery(promql, { digest: marker, stage: '', pipeline: '' }, 'probe').includes(marker);
  } catch {
    return false;
  }
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

/** True when `text` (PromQL so far) ends with a regex matcher `=~` or `!~`, spaces allowed. */
function afterRegexMatcher(text: string): boolean {
  return /[=!]~\s*$/.test(text);
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
