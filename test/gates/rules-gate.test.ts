import { describe, expect, it } from 'vitest';
import type { EvidenceRecord } from '../../src/evidence/evidence.js';
import { evaluateRules, ruleContextOf } from '../../src/gates/rules-gate.js';
import {
  approval,
  component,
  contextOf,
  D1,
  entry,
  pipeline,
  promotionEntry,
  register,
  sbom,
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

  describe('step budget', () => {
    // 5,000 components: a rule comparing each with every other is 25 million steps.
    const components = Array.from({ length: 5000 }, (_, i) => component(`lib-${i}`, '1.0.0'));
    const evidence = [sbom(components, { artifact: D1 })];
    const checked = (cel: string) =>
      pipeline(`      rules:
        - name: checked
          cel: '${cel}'`);
    const rulesOf = (cel: string) => checked(cel).stages.prod!.requires.rules!;
    const plain = checked('stage.name == "prod"');

    it('fails a rule nesting one list of the evidence in another without running it', () => {
      const rules = rulesOf(
        'evidence.sbom.latest.data.components.all(c, evidence.sbom.latest.data.components.exists_one(d, d.name == c.name))',
      );
      const result = evaluateRules(rules, contextOf(plain, { evidence }));
      expect(result.status).toBe('fail');
      expect(result.required.map((r) => r.text)).toEqual([
        expect.stringMatching(
          /^rule "checked" could not be evaluated, so it fails closed: the rule may take up to 25,005,000 steps over this decision.s data \(its longest list or map holds 5,000 items, its longest string [\d,]+ characters, all its lists and maps [\d,]+ items, all its strings [\d,]+ characters\), more than the budget of 10,000,000: /,
        ),
      ]);
    });

    // A label of 200,000 characters: read once per component, it is a billion characters.
    const notes = { notes: 'x'.repeat(200_000) };

    it('fails a rule reading a long string from outside the item once per item', () => {
      for (const cel of [
        'evidence.sbom.latest.data.components.all(c, !artifact.labels.notes.contains(c.name))',
        'evidence.sbom.latest.data.components.all(c, !(artifact.labels.notes + c.name).endsWith("zz"))',
        'evidence.sbom.latest.data.components.all(c, size(artifact.labels.notes) > 0)',
      ]) {
        const result = evaluateRules(rulesOf(cel), contextOf(plain, { evidence, labels: notes }));
        expect(result.status, cel).toBe('fail');
        expect(result.required[0]!.text, cel).toMatch(
          /could not be evaluated, so it fails closed: .*all its strings [\d,]+ characters\), more than the budget of 10,000,000: .*string work/,
        );
      }
    });

    it('runs string work on each item own strings, and on a long string outside comprehensions', () => {
      const rules = rulesOf(
        'artifact.labels.notes.size() > 0 && evidence.sbom.latest.data.components.all(c, c.name.startsWith("lib-") && size(c.name + c.version) > 0)',
      );
      const result = evaluateRules(rules, contextOf(plain, { evidence, labels: notes }));
      expect(result.required).toEqual([]);
      expect(result.status).toBe('pass');
    });

    it('counts the items an in searches inside a comprehension', () => {
      const names = rulesOf(
        'evidence.sbom.latest.data.components.all(c, c.name in evidence.sbom.latest.data.components.map(d, d.name))',
      );
      const result = evaluateRules(names, contextOf(plain, { evidence }));
      expect(result.status).toBe('fail');
      expect(result.required[0]!.text).toContain('more than the budget of 10,000,000');
    });

    it('runs a rule that walks each record into its own components, or searches a list it wrote', () => {
      const walk = rulesOf(
        'evidence.sbom.records.all(r, r.data.components.all(c, c.licenses.all(l, l in ["MIT", "Apache-2.0"])))',
      );
      expect(evaluateRules(walk, contextOf(plain, { evidence })).required).toEqual([]);
      const missing = [
        sbom([...components, component('gpl-lib', '1.0.0', ['GPL-3.0-only'])], { artifact: D1 }),
      ];
      expect(evaluateRules(walk, contextOf(plain, { evidence: missing })).required).toEqual([
        expect.objectContaining({ text: expect.stringMatching(/^rule "checked": `.*` is false$/) }),
      ]);
    });

    it('runs a nested rule over small lists', () => {
      const nested = rulesOf('approvals.all(a, approvals.exists(b, b.actor != a.actor))');
      const context = contextOf(plain, {
        entries: [
          ...entries,
          approval('alice', '2026-11-26T09:00:00Z'),
          approval('bob', '2026-11-26T09:00:00Z'),
        ],
        evidence,
      });
      expect(evaluateRules(nested, context).status).toBe('pass');
    });

    it('runs a nested rule over small lists beside a long label, which is no list it iterates', () => {
      // Refused before: the 200,000-character label counted as the length of every list, so two
      // approvals nested were bounded at 40 billion steps.
      const nested = rulesOf('approvals.all(a, approvals.exists(b, b.actor == a.actor))');
      const context = contextOf(plain, {
        entries: [...entries, approval('alice', '2026-11-26T09:00:00Z')],
        evidence,
        labels: notes,
      });
      const result = evaluateRules(nested, context);
      expect(result.required).toEqual([]);
      expect(result.status).toBe('pass');
    });

    it('still counts a long label where the rule splits it into a list it searches for every item', () => {
      const split = rulesOf(
        'evidence.sbom.latest.data.components.all(c, !(c.name in artifact.labels.notes.split("x")))',
      );
      const result = evaluateRules(split, contextOf(plain, { evidence, labels: notes }));
      expect(result.status).toBe('fail');
      expect(result.required[0]!.text).toMatch(/its longest string 200,000 characters.*more than the budget/);
    });

    it('counts a list or map written in the rule as built once per item, and runs it over a few', () => {
      // Ran before, two minutes for lists of 1,000: a literal is built again each time the body of
      // a comprehension runs, and its items (here 600 per run of 90,000) were counted nowhere.
      const list = `[${Array.from({ length: 300 }, (_, i) => i).join(', ')}]`;
      const costly = evaluateRules(
        rulesOf(`stage.name == "prod" && ${list}.all(x, ${list}.all(y, ${list} + ${list} != []))`),
        contextOf(plain, { evidence }),
      );
      expect(costly.status).toBe('fail');
      expect(costly.required[0]!.text).toContain('more than the budget of 10,000,000');
      const licenses = `{${Array.from({ length: 300 }, (_, i) => `"license-${i}": true`).join(', ')}}`;
      const allowed = rulesOf(`evidence.sbom.latest.data.components.all(c, !("GPL" in ${licenses}))`);
      expect(evaluateRules(allowed, contextOf(plain, { evidence })).required).toEqual([]);
    });

    it('counts a long string written in the rule as read once per item, and runs it over a few', () => {
      // size() of 40,000 characters for each of 5,000 components is 200 million characters read.
      const literal = 'z'.repeat(40_000);
      const cel = `evidence.sbom.latest.data.components.all(c, size(c.name) < size("${literal}"))`;
      const costly = evaluateRules(rulesOf(cel), contextOf(plain, { evidence }));
      expect(costly.status).toBe('fail');
      expect(costly.required[0]!.text).toContain('more than the budget of 10,000,000');
      const few = [sbom(components.slice(0, 10), { artifact: D1 })];
      const cheap = evaluateRules(rulesOf(cel), contextOf(plain, { evidence: few }));
      expect(cheap.required).toEqual([]);
      expect(cheap.status).toBe('pass');
    });
  });
});
