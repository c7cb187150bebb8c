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
