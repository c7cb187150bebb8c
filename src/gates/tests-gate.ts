import type { SuiteRequirement } from '../contract/requires/tests.js';
import type { EvidenceRecord, TestSummary } from '../evidence/evidence.js';
import { type LedgerView, ledgerRef, type PromotionRecord, recordedAfter } from '../ledger/ledger-view.js';
import { byLedgerOrder, type EvidenceSeq, runOrderLines, sharedReportLines } from './evidence-select.js';
import { type DecisionItem, type GateDefinition, gateResult, type SharedReport } from './gate.js';

type TestEvidence = EvidenceRecord & { data: TestSummary };

function isTestEvidence(record: EvidenceRecord): record is TestEvidence {
  return record.data.kind === 'tests';
}

/** The latest results of `suite` for the digest (optionally produced in one stage). */
export function latestSuiteResults(
  evidence: readonly EvidenceRecord[],
  suite: string,
  stage?: string,
  evidenceSeq?: EvidenceSeq,
): TestEvidence | undefined {
  // Ledger order, never the recorder's clock: a failing run attested after a passing one stays
  // the latest even when its recordedAt reads earlier.
  const compare = byLedgerOrder(evidenceSeq);
  let latest: TestEvidence | undefined;
  for (const record of evidence) {
    if (!isTestEvidence(record) || record.data.suite !== suite) continue;
    if (stage !== undefined && record.stage !== stage) continue;
    if (latest === undefined || compare(record, latest) > 0) latest = record;
  }
  return latest;
}

