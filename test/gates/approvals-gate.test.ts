import { describe, expect, it } from 'vitest';
import { decide } from '../../src/decide.js';
import {
  approvalWouldNotCount,
  evaluateApprovals,
  ineligibility,
  latestWords,
} from '../../src/gates/approvals-gate.js';
import { rolledBackGate } from '../../src/gates/rolled-back-gate.js';
import { evaluateRules, ruleContextOf } from '../../src/gates/rules-gate.js';
import { normaliseName } from '../../src/policy/names.js';
import {
  approval,
  contextOf,
  entry,
  pipeline,
  promotionEntry,
  register,
  testsEvidence,
} from '../support/builders.js';

const GROUPS = `groups:
  release-managers: [alice, bob, carol, dana]
  sre: [frank, group:release-managers]`;

const contract = pipeline(
  '      approvals: { count: 2, from: [group:release-managers], notBy: [author, promoter, "attester:e2e"] }',
  GROUPS,
);
const config = contract.stages.prod!.requires.approvals!;

describe('approvals gate: quorum with separation of duties', () => {
  it('is pending with nobody having approved, naming everyone eligible', () => {
    const result = evaluateApprovals(
      config,
      contextOf(contract, { entries: [register('2026-11-20T08:00:00Z', 'dana')], actor: 'carol' }),
    );
    expect(result.status).toBe('pending');
    expect(result.summary).toBe('0 of 2 approvals');
    // dana is the author (who registered), carol is the promoter: neither can approve.
    expect(result.required[0]!.text).toContain(
      '2 more approvals from group:release-managers; can approve: alice, bob',
    );
  });

  it('passes with two eligible approvals and lists them as validated', () => {
    const entries = [
      register('2026-11-20T08:00:00Z', 'dana'),
      approval('alice', '2026-11-26T09:00:00Z', 'approve', 'prod', 'looks good'),
      approval('bob', '2026-11-26T10:00:00Z'),
    ];
    const result = evaluateApprovals(config, contextOf(contract, { entries, actor: 'carol' }));
    expect(result.status).toBe('pass');
    expect(result.validated.map((v) => v.text)).toEqual([
      'approved by alice at 2026-11-26T09:00:00Z: "looks good"',
      'approved by bob at 2026-11-26T10:00:00Z',
    ]);
  });

  it('records but does not count the author, the promoter, an attester or an outsider, and says why', () => {
    const entries = [
      register('2026-11-20T08:00:00Z', 'dana'),
      approval('dana', '2026-11-26T09:00:00Z'),
      approval('carol', '2026-11-26T09:10:00Z'),
      approval('mallory', '2026-11-26T09:20:00Z'),
      approval('alice', '2026-11-26T09:30:00Z'),
    ];
    const evidence = [testsEvidence('e2e', 'bob')];
    const result = evaluateApprovals(config, contextOf(contract, { entries, evidence, actor: 'carol' }));
    // alice counts; bob could still approve but attested e2e; nobody else is left.
    expect(result.status).toBe('fail');
    expect(result.summary).toContain('1 of 2 approvals and nobody eligible is left to approve');
    expect(result.summary).toContain("dana's approval does not count: dana is the artifact's author");
    expect(result.summary).toContain("carol's approval does not count: carol is the promoter");
    expect(result.summary).toContain(
      "mallory's approval does not count: mallory is not among group:release-managers",
    );
    expect(result.validated).toHaveLength(1);
  });

  it('uses the author label before the registrant', () => {
    const context = contextOf(contract, {
      entries: [register('2026-11-20T08:00:00Z', 'ci-bot')],
      labels: { author: 'bob' },
    });
    expect(ineligibility(config, 'bob', context)).toBe("bob is the artifact's author");
    expect(ineligibility(config, 'alice', context)).toBeUndefined();
  });

  it('does not let the registrant name someone else as author and then approve', () => {
    // dana registers her own build with `--label author=nobody`: the label is her own claim.
    const entries = [
      register('2026-11-20T08:00:00Z', 'dana'),
      approval('dana', '2026-11-26T09:00:00Z'),
      approval('alice', '2026-11-26T09:10:00Z'),
    ];
    const context = contextOf(contract, { entries, actor: 'carol', labels: { author: 'nobody' } });
    expect(ineligibility(config, 'dana', context)).toBe(
      'dana registered the artifact (its author label names nobody; the registrant counts as an author too)',
    );
    const result = evaluateApprovals(config, context);
    expect(result.status).toBe('pending');
    expect(result.summary).toContain('1 of 2 approvals');
    expect(result.required[0]!.text).toContain('can approve: bob');
    const open = pipeline('      approvals: { count: 1, notBy: [author] }');
    const anyone = evaluateApprovals(
      open.stages.prod!.requires.approvals!,
      contextOf(open, { entries: [register('2026-11-20T08:00:00Z', 'dana')], labels: { author: 'nobody' } }),
    );
    expect(anyone.required[0]!.text).toContain(
      'can approve: anyone except nobody (author), dana (registrant)',
    );
  });

  it('fails when the author label is no name an approver could have', () => {
    // Recorded before registration checked the label: bob with a zero-width space matches nobody,
    // so bob (the real author) approving would count.
    const entries = [
      register('2026-11-20T08:00:00Z', 'ci-bot'),
      approval('bob', '2026-11-26T09:00:00Z'),
      approval('alice', '2026-11-26T09:10:00Z'),
    ];
    const context = contextOf(contract, { entries, actor: 'carol', labels: { author: 'bob\u200B' } });
    const result = evaluateApprovals(config, context);
    expect(result.status).toBe('fail');
    expect(result.summary).toBe(
      'notBy author cannot be enforced: the artifact\'s author label "bob\u200B" contains an invisible character (U+200B), so no approval can be told apart from the author\'s',
    );
    expect(ineligibility(config, 'alice', context)).toContain('contains an invisible character');
  });

  it('lets a rejection block until it is withdrawn', () => {
    const base = [
      register('2026-11-20T08:00:00Z', 'dana'),
      approval('alice', '2026-11-26T09:00:00Z'),
      approval('bob', '2026-11-26T09:05:00Z'),
    ];
    const rejected = [...base, approval('frank', '2026-11-26T09:30:00Z', 'reject', 'prod', 'incident open')];
    const blocked = evaluateApprovals(config, contextOf(contract, { entries: rejected, actor: 'carol' }));
    expect(blocked.status).toBe('fail');
    expect(blocked.summary).toBe('rejected by frank');
    expect(blocked.required[0]!.text).toContain(
      'frank rejected at 2026-11-26T09:30:00Z: "incident open"; blocked until frank withdraws it',
    );
    const withdrawn = [...rejected, approval('frank', '2026-11-26T10:00:00Z', 'withdraw')];
    expect(
      evaluateApprovals(config, contextOf(contract, { entries: withdrawn, actor: 'carol' })).status,
    ).toBe('pass');
  });

  it('keeps a rejection given before a rollback standing; only approvals are cleared by it', () => {
    const prod = promotionEntry('prod', '2026-11-26T08:00:00Z');
    const entries = [
      register('2026-11-20T08:00:00Z', 'dana'),
      prod,
      approval('alice', '2026-11-26T08:30:00Z'),
      approval('frank', '2026-11-26T08:40:00Z', 'reject', 'prod', 'do not ship this again'),
      entry('rollback', {
        stage: 'prod',
        at: '2026-11-26T09:00:00Z',
        actor: 'watch',
        payload: { promotion: prod.seq, reason: 'error rate' },
      }),
      approval('bob', '2026-11-26T10:00:00Z'),
      approval('carol', '2026-11-26T10:05:00Z'),
    ];
    const context = contextOf(contract, { entries, actor: 'erin' });
    expect(latestWords(context).map((w) => `${w.actor} ${w.decision}`)).toEqual([
      'frank reject',
      'bob approve',
      'carol approve',
    ]);
    const result = evaluateApprovals(config, context);
    expect(result.status).toBe('fail');
    // The decision says why alice's approval, from before the rollback, is gone.
    expect(result.summary).toBe(
      "rejected by frank (alice's approval does not count: given before the rollback out of prod by watch at 2026-11-26T09:00:00Z (ledger#30); approve again)",
    );
    expect(rolledBackGate.evaluate({}, context).status).toBe('fail');
    // Withdrawn after the rollback, the rejection is gone; alice must approve again.
    const withdrawn = [...entries, approval('frank', '2026-11-26T10:10:00Z', 'withdraw')];
    const after = contextOf(contract, { entries: withdrawn, actor: 'erin' });
    expect(evaluateApprovals(config, after).status).toBe('pass');
    expect(latestWords(after).map((w) => w.actor)).toEqual(['bob', 'carol']);
  });

  it('counts approving twice once, and only approvals for this stage', () => {
    const entries = [
      register('2026-11-20T08:00:00Z', 'dana'),
      approval('alice', '2026-11-26T09:00:00Z'),
      approval('alice', '2026-11-26T09:01:00Z'),
      approval('bob', '2026-11-26T09:02:00Z', 'approve', 'staging'),
    ];
    const result = evaluateApprovals(config, contextOf(contract, { entries, actor: 'carol' }));
    expect(result.status).toBe('pending');
    expect(result.summary).toBe('1 of 2 approvals');
    expect(result.required[0]!.text).toContain(
      '1 more approval from group:release-managers; can approve: bob',
    );
  });

  it('with no `from`, anyone but the excluded may approve', () => {
    const open = pipeline('      approvals: { count: 1, notBy: [author, promoter] }');
    const result = evaluateApprovals(
      open.stages.prod!.requires.approvals!,
      contextOf(open, { entries: [register('2026-11-20T08:00:00Z', 'dana')], actor: 'erin' }),
    );
    expect(result.status).toBe('pending');
    expect(result.required[0]!.text).toContain('can approve: anyone except dana (author), erin (promoter)');
  });

  it('expands nested groups', () => {
    const nested = pipeline('      approvals: { count: 1, from: [group:sre] }', GROUPS);
    const cfg = nested.stages.prod!.requires.approvals!;
    expect(ineligibility(cfg, 'alice', contextOf(nested))).toBeUndefined();
    expect(ineligibility(cfg, 'frank', contextOf(nested))).toBeUndefined();
    expect(ineligibility(cfg, 'zoe', contextOf(nested))).toBe('zoe is not among group:sre');
  });
});

