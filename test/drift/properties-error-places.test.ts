/**
 * Every error of the `.properties` reader names file:line:col, as the other drift readers do: a
 * duplicate key and a malformed `\u` escape named only the line, and an escape on a continuation
 * line named the line where the entry started, not the one holding the escape.
 */
import { describe, expect, it } from 'vitest';
import { mergeConfig } from '../../src/drift/merge.js';
import { parseConfigBytes } from '../../src/drift/read-config.js';
import { tollgateErrorOf } from '../support/builders.js';

const read = (name: string, text: string) =>
  mergeConfig(parseConfigBytes(new TextEncoder().encode(text), name));

describe('.properties error places', () => {
  it('names the line and column of a duplicate key', () => {
    expect(tollgateErrorOf(() => read('a.properties', 'a=1\nb=2\n   a=5\n')).message).toMatch(
      /^a\.properties:3:4: duplicate key "a" \(first set on line 1\)/,
    );
  });

  it('names the line and column of a malformed unicode escape in a key or a value', () => {
    expect(tollgateErrorOf(() => read('a.properties', '\\u00zzpassword=1\n')).message).toMatch(
      /^a\.properties:1:1: malformed \\uXXXX escape/,
    );
    expect(tollgateErrorOf(() => read('a.properties', 'name = ab\\u12\n')).message).toMatch(
      /^a\.properties:1:10: malformed \\uXXXX escape/,
    );
  });

  it('names the continuation line that holds a malformed escape', () => {
    expect(tollgateErrorOf(() => read('a.properties', 'x=1\nlist = a,\\\n    b\\uqq\n')).message).toMatch(
      /^a\.properties:3:6: malformed \\uXXXX escape/,
    );
  });
});
