/**
 * Licence exceptions after WITH that are not on the SPDX exception list. Pure (no Node module), so
 * the licence policy of the gates and the SBOM readers share it.
 */
import parseSpdx from 'spdx-expression-parse';

const listed = new Map<string, boolean>();

/**
 * True when `id` is on the SPDX exception list, as spdx-expression-parse knows it (the grammar
 * accepts after WITH only a listed exception id, in its SPDX spelling).
 */
export function isListedException(id: string): boolean {
  let answer = listed.get(id);
  if (answer === undefined) {
    try {
      parseSpdx(`MIT WITH ${id}`);
      answer = true;
    } catch {
      answer = false;
    }
    if (listed.size > 1000) listed.clear();
    listed.set(id, answer);
  }
  return answer;
}

/** A licence whose `WITH` names no SPDX-listed exception: the exception is not honoured. */
export interface UnhonouredException {
  /** The licence before `WITH`, whose verdict stands. */
  base: string;
  /** What followed `WITH`: an `AdditionRef-…` (SPDX 3), a `LicenseRef-…`, an unknown id. */
  exception: string;
}

/** The name that stands for `BASE WITH <unlisted>` while an expression is parsed. */
const UNHONOURED_PREFIX = 'LicenseRef-tollgate-unhonoured-exception-';

/**
 * Writes each `BASE WITH X` whose X is not an SPDX-listed exception as a placeholder licence and
 * says which base and exception each stands for. An exception only adds permissions to its base
 * licence, and one that is not listed says nothing Tollgate can read: the base's verdict stands.
 * spdx-expression-parse refuses such an expression outright, so without this it was free text,
 * unchecked, and `GPL-3.0-only WITH AdditionRef-foo` passed `denyLicenses: [GPL-3.0-only]`.
 * @example withUnlistedExceptions('MIT OR GPL-3.0-only WITH AdditionRef-x').expression // 'MIT OR LicenseRef-tollgate-unhonoured-exception-0'
 */
export function withUnlistedExceptions(expression: string): {
  expression: string;
  unhonoured: Map<string, UnhonouredException>;
} {
  const unhonoured = new Map<string, UnhonouredException>();
  const replaced = expression.replace(
    /([A-Za-z0-9.+:-]+)\s+WITH\s+([A-Za-z0-9.+:-]+)/g,
    (clause, base: string, exception: string) => {
      if (isListedException(exception)) return clause;
      const placeholder = `${UNHONOURED_PREFIX}${unhonoured.size}`;
      unhonoured.set(placeholder, { base, exception });
      return placeholder;
    },
  );
  return { expression: replaced, unhonoured };
}
