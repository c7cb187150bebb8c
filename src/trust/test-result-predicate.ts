/**
 * The in-toto test-result predicate (https://in-toto.io/attestation/test-result/v0.1) →
 * TestSummary. Warned tests ran and passed with warnings; they count as passed.
 */
import { TollgateError } from '../errors.js';
import { FAILED_NAMES_CAP, type TestSummary } from '../evidence/evidence.js';
import { isJsonObject as isObject } from '../text/json-text.js';

export const TEST_RESULT_V01 = 'https://in-toto.io/attestation/test-result/v0.1';

function names(value: unknown, field: string, source: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw new TollgateError(
      'EVIDENCE_INVALID',
      `${source}: test-result predicate: "${field}" must be a list of test names`,
    );
  }
  return value as string[];
}

/**
 * Reads a test-result predicate as the results of `suite`.
 * @example parseTestResultPredicate({ result: 'PASSED', passedTests: ['a'] }, 'unit', 'tests.intoto.json')
 */
export function parseTestResultPredicate(predicate: unknown, suite: string, source: string): TestSummary {
  if (!isObject(predicate)) {
    throw new TollgateError('EVIDENCE_INVALID', `${source}: test-result predicate must be a JSON object`);
  }
  const result = predicate.result;
  if (result !== 'PASSED' && result !== 'WARNED' && result !== 'FAILED') {
    throw new TollgateError(
      'EVIDENCE_INVALID',
      `${source}: test-result predicate: "result" must be PASSED, WARNED or FAILED, found ${JSON.stringify(result)}`,
    );
  }
  const passed = names(predicate.passedTests, 'passedTests', source);
  const warned = names(predicate.warnedTests, 'warnedTests', source);
  const failed = names(predicate.failedTests, 'failedTests', source);
  // A FAILED result that names no failed test still failed: count one unnamed failure.
  const failedNames = result === 'FAILED' && failed.length === 0 ? ['(test run reported FAILED)'] : failed;
  return {
    kind: 'tests',
    suite,
    tests: passed.length + warned.length + failedNames.length,
    passed: passed.length + warned.length,
    failed: failedNames.length,
    errored: 0,
    skipped: 0,
    failures: failedNames.slice(0, FAILED_NAMES_CAP).map((name) => ({ name, kind: 'failure' as const })),
    failuresOmitted: Math.max(0, failedNames.length - FAILED_NAMES_CAP),
  };
}
