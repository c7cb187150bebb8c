/**
 * Finding values in a ConfigSet by drift path, for declarations that expect a difference: an exact
 * path is looked up (identity segments `name=x` select list items), a pattern is matched against
 * every path of the stage's configuration. Pure.
 */
import { IDENTITY_FIELDS, uniqueOn } from './diff.js';
import { escapeSegment, isGlob, type PathPattern, parsePath, unescapeSegment } from './pointer.js';
import type { ConfigMap, ConfigSet, ConfigValue } from './types.js';

/** The value at an exact path, or undefined when the path does not exist. */
export function lookupPath(set: ConfigSet, path: string): ConfigValue | undefined {
  const parsed = parsePath(path);
  let current: ConfigValue | undefined;
  let segments = parsed.segments;
  if (parsed.namespace === 'k8s') {
    const key = segments.slice(0, 3).join('/');
    current = Object.hasOwn(set.k8s, key) ? set.k8s[key] : undefined;
    segments = segments.slice(3);
  } else {
    current = parsed.namespace === 'flagd' ? set.flagd : set.plain;
  }
  for (const segment of segments) {
    if (current === undefined || current === null || typeof current !== 'object') return undefined;
    if (Array.isArray(current)) {
      const equals = segment.indexOf('=');
      if (equals > 0) {
        const field = unescapeSegment(segment.slice(0, equals));
        const identity = unescapeSegment(segment.slice(equals + 1));
        current = current.find(
          (item) =>
            item !== null &&
            typeof item === 'object' &&
            !Array.isArray(item) &&
            Object.hasOwn(item, field) &&
            String(item[field]) === identity,
        );
      } else if (/^\d+$/.test(segment)) {
        current = current[Number(segment)];
      } else return undefined;
    } else {
      const key = unescapeSegment(segment);
      current = Object.hasOwn(current, key) ? current[key] : undefined;
    }
  }
  return current;
}

/** Every path of the set that a pattern names: the path itself when it is exact, else each match (outermost). */
export function pathsMatching(set: ConfigSet, pattern: PathPattern): string[] {
  if (!isGlob(pattern.text)) return lookupPath(set, pattern.text) === undefined ? [] : [pattern.text];
  const found: string[] = [];
  const walk = (value: ConfigValue, path: string, depth: number) => {
    if (depth > 0 && pattern.matches(path)) {
      found.push(path);
      return;
    }
    if (value === null || typeof value !== 'object' || depth > 200) return;
    if (Array.isArray(value)) {
      const field = IDENTITY_FIELDS.find((name) => uniqueOn(value, name));
      value.forEach((item, index) => {
        const segment =
          field === undefined
            ? String(index)
            : `${field}=${escapeSegment(String((item as ConfigMap)[field]))}`;
        walk(item, `${path}/${segment}`, depth + 1);
      });
      return;
    }
    for (const [key, item] of Object.entries(value)) walk(item, `${path}/${escapeSegment(key)}`, depth + 1);
  };
  walk(set.plain, '', 0);
  walk(set.flagd, 'flagd:', 0);
  for (const [key, resource] of Object.entries(set.k8s)) {
    if (pattern.matches(`k8s:${key}`)) found.push(`k8s:${key}`);
    else walk(resource, `k8s:${key}`, 1);
  }
  return found;
}
