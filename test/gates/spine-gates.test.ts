import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/decide.js';
import type { TestSummary } from '../../src/evidence/evidence.js';
import { parseJunit, toTestSummary } from '../../src/evidence/junit-parser.js';
import { contractOf, factsOf, promotion, testEvidence } from '../support/builders.js';
import { THREE_STAGES } from '../support/cli.js';

const contract = contractOf(THREE_STAGES);

describe('from gate', () => {
  it('requires the same digest to have entered the upstream stage', () => {
    const decision = decide(
      contract,
      'staging',
      factsOf({ evidence: [testEvidence({ suite: 'unit' }), testEvidence({ suite: 'integration' })] }),
    );
    expect(decision.verdict).toBe('blocked');
    expect(decision.gates.find((g) => g.gate === 'from')?.status).toBe('fail');
    expect(decision.required).toContainEqual({
      gate: 'from',
      text: 'this digest has not entered dev: promote it to dev first',
    });
  });

  it('passes with the promotion as evidence', () => {
    const decision = decide(
      contract,
      'staging',
      factsOf({
        promotions: [promotion('dev', { seq: 7 })],
        evidence: [testEvidence({ suite: 'unit' }), testEvidence({ suite: 'integration' })],
      }),
    );
    expect(decision.verdict).toBe('allowed');
    expect(decision.validated.find((v) => v.gate === 'from')).toMatchObject({ evidence: ['ledger#7'] });
  });

  it('does not trust a rolled back or failed upstream promotion', () => {
    for (const status of ['rolled-back', 'failed'] as const) {
      const decision = decide(
        contract,
        'prod',
        factsOf({
          promotions: [promotion('staging', { status, statusReason: 'error rate above 2%' })],
          evidence: [testEvidence({ suite: 'e2e' }, { stage: 'staging' })],
        }),
      );
      expect(decision.verdict).toBe('blocked');
      expect(decision.required[0]?.text).toContain(`is ${status} — error rate above 2%`);
    }
  });

  it('checks every upstream of a stage with several', () => {
    const multi = contractOf(`version: 1
pipeline: p
artifact: { type: file }
stages:
  eu: { purpose: a }
  us: { purpose: b }
  global: { purpose: c, from: [eu, us] }
`);
    const decision = decide(multi, 'global', factsOf({ promotions: [promotion('eu')] }));
    expect(decision.verdict).toBe('blocked');
    expect(decision.required.map((r) => r.text)).toEqual([
      'this digest has not entered us: promote it to us first',
    ]);
    expect(decision.validated).toHaveLength(1);
  });
});