function failedNames(data: { failures: TestSummary['failures']; failuresOmitted: number }): string {
  if (data.failures.length === 0) return '';
  const shown = data.failures.slice(0, 5).map((f) => (f.classname ? `${f.classname}.${f.name}` : f.name));
  const more = data.failures.length - shown.length + data.failuresOmitted;
  return `: ${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

/**
 * The counts a suite is judged on: every test case, or, for a suite the contract declares
 * retried, the reruns-merged counts the record carries when some test case repeated.
 */
function countsFor(requirement: SuiteRequirement, data: TestSummary) {
  if (requirement.reruns && data.reruns !== undefined) return { ...data.reruns, merged: data.reruns.repeats };
  return { ...data, flaky: data.flaky ?? 0, merged: 0 };
}

/**
 * Evidence produced in `stage` counts only from when the digest entered it: results attested
 * `--in staging` before the digest was ever promoted there ran against something else.
 */
function enteredAt(ledger: LedgerView, stage: string): PromotionRecord | undefined {
  let first: PromotionRecord | undefined;
  for (const promotion of ledger.promotions)
    if (promotion.stage === stage && (first === undefined || promotion.seq < first.seq)) first = promotion;
  return first;
}

/** Checks one suite; returns what it validated, risked and still requires. */
function checkSuite(
  requirement: SuiteRequirement,
  evidence: readonly EvidenceRecord[],
  ledger: LedgerView,
  stageName: string,
  sharedReports?: readonly SharedReport[],
) {
  const validated: DecisionItem[] = [];
  const risks: DecisionItem[] = [];
  const required: DecisionItem[] = [];
  const { suite } = requirement;
  const where = requirement.in ? ` produced in ${requirement.in}` : '';
  let usable = evidence;
  // Results produced in the very stage being entered ran before its promotion is recorded (deploy,
  // test, then promote): only results from another stage are held to that stage's entry.
  if (requirement.in !== undefined && requirement.in !== stageName) {
    const stage = requirement.in;
    const entered = enteredAt(ledger, stage);
    const early = latestSuiteResults(evidence, suite, stage, ledger.evidenceSeq);
    if (!entered) {
      required.push({
        gate: 'tests',
        text: `suite ${suite}${where}: the digest has not entered ${stage}${early ? `; results attested in ${stage} before it did (recorded ${early.recordedAt}) do not count` : ''}`,
        ...(early ? { evidence: [early.id] } : {}),
      });
      return { validated, risks, required };
    }
    usable = evidence.filter((record) => record.stage !== stage || recordedAfter(ledger, record, entered));
    if (early && !latestSuiteResults(usable, suite, stage, ledger.evidenceSeq)) {
      required.push({
        gate: 'tests',
        text: `suite ${suite}${where}: the only results were recorded ${early.recordedAt}, before the digest entered ${stage} (${ledgerRef(entered.seq)}, ${entered.at}); run it there again`,
        evidence: [early.id, ledgerRef(entered.seq)],
      });
      return { validated, risks, required };
    }
  }
  const record = latestSuiteResults(usable, suite, requirement.in, ledger.evidenceSeq);
  if (!record) {
    required.push({ gate: 'tests', text: `suite ${suite} has no results${where} for this digest` });
    return { validated, risks, required };
  }
  const t = countsFor(requirement, record.data);
  const ref = [record.id];
  // An old passing report recorded after a newer failing one must not stand in for it.
  const order = runOrderLines(
    'tests',
    usable.filter(
      (r): r is TestEvidence =>
        isTestEvidence(r) &&
        r.data.suite === suite &&
        (requirement.in === undefined || r.stage === requirement.in),
    ),
    [record],
    () => suite,
    () => `suite ${suite}`,
    ledger.evidenceSeq,
  );
  required.push(...order.required);
  risks.push(...order.risks);
  // Another build's report attested for this digest: the same unsigned bytes recorded for another first.
  const shared = sharedReportLines(
    'tests',
    [record],
    sharedReports,
    requirement.sharedReports,
    () => `suite ${suite}`,
    ledger.evidenceSeq,
  );
  required.push(...shared.required);
  risks.push(...shared.risks);
  const broken = t.failed + t.errored;
  if (broken > requirement.maxFailed) {
    required.push({
      gate: 'tests',
      text: `suite ${suite}: ${t.failed} failed and ${t.errored} errored of ${t.tests}, at most ${requirement.maxFailed} allowed${failedNames(t)}`,
      evidence: ref,
    });
  } else if (broken > 0) {
    risks.push({
      gate: 'tests',
      text: `suite ${suite}: ${broken} failing test(s) allowed by maxFailed ${requirement.maxFailed}${failedNames(t)}`,
      evidence: ref,
    });
  }
  // `minTests` counts tests that ran (passed, failed or errored): one pass and 99 skips are not the
  // hundred tests `minTests: 100` asks for.
  const ran = t.passed + t.failed + t.errored;
  const shortOfMin = requirement.minTests !== undefined && ran < requirement.minTests;
  if (shortOfMin) {
    const notCounted = t.skipped > 0 ? ` (${t.skipped} skipped not counted)` : '';
    required.push({
      gate: 'tests',
      text: `suite ${suite}: ${ran} tests ran${notCounted}, at least ${requirement.minTests} required`,
      evidence: ref,
    });
  }
  if (requirement.maxSkipped !== undefined && t.skipped > requirement.maxSkipped) {
    required.push({
      gate: 'tests',
      text: `suite ${suite}: ${t.skipped} skipped, at most ${requirement.maxSkipped} allowed`,
      evidence: ref,
    });
  } else if (t.skipped > 0) {
    const allowance =
      requirement.maxSkipped === undefined ? 'no maxSkipped set' : `maxSkipped ${requirement.maxSkipped}`;
    risks.push({
      gate: 'tests',
      text: `suite ${suite}: ${t.skipped} skipped test(s) not run (${allowance})`,
      evidence: ref,
    });
  }
  if (requirement.maxFlaky !== undefined && t.flaky > requirement.maxFlaky) {
    required.push({
      gate: 'tests',
      text: `suite ${suite}: ${t.flaky} test(s) passed only on rerun (flaky), at most ${requirement.maxFlaky} allowed`,
      evidence: ref,
    });
  } else if (t.flaky > 0) {
    const allowance =
      requirement.maxFlaky === undefined ? 'no maxFlaky set' : `maxFlaky ${requirement.maxFlaky}`;
    risks.push({
      gate: 'tests',
      text: `suite ${suite}: ${t.flaky} test(s) passed only on rerun (flaky; ${allowance})`,
      evidence: ref,
    });
  }
  if (t.merged > 0) {
    risks.push({
      gate: 'tests',
      text: `suite ${suite}: ${t.merged} repeated test case(s) merged as reruns (reruns: true); a failure counts as cleared only by a later pass`,
      evidence: ref,
    });
  } else if (record.data.reruns !== undefined && record.data.reruns.repeats > 0 && !requirement.reruns) {
    risks.push({
      gate: 'tests',
      text: `suite ${suite}: ${record.data.reruns.repeats} test case(s) repeat an earlier one's name; each is counted as a test (declare reruns: true if the suite retries failed tests)`,
      evidence: ref,
    });
  }
  // A suite in which no test case ran tested nothing: a filter that matched nothing, a runner
  // that crashed before its first test, every test skipped. Only a contract that says so
  // (`minTests: 0`) lets it through. A CDEvent says how the run ended, not how many ran.
  const emptyText =
    t.tests === 0 ? 'the report holds no test cases' : allSkippedText(t.tests, record.data.declaredSkipped);
  if (record.format === 'cdevents' || requirement.minTests === 0) {
    if (ran === 0) risks.push({ gate: 'tests', text: `suite ${suite}: ${emptyText}`, evidence: ref });
  } else if (ran === 0 && !shortOfMin) {
    required.push({
      gate: 'tests',
      text: `suite ${suite}: ${emptyText}, so nothing was tested (minTests: 0 accepts an empty suite)`,
      evidence: ref,
    });
  }
  if (required.length === 0) {
    validated.push({
      gate: 'tests',
      text: `suite ${suite}: ${t.passed} passed of ${t.tests}${where} (${record.format}, recorded ${record.recordedAt} by ${record.actor})`,
      evidence: ref,
    });
  }
  return { validated, risks, required };
}

