import { describe, expect, it } from 'vitest';
import { evidenceOfStatement } from '../../src/app/attest-statement.js';
import { flagOf } from '../../src/cli/flags.js';
import { parseStatement } from '../../src/trust/statement.js';
import { parseTestResultPredicate, TEST_RESULT_V01 } from '../../src/trust/test-result-predicate.js';
import { tollgateErrorOf } from '../support/builders.js';
import { DIGEST_A, statementAbout } from './helpers.js';

describe('in-toto test-result predicate', () => {
  it('counts passed and warned tests as passed and names failures', () => {
    const summary = parseTestResultPredicate(
      { result: 'FAILED', passedTests: ['a', 'b'], warnedTests: ['c'], failedTests: ['d'] },
      'unit',
      's.json',
    );
    expect(summary).toEqual({
      kind: 'tests',
      suite: 'unit',
      tests: 4,
      passed: 3,
      failed: 1,
      errored: 0,
      skipped: 0,
      failures: [{ name: 'd', kind: 'failure' }],
      failuresOmitted: 0,
    });
  });

  it('counts a FAILED result without names as one failure', () => {
    const summary = parseTestResultPredicate({ result: 'FAILED' }, 'e2e', 's.json');
    expect(summary.failed).toBe(1);
    expect(summary.tests).toBe(1);
  });

  it('counts a name once, and as failed when it is listed as failed anywhere', () => {
    const summary = parseTestResultPredicate(
      {
        result: 'PASSED',
        passedTests: ['a', 'a', 'b', 'c'],
        warnedTests: ['a', 'd'],
        failedTests: ['c', 'c'],
      },
      'unit',
      's.json',
    );
    expect(summary).toMatchObject({
      tests: 4,
      passed: 3,
      failed: 1,
      failures: [{ name: 'c', kind: 'failure' }],
    });
  });

  it('refuses an unknown result and non-string test names', () => {
    expect(() => parseTestResultPredicate({ result: 'OK' }, 'u', 's.json')).toThrow(
      's.json: test-result predicate: "result" must be PASSED, WARNED or FAILED, found "OK"',
    );
    expect(() => parseTestResultPredicate({ result: 'PASSED', passedTests: [1] }, 'u', 's.json')).toThrow(
      '"passedTests" must be a list of test names',
    );
  });
});

describe('evidence of a verified statement', () => {
  const input = (predicateType: string, predicate: unknown) => ({
    format: 'dsse' as const,
    statement: parseStatement(statementAbout(DIGEST_A, predicateType, predicate), 's'),
    signer: null,
    sourceDigest: DIGEST_A,
  });

  it('needs a suite name for test results (--suite NAME on the CLI)', () => {
    const error = tollgateErrorOf(() =>
      evidenceOfStatement(input(TEST_RESULT_V01, { result: 'PASSED' }), 't.json'),
    );
    expect(error.message).toContain('t.json: a test-result statement needs a suite name');
    expect(error.describe(flagOf)).toContain('t.json: a test-result statement needs --suite NAME');
    expect(
      evidenceOfStatement(input(TEST_RESULT_V01, { result: 'PASSED', passedTests: ['x'] }), 't.json', {
        suite: 'unit',
      }).format,
    ).toBe('test-result');
  });

  it('keeps an unknown predicate as opaque evidence, unless a kind was asked for', () => {
    expect(evidenceOfStatement(input('https://example.com/custom/v1', {}), 'c.json')).toEqual({
      format: 'in-toto',
      data: { kind: 'opaque', predicateType: 'https://example.com/custom/v1' },
    });
    expect(() =>
      evidenceOfStatement(input('https://example.com/custom/v1', {}), 'c.json', { expected: 'sbom' }),
    ).toThrow('c.json: expected sbom evidence, found predicate type https://example.com/custom/v1');
  });
});