describe('tests gate', () => {
  const dev = (evidence: ReturnType<typeof testEvidence>[]) => decide(contract, 'dev', factsOf({ evidence }));

  it('requires results for every suite, naming the missing one', () => {
    const decision = dev([]);
    expect(decision.verdict).toBe('blocked');
    expect(decision.required).toEqual([{ gate: 'tests', text: 'suite unit has no results for this digest' }]);
  });

  it('blocks on failures and names the failed tests', () => {
    const decision = dev([
      testEvidence({
        suite: 'unit',
        tests: 10,
        passed: 8,
        failed: 1,
        errored: 1,
        failures: [
          { name: 'adds', classname: 'Cart', kind: 'failure' },
          { name: 'pays', kind: 'error' },
        ],
      }),
    ]);
    expect(decision.verdict).toBe('blocked');
    expect(decision.required[0]?.text).toBe(
      'suite unit: 1 failed and 1 errored of 10, at most 0 allowed: Cart.adds, pays',
    );
  });

  it('allows failures within maxFailed as remaining risk', () => {
    const lenient = contractOf(
      THREE_STAGES.replace('{ suite: unit, minTests: 2 }', '{ suite: unit, maxFailed: 1 }'),
    );
    const decision = decide(
      lenient,
      'dev',
      factsOf({
        evidence: [
          testEvidence({
            suite: 'unit',
            passed: 9,
            failed: 1,
            failures: [{ name: 'flaky', kind: 'failure' }],
          }),
        ],
      }),
    );
    expect(decision.verdict).toBe('allowed');
    expect(decision.risks[0]?.text).toContain('1 failing test(s) allowed by maxFailed 1: flaky');
  });

  it('enforces minTests', () => {
    const decision = dev([testEvidence({ suite: 'unit', tests: 1, passed: 1 })]);
    expect(decision.required[0]?.text).toBe('suite unit: 1 tests ran, at least 2 required');
  });

  it('counts for minTests only the tests that ran, never the skipped ones', () => {
    // One pass and one skip are two test cases but one test run: minTests 2 asks for two that ran.
    const decision = dev([testEvidence({ suite: 'unit', tests: 2, passed: 1, skipped: 1 })]);
    expect(decision.verdict).toBe('blocked');
    expect(decision.required.map((r) => r.text)).toEqual([
      'suite unit: 1 tests ran (1 skipped not counted), at least 2 required',
    ]);
    // A failed or errored test ran: it counts toward minTests (and maxFailed judges it).
    const ran = dev([testEvidence({ suite: 'unit', tests: 3, passed: 1, errored: 1, skipped: 1 })]);
    expect(ran.required.map((r) => r.text)).not.toContainEqual(
      expect.stringContaining('at least 2 required'),
    );
  });

  it('says nothing of repeated test cases when only reports of one attestation overlapped', () => {
    // The same test case in two reports counts once (reruns view recorded with repeats 0): no
    // repeat within a report to warn about.
    const reruns = {
      repeats: 0,
      tests: 2,
      passed: 2,
      failed: 0,
      errored: 0,
      skipped: 0,
      flaky: 0,
      failures: [],
      failuresOmitted: 0,
    };
    const decision = dev([testEvidence({ suite: 'unit', tests: 2, passed: 2, reruns })]);
    expect(decision.verdict).toBe('allowed');
    expect(decision.risks.map((r) => r.text)).toEqual([]);
  });

  it('lists skipped tests within maxSkipped as risk and blocks beyond it', () => {
    const facts = (skipped: number) =>
      factsOf({
        promotions: [promotion('dev')],
        evidence: [
          testEvidence({ suite: 'unit' }),
          testEvidence({ suite: 'integration', tests: 10, passed: 10 - skipped, skipped }),
        ],
      });
    const within = decide(contract, 'staging', facts(1));
    expect(within.verdict).toBe('allowed');
    expect(within.risks.map((r) => r.text)).toEqual([
      'suite integration: 1 skipped test(s) not run (maxSkipped 1)',
    ]);
    const beyond = decide(contract, 'staging', facts(2));
    expect(beyond.verdict).toBe('blocked');
    expect(beyond.required.map((r) => r.text)).toEqual(['suite integration: 2 skipped, at most 1 allowed']);
  });

  it('counts only evidence produced in the stage named by `in`', () => {
    const elsewhere = decide(
      contract,
      'prod',
      factsOf({ promotions: [promotion('staging')], evidence: [testEvidence({ suite: 'e2e' })] }),
    );
    expect(elsewhere.required.map((r) => r.text)).toEqual([
      'suite e2e has no results produced in staging for this digest',
    ]);
    const there = decide(
      contract,
      'prod',
      factsOf({
        promotions: [promotion('staging')],
        evidence: [testEvidence({ suite: 'e2e' }, { stage: 'staging' })],
      }),
    );
    expect(there.verdict).toBe('allowed');
    expect(there.validated.find((v) => v.gate === 'tests')?.text).toContain('produced in staging');
  });

  it('blocks a suite in which no test case ran, unless the contract accepts an empty suite', () => {
    const staging = (integration: Partial<TestSummary>, text = THREE_STAGES) =>
      decide(
        contractOf(text),
        'staging',
        factsOf({
          promotions: [promotion('dev')],
          evidence: [
            testEvidence({ suite: 'unit' }),
            testEvidence({ suite: 'integration', passed: 0, failed: 0, ...integration }),
          ],
        }),
      );
    // A report with no test cases (a filter that matched nothing) tested nothing.
    const empty = staging({ tests: 0 });
    expect(empty.verdict).toBe('blocked');
    expect(empty.required.map((r) => r.text)).toEqual([
      'suite integration: the report holds no test cases, so nothing was tested (minTests: 0 accepts an empty suite)',
    ]);
    // Every test case skipped is no run either, even within maxSkipped.
    const lenient = THREE_STAGES.replace('{ suite: integration, maxSkipped: 1 }', '{ suite: integration }');
    const skipped = staging({ tests: 3, skipped: 3 }, lenient);
    expect(skipped.verdict).toBe('blocked');
    expect(skipped.required.map((r) => r.text)).toEqual([
      'suite integration: all 3 test case(s) were skipped: none ran, so nothing was tested (minTests: 0 accepts an empty suite)',
    ]);
    // One test case that ran is a run.
    expect(staging({ tests: 3, skipped: 2, passed: 1 }, lenient).verdict).toBe('allowed');
    // Said in the contract, an empty suite passes, and the decision still says it was empty.
    const accepted = staging(
      { tests: 0 },
      THREE_STAGES.replace('{ suite: integration, maxSkipped: 1 }', '{ suite: integration, minTests: 0 }'),
    );
    expect(accepted.verdict).toBe('allowed');
    expect(accepted.risks.map((r) => r.text)).toEqual(['suite integration: the report holds no test cases']);
    // A minTests the report falls short of says so once, in its own words.
    expect(dev([testEvidence({ suite: 'unit', tests: 0, passed: 0 })]).required.map((r) => r.text)).toEqual([
      'suite unit: 0 tests ran, at least 2 required',
    ]);
  });

  it('says skips a report only declares are declared, not test cases', async () => {
    // mocha-junit-reporter (default options) leaves pending tests out and declares them only in its
    // root's skipped= (test/fixtures/junit-generated/mocha-junit.input.txt): a run of pending tests.
    const report = (cases: string, held: number, skipped: number) =>
      `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="Mocha Tests" time="0.000" tests="${skipped}" failures="0" skipped="${skipped}">
  <testsuite name="Root Suite" timestamp="2026-12-07T18:55:22" tests="0" time="0.000" failures="0">
  </testsuite>
  <testsuite name="cart" timestamp="2026-12-07T18:55:22" tests="${held}" file="cart.spec.js" time="0.000" failures="0">${cases}
  </testsuite>
</testsuites>
`;
    const lenient = THREE_STAGES.replace('{ suite: integration, maxSkipped: 1 }', '{ suite: integration }');
    const staging = async (xml: string) => {
      const totals = await parseJunit({ stream: Readable.from([xml]), name: 'mocha.xml' });
      const decision = decide(
        contractOf(lenient),
        'staging',
        factsOf({
          promotions: [promotion('dev')],
          evidence: [testEvidence({ suite: 'unit' }), testEvidence(toTestSummary(totals, 'integration'))],
        }),
      );
      expect(decision.verdict).toBe('blocked');
      return decision.required.map((r) => r.text);
    };
    expect(await staging(report('', 0, 3))).toEqual([
      'suite integration: no test case held, 3 declared skipped: none ran, so nothing was tested (minTests: 0 accepts an empty suite)',
    ]);
    const held = `
    <testcase name="cart pays" time="0.000" classname="pays"><skipped/></testcase>
    <testcase name="cart refunds" time="0.000" classname="refunds"><skipped/></testcase>`;
    expect(await staging(report(held, 2, 5))).toEqual([
      'suite integration: all 5 tests were skipped (2 test case(s) skipped, 3 declared skipped with no test case): none ran, so nothing was tested (minTests: 0 accepts an empty suite)',
    ]);
  });

  it('uses the latest results of a suite', () => {
    const decision = dev([
      testEvidence({ suite: 'unit', passed: 9, failed: 1 }, { recordedAt: '2026-11-26T09:00:00Z' }),
      testEvidence({ suite: 'unit' }, { recordedAt: '2026-11-26T11:00:00Z' }),
    ]);
    expect(decision.verdict).toBe('allowed');
  });
});

