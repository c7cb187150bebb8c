/**
 * The in-toto test-result predicate (https://in-toto.io/attestation/test-result/v0.1) →
 * TestSummary. Warned tests ran and passed with warnings; they count as passed. A name is one test:
 * listed twice it counts once, and listed as failed it is failed wherever else it is listed (the
 * predicate gives no order of attempts, so a pass beside a failure cannot be read as a rerun).
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
  // Sets: a name repeated would otherwise count as more tests than ran (and meet a `minTests` it
  // does not), and a name both passed and failed would count as a pass beside its failure.
  const failed = new Set(names(predicate.failedTests, 'failedTests', source));
  const passed = new Set(
    [
      ...names(predicate.passedTests, 'passedTests', source),
      ...names(predicate.warnedTests, 'warnedTests', source),
    ].filter((name) => !failed.has(name)),
  );
  // A FAILED result that names no failed test still failed: count one unnamed failure.
  const failedNames = result === 'FAILED' && failed.size === 0 ? ['(test run reported FAILED)'] : [...failed];
  return {
    kind: 'tests',
    suite,
    tests: passed.size + failedNames.length,
    passed: passed.size,
    failed: failedNames.length,
    errored: 0,
    skipped: 0,
    failures: failedNames.slice(0, FAILED_NAMES_CAP).map((name) => ({ name, kind: 'failure' as const })),
    failuresOmitted: Math.max(0, failedNames.length - FAILED_NAMES_CAP),
  };
}
