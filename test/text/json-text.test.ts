import { describe, expect, it } from 'vitest';
import {
  jsonSyntaxError,
  lineColumnAt,
  MAX_JSON_DEPTH,
  parseJsonText,
  parseStrictJson,
} from '../../src/text/json-text.js';
import { tollgateErrorOf } from '../support/builders.js';

describe('the one JSON reader with positions', () => {
  it('refuses duplicate keys in evidence and in config files, at the second key', () => {
    const evidence = tollgateErrorOf(() => parseJsonText('{"b": {"a": 1,\n "a": 2}}', 'e.json'));
    expect(evidence.code).toBe('EVIDENCE_INVALID');
    expect(evidence.message).toBe(
      'e.json:2:2: duplicate key "a" in the object that starts at line 1; each key may appear once ' +
        '(readers disagree on which value counts, so the document is ambiguous)',
    );
    // The same key in different objects, and in an array of objects, is fine.
    expect(parseJsonText('[{"a": 1}, {"a": 2, "b": {"a": 3}}]', 'e.json')).toEqual([
      { a: 1 },
      { a: 2, b: { a: 3 } },
    ]);
    // Scalars and strings that look like objects are not scanned for keys.
    expect(parseJsonText('"{\\"a\\": 1, \\"a\\": 2}"', 'e.json')).toBe('{"a": 1, "a": 2}');
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

  it('refuses nesting deeper than it can check for duplicate keys, though JSON.parse reads it', () => {
    const deep = `{"a": 1, "x": ${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}, "a": 2}`;
    const error = tollgateErrorOf(() => parseJsonText(deep, 'd.json'));
    expect(error.message).toMatch(/^d\.json:1:\d+: expected at most 1000 levels of nesting/);
    const fine = `{"a": ${'['.repeat(MAX_JSON_DEPTH - 1)}${']'.repeat(MAX_JSON_DEPTH - 1)}}`;
    expect(parseJsonText(fine, 'd.json')).toBeTypeOf('object');
  });

  it('counts lines and columns from 1', () => {
    expect(lineColumnAt('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumnAt('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
    expect(lineColumnAt('ab', 99)).toEqual({ line: 1, column: 3 });
  });
});

describe('malformed JSON never echoes the file', () => {
  it('says where and what was expected, not what stands there', () => {
    for (const [text, where, expected] of [
      ['password=hunter2-swordfish', { line: 1, column: 1 }, 'expected a value, found a letter'],
      [
        '{"db": {"password": hunter2-swordfish}}',
        { line: 1, column: 21 },
        'expected a value, found a letter',
      ],
      [
        "{'token': 'hunter2-swordfish'}",
        { line: 1, column: 2 },
        'expected a property name in double quotes, found a single quote',
      ],
      [
        '{"token": "hunter2-swordfish"',
        { line: 1, column: 30 },
        "expected ',' or '}' after a property value, found the end of the file",
      ],
      [
        '{"token": 42hunter2-swordfish}',
        { line: 1, column: 13 },
        "expected ',' or '}' after a property value, found a letter",
      ],
    ] as const) {
      const error = tollgateErrorOf(() => parseJsonText(text, 'scan.json'));
      expect(error.position).toMatchObject({ file: 'scan.json', ...where });
      expect(error.message).toContain(expected);
      expect(error.message).not.toMatch(/hunter|swordfish|passw/);
      // The engine's own error quotes the text: it is not kept as the cause either.
      expect(error.cause).toBeUndefined();
    }
  });
});