describe('approvals gate: separation of duties holds for an override too', () => {
  const facts = (actor: string) =>
    contextOf(contract, {
      entries: [register('2026-11-20T08:00:00Z', 'dana'), approval('alice', '2026-11-26T09:00:00Z')],
      evidence: [testsEvidence('e2e', 'bob')],
      actor,
    }).facts;
  const waive = (actor: string) => ({ overrides: [{ gate: 'approvals', reason: 'INC-9', actor }] });

  it('does not let the author waive approvals for their own build', () => {
    const decision = decide(contract, 'prod', facts('dana'), waive('dana'));
    const gate = decision.gates.find((g) => g.gate === 'approvals')!;
    expect(gate.status).toBe('pending');
    expect(decision.verdict).not.toBe('allowed');
    expect(decision.required.map((r) => r.text)).toContainEqual(
      expect.stringContaining(
        "the override of approvals by dana does not apply: dana is the artifact's author, and notBy: [author] keeps them from waiving approvals too",
      ),
    );
  });

  it('does not let an excluded attester waive it either', () => {
    const gate = decide(contract, 'prod', facts('bob'), waive('bob')).gates.find(
      (g) => g.gate === 'approvals',
    )!;
    expect(gate.status).toBe('pending');
    expect(gate.required.map((r) => r.text)).toContainEqual(expect.stringContaining('bob attested e2e'));
  });

  it('lets someone outside notBy waive it, the promoter included, as the overrides section allows', () => {
    const decision = decide(contract, 'prod', facts('carol'), waive('carol'));
    expect(decision.gates.find((g) => g.gate === 'approvals')!.status).toBe('waived');
  });
});