describe('decide', () => {
  it('returns the documented top-level shape', () => {
    const decision = decide(contract, 'dev', factsOf({ evidence: [testEvidence({ suite: 'unit' })] }));
    expect(Object.keys(decision)).toEqual(
      expect.arrayContaining(['verdict', 'stage', 'artifact', 'gates', 'validated', 'risks', 'required']),
    );
    expect(decision.artifact.digest).toMatch(/^sha256:/);
    expect(decision.evaluatedAt).toBe('2026-11-26T12:00:00.000Z');
  });

  it('waives an overridden gate and keeps it as risk', () => {
    const decision = decide(contract, 'dev', factsOf(), {
      overrides: [{ gate: 'tests', reason: 'hotfix INC-7', actor: 'lee' }],
    });
    expect(decision.verdict).toBe('allowed');
    expect(decision.gates[0]?.status).toBe('waived');
    expect(decision.risks.map((r) => r.text)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('overridden by lee ("hotfix INC-7")'),
        'waived: suite unit has no results for this digest',
      ]),
    );
  });

  it('says when a stage has no requirements', () => {
    const open = contractOf(
      'version: 1\npipeline: p\nartifact: { type: file }\nstages:\n  dev: { purpose: anything goes }\n',
    );
    const decision = decide(open, 'dev', factsOf());
    expect(decision.verdict).toBe('allowed');
    expect(decision.risks[0]?.text).toContain('no requirements');
  });

  it('says so too when the stage has only a rollback section, which judges nothing about entering', () => {
    // Before, the rollback section counted as a gate: "allowed", rollback "pass", and no word that
    // anything registered could enter.
    const watched = contractOf(
      'version: 1\npipeline: p\nartifact: { type: file }\nstages:\n  dev:\n    purpose: anything goes\n    rollback: { within: 1h, when: [{ name: errors, prometheus: up, above: 1 }] }\n',
    );
    const decision = decide(
      watched,
      'dev',
      factsOf({ extra: { rollback: { metricsSource: 'prometheus', stagePromotions: [] } } }),
    );
    expect(decision.verdict).toBe('allowed');
    expect(decision.gates.map((g) => g.gate)).toEqual(['rollback']);
    expect(decision.risks.map((r) => r.text)).toContain(
      'stage dev has no requirements: anything registered may enter',
    );
  });
});

describe('tests gate and flaky tests', () => {
  it('lists tests that passed only on retry as remaining risk', () => {
    const decision = decide(
      contract,
      'dev',
      factsOf({ evidence: [testEvidence({ suite: 'unit', flaky: 2 })] }),
    );
    expect(decision.verdict).toBe('allowed');
    expect(decision.risks.map((r) => r.text)).toEqual([
      'suite unit: 2 test(s) passed only on rerun (flaky; no maxFlaky set)',
    ]);
  });
});
