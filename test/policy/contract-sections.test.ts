import { describe, expect, it } from 'vitest';
import { validateContract } from '../../src/contract/load-contract.js';
import { contractErrorOf } from '../support/builders.js';

const BASE = `version: 1
pipeline: checkout
artifact: { type: oci }
groups:
  release-managers: [alice, bob]
overrides:
  - { by: [group:release-managers], gates: [soak, windows], stages: [prod] }
stages:
  staging:
    purpose: release candidates
  prod:
    purpose: live
    from: staging
    requires:
      soak: 24h
      verifiedIn: staging
      approvals: { count: 2, from: [group:release-managers], notBy: [author, promoter] }
      windows:
        deny: [{ name: weekend, rrule: "FREQ=WEEKLY;BYDAY=FR;BYHOUR=15", duration: 2d17h, tz: Europe/Berlin }]
      rules:
        - name: hotfixes carry a ticket
          cel: 'artifact.labels.?kind.orValue("") != "hotfix" || has(artifact.labels.ticket)'
`;

describe('people, time and policy sections of the contract', () => {
  it('accepts every section and fills defaults', () => {
    const contract = validateContract(BASE, 'tollgate.yaml');
    expect(contract.stages.prod?.requires.approvals).toEqual({
      count: 2,
      from: ['group:release-managers'],
      notBy: ['author', 'promoter'],
    });
    expect(contract.stages.prod?.requires.soak).toEqual({ duration: { text: '24h', ms: 86_400_000 } });
    expect((contract as { groups?: unknown }).groups).toEqual({ 'release-managers': ['alice', 'bob'] });
  });

  it('reports a rule that does not compile at the rule line, with the CEL error', () => {
    const error = contractErrorOf(BASE.replace('has(artifact.labels.ticket)', 'has(artifact.lables.ticket)'));
    expect(error.code).toBe('CONTRACT_INVALID');
    expect(error.message).toMatch(
      /^tollgate\.yaml:22:16: stages\.prod\.requires\.rules\.0\.cel: rule "hotfixes carry a ticket": CEL: No such key: lables in has\(artifact\.lables\.ticket\) \(column 54 of the expression\)$/,
    );
  });

  it('refuses a rule that is not boolean and one that names an unknown variable', () => {
    expect(
      contractErrorOf(
        BASE.replace(
          `cel: 'artifact.labels.?kind.orValue("") != "hotfix" || has(artifact.labels.ticket)'`,
          "cel: 'artifact.digest'",
        ),
      ).message,
    ).toContain('a rule must be a boolean expression; this one gives string');
    expect(
      contractErrorOf(
        BASE.replace(
          `cel: 'artifact.labels.?kind.orValue("") != "hotfix" || has(artifact.labels.ticket)'`,
          "cel: 'build.ok'",
        ),
      ).message,
    ).toContain('tollgate.yaml:22:16');
  });

  // Loaded before, and true for a label "9": labels are text, and text orders digit by digit.
  it.each([
    ['artifact.labels.coverage >= "80"', 29, 'int\\(…\\) >= 80'],
    ['"2" <= artifact.labels.major', 1, '2 <= int\\(…\\)'],
    ['upstream.staging.actor > "-1.5"', 26, 'double\\(…\\) > -1\\.5'],
  ])('refuses %s, an order of text against a number written as text', (cel, column, number) => {
    const rule = BASE.replace(
      `cel: 'artifact.labels.?kind.orValue("") != "hotfix" || has(artifact.labels.ticket)'`,
      `cel: '${cel}'`,
    );
    expect(contractErrorOf(rule).message).toMatch(
      new RegExp(
        `^tollgate\\.yaml:22:16: .*CEL: ".*" is a number written as text \\(column ${column} of the expression\\): text is ordered character by character, so "9" > "80" and "100" < "80"; compare numbers \\(${number}\\)$`,
      ),
    );
  });

  it('still orders text against text that is no number, and numbers against numbers', () => {
    for (const cel of [
      'artifact.labels.release >= "2026-01"',
      'int(artifact.labels.coverage) >= 80',
      'artifact.labels.coverage == "80"',
    ])
      expect(() =>
        validateContract(
          BASE.replace(
            `cel: 'artifact.labels.?kind.orValue("") != "hotfix" || has(artifact.labels.ticket)'`,
            `cel: '${cel}'`,
          ),
          'tollgate.yaml',
        ),
      ).not.toThrow();
  });

  it('reports an unknown time zone at its line with a suggestion', () => {
    const error = contractErrorOf(BASE.replace('tz: Europe/Berlin', 'tz: Europe/Berln'));
    expect(error.message).toMatch(
      /^tollgate\.yaml:19:\d+: stages\.prod\.requires\.windows\.deny\.0\.tz: unknown time zone "Europe\/Berln".*did you mean "Europe\/Berlin"/,
    );
  });

  it('reports an invalid RRULE and an invalid duration', () => {
    expect(contractErrorOf(BASE.replace('BYDAY=FR;', 'BYDAY=FRI;')).message).toContain(
      'stages.prod.requires.windows.deny.0.rrule: invalid RRULE',
    );
    expect(contractErrorOf(BASE.replace('soak: 24h', 'soak: 24 hours')).message).toMatch(
      /tollgate\.yaml:15:\d+: stages\.prod\.requires\.soak: expected a duration such as "24h", "90m" or "1d12h"/,
    );
  });

  it('reports a group reference that names no group', () => {
    const error = contractErrorOf(
      BASE.replace('from: [group:release-managers]', 'from: [group:release-manager]'),
    );
    expect(error.message).toContain(
      'stages.prod.requires.approvals.from.0: "group:release-manager" names no group; groups are release-managers',
    );
  });

  it('reports a group that contains itself', () => {
    const error = contractErrorOf(
      BASE.replace(
        '  release-managers: [alice, bob]',
        '  release-managers: [alice, group:sre]\n  sre: [group:release-managers]',
      ),
    );
    expect(error.message).toContain(
      'groups.release-managers: group release-managers contains itself through its members',
    );
  });

  it('reports separation-of-duties keywords it does not know', () => {
    expect(contractErrorOf(BASE.replace('notBy: [author, promoter]', 'notBy: [autor]')).message).toContain(
      'expected "author", "promoter" or "attester:SUITE"',
    );
  });

  it('reports verifiedIn and soak stages that do not exist', () => {
    expect(contractErrorOf(BASE.replace('verifiedIn: staging', 'verifiedIn: stagin')).message).toContain(
      'stages.prod.requires.verifiedIn: "stagin" names no stage',
    );
    expect(contractErrorOf(BASE.replace('soak: 24h', 'soak: { duration: 24h, in: qa }')).message).toContain(
      'stages.prod.requires.soak.in: "qa" names no stage',
    );
  });
});
