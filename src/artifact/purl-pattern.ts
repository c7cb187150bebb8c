/**
 * Package URL patterns (`pkg:TYPE/…`, purl spec) as `sbom.bannedComponents` writes them: the
 * pattern is split into its parts once, when the contract loads, and each part is a glob
 * (src/text/glob.ts) compared with the same part of a component's purl.
 */
import { compileGlob, type Glob } from '../text/glob.js';

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Types whose namespace and name the purl spec makes case-insensitive (packageurl-python agrees). */
const CASE_INSENSITIVE_TYPES = new Set(['bitbucket', 'github', 'gitlab', 'pypi']);

/**
 * The `/namespace/name` of a purl as the purl spec normalises it for its type: lower-case for the
 * types above, and `_` read as `-` in a pypi name. Tools write `pkg:pypi/PyYAML@6.0.1` and
 * `pkg:pypi/typing_extensions`; compared as written, a ban on `pkg:pypi/pyyaml` missed them.
 */
function foldPath(type: string, path: string): string {
  const name = type.replace(/^pkg:/, '');
  if (!CASE_INSENSITIVE_TYPES.has(name)) return type + path;
  const lower = path.toLowerCase();
  if (name !== 'pypi') return type + lower;
  const slash = lower.lastIndexOf('/');
  return type + lower.slice(0, slash + 1) + lower.slice(slash + 1).replaceAll('_', '-');
}

interface PurlParts {
  /** `pkg:type/namespace/name`, type lower-cased, percent-decoded, folded as `foldPath` says. */
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
      : foldPath(rest.slice(0, typeEnd).toLowerCase(), safeDecode(rest.slice(typeEnd)));
  const parts: PurlParts = { base };
  if (version !== undefined) parts.version = version;
  if (qualifiers !== undefined) parts.qualifiers = safeDecode(qualifiers);
  if (subpath !== undefined) parts.subpath = safeDecode(subpath);
  return parts;
}

/** A compiled package URL pattern. */
export interface PurlPattern {
  /** The pattern as written. */
  readonly pattern: string;
  /** True when package URL `purl` matches. */
  matches(purl: string): boolean;
}

/**
 * Compiles a package URL pattern. Pattern and purl are percent-decoded, the type is compared
 * case-insensitively, and so are namespace and name of the types the purl spec folds (`foldPath`). A pattern without a version matches every version; qualifiers and subpath
 * are compared only when the pattern has them.
 * @example compilePurlPattern('pkg:npm/left-pad').matches('pkg:npm/left-pad@1.3.0') // true
 * @example compilePurlPattern('pkg:maven/org.apache.logging.log4j/log4j-core@2.1*').matches('pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar') // true
 */
export function compilePurlPattern(pattern: string): PurlPattern {
  const p = splitPurl(pattern);
  const part = (text: string | undefined): Glob | undefined =>
    text === undefined ? undefined : compileGlob(text);
  const base = compileGlob(p.base);
  const version = part(p.version);
  const qualifiers = part(p.qualifiers);
  const subpath = part(p.subpath);
  const agrees = (glob: Glob | undefined, value: string | undefined) =>
    glob === undefined || (value !== undefined && glob.matches(value));
  return {
    pattern,
    matches(purl) {
      const c = splitPurl(purl);
      return (
        base.matches(c.base) &&
        agrees(version, c.version) &&
        agrees(qualifiers, c.qualifiers) &&
        agrees(subpath, c.subpath)
      );
    },
  };
}

/** True when `purl` matches `pattern` (compiled for this one call). */
export function matchesPurl(pattern: string, purl: string): boolean {
  return compilePurlPattern(pattern).matches(purl);
}