/**
 * A run in which all `tests` were skipped, said as the report says it: skips it only declares
 * (`declared`, a suite's `skipped=` with no test case, mocha-junit-reporter's pending tests) are
 * not test cases the report holds.
 */
function allSkippedText(tests: number, declared = 0): string {
  const shown = Math.max(0, tests - declared);
  if (declared === 0) return `all ${tests} test case(s) were skipped: none ran`;
  if (shown === 0) return `no test case held, ${declared} declared skipped: none ran`;
  return `all ${tests} tests were skipped (${shown} test case(s) skipped, ${declared} declared skipped with no test case): none ran`;
}

/** `tests`: per suite, results present, failures within `maxFailed`, `minTests`, `maxSkipped`, `maxFlaky`, optional `in`, `reruns`. */
export const testsGate: GateDefinition<SuiteRequirement[]> = {
  key: 'tests',
  select: (stage) =>
    stage.requires.tests && stage.requires.tests.length > 0 ? stage.requires.tests : undefined,
  evaluate(suites, { facts, stageName }) {
    const results = suites.map((suite) =>
      checkSuite(suite, facts.evidence, facts.ledger, stageName, facts.sharedReports),
    );
    const validated = results.flatMap((r) => r.validated);
    const risks = results.flatMap((r) => r.risks);
    const required = results.flatMap((r) => r.required);
    const passing = results.filter((r) => r.required.length === 0).length;
    const summary = `${passing} of ${suites.length} suite(s) pass${required.length ? `; ${required.length} requirement(s) unmet` : ''}`;
    return gateResult('tests', required.length === 0 ? 'pass' : 'fail', summary, {
      validated,
      risks,
      required,
    });
  },
};
