/**
 * Maps keyed by what a user wrote (stage, suite, group, signer and label names) are plain objects
 * here, so a name such as `constructor`, `toString` or `__proto__` must never reach
 * `Object.prototype`: looked up, it would find a function; assigned, `__proto__` would replace the
 * prototype. These helpers read only own keys and build objects without a prototype.
 */

/** The value stored under `key` itself, never one inherited from `Object.prototype`. */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Whether `key` is one of the record's own keys. */
export function hasOwnKey(record: object, key: string): boolean {
  return Object.hasOwn(record, key);
}

/**
 * `value` as a map (a plain object, not a list or null), or `undefined` for anything else: for
 * reading data whose shape is not yet known, such as a contract's YAML read as data.
 * @example mapOf({ a: 1 }) // { a: 1 }; mapOf([1]) // undefined; mapOf(null) ?? {} // {}
 */
export function mapOf(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** An empty object with no prototype, safe to index by any name. */
export function emptyRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** Sets `record[key]` as an own data property, even when `key` is `__proto__`. */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__')
    Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
  else record[key] = value;
}

/**
 * The same data with every plain object rebuilt without a prototype (lists and other values kept),
 * so lookups by any key see only what the data holds. Iterative: depth is bounded by the heap, not
 * the call stack.
 */
export function withoutPrototypes<T>(value: T): T {
  const isPlain = (item: unknown): item is Record<string, unknown> =>
    item !== null && typeof item === 'object' && Object.getPrototypeOf(item) === Object.prototype;
  const convert = (item: unknown): unknown => {
    if (isPlain(item)) {
      const copy = emptyRecord<unknown>();
      for (const key of Object.keys(item)) setOwn(copy, key, item[key]);
      pending.push(copy);
      return copy;
    }
    if (Array.isArray(item)) {
      const copy = item.slice();
      pending.push(copy);
      return copy;
    }
    return item;
  };
  const pending: Array<Record<string, unknown> | unknown[]> = [];
  const root = convert(value);
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (Array.isArray(next)) for (let i = 0; i < next.length; i++) next[i] = convert(next[i]);
    else for (const key of Object.keys(next)) next[key] = convert(next[key]);
  }
  return root as T;
}

/**
 * Freezes `value` and every plain object and list inside it (compiled values such as functions and
 * regular expressions are left as they are). Iterative, like `withoutPrototypes`.
 */
export function freezeDeep<T>(value: T): T {
  const pending: unknown[] = [value];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (next === null || typeof next !== 'object' || Object.isFrozen(next)) continue;
    const proto = Object.getPrototypeOf(next);
    if (!Array.isArray(next) && proto !== null && proto !== Object.prototype) continue;
    Object.freeze(next);
    for (const key of Object.keys(next)) pending.push((next as Record<string, unknown>)[key]);
  }
  return value;
}
