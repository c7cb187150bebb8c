/**
 * SPDX licence expressions: recognising them in SBOM licence fields. The expression grammar is
 * spdx-expression-parse's; this module only decides what counts and caches the answer, because an
 * SBOM repeats the same few licences across thousands of components.
 */
import { createRequire } from 'node:module';
import parseSpdx from 'spdx-expression-parse';
import { withUnlistedExceptions } from './spdx-exceptions.js';

// The id lists spdx-expression-parse itself reads; required, as JSON, the same way in the CommonJS
// bundles (which define import.meta.url as their file's URL) and from source or the ESM library.
const load = createRequire(import.meta.url);

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

/** SPDX licence and exception ids by their lower-case form: SPDX ids match case-insensitively. */
let canonicalIds: Map<string, string> | undefined;

function canonicalId(token: string): string | undefined {
  if (canonicalIds === undefined) {
    const ids: string[] = [
      ...(load('spdx-license-ids') as string[]),
      ...(load('spdx-license-ids/deprecated') as string[]),
      ...(load('spdx-exceptions') as string[]),
    ];
    canonicalIds = new Map(ids.map((id) => [id.toLowerCase(), id]));
  }
  return canonicalIds.get(token.toLowerCase());
}

/**
 * Writes each licence and exception id of an expression in its SPDX spelling (`gpl-3.0-only` →
 * `GPL-3.0-only`, `apache-2.0+` → `Apache-2.0+`) and `LicenseRef-`/`DocumentRef-` prefixes in
 * theirs: SPDX matches ids case-insensitively (SPDX 2.3 Annex D.2), so `gpl-3.0-only` is the
 * licence a deny-list names as `GPL-3.0-only`, not free text beyond its reach.
 */
function withCanonicalCase(expression: string): string {
  return expression.replace(/[A-Za-z0-9.+:-]+/g, (token) => {
    if (token === 'AND' || token === 'OR' || token === 'WITH') return token;
    const ref = token.match(/^(documentref-[^:]+:)?licenseref-(.+)$/i);
    if (ref)
      return `${ref[1] ? `DocumentRef-${ref[1].slice('documentref-'.length)}` : ''}LicenseRef-${ref[2]}`;
    const plus = token.endsWith('+') ? '+' : '';
    const id = canonicalId(plus ? token.slice(0, -1) : token);
    return id === undefined ? token : `${id}${plus}`;
  });
}

function parses(candidate: string): boolean {
  try {
    parseSpdx(candidate);
    return true;
  } catch {
    return false;
  }
}

function normalise(text: string): string | undefined {
  const trimmed = text.trim();
  if (NO_LICENSE.has(trimmed.toUpperCase())) return undefined;
  const candidate = trimmed.replace(/\s+(and|or|with)\s+/gi, (_, op: string) => ` ${op.toUpperCase()} `);
  if (parses(candidate)) return candidate;
  const recased = withCanonicalCase(candidate);
  if (recased !== candidate && parses(recased)) return recased;
  const placed = withPlaceholders(recased);
  if (placed !== recased && parses(placed)) return placed;
  // `X WITH AdditionRef-…` (or any exception off the SPDX list): kept as written, an expression
  // whose unlisted exception the licence policy does not honour.
  const unlisted = withUnlistedExceptions(placed);
  return unlisted.unhonoured.size > 0 && parses(unlisted.expression) ? placed : undefined;
}

/**
 * Writes NOASSERTION and NONE inside an expression as `LicenseRef-NOASSERTION` / `LicenseRef-NONE`.
 * ClearlyDefined's declared licences join what it found with what it could not name
 * ("Apache-2.0 AND NOASSERTION"), sbom-tool copies them into SPDX, and SPDX 3 reads such an operand
 * as a licence of its own (tools-golang's NoAssertionLicense); spdx-expression-parse refuses it, so
 * the whole expression went to free text, unchecked, and a denied licence it requires passed.
 */
function withPlaceholders(expression: string): string {
  return expression.replace(/[A-Za-z0-9.+:-]+/g, (token) => {
    const upper = token.toUpperCase();
    return upper === 'NOASSERTION' || upper === 'NONE' ? `LicenseRef-${upper}` : token;
  });
}

/**
 * True when `text` parses as an SPDX licence expression (a contract's deny-list entry): every
 * exception after WITH on the SPDX exception list, since a deny entry is matched as written.
 */
export function isSpdxExpression(text: string): boolean {
  const expression = toSpdxExpression(text);
  return expression !== undefined && withUnlistedExceptions(expression).unhonoured.size === 0;
}
