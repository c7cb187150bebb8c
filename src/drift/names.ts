/**
 * Splitting path segments into lower-case words (the secret detector's tokeniser), for classification:
 * `DB_PASSWORD` → db, password; `apiKey` → api, key; `name=DB_URL` → name, db, url.
 */
import { keyWords } from '../text/secret-detector.js';
import { parsePath, unescapeSegment } from './pointer.js';

const cache = new Map<string, string[]>();

/** The lower-case words of one segment. */
export function wordsOf(segment: string): string[] {
  const cached = cache.get(segment);
  if (cached !== undefined) return cached;
  const words = keyWords(unescapeSegment(segment));
  if (cache.size > 10_000) cache.clear();
  cache.set(segment, words);
  return words;
}

/** The parts of a path that say what a value is. */
export interface NamedPath {
  namespace: 'plain' | 'flagd' | 'k8s';
  /** k8s only: the kind, without its group. */
  kind?: string;
  /** The segments below the resource (k8s) or below the root, escaped. */
  segments: string[];
  /** The name of the value: the last segment that is not a list index or `value`; for `name=X`, X. */
  leaf: string;
  /** Segments above the leaf, identity segments reduced to their value. */
  ancestors: string[];
}

const GENERIC = new Set(['value', 'values', 'valueFrom', 'default', '']);

export function namePath(path: string): NamedPath {
  const parsed = parsePath(path);
  let segments = parsed.segments;
  let kind: string | undefined;
  if (parsed.namespace === 'k8s') {
    kind = unescapeSegment(segments[0] ?? '').split('.')[0];
    segments = segments.slice(3);
  }
  const named = segments.map((segment) => {
    const equals = segment.indexOf('=');
    return equals > 0 ? segment.slice(equals + 1) : segment;
  });
  let leafIndex = named.length - 1;
  while (leafIndex > 0 && (/^\d+$/.test(named[leafIndex]!) || GENERIC.has(named[leafIndex]!))) leafIndex--;
  const result: NamedPath = {
    namespace: parsed.namespace,
    segments,
    leaf: named[leafIndex] ?? '',
    ancestors: named.slice(0, Math.max(leafIndex, 0)),
  };
  if (kind !== undefined) result.kind = kind;
  return result;
}
