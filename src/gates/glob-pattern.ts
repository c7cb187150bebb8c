/**
 * Patterns in contracts: `*` matches any run of characters (slashes included); everything else
 * matches itself. Used for builder ids, source repositories and purl patterns.
 */

const cache = new Map<string, RegExp>();

/** An anchored RegExp for a `*` glob. @example globToRegExp('github.com/acme/*').test('github.com/acme/app') */
export function globToRegExp(pattern: string, ignoreCase = false): RegExp {
  const key = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let regex = cache.get(key);
  if (!regex) {
    const source = pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    regex = new RegExp(`^${source}$`, ignoreCase ? 'si' : 's');
    cache.set(key, regex);
  }
  return regex;
}

/** True when `value` matches the `*` glob `pattern`. */
export function matchesGlob(pattern: string, value: string, ignoreCase = false): boolean {
  return globToRegExp(pattern, ignoreCase).test(value);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

interface PurlParts {
  /** `pkg:type/namespace/name`, type lower-cased, percent-decoded. */
  base: string;
  version?: string;
  qualifiers?: string;
  subpath?: string;
}

function splitPurl(purl: string): PurlParts {
  let rest = purl.trim();
  let subpath: string | undefined;
  let qualifiers: string | undefined;
  const hash = rest.indexOf('#');
  if (hash !== -1) {
    subpath = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
  }
  const question = rest.indexOf('?');
  if (question !== -1) {
    qualifiers = rest.slice(question + 1);
    rest = rest.slice(0, question);
  }
  // The version follows the last "@" of the name segment; an "@" in a namespace is a scope (npm).
  let version: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const at = rest.indexOf('@', lastSlash + 1);
  if (at !== -1) {
    version = safeDecode(rest.slice(at + 1));
    rest = rest.slice(0, at);
  }
  const typeEnd = rest.indexOf('/');
  const base =
    typeEnd === -1
      ? rest.toLowerCase()
      : rest.slice(0, typeEnd).toLowerCase() + safeDecode(rest.slice(typeEnd));
  const parts: PurlParts = { base };
  if (version !== undefined) parts.version = version;
  if (qualifiers !== undefined) parts.qualifiers = safeDecode(qualifiers);
  if (subpath !== undefined) parts.subpath = safeDecode(subpath);
  return parts;
}

/**
 * True when package URL `purl` matches `pattern`. Both are percent-decoded and the type is
 * compared case-insensitively. A pattern without a version matches every version; qualifiers and
 * subpath are compared only when the pattern has them.
 * @example matchesPurl('pkg:npm/left-pad', 'pkg:npm/left-pad@1.3.0') // true
 * @example matchesPurl('pkg:maven/org.apache.logging.log4j/log4j-core@2.1*', 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar') // true
 */
export function matchesPurl(pattern: string, purl: string): boolean {
  const p = splitPurl(pattern);
  const c = splitPurl(purl);
  if (!matchesGlob(p.base, c.base)) return false;
  if (p.version !== undefined && (c.version === undefined || !matchesGlob(p.version, c.version)))
    return false;
  if (
    p.qualifiers !== undefined &&
    (c.qualifiers === undefined || !matchesGlob(p.qualifiers, c.qualifiers))
  ) {
    return false;
  }
  if (p.subpath !== undefined && (c.subpath === undefined || !matchesGlob(p.subpath, c.subpath)))
    return false;
  return true;
}
