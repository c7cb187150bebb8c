/**
 * Licence deny-lists over SPDX expressions. An expression is read as its choices (disjunctive
 * normal form: `(A OR B) AND C` offers {A, C} or {B, C}); a component is denied when every choice
 * contains a denied licence. Whether one licence is denied is spdx-satisfies' call, so `-or-later`
 * ranges and exceptions behave as SPDX defines them. An exception that is not on the SPDX exception
 * list (`AdditionRef-…`, a `LicenseRef-…` after WITH, an unknown id) is not honoured: the licence is
 * judged as its base, and a denial names the exception it set aside.
 */
import parseSpdx from 'spdx-expression-parse';
import spdxSatisfies from 'spdx-satisfies';
import { type UnhonouredException, withUnlistedExceptions } from '../evidence/spdx-exceptions.js';

type Node = parseSpdx.Info;

/** Above this many choices an expression is judged conservatively (denied if any term is denied). */
const MAX_CHOICES = 256;

function termOf(node: parseSpdx.LicenseInfo): string {
  return `${node.license}${node.plus ? '+' : ''}${node.exception ? ` WITH ${node.exception}` : ''}`;
}

function choicesOf(node: Node): string[][] | undefined {
  if ('license' in node) return [[termOf(node)]];
  const left = choicesOf(node.left);
  const right = choicesOf(node.right);
  if (!left || !right) return undefined;
  if (node.conjunction === 'or')
    return left.length + right.length > MAX_CHOICES ? undefined : [...left, ...right];
  if (left.length * right.length > MAX_CHOICES) return undefined;
  return left.flatMap((l) => right.map((r) => [...l, ...r]));
}

function termsOf(node: Node): string[] {
  return 'license' in node ? [termOf(node)] : [...termsOf(node.left), ...termsOf(node.right)];
}

export interface LicensePolicy {
  /**
   * The denied licences a component's expressions cannot avoid, or [] when it is allowed.
   * Several expressions on one component are all taken to apply (joined with AND).
   */
  deniedIn(expressions: readonly string[]): string[];
}

/**
 * Builds a deny-list checker. Each deny entry is an SPDX id or expression; every licence an
 * expression names is denied ("GPL-3.0-only OR AGPL-3.0-only" denies both).
 * @example licensePolicy(['GPL-3.0-or-later']).deniedIn(['MIT OR GPL-3.0-only']) // []
 */
export function licensePolicy(denyList: readonly string[]): LicensePolicy {
  const denied = [...new Set(denyList.flatMap((entry) => termsOf(parseSpdx(entry))))];
  const termCache = new Map<string, boolean>();
  const exprCache = new Map<string, string[]>();

  const isDenied = (term: string): boolean => {
    let answer = termCache.get(term);
    if (answer === undefined) {
      answer = denied.some((d) => {
        if (d === term) return true;
        try {
          return spdxSatisfies(term, [d]);
        } catch {
          // LicenseRef-… and other terms spdx-satisfies cannot compare: only an exact match denies.
          return false;
        }
      });
      termCache.set(term, answer);
    }
    return answer;
  };

  const check = (expression: string): string[] => {
    const cached = exprCache.get(expression);
    if (cached) return cached;
    let node: Node;
    const { expression: parsed, unhonoured } = withUnlistedExceptions(expression);
    try {
      node = parseSpdx(parsed);
    } catch {
      exprCache.set(expression, []);
      return [];
    }
    // A placeholder for `BASE WITH <unlisted>` is denied when its base is, and named with both.
    const termDenied = (term: string): boolean => {
      const set = unhonoured.get(term);
      return isDenied(set ? set.base : term);
    };
    const named = (term: string): string => {
      const set: UnhonouredException | undefined = unhonoured.get(term);
      return set
        ? `${set.base} (its exception ${set.exception} is not on the SPDX exception list and was not honoured)`
        : term;
    };
    const choices = choicesOf(node);
    let result: string[];
    if (!choices) {
      result = [...new Set(termsOf(node).filter(termDenied))];
    } else {
      const deniedPerChoice = choices.map((choice) => choice.filter(termDenied));
      result = deniedPerChoice.every((d) => d.length > 0) ? [...new Set(deniedPerChoice.flat())] : [];
    }
    result = [...new Set(result.map(named))];
    exprCache.set(expression, result);
    return result;
  };

  return {
    deniedIn(expressions) {
      if (denied.length === 0 || expressions.length === 0) return [];
      if (expressions.length === 1) return check(expressions[0]!);
      return check(expressions.map((e) => `(${e})`).join(' AND '));
    },
  };
}