describe('approvals gate: a login and an e-mail address with it are one person', () => {
  const anyone = pipeline('      approvals: { count: 2, notBy: [author, promoter, "attester:e2e"] }');
  it('does not count the author signing in by e-mail, nor the registrant or promoter in the other form', () => {
    const cfg = anyone.stages.prod!.requires.approvals!;
    const context = contextOf(anyone, {
      entries: [register('2026-11-20T08:00:00Z', 'ci@example.com')],
      labels: { author: 'dana' },
      actor: 'carol@example.com',
    });
    expect(ineligibility(cfg, 'dana@example.com', context)).toBe(
      `dana@example.com may be dana, the artifact's author (a login and an e-mail address with that login before "@" count as one person)`,
    );
    expect(ineligibility(cfg, 'ci', context)).toContain(
      'ci may be ci@example.com, who registered the artifact',
    );
    expect(ineligibility(cfg, 'carol', context)).toContain('carol may be carol@example.com, the promoter');
    // Two addresses at different domains, and other logins, are other people.
    expect(
      ineligibility(cfg, 'dana@elsewhere.org', contextOf(anyone, { labels: { author: 'dana@example.com' } })),
    ).toBeUndefined();
    expect(ineligibility(cfg, 'alice', context)).toBeUndefined();
  });

  it('does not count an approval by someone who attested the excluded suite in the other form', () => {
    const cfg = anyone.stages.prod!.requires.approvals!;
    const context = contextOf(anyone, { evidence: [testsEvidence('e2e', 'bob@example.com')] });
    expect(ineligibility(cfg, 'bob', context)).toContain('bob may be bob@example.com, who attested e2e');
  });

  it('counts one person approving as a login and as an e-mail address once towards the quorum', () => {
    const cfg = anyone.stages.prod!.requires.approvals!;
    const entries = [
      register('2026-11-20T08:00:00Z', 'dana'),
      approval('alice', '2026-11-26T09:00:00Z'),
      approval('alice@example.com', '2026-11-26T09:01:00Z'),
    ];
    const result = evaluateApprovals(cfg, contextOf(anyone, { entries, actor: 'erin' }));
    expect(result.status).toBe('pending');
    expect(result.summary).toBe(
      `1 of 2 approvals (alice's approval does not count: alice may be alice@example.com, whose approval already counts (a login and an e-mail address with that login before "@" count as one person))`,
    );
    // Two addresses at different domains are two people; the login beside them adds nobody.
    const two = [...entries, approval('alice@elsewhere.org', '2026-11-26T09:02:00Z')];
    const both = evaluateApprovals(cfg, contextOf(anyone, { entries: two, actor: 'erin' }));
    expect(both.status).toBe('pass');
    expect(both.validated.map((v) => v.text)).toEqual([
      'approved by alice@example.com at 2026-11-26T09:01:00Z',
      'approved by alice@elsewhere.org at 2026-11-26T09:02:00Z',
    ]);
  });

  it('tells an approver at once when their approval would add nobody, whichever form came first', () => {
    const cfg = anyone.stages.prod!.requires.approvals!;
    const base = [register('2026-11-20T08:00:00Z', 'dana')];
    const approvedBy = (actor: string) => [...base, approval(actor, '2026-11-26T09:00:00Z')];
    const one = '(a login and an e-mail address with that login before "@" count as one person)';
    expect(
      approvalWouldNotCount(cfg, 'alice@example.com', contextOf(anyone, { entries: approvedBy('alice') })),
    ).toBe(`alice@example.com may be alice, whose approval already counts ${one}`);
    expect(
      approvalWouldNotCount(cfg, 'alice', contextOf(anyone, { entries: approvedBy('alice@example.com') })),
    ).toBe(`alice may be alice@example.com, whose approval already counts ${one}`);
    expect(
      approvalWouldNotCount(cfg, 'bob', contextOf(anyone, { entries: approvedBy('alice') })),
    ).toBeUndefined();
  });

  it('does not name someone whose other form already approved as able to approve', () => {
    const listed = pipeline('      approvals: { count: 2, from: [alice, alice@example.com, bob] }');
    const cfg = listed.stages.prod!.requires.approvals!;
    const entries = [
      register('2026-11-20T08:00:00Z', 'dana'),
      approval('alice@example.com', '2026-11-26T09:00:00Z'),
    ];
    const result = evaluateApprovals(cfg, contextOf(listed, { entries, actor: 'erin' }));
    expect(result.status).toBe('pending');
    expect(result.required[0]!.text).toContain('can approve: bob (');
    const alsoAlice = [...entries, approval('alice', '2026-11-26T09:01:00Z')];
    expect(evaluateApprovals(cfg, contextOf(listed, { entries: alsoAlice, actor: 'erin' })).summary).toMatch(
      /^1 of 2 approvals/,
    );
  });
});

