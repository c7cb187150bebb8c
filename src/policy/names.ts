/**
 * Names compared as identities. `Dana`, `dana` and `DANA` are one person, and so are `Ｄａｎａ`
 * (full-width) and `dana`; a name that hides characters (a zero-width space) or mixes scripts so
 * as to look like another (`dаna` with a Cyrillic `а`) is refused. A name is normalised once,
 * where it enters (the actor a shell resolves, a principal a server authenticated, the names a
 * contract lists), and every comparison after that is plain equality. Pure: no I/O.
 *
 * The normal form is Unicode NFKC, then case folding (upper then lower case, so `ß` and `ss`
 * meet), then NFKC again, with surrounding white space trimmed: close to Unicode's
 * NFKC_Casefold, and the same on every machine and Node version.
 */

export type NameCheck = { ok: true; name: string } | { ok: false; problem: string };

/** Longest name kept (after normalisation). */
export const MAX_NAME_LENGTH = 200;

// Characters a reader cannot see: controls, format characters (zero-width space and joiners,
// bidirectional controls, the soft hyphen), default-ignorable code points (variation selectors,
// the Hangul fillers) and line or paragraph separators.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u;
const SPACE = /[\s\p{Zs}]/u;

/** Scripts told apart; a letter in none of them counts as a script of its own ("other"). */
const SCRIPTS: ReadonlyArray<readonly [string, RegExp]> = [
  ['Latin', /\p{Script=Latin}/u],
  ['Greek', /\p{Script=Greek}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
  ['Armenian', /\p{Script=Armenian}/u],
  ['Hebrew', /\p{Script=Hebrew}/u],
  ['Arabic', /\p{Script=Arabic}/u],
  ['Devanagari', /\p{Script=Devanagari}/u],
  ['Thai', /\p{Script=Thai}/u],
  ['Georgian', /\p{Script=Georgian}/u],
  ['Han', /\p{Script=Han}/u],
  ['Hiragana', /\p{Script=Hiragana}/u],
  ['Katakana', /\p{Script=Katakana}/u],
  ['Hangul', /\p{Script=Hangul}/u],
  ['Bopomofo', /\p{Script=Bopomofo}/u],
];

/**
 * Script mixes that are ordinary writing, not disguise: Unicode's "highly restrictive" level
 * (UTS #39 §5.2) allows Latin with Japanese, Chinese or Korean scripts, nothing else.
 */
const ALLOWED_MIXES: ReadonlyArray<ReadonlySet<string>> = [
  new Set(['Latin', 'Han', 'Hiragana', 'Katakana']),
  new Set(['Latin', 'Han', 'Bopomofo']),
  new Set(['Latin', 'Han', 'Hangul']),
];

/** NFKC, case-folded, NFKC again, trimmed. Never fails: for reading names recorded earlier. */
export function foldName(value: string): string {
  return value.trim().normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}

function scriptOf(char: string): string | undefined {
  if (!/[\p{L}\p{N}]/u.test(char)) return undefined;
  for (const [name, pattern] of SCRIPTS) if (pattern.test(char)) return name;
  // Digits and letters of no listed script: digits are common to all scripts, the rest stand alone.
  return /\p{Script=Common}/u.test(char) ? undefined : 'other';
}

function codePoint(char: string): string {
  return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * The name's normal form, or why it cannot be one.
 * @example normaliseName('  DANA ') // { ok: true, name: 'dana' }
 * @example normaliseName('d\u0430na').ok // false: Latin and Cyrillic mixed
 */
export function normaliseName(typed: string): NameCheck {
  const trimmed = typed.trim();
  if (trimmed === '') return { ok: false, problem: 'is empty' };
  for (const char of trimmed) {
    if (INVISIBLE.test(char))
      return { ok: false, problem: `contains an invisible character (${codePoint(char)})` };
    if (SPACE.test(char)) return { ok: false, problem: 'contains a space: expected a single word' };
  }
  const name = foldName(trimmed);
  // Normalisation can produce what it was given no sign of (a ligature's letters, a space).
  for (const char of name) {
    if (INVISIBLE.test(char) || SPACE.test(char))
      return { ok: false, problem: `becomes "${name}" when normalised, which is not a single visible word` };
  }
  if (name.length > MAX_NAME_LENGTH)
    return { ok: false, problem: `is ${name.length} characters long; at most ${MAX_NAME_LENGTH} are kept` };
  const scripts = new Set<string>();
  for (const char of name) {
    const script = scriptOf(char);
    if (script !== undefined) scripts.add(script);
  }
  if (scripts.size > 1 && !ALLOWED_MIXES.some((mix) => [...scripts].every((s) => mix.has(s)))) {
    return {
      ok: false,
      problem: `mixes the ${[...scripts].join(' and ')} scripts, as a look-alike of another name would`,
    };
  }
  return { ok: true, name };
}

/**
 * Letters of other scripts that read as a Latin letter once case-folded (from Unicode's
 * confusables, UTS #39, the lower-case Cyrillic and Greek ones), and the digits read as letters.
 * A name in one script is accepted (`normaliseName` refuses only mixes), so `ѕсоре` in Cyrillic
 * is a valid name that a reviewer reads as `scope`: separation of duties must take the two for
 * one person.
 */
const LATIN_LOOKALIKES: Readonly<Record<string, string>> = {
  // Cyrillic
  а: 'a',
  ԁ: 'd',
  е: 'e',
  һ: 'h',
  і: 'i',
  ј: 'j',
  к: 'k',
  ӏ: 'l',
  о: 'o',
  р: 'p',
  ԛ: 'q',
  ѕ: 's',
  ԝ: 'w',
  х: 'x',
  у: 'y',
  ү: 'y',
  с: 'c',
  // Greek
  α: 'a',
  ϲ: 'c',
  ι: 'i',
  ϳ: 'j',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  υ: 'u',
  χ: 'x',
  γ: 'y',
  // Latin letters outside ASCII that read as an ASCII one: a name all in Latin passes the mixed
  // script check, so `ɡreg` (script g) and `greg` must meet here.
  ɡ: 'g',
  ɑ: 'a',
  ǀ: 'l',
  ɩ: 'i',
  ȷ: 'j',
  ʋ: 'u',
  // Digits
  '0': 'o',
  '1': 'l',
};

/** Pairs of Latin letters that read as one (`rnartin` as `martin`, `vvill` as `will`), from UTS #39. */
const LATIN_PAIRS: ReadonlyArray<readonly [RegExp, string]> = [
  [/rn/g, 'm'],
  [/vv/g, 'w'],
];

/**
 * What a normalised name looks like: each look-alike letter replaced by the Latin one it reads as,
 * and each pair of letters read as one (`rn`, `vv`) by that one.
 * @example skeletonOf('ѕсоре') // 'scope'
 * @example skeletonOf('rnartin') // 'martin'
 */
export function skeletonOf(name: string): string {
  let out = '';
  for (const char of name) out += LATIN_LOOKALIKES[char] ?? char;
  for (const [pair, letter] of LATIN_PAIRS) out = out.replace(pair, letter);
  return out;
}

/**
 * Why two normalised names may name one person though they differ, as a note for people, or
 * undefined when they are two: a login and an e-mail address whose part before `@` is that login
 * (`alice` and `alice@example.com`), or names that look alike (`ѕсоре` in Cyrillic and `scope`),
 * or both. The CLI names people by login and a server signing people in by e-mail by default, so
 * the two forms meet in one ledger; separation of duties must not take them for two people. Two
 * addresses at different domains are two people.
 * @example whySamePerson('alice', 'alice@example.com') // ' (a login and an e-mail address …)'
 */
export function whySamePerson(a: string, b: string): string | undefined {
  if (a === b) return '';
  const lookalike = skeletonOf(a) === skeletonOf(b);
  if (lookalike) return ` (names that look alike, "${a}" and "${b}", count as one person)`;
  return loginAndAddress(skeletonOf(a), skeletonOf(b))
    ? ` (a login and an e-mail address with that login before "@" count as one person${a === skeletonOf(a) && b === skeletonOf(b) ? '' : ', and so do names that look alike'})`
    : undefined;
}

/**
 * Whether two normalised names may name one person though they differ ({@link whySamePerson}).
 * @example mayBeSamePerson('alice', 'alice@example.com') // true
 */
export function mayBeSamePerson(a: string, b: string): boolean {
  return whySamePerson(a, b) !== undefined;
}

function loginAndAddress(a: string, b: string): boolean {
  const atA = a.lastIndexOf('@');
  const atB = b.lastIndexOf('@');
  if (atA < 0 === atB < 0) return false;
  const local = atA < 0 ? b.slice(0, atB) : a.slice(0, atA);
  return local.length > 0 && local === (atA < 0 ? a : b);
}
