/**
 * Drift paths and path patterns. A path is a JSON Pointer (RFC 6901) with a namespace prefix:
 * `/a/b` for plain config, `flagd:/flagKey/default` for flag definitions and
 * `k8s:Kind/namespace/name/spec/…` for Kubernetes resources. List items matched by identity read
 * `name=x`. Patterns are the same text with `*` (within one segment), `?` (one character) and `**`
 * (any number of segments, including none); a pattern that starts with `**` matches in every
 * namespace, one that starts with `/` only plain config.
 */
import { compileGlob, type Glob } from '../text/glob.js';

export type PathNamespace = 'plain' | 'flagd' | 'k8s';

/** Escapes one segment per RFC 6901: `~` → `~0`, `/` → `~1`. */
export function escapeSegment(segment: string): string {
  if (segment.indexOf('~') === -1 && segment.indexOf('/') === -1) return segment;
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Reverses `escapeSegment`. */
export function unescapeSegment(segment: string): string {
  if (segment.indexOf('~') === -1) return segment;
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}

export interface ParsedPath {
  namespace: PathNamespace;
  /** Escaped segments, as written. For k8s the first three are kind, namespace and name. */
  segments: string[];
}

/** Splits a drift path into its namespace and escaped segments. */
export function parsePath(path: string): ParsedPath {
  if (path.startsWith('flagd:')) return { namespace: 'flagd', segments: splitPointer(path.slice(6)) };
  if (path.startsWith('k8s:')) return { namespace: 'k8s', segments: path.slice(4).split('/') };
  return { namespace: 'plain', segments: splitPointer(path) };
}

function splitPointer(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return pointer === '/' ? [''] : [];
  return (pointer.startsWith('/') ? pointer.slice(1) : pointer).split('/');
}

/** A compiled drift path pattern. */
export interface PathPattern {
  /** The pattern as written. */
  readonly text: string;
  /** True when `path` matches (see the module comment for the pattern language). */
  matches(path: string | ParsedPath): boolean;
}

type Segment = Glob | '**';

/**
 * Compiles a drift path pattern once: the contract's `drift.classes`, `drift.keys` and declared
 * paths are compiled when it loads, the built-in rules when this module loads.
 * @example compilePathPattern('**\/replicas').matches('k8s:Deployment/shop/web/spec/replicas') // true
 */
export function compilePathPattern(text: string): PathPattern {
  let namespace: PathNamespace | 'any';
  let segments: string[];
  if (text.startsWith('flagd:') || text.startsWith('k8s:') || text.startsWith('/')) {
    const parsed = parsePath(text);
    namespace = parsed.namespace;
    segments = parsed.segments;
  } else {
    namespace = 'any';
    segments = text.split('/');
  }
  const compiled: Segment[] = segments.map((segment) =>
    segment === '**' ? '**' : compileGlob(segment, { question: true }),
  );
  return {
    text,
    matches(path) {
      const parsed = typeof path === 'string' ? parsePath(path) : path;
      if (namespace !== 'any' && namespace !== parsed.namespace) return false;
      return matchSegments(compiled, parsed.segments);
    },
  };
}

/** True when `path` matches `pattern` (compiled for this one call). */
export function matchPath(pattern: string, path: string | ParsedPath): boolean {
  return compilePathPattern(pattern).matches(path);
}

/**
 * Matches segment by segment, going back only to the last `**` (the wildcard algorithm of
 * src/text/glob.ts, over segments): every other segment takes exactly one path segment, so the
 * earliest place the segments after a `**` match is as good as any later one. Trying every split
 * point of every `**` instead took time exponential in their number (`**` `/a/**` repeated twenty
 * times over a path forty deep is 10^11 tries): a contract's pattern, or a config deep enough,
 * stalled every drift report.
 */
function matchSegments(pattern: readonly Segment[], path: readonly string[]): boolean {
  let p = 0;
  let s = 0;
  let star = -1;
  let resume = 0;
  while (s < path.length) {
    const head = pattern[p];
    if (head === '**') {
      star = p++;
      resume = s;
    } else if (head?.matches(path[s]!)) {
      p++;
      s++;
    } else if (star !== -1) {
      // Let the last `**` take one more segment and try again from there.
      p = star + 1;
      s = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === '**') p++;
  return p === pattern.length;
}

/** True when the pattern has glob characters; otherwise it names exactly one path. */
export function isGlob(pattern: string): boolean {
  return /[*?]/.test(pattern);
}
