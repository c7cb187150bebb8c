/**
 * Canonical JSON (object keys sorted by UTF-16 code units, no whitespace, undefined members left
 * out) computed by the engine's JSON.stringify with a key-sorting replacer. It gives the same text
 * as the recursive `canonicalJsonReference` in src/ledger/hash-chain.ts, several times faster on large
 * evidence (a 100,000-component SBOM); any value the fast path cannot render identically (integer-like
 * keys, which engines enumerate first; toJSON; functions, symbols, bigints) falls back to `slow`.
 */

const INDEX_LIKE = /^(?:0|[1-9]\d*)$/;

class NeedsSlowPath extends Error {}

function sortedReplacer(this: unknown, key: string, value: unknown): unknown {
  // JSON.stringify has already applied toJSON (a Date is a string by now); the recursive form does not.
  if ((this as Record<string, unknown>)[key] !== value) throw new NeedsSlowPath();
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('non-finite number in ledger entry');
    return value;
  }
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || value === undefined)
    return value;
  if (typeof value !== 'object') throw new NeedsSlowPath();
  if (Array.isArray(value)) return value;
  const keys = Object.keys(value);
  let sorted = true;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (INDEX_LIKE.test(k)) throw new NeedsSlowPath();
    if (i > 0 && keys[i - 1]! > k) sorted = false;
  }
  if (sorted) return value;
  keys.sort();
  const copy: Record<string, unknown> = {};
  for (const k of keys) copy[k] = (value as Record<string, unknown>)[k];
  return copy;
}

/**
 * Canonical JSON text of `value`, byte-identical to `slow(value)`.
 * @param slow the reference implementation to fall back to (src/ledger/hash-chain.ts canonicalJsonReference)
 */
export function fastCanonicalJson(value: unknown, slow: (value: unknown) => string): string {
  try {
    return JSON.stringify(value, sortedReplacer) ?? 'null';
  } catch (error) {
    if (error instanceof NeedsSlowPath) return slow(value);
    throw error;
  }
}