describe('approvals gate: names that look alike are one person', () => {
  // Each a valid name in one script (normaliseName refuses only mixes), read as a Latin one.
  const cyrillicScope = '\u0455\u0441\u043E\u0440\u0435'; // ѕсоре
  const sergei = '\u0441\u0435\u0440\u0433\u0435\u0439'; // сергей: Cyrillic, and no look-alike of a Latin name
  const anyone = pipeline('      approvals: { count: 2, notBy: [author] }');
  const cfg = anyone.stages.prod!.requires.approvals!;

  it('takes a whole-script look-alike of the author for the author', () => {
    expect(normaliseName(cyrillicScope)).toEqual({ ok: true, name: cyrillicScope });
    const context = contextOf(anyone, { entries: [register('2026-11-20T08:00:00Z', 'scope')] });
    expect(ineligibility(cfg, cyrillicScope, context)).toBe(
      `${cyrillicScope} may be scope, the artifact's author (names that look alike, "scope" and "${cyrillicScope}", count as one person)`,
    );
    expect(ineligibility(cfg, `${cyrillicScope}@example.com`, context)).toContain('may be scope');
    expect(ineligibility(cfg, sergei, context)).toBeUndefined();
  });

  it('counts a name and its look-alike once towards the quorum', () => {
    const cyrillicPaypal = '\u0440\u0430\u0443\u0440\u0430\u04CF'; // раураӏ
    const entries = [
      register('2026-11-20T08:00:00Z', 'dana'),
      approval('paypal', '2026-11-26T09:00:00Z'),
      approval(cyrillicPaypal, '2026-11-26T09:01:00Z'),
    ];
    const result = evaluateApprovals(cfg, contextOf(anyone, { entries }));
    expect(result.status).toBe('pending');
    expect(result.summary).toMatch(/^1 of 2 approvals/);
    expect(result.summary).toContain('names that look alike');
  });
});

