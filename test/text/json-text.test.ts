import { describe, expect, it } from 'vitest';
import { jsonSyntaxError, lineColumnAt, parseJsonText, parseStrictJson } from '../../src/text/json-text.js';
import { tollgateErrorOf } from '../support/builders.js';

describe('the one JSON reader with positions', () => {
  it('keeps the last of duplicate keys where JSON allows it, and refuses them where every key matters', () => {
    expect(parseJsonText('{"a": 1, "a": 2}', 'e.json')).toEqual({ a: 2 });
    const error = tollgateErrorOf(() => parseStrictJson('{"a": 1,\n "a": 2}', 'c.json'));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe(
      'c.json:2:2: invalid JSON: duplicate key "a" in the object that starts at line 1',
    );
  });

  it('names the line and column of a broken escape, an unclosed string and a raw control character', () => {
    expect(jsonSyntaxError('{"a": "x\\q"}')?.offset).toBe(9);
    expect(jsonSyntaxError('["abc')?.offset).toBe(5);
    expect(jsonSyntaxError('["a\tb"]')?.offset).toBe(3);
    const error = tollgateErrorOf(() => parseJsonText('{\n  "a": "x\\q"\n}', 'e.json'));
    expect(error.code).toBe('EVIDENCE_INVALID');
    expect(error.position).toMatchObject({ file: 'e.json', line: 2, column: 11 });
  });

  it('gives up on a position, not on the error, when nesting is deeper than the stack', () => {
    const deep = `${'['.repeat(200_000)}x`;
    const error = tollgateErrorOf(() => parseJsonText(deep, 'd.json'));
    expect(error.code).toBe('EVIDENCE_INVALID');
    expect(error.message).toMatch(/^d\.json/);
  });

  it('counts lines and columns from 1', () => {
    expect(lineColumnAt('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumnAt('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
    expect(lineColumnAt('ab', 99)).toEqual({ line: 1, column: 3 });
  });
});
