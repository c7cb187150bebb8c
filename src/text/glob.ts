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

/**
 * Compiles a pattern for values of the form `WHAT@REF`: a GitHub workflow identity
 * (`…/.github/workflows/release.yml@refs/heads/main`), a SLSA builder id written the same way, an
 * e-mail address. `*` matches any run of characters and every other character itself, as in
 * {@link compileGlob}, but the value's first `@` must stand where the pattern writes its first
 * `@`: a `*` before it does not reach over it. A branch name may itself hold `@`, so a `*` free to
 * swallow the first `@` would let a push to branch `x/a.yml@refs/heads/main` run `evil.yml` as
 * `…/workflows/*.yml@refs/heads/main`. A pattern without `@` matches a value with one only through
 * a final `*` (`…/workflows/*`: any workflow, any ref). A value without `@` is matched whole.
 * @example compileAtGlob('https://github.com/acme/*@refs/heads/main').matches('https://github.com/acme/x@refs/heads/y@refs/heads/main') // false
 */
export function compileAtGlob(pattern: string): Glob {
  const whole = compileGlob(pattern);
  const patternAt = pattern.indexOf('@');
  const head = compileGlob(patternAt === -1 ? pattern : pattern.slice(0, patternAt));
  const tail = patternAt === -1 ? undefined : compileGlob(pattern.slice(patternAt + 1));
  return {
    pattern,
    matches(value) {
      const at = value.indexOf('@');
      if (at === -1) return whole.matches(value);
      const before = value.slice(0, at);
      if (tail === undefined) return pattern.endsWith('*') && head.matches(before);
      return head.matches(before) && tail.matches(value.slice(at + 1));
    },
  };
}

/**
 * When `value` fails {@link compileAtGlob}`(pattern)` only because a `*` would have had to reach
 * over its first `@`, the words saying so for a refusal (`noun` names the value: "subject");
 * otherwise undefined.
 */
export function atGlobNote(pattern: string, value: string, noun: string): string | undefined {
  if (!matchesGlob(pattern, value) || compileAtGlob(pattern).matches(value)) return undefined;
  return `a "*" does not reach over the ${noun}'s first "@", which parts workflow from ref: the ref after it is ${JSON.stringify(value.slice(value.indexOf('@') + 1))}`;
}
