import { describe, expect, it } from 'vitest';
import type { EvidenceRecord } from '../../src/evidence/evidence.js';
import { evaluateRules, ruleContextOf } from '../../src/gates/rules-gate.js';
import {
  approval,
  contextOf,
  D1,
  entry,
  pipeline,
  promotionEntry,
  register,
  testsEvidence,
  verification,
} from '../support/builders.js';

const contract = pipeline(
  `      rules:
        - name: hotfixes carry a ticket
          cel: 'artifact.labels["kind"] != "hotfix" || has(artifact.labels.ticket)'
          message: a hotfix needs a ticket label
        - name: staging was verified a day ago
          cel: 'upstream.staging.verified && now - upstream.staging.at >= duration("24h")'
        - name: e2e ran with many tests
          cel: 'has(evidence.tests) && evidence.tests.suites.e2e.tests >= 100'
        - name: promoter is a release manager
          cel: '"release-managers" in actor.groups'`,
  'groups: { release-managers: [alice] }',
);
const rules = contract.stages.prod!.requires.rules!;

const entries = [
  promotionEntry('staging', '2026-11-25T09:00:00.000Z'),
  verification('staging', '2026-11-25T09:30:00.000Z', 'passed'),
];

describe('rules gate', () => {
  it('passes when every rule holds over the documented context', () => {
    const context = contextOf(contract, {
      entries,
      evidence: [testsEvidence('e2e', 'ci')],
      actor: 'alice',
      labels: { kind: 'hotfix', ticket: 'OPS-1' },
    });
    const result = evaluateRules(rules, context);
    expect(result.status).toBe('pass');
    expect(result.summary).toBe('4 of 4 rules hold');
  });

  it('fails with the rule message when a rule is false', () => {
    const context = contextOf(contract, {
      entries,
      evidence: [testsEvidence('e2e', 'ci')],
      actor: 'bob',
      labels: { kind: 'hotfix' },
    });
    const result = evaluateRules(rules, context);
    expect(result.status).toBe('fail');
    expect(result.required.map((r) => r.text)).toEqual([
      'rule "hotfixes carry a ticket": a hotfix needs a ticket label',
      'rule "promoter is a release manager": `"release-managers" in actor.groups` is false',
    ]);
  });

  it('fails closed with the error when a rule cannot be evaluated', () => {
    // No promotion into staging: upstream.staging does not exist.
    const context = contextOf(contract, {
      entries: [],
      evidence: [testsEvidence('e2e', 'ci')],
      actor: 'alice',
      labels: { kind: 'feature' },
    });
    const result = evaluateRules(rules, context);
    expect(result.status).toBe('fail');
    expect(result.required).toHaveLength(1);
    expect(result.required[0]!.text).toMatch(
      /^rule "staging was verified a day ago" could not be evaluated, so it fails closed: No such key: staging \(column \d+ of the expression\)$/,
    );
  });

  it('a missing map key is an error in CEL: without a kind label the first rule fails closed', () => {
    const context = contextOf(contract, {
      entries,
      evidence: [testsEvidence('e2e', 'ci')],
      actor: 'alice',
      labels: {},
    });
    const result = evaluateRules(rules, context);
    expect(result.required.map((r) => r.text)).toEqual([
      'rule "hotfixes carry a ticket" could not be evaluated, so it fails closed: No such key: kind (column 1 of the expression)',
    ]);
    // Written with an optional lookup, the same rule holds.
    const optional = pipeline(`      rules:
        - name: hotfixes carry a ticket
          cel: 'artifact.labels.?kind.orValue("") != "hotfix" || has(artifact.labels.ticket)'`);
    expect(
      evaluateRules(optional.stages.prod!.requires.rules!, contextOf(optional, { labels: {} })).status,
    ).toBe('pass');
    expect(
      evaluateRules(
        optional.stages.prod!.requires.rules!,
        contextOf(optional, { labels: { kind: 'hotfix' } }),
      ).status,
    ).toBe('fail');
  });

  it('takes the latest evidence in ledger order, whatever clock each recorder read', () => {
    const verified = pipeline(`      rules:
        - name: staging verification passed
          cel: 'evidence.verification.latest.data.result == "passed"'`);
    const record = (id: string, result: 'passed' | 'failed', recordedAt: string): EvidenceRecord => ({
      id,
      artifact: D1,
      stage: 'staging',
      format: 'verification',
      sourceDigest: id,
      signer: null,
      actor: 'smoke-bot',
      recordedAt,
      data: { kind: 'verification', result },
    });
    // The runner that reported the failure, after the pass, has a clock 90 s slow.
    const pass = record('sha256:pass', 'passed', '2026-11-25T09:30:00.000Z');
    const fail = record('sha256:fail', 'failed', '2026-11-25T09:28:30.000Z');
    const context = contextOf(verified, {
      entries: [
        promotionEntry('staging', '2026-11-25T09:00:00.000Z'),
        entry('verification', {
          stage: 'staging',
          at: pass.recordedAt,
          payload: { result: 'passed', evidence: pass.id },
        }),
        entry('verification', {
          stage: 'staging',
          at: fail.recordedAt,
          payload: { result: 'failed', evidence: fail.id },
        }),
      ],
      evidence: [pass, fail],
    });
    const result = evaluateRules(verified.stages.prod!.requires.rules!, context);
    expect(result.status).toBe('fail');
    expect(result.required[0]!.text).toContain('rule "staging verification passed"');
  });

  it('marks which approvals count, so a rule does not count the author approving her own', () => {
    const rule = `      rules:
        - name: an approval that counts
          cel: 'approvals.filter(a, a.counted).size() >= 1'`;
    const withSection = pipeline(`      approvals: { count: 1, notBy: [author, promoter] }\n${rule}`);
    const dana = [
      ...entries,
      register('2026-11-20T08:00:00Z', 'dana'),
      approval('dana', '2026-11-26T09:00:00Z'),
    ];
    const own = contextOf(withSection, { entries: dana, actor: 'erin' });
    expect(ruleContextOf(own).approvals.map((a) => (a as unknown as { counted: boolean }).counted)).toEqual([
      false,
    ]);
    expect(evaluateRules(withSection.stages.prod!.requires.rules!, own).status).toBe('fail');
    const other = contextOf(withSection, {
      entries: [...dana, approval('frank', '2026-11-26T09:05:00Z')],
      actor: 'erin',
    });
    expect(evaluateRules(withSection.stages.prod!.requires.rules!, other).status).toBe('pass');
    // Without an approvals section, the promoter's own approval does not count.
    const bare = pipeline(rule);
    const promoter = contextOf(bare, {
      entries: [...entries, approval('erin', '2026-11-26T09:00:00Z')],
      actor: 'erin',
    });
    expect(evaluateRules(bare.stages.prod!.requires.rules!, promoter).status).toBe('fail');
    const rejected = contextOf(bare, {
      entries: [...entries, approval('frank', '2026-11-26T09:00:00Z', 'reject')],
      actor: 'erin',
    });
    expect(evaluateRules(bare.stages.prod!.requires.rules!, rejected).status).toBe('fail');
  });

  it('sees approvals and the promotion history', () => {
    const withApprovals = pipeline(`      rules:
        - name: two approvals and dev first
          cel: 'approvals.filter(a, a.decision == "approve").size() == 2 && promotions.exists(p, p.stage == "staging")'`);
    const context = contextOf(withApprovals, {
      entries: [
        ...entries,
        approval('alice', '2026-11-26T09:00:00Z'),
        approval('bob', '2026-11-26T09:00:00Z'),
      ],
    });
    expect(evaluateRules(withApprovals.stages.prod!.requires.rules!, context).status).toBe('pass');
  });
});
