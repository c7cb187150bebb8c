/**
 * SPDX licence expressions: recognising them in SBOM licence fields. The expression grammar is
 * spdx-expression-parse's; this module only decides what counts and caches the answer, because an
 * SBOM repeats the same few licences across thousands of components.
 */
import parseSpdx from 'spdx-expression-parse';

const cache = new Map<string, string | null>();

/** Values SPDX uses for "we do not know" and "there is none": not licences. */
const NO_LICENSE = new Set(['NOASSERTION', 'NONE', '']);

/**
 * Returns `text` as an SPDX expression when it is one (operators upper-cased, outer spaces
 * trimmed), or undefined when it is free text ("BSD licence") or NOASSERTION/NONE.
 * @example toSpdxExpression('MIT or Apache-2.0') // 'MIT OR Apache-2.0'
 */
export function toSpdxExpression(text: string): string | undefined {
  const cached = cache.get(text);
  if (cached !== undefined) return cached ?? undefined;
  const result = normalise(text);
  if (cache.size > 10_000) cache.clear();
  cache.set(text, result ?? null);
  return result;
}

function normalise(text: string): string | undefined {
  const trimmed = text.trim();
  if (NO_LICENSE.has(trimmed)) return undefined;
  const candidate = trimmed.replace(/\s+(and|or|with)\s+/gi, (_, op: string) => ` ${op.toUpperCase()} `);
  try {
    parseSpdx(candidate);
    return candidate;
  } catch {
    return undefined;
  }
}

/** True when `text` parses as an SPDX licence expression. */
export function isSpdxExpression(text: string): boolean {
  return toSpdxExpression(text) !== undefined;
}
