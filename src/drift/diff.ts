/**
 * The semantic diff. Maps compare by key; lists whose items all carry a unique identity on both
 * sides (a key the contract names for the list's path, else `name`, `id` or `key`) compare by that
 * identity, and their items' path segments read `name=x`; other lists compare by position. Types
 * matter: `"1"` and `1` differ. One walk does the identity-keying and the comparison, so nothing is
 * copied. Pure: no I/O.
 */
import { compilePathPattern, escapeSegment, type PathPattern } from './pointer.js';
import type { ConfigMap, ConfigSet, ConfigValue, RawDifference } from './types.js';

/** Built-in identity fields, tried in this order after the contract's key for the path. */
export const IDENTITY_FIELDS = ['name', 'id', 'key'] as const;

/**
 * Lists whose order is their meaning, though their items have names: Kubernetes runs
 * `initContainers` one after another, in order; Envoy runs `http_filters` in order, so moving
 * `envoy.filters.http.jwt_authn` after the router turns authentication off. Matched by identity,
 * their reordering showed as no difference; for them it is one `changed` difference at the list.
 */
const ORDERED_LISTS = new Set(['initContainers', 'http_filters']);

/** True when the items both lists hold (by `field`) stand in another order in `b` than in `a`. */
function reordered(a: ConfigValue[], b: ConfigValue[], field: string, common: ReadonlySet<string>): boolean {
  const order = (items: ConfigValue[]) =>
    items.map((item) => String((item as ConfigMap)[field])).filter((identity) => common.has(identity));
  const before = order(a);
  const after = order(b);
  return before.some((identity, index) => identity !== after[index]);
}

/** Lists at paths matching `pattern` are matched item by item on `field`. */
export interface KeyRule {
  pattern: PathPattern;
  field: string;
}

/** Compiles `drift.keys` as written (path pattern → identity field), in the order written. */
export function compileKeyRules(keys: Readonly<Record<string, string>>): KeyRule[] {
  return Object.entries(keys).map(([pattern, field]) => ({ pattern: compilePathPattern(pattern), field }));
}

export interface DiffOptions {
  /** Identity fields for lists at matching paths (the contract's `drift.keys`, compiled), tried in order. */
  keys?: readonly KeyRule[];
}

/** Differences between two stages' configurations, upstream first. */
export function diffConfigs(
  upstream: ConfigSet,
  downstream: ConfigSet,
  options: DiffOptions = {},
): RawDifference[] {
  const differ = new Differ(options);
  differ.diffMap(upstream.plain, downstream.plain, '');
  differ.diffMap(upstream.flagd, downstream.flagd, 'flagd:');
  for (const key of Object.keys(upstream.k8s)) {
    if (!Object.hasOwn(downstream.k8s, key))
      differ.emit(`k8s:${key}`, 'removed', upstream.k8s[key], undefined);
    else differ.diffMap(upstream.k8s[key] as ConfigMap, downstream.k8s[key] as ConfigMap, `k8s:${key}`);
  }
  for (const key of Object.keys(downstream.k8s)) {
    if (!Object.hasOwn(upstream.k8s, key)) differ.emit(`k8s:${key}`, 'added', undefined, downstream.k8s[key]);
  }
  return differ.differences;
}

/** Differences between two values under one path prefix (`''` for plain JSON Pointers). */
export function diffValues(
  before: ConfigValue,
  after: ConfigValue,
  prefix = '',
  options: DiffOptions = {},
): RawDifference[] {
  const differ = new Differ(options);
  differ.diffValue(before, after, prefix);
  return differ.differences;
}

class Differ {
  readonly differences: RawDifference[] = [];
  private readonly segments: string[] = [];
  private readonly keyPatterns: readonly KeyRule[];

  constructor(options: DiffOptions) {
    this.keyPatterns = options.keys ?? [];
  }

  emit(
    path: string,
    kind: RawDifference['kind'],
    before: ConfigValue | undefined,
    after: ConfigValue | undefined,
  ): void {
    const difference: RawDifference = { path, kind };
    if (before !== undefined) difference.before = before;
    if (after !== undefined) difference.after = after;
    this.differences.push(difference);
  }

  private here(prefix: string): string {
    return this.segments.length === 0 ? prefix : `${prefix}/${this.segments.join('/')}`;
  }