describe('approvals gate: Latin names that look alike are one person', () => {
  const anyone = pipeline('      approvals: { count: 2, notBy: [author, promoter] }');
  const cfg = anyone.stages.prod!.requires.approvals!;
  // Each all Latin (so normaliseName accepts it), read by a reviewer as the plain name beside it.
  const pairs: [string, string][] = [
    ['\u0261reg', 'greg'], // ɡ, Latin script g
    ['\u0251lice', 'alice'], // ɑ, Latin alpha
    ['\u01C0isa', 'lisa'], // ǀ, dental click
    ['n\u0269ck', 'nick'], // ɩ, Latin iota
    ['rnartin', 'martin'],
    ['vvill', 'will'],
  ];

  it('accepts each as a name and takes it for the plain one', () => {
    for (const [lookalike, plain] of pairs) {
      expect(normaliseName(lookalike).ok).toBe(true);
      const context = contextOf(anyone, { entries: [register('2026-11-20T08:00:00Z', plain)] });
      expect([lookalike, ineligibility(cfg, lookalike, context)]).toEqual([
        lookalike,
        expect.stringContaining(`may be ${plain}, the artifact's author`),
      ]);
    }
  });

  it('counts the promoter once when approving under a look-alike spelling', () => {
    const entries = [
      register('2026-11-20T08:00:00Z', 'dana'),
      approval('rnartin', '2026-11-26T09:00:00Z'),
      approval('bob', '2026-11-26T09:01:00Z'),
    ];
    const result = evaluateApprovals(cfg, contextOf(anyone, { entries, actor: 'martin' }));
    expect(result.status).toBe('pending');
    expect(result.summary).toMatch(/^1 of 2 approvals/);
  });

  it('keeps different people apart', () => {
    const context = contextOf(anyone, { entries: [register('2026-11-20T08:00:00Z', 'mary')] });
    expect(ineligibility(cfg, 'marty', context)).toBeUndefined();
    expect(ineligibility(cfg, 'gerg', context)).toBeUndefined();
  });
});

describe('approvals read by other gates: one person counts once in either form of the name', () => {
  const prodEntry = promotionEntry('prod', '2026-11-26T08:00:00Z');
  const rolledBack = [
    register('2026-11-20T08:00:00Z', 'dana'),
    prodEntry,
    entry('rollback', {
      stage: 'prod',
      at: '2026-11-26T09:00:00Z',
      actor: 'watch',
      payload: { promotion: prodEntry.seq, reason: 'error rate' },
    }),
  ];

  it('does not let the promoter re-admit a rolled-back digest by approving under an e-mail address', () => {
    const bare = pipeline('      tests: [{ suite: unit }]');
    const own = [...rolledBack, approval('erin@example.com', '2026-11-26T10:00:00Z')];
    const context = contextOf(bare, { entries: own, actor: 'erin' });
    expect(rolledBackGate.evaluate({}, context).status).toBe('fail');
    const other = [...own, approval('frank', '2026-11-26T10:05:00Z')];
    expect(rolledBackGate.evaluate({}, contextOf(bare, { entries: other, actor: 'erin' })).status).toBe(
      'pass',
    );
  });

  it('marks only one of a login and its e-mail address as counted for rules', () => {
    const rules = pipeline(`      approvals: { count: 1 }
      rules:
        - name: two people approved
          cel: 'approvals.filter(a, a.counted).size() >= 2'`);
    const entries = [
      register('2026-11-20T08:00:00Z', 'dana'),
      approval('alice', '2026-11-26T09:00:00Z'),
      approval('alice@example.com', '2026-11-26T09:01:00Z'),
    ];
    const context = contextOf(rules, { entries, actor: 'erin' });
    const counted = ruleContextOf(context).approvals.map((a) => {
      const word = a as unknown as { actor: string; counted: boolean };
      return `${word.actor} ${word.counted}`;
    });
    expect(counted).toEqual(['alice false', 'alice@example.com true']);
    expect(evaluateRules(rules.stages.prod!.requires.rules!, context).status).toBe('fail');
  });
});
