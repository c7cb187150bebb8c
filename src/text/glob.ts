/**
 * The one glob engine. `*` matches any run of characters (none included), `?` (when enabled) one
 * character, and every other character itself; the whole value must match. Contracts use it for
 * builder ids, source repositories, package URLs, certificate subjects and drift path segments.
 *
 * Matching walks pattern and value once, going back only to the last `*` (the classic wildcard
 * algorithm): no regular expression is built from user text, so no pattern can make matching
 * take exponential time.
 */

export interface GlobOptions {
  /** `?` matches exactly one character (default: `?` matches itself). */
  question?: boolean;
  /** Letters compare without regard to case (default: exact). */
  ignoreCase?: boolean;
}

/** A compiled glob. */
export interface Glob {
  /** The pattern as written. */
  readonly pattern: string;
  /** True when the whole of `value` matches. */
  matches(value: string): boolean;
}

/**
 * Compiles `pattern` once; `matches` may then be called any number of times.
 * @example compileGlob('github.com/acme/*').matches('github.com/acme/app') // true
 */
export function compileGlob(pattern: string, options: GlobOptions = {}): Glob {
  const fold = options.ignoreCase ? (text: string) => text.toLowerCase() : (text: string) => text;
  const text = fold(pattern);
  const question = options.question === true;
  if (!text.includes('*') && !(question && text.includes('?'))) {
    return { pattern, matches: (value) => fold(value) === text };
  }
  return { pattern, matches: (value) => wildcardMatch(text, fold(value), question) };
}

/** True when `value` matches the `*` glob `pattern` (compiled for this one call). */
export function matchesGlob(pattern: string, value: string, options: GlobOptions = {}): boolean {
  return compileGlob(pattern, options).matches(value);
}

function wildcardMatch(pattern: string, value: string, question: boolean): boolean {
  let p = 0;
  let v = 0;
  let star = -1;
  let resume = 0;
  while (v < value.length) {
    const head = pattern[p];
    if (head === '*') {
      star = p++;
      resume = v;
    } else if (p < pattern.length && (head === value[v] || (question && head === '?'))) {
      p++;
      v++;
    } else if (star !== -1) {
      // Let the last `*` take one more character and try again from there.
      p = star + 1;
      v = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}