  diffValue(a: ConfigValue, b: ConfigValue, prefix: string): void {
    if (a === b) return;
    if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
      // NaN is the one value not equal to itself; YAML can spell it `.nan`.
      if (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b)) return;
      this.emit(this.here(prefix), 'changed', a, b);
      return;
    }
    const aList = Array.isArray(a);
    if (aList !== Array.isArray(b)) {
      this.emit(this.here(prefix), 'changed', a, b);
      return;
    }
    if (aList) this.diffList(a as ConfigValue[], b as ConfigValue[], prefix);
    else this.diffMap(a as ConfigMap, b as ConfigMap, prefix);
  }

  diffMap(a: ConfigMap, b: ConfigMap, prefix: string): void {
    for (const key of Object.keys(a)) {
      this.segments.push(escapeSegment(key));
      if (Object.hasOwn(b, key)) this.diffValue(a[key]!, b[key]!, prefix);
      else this.emit(this.here(prefix), 'removed', a[key], undefined);
      this.segments.pop();
    }
    for (const key of Object.keys(b)) {
      if (Object.hasOwn(a, key)) continue;
      this.segments.push(escapeSegment(key));
      this.emit(this.here(prefix), 'added', undefined, b[key]);
      this.segments.pop();
    }
  }

  private diffList(a: ConfigValue[], b: ConfigValue[], prefix: string): void {
    const field = this.identityField(a, b, prefix);
    if (field === undefined) {
      const common = Math.min(a.length, b.length);
      for (let index = 0; index < common; index++) {
        this.segments.push(String(index));
        this.diffValue(a[index]!, b[index]!, prefix);
        this.segments.pop();
      }
      for (let index = common; index < a.length; index++) {
        this.segments.push(String(index));
        this.emit(this.here(prefix), 'removed', a[index], undefined);
        this.segments.pop();
      }
      for (let index = common; index < b.length; index++) {
        this.segments.push(String(index));
        this.emit(this.here(prefix), 'added', undefined, b[index]);
        this.segments.pop();
      }
      return;
    }
    const byIdentity = new Map<string, ConfigValue>();
    for (const item of b) byIdentity.set(String((item as ConfigMap)[field]), item);
    const matched = new Set<string>();
    for (const item of a) {
      const identity = String((item as ConfigMap)[field]);
      this.segments.push(`${escapeSegment(field)}=${escapeSegment(identity)}`);
      const other = byIdentity.get(identity);
      if (other === undefined) this.emit(this.here(prefix), 'removed', item, undefined);
      else {
        matched.add(identity);
        this.diffValue(item, other, prefix);
      }
      this.segments.pop();
    }
    if (ORDERED_LISTS.has(this.segments[this.segments.length - 1] ?? '') && reordered(a, b, field, matched)) {
      this.emit(this.here(prefix), 'changed', a, b);
    }
    if (matched.size === b.length) return;
    for (const item of b) {
      const identity = String((item as ConfigMap)[field]);
      if (matched.has(identity)) continue;
      this.segments.push(`${escapeSegment(field)}=${escapeSegment(identity)}`);
      this.emit(this.here(prefix), 'added', undefined, item);
      this.segments.pop();
    }
  }

  private identityField(a: ConfigValue[], b: ConfigValue[], prefix: string): string | undefined {
    if (a.length === 0 && b.length === 0) return undefined;
    if (this.keyPatterns.length > 0) {
      const path = this.here(prefix);
      for (const { pattern, field } of this.keyPatterns) {
        if (pattern.matches(path) && uniqueOn(a, field) && uniqueOn(b, field)) return field;
      }
    }
    for (const field of IDENTITY_FIELDS) {
      if (uniqueOn(a, field) && uniqueOn(b, field)) return field;
    }
    return undefined;
  }
}

/** True when every item is a map with a scalar `field` and no two items share its text. */
export function uniqueOn(items: ConfigValue[], field: string): boolean {
  const first = items[0];
  if (first !== undefined && !hasScalar(first, field)) return false;
  const seen = new Set<string>();
  for (const item of items) {
    if (!hasScalar(item, field)) return false;
    const identity = String((item as ConfigMap)[field]);
    if (seen.has(identity)) return false;
    seen.add(identity);
  }
  return true;
}

function hasScalar(item: ConfigValue, field: string): boolean {
  if (item === null || typeof item !== 'object' || Array.isArray(item) || !Object.hasOwn(item, field))
    return false;
  const value = item[field];
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}
