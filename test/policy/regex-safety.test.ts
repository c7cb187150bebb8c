/**
 * Which `matches()` patterns a rule may run: cel-js runs them as backtracking JavaScript RegExps,
 * and the text they meet comes from whoever registered or attested.
 */
import { describe, expect, it } from 'vitest';
import { describeUnsafePattern } from '../../src/policy/regex-safety.js';

describe('describeUnsafePattern', () => {
  it.each([
    ['^([0-9]+\\.?)+$', 'repeats a group'],
    ['(a+)+$', 'repeats a group'],
    ['(a|aa)*b', 'repeats a group'],
    ['((a|b))+', 'repeats a group'],
    ['(?:x[a-z]*)+y', 'repeats a group'],
    // Each repetition starts with ".", but the group matches "." elsewhere too.
    ['^(\\.[0-9.]+)*$', 'repeats a group'],
    ['^(-.+)*$', 'repeats a group'],
    ['^(a\\w+)+$', 'repeats a group'],
    ['(a+){2,5}', 'repeats a group'],
    ['(a+)\\1', 'refers back to a group'],
    ['(?<n>a+)\\k<n>', 'refers back to a group'],
    ['[a-', 'is not a valid regular expression'],
  ])('refuses %s', (pattern, message) => {
    expect(describeUnsafePattern(pattern)).toContain(message);
  });

  it.each([
    '^v?[0-9]+(\\.[0-9]+)*$',
    '^[a-z]+(-[a-z0-9]+)+$',
    '^(release|hotfix)/.+$',
    '^(?:ab)+$',
    '^(a+)?b$',
    '^[A-Z]+-[0-9]+$',
    '^(x\\d+)*$',
    '[(|)+*]+',
    '\\(a+\\)+',
  ])('takes %s', (pattern) => {
    expect(describeUnsafePattern(pattern)).toBeUndefined();
  });
});

// RE2 syntax from https://github.com/google/re2/wiki/Syntax: each of these is valid JavaScript
// that matches other text than RE2 would, or RE2 refuses it.
describe('patterns RE2 and JavaScript read differently', () => {
  it.each([
    ['^main\\z', 'reads as the letter z, and RE2, the engine CEL specifies, as the end of the text: write $'],
    [
      '\\Amain',
      'reads as the letter A, and RE2, the engine CEL specifies, as the start of the text: write ^',
    ],
    ['^\\pL+$', 'reads as the letter p, and RE2, the engine CEL specifies, as a Unicode class'],
    ['\\Qa.b\\E', 'reads as the letter Q'],
    ['\\x{41}', 'a character code in braces: write \\xHH'],
    ['\\e', 'uses the escape \\e, which RE2, the engine CEL specifies, does not have'],
    ['^[[:alpha:]]+$', 'uses a POSIX class such as [[:alpha:]]'],
    ['[]a]', 'starts a character class with ]'],
    ['[^]a]', 'starts a character class with ]'],
    ['^(?!main$).*', 'uses lookaround'],
    ['(?<=v)[0-9]+', 'uses lookaround'],
    ['(?i)main', 'flags such as (?i) are RE2 syntax that JavaScript does not take'],
  ])('refuses %s', (pattern, message) => {
    expect(describeUnsafePattern(pattern)).toContain(message);
  });

  it.each([
    '^\\d+\\s\\w\\b$',
    '\\x41\\t',
    '^[a-z:]+$',
    '[\\]a]',
    '^v\\.[0-9]+$',
    '(?:ab)+',
    '(?<tag>v[0-9]+)',
  ])('takes %s', (pattern) => {
    expect(describeUnsafePattern(pattern)).toBeUndefined();
  });
});
