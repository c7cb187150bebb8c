/**
 * Where a digest may be cut to its first 12 hex digits. A registrant can grind a digest that shares
 * them with the one a person expects, so an artifact is shown short only through `readableDigest`
 * or `flaggedDigest` (short once no look-alike is known), and ledger hashes, contract and evidence
 * digests through `shortHash`. A bare `shortDigest(` or a hand-made cut (`.slice(0, 19)`, a regular
 * expression keeping 12 hex digits) anywhere else is a place a look-alike would hide.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

// The one module that defines the short form, and the one sentence that names it as such.
const ALLOWED = new Set(['src/artifact/digest.ts', 'src/decide.ts']);
const CUTS = [/\bshortDigest\(/, /digest\w*\.slice\(0, 19\)/i, /\.slice\(0, 19\)/, /\[0-9a-f\]\{12\}/];

describe('short digests', () => {
  it('are cut only by the digest helpers, never by hand in a message or a view', () => {
    const offenders = sources(join(ROOT, 'src')).flatMap((file) => {
      const name = relative(ROOT, file);
      if (ALLOWED.has(name)) return [];
      return readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, i) =>
          CUTS.some((cut) => cut.test(line)) && !line.trim().startsWith('*') && !line.trim().startsWith('//')
            ? [`${name}:${i + 1}: ${line.trim()}`]
            : [],
        );
    });
    expect(offenders).toEqual([]);
  });
});
