import { describe, expect, it } from 'vitest';
import { matchesPurl } from '../../src/artifact/purl-pattern.js';
import { matchesGlob } from '../../src/text/glob.js';

describe('matchesGlob', () => {
  it('* matches any run of characters including slashes; other characters match themselves', () => {
    expect(matchesGlob('https://github.com/*', 'https://github.com/a/b/c')).toBe(true);
    expect(matchesGlob('a.b', 'axb')).toBe(false);
    expect(matchesGlob('v1.(2)+', 'v1.(2)+')).toBe(true);
    expect(matchesGlob('exact', 'exact-not')).toBe(false);
    expect(matchesGlob('ABC', 'abc', { ignoreCase: true })).toBe(true);
  });
});

describe('compileGlob', () => {
  it('goes back to the last * when a later part does not match', () => {
    expect(matchesGlob('*ab*c', 'aabxabc')).toBe(true);
    expect(matchesGlob('a*b*c', 'abcabc')).toBe(true);
    expect(matchesGlob('a*b*c', 'acb')).toBe(false);
    expect(matchesGlob('*', '')).toBe(true);
    expect(matchesGlob('**', 'anything/at/all')).toBe(true);
    expect(matchesGlob('a*', '')).toBe(false);
  });

  it('treats ? as one character only when asked, and as itself otherwise', () => {
    expect(matchesGlob('v?', 'v1', { question: true })).toBe(true);
    expect(matchesGlob('v?', 'v12', { question: true })).toBe(false);
    expect(matchesGlob('v?', 'v1')).toBe(false);
    expect(matchesGlob('v?', 'v?')).toBe(true);
  });

  it('matches a pattern built to make regular expressions backtrack, quickly and correctly', () => {
    // As a RegExp, ^(.*a){25}$ on 25 a's and a b takes exponential time; here it is one pass.
    const pattern = `${'*a'.repeat(25)}*b`;
    expect(matchesGlob(pattern, `${'a'.repeat(5000)}c`)).toBe(false);
    expect(matchesGlob(pattern, `${'a'.repeat(5000)}b`)).toBe(true);
  });
});

describe('matchesPurl', () => {
  it('matches any version when the pattern has none', () => {
    expect(matchesPurl('pkg:npm/left-pad', 'pkg:npm/left-pad@1.3.0')).toBe(true);
    expect(matchesPurl('pkg:npm/left-pad', 'pkg:npm/left-pad-extra@1.3.0')).toBe(false);
  });

  it('compares versions by glob and ignores qualifiers and subpath unless given', () => {
    expect(
      matchesPurl('pkg:deb/debian/openssl@3.0.*', 'pkg:deb/debian/openssl@3.0.11-1?arch=amd64#usr/lib'),
    ).toBe(true);
    expect(
      matchesPurl('pkg:deb/debian/openssl@3.0.*?arch=arm64', 'pkg:deb/debian/openssl@3.0.11-1?arch=amd64'),
    ).toBe(false);
    expect(matchesPurl('pkg:deb/debian/openssl@1.*', 'pkg:deb/debian/openssl@3.0.11-1')).toBe(false);
  });

  it('decodes percent-encoding on both sides and compares the type case-insensitively', () => {
    expect(matchesPurl('pkg:npm/@angular/core', 'pkg:npm/%40angular/core@17.0.0')).toBe(true);
    expect(matchesPurl('pkg:NPM/%40angular/*', 'pkg:npm/@angular/router@17.0.0')).toBe(true);
  });

  it('folds namespace and name the way the purl spec does for pypi, github, gitlab and bitbucket', () => {
    // Tools write the name as the package metadata spells it; a ban written lower-case must hold.
    expect(matchesPurl('pkg:pypi/pyyaml@5.*', 'pkg:pypi/PyYAML@5.3.1')).toBe(true);
    expect(matchesPurl('pkg:pypi/typing-extensions', 'pkg:pypi/typing_extensions@4.10.0')).toBe(true);
    expect(matchesPurl('pkg:pypi/Typing_Extensions', 'pkg:pypi/typing-extensions@4.10.0')).toBe(true);
    expect(matchesPurl('pkg:github/acme/*', 'pkg:github/ACME/Widget@v1')).toBe(true);
    // Other types keep their case (Maven coordinates are case-sensitive), and versions theirs.
    expect(matchesPurl('pkg:maven/org.acme/widget', 'pkg:maven/org.acme/Widget@1.0')).toBe(false);
    expect(matchesPurl('pkg:pypi/x@1.0RC1', 'pkg:pypi/x@1.0rc1')).toBe(false);
  });

  it('does not match a pattern with a version against a purl without one', () => {
    expect(matchesPurl('pkg:npm/x@1.0.0', 'pkg:npm/x')).toBe(false);
  });
});
