/**
 * Merging a stage's files, later over earlier, the way `helm -f a -f b` merges values: maps merge
 * key by key, lists and scalars are replaced whole, and `null` removes a key. flagd flags and
 * Kubernetes resources are replaced whole by a later definition of the same flag or resource.
 * A map in one file and a list or scalar at the same path in another is refused: it is almost
 * always a mistake, and silently picking one would hide it.
 */
import { TollgateError } from '../errors.js';
import { setOwn } from '../records.js';
import { escapeSegment } from './pointer.js';
import type { ConfigMap, ConfigSet, ConfigSource, ConfigValue } from './types.js';

/** What one file contributes: its source record and a map for one namespace. */
export interface ConfigPart {
  source: ConfigSource;
  namespace: 'plain' | 'flagd' | 'k8s';
  value: ConfigMap;
}

/** Merges the parts in order into one ConfigSet. */
export function mergeConfig(parts: ConfigPart[]): ConfigSet {
  const set: ConfigSet = { plain: {}, flagd: {}, k8s: {}, sources: [] };
  const earlier: string[] = [];
  for (const part of parts) {
    if (!set.sources.includes(part.source)) set.sources.push(part.source);
    if (part.namespace === 'plain') {
      set.plain = mergeMaps(set.plain, part.value, '', part.source.file, earlier);
    } else {
      const target = set[part.namespace];
      for (const [key, value] of Object.entries(part.value)) setOwn(target, key, value);
    }
    earlier.push(part.source.file);
  }
  return set;
}

function mergeMaps(
  base: ConfigMap,
  override: ConfigMap,
  path: string,
  file: string,
  earlier: string[],
): ConfigMap {
  const result: ConfigMap = {};
  for (const [key, value] of Object.entries(base)) setOwn(result, key, value);
  for (const [key, value] of Object.entries(override)) {
    const childPath = `${path}/${escapeSegment(key)}`;
    // `null` removes what an earlier file set. With nothing earlier it is kept and compared: in
    // Helm it removes the chart's default, which a stage listing only its own values files does
    // not show, so `networkPolicy: null` in prod against nothing in staging was no difference.
    if (value === null) {
      if (Object.hasOwn(result, key)) delete result[key];
      else setOwn(result, key, null);
      continue;
    }
    const previous = Object.hasOwn(result, key) ? result[key] : undefined;
    if (previous === undefined || previous === null) {
      setOwn(result, key, value);
      continue;
    }
    const before = shape(previous);
    const after = shape(value);
    if (before !== after && (before !== 'scalar' || after !== 'scalar')) {
      throw new TollgateError(
        'CONFIG_INVALID',
        `${file}: ${childPath} is ${article(after)} here but ${article(before)} in ${earlier.join(', ')}; ` +
          'a later file may replace a value but not change a map into a list or a scalar (or back)',
        { position: { file } },
      );
    }
    setOwn(
      result,
      key,
      after === 'map'
        ? mergeMaps(previous as ConfigMap, value as ConfigMap, childPath, file, earlier)
        : value,
    );
  }
  return result;
}

function shape(value: ConfigValue): 'map' | 'list' | 'scalar' {
  if (Array.isArray(value)) return 'list';
  return value !== null && typeof value === 'object' ? 'map' : 'scalar';
}

function article(shape: 'map' | 'list' | 'scalar'): string {
  return shape === 'map' ? 'a map' : shape === 'list' ? 'a list' : 'a scalar';
}
