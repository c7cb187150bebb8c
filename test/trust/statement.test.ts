import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/errors.js';
import {
  assertSubjectMatches,
  parseStatement,
  parseStatementBytes,
  statementCovers,
} from '../../src/trust/statement.js';
import { DIGEST_A, DIGEST_B, statementAbout } from './helpers.js';

describe('in-toto statements', () => {
  it('parses a v1 statement and lower-cases digests', () => {
    const value = statementAbout(DIGEST_A);
    value.subject[0]!.digest = { SHA256: 'A'.repeat(64) } as never;
    const statement = parseStatement(value, 's.json');
    expect(statement.subject[0]!.digest).toEqual({ sha256: 'a'.repeat(64) });
    expect(statementCovers(statement, DIGEST_A)).toBe(true);
    expect(statementCovers(statement, DIGEST_B)).toBe(false);
  });

  it('refuses a subject that names one algorithm twice in different cases', () => {
    // Tollgate reads both as sha256 (the last would win); a reader comparing names exactly reads
    // "sha256" only: the statement would be about the other digest there.
    const value = statementAbout(DIGEST_A);
    value.subject[0]!.digest = { sha256: 'b'.repeat(64), SHA256: 'a'.repeat(64) } as never;
    expect(() => parseStatement(value, 's.json')).toThrow(
      's.json: subject[0].digest names algorithm sha256 twice (as ["sha256","SHA256"]): each algorithm may appear once',
    );
  });

  it('accepts the v0.1 layout cosign still writes', () => {
    const value = { ...statementAbout(DIGEST_A), _type: 'https://in-toto.io/Statement/v0.1' };
    expect(parseStatement(value, 's.json')._type).toBe('https://in-toto.io/Statement/v0.1');
  });

  it('refuses a wrong _type, saying what it expected and found', () => {
    const value = { ...statementAbout(DIGEST_A), _type: 'https://in-toto.io/Statement/v2' };
    expect(() => parseStatement(value, 's.json')).toThrow(
      's.json: wrong _type: expected "https://in-toto.io/Statement/v1", found "https://in-toto.io/Statement/v2"',
    );
    const { _type, ...untyped } = statementAbout(DIGEST_A);
    expect(_type).toBeDefined();
    expect(() => parseStatement(untyped, 's.json')).toThrow('found no _type');
  });

  it('refuses missing subjects, bad digests and a non-object predicate', () => {
    expect(() => parseStatement({ ...statementAbout(DIGEST_A), subject: [] }, 's')).toThrow(
      'non-empty "subject"',
    );
    expect(() => parseStatement({ ...statementAbout(DIGEST_A), subject: [{ name: 'x' }] }, 's')).toThrow(
      'subject[0] needs a "digest"',
    );
    expect(() =>
      parseStatement({ ...statementAbout(DIGEST_A), subject: [{ digest: { sha256: 'xyz' } }] }, 's'),
    ).toThrow('subject[0].digest.sha256 must be a hex string');
    expect(() => parseStatement({ ...statementAbout(DIGEST_A), predicate: [1] }, 's')).toThrow(
      '"predicate" must be a JSON object',
    );
    expect(() => parseStatement({ ...statementAbout(DIGEST_A), predicateType: 3 }, 's')).toThrow(
      '"predicateType"',
    );
  });

  // in-toto spec/v1/digest_set.md: algorithms it defines are lower-case hex; a consumer MUST ignore
  // the ones it does not understand, e.g. its own example {"arn": "arn:aws:ec2:region:123:image/ami-123abcd"}.
  it('keeps and ignores a digest of an algorithm the spec does not define as hex, and requires hex of gitCommit', () => {
    const arn = 'arn:aws:ec2:region:123:image/ami-123abcd';
    const statement = parseStatement(
      {
        ...statementAbout(DIGEST_A),
        subject: [{ digest: { arn } }, { digest: { sha256: DIGEST_A.slice(7) } }],
      },
      's',
    );
    expect(statement.subject[0]?.digest).toEqual({ arn });
    expect(statementCovers(statement, DIGEST_A)).toBe(true);
    expect(() =>
      parseStatement({ ...statementAbout(DIGEST_A), subject: [{ digest: { gitCommit: 'main' } }] }, 's'),
    ).toThrow('subject[0].digest.gitCommit must be a hex string');
    expect(() =>
      parseStatement({ ...statementAbout(DIGEST_A), subject: [{ digest: { arn: 7 } }] }, 's'),
    ).toThrow('subject[0].digest.arn must be a string, found 7');
  });

  it('reports malformed JSON with the line and column', () => {
    try {
      parseStatementBytes('{\n  "_type": "x",\n  "subject": [],\n}', 'stmt.json');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TollgateError);
      expect((error as TollgateError).code).toBe('EVIDENCE_INVALID');
      expect((error as TollgateError).message).toMatch(
        /^stmt\.json:4:1: malformed JSON: expected a property name in double quotes, found '}'/,
      );
    }
  });

  it('refuses a subject mismatch, naming both digests', () => {
    const statement = parseStatement(statementAbout(DIGEST_A), 's.json');
    try {
      assertSubjectMatches(statement, DIGEST_B, 's.json');
      expect.unreachable();
    } catch (error) {
      expect((error as TollgateError).code).toBe('EVIDENCE_SUBJECT_MISMATCH');
      expect((error as TollgateError).message).toBe(
        `s.json: the statement is about ${DIGEST_A} (app.tar), not about the artifact ${DIGEST_B}`,
      );
    }
    expect(() => assertSubjectMatches(statement, DIGEST_A, 's.json')).not.toThrow();
  });
});

describe('JSON syntax errors', () => {
  it('locates an unexpected token V8 reports without a position', () => {
    const text = '{\n  "aaaaaaaaaaaaaaaaaaaaa": 1,\n  "b": [,],\n  "cccccccccccccccccccccccccc": 2\n}';
    expect(() => parseStatementBytes(text, 'x.json')).toThrow(
      /^x\.json:3:9: malformed JSON: expected a value, found ','/,
    );
    expect(() => parseStatementBytes('{"a": x}', 'y.json')).toThrow(/^y\.json:1:7: malformed JSON/);
  });
});

describe('byte-order mark', () => {
  it('refuses a leading BOM in statement bytes, which are what a signature covers', () => {
    const text = `\uFEFF${JSON.stringify(statementAbout(DIGEST_A))}`;
    expect(() => parseStatementBytes(Buffer.from(text, 'utf8'), 's.json')).toThrow(
      's.json: starts with a UTF-8 byte-order mark (EF BB BF)',
    );
    expect(() => parseStatementBytes(text, 's.json')).toThrow('byte-order mark');
  });
});
