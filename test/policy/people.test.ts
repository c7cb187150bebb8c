import { describe, expect, it } from 'vitest';
import { buildLedgerView } from '../../src/ledger/ledger-view.js';
import { recordedOverrideRisks } from '../../src/policy/overrides.js';
import { canOverride, expandPrincipals, groupsOf, namedUsers, type People } from '../../src/policy/people.js';

const D = `sha256:${'d'.repeat(64)}`;
const people: People = {
  admins: [],
  groups: { 'release-managers': ['alice', 'bob'], sre: ['frank', 'group:release-managers'] },
  overrides: [
    { by: ['group:release-managers'], gates: ['soak', 'windows'], stages: ['prod'] },
    { by: ['frank'], gates: ['windows'] },
  ],
};

describe('groups', () => {
  it('expands nested groups and lists the groups a user is in', () => {
    expect([...expandPrincipals(['group:sre', 'zoe'], people.groups)].sort()).toEqual([
      'alice',
      'bob',
      'frank',
      'zoe',
    ]);
    expect(groupsOf('alice', people.groups)).toEqual(['release-managers', 'sre']);
    expect(groupsOf('frank', people.groups)).toEqual(['sre']);
  });
});

describe('named users', () => {
  it('are every user the contract gives a standing to: admins, group members, overriders, approvers', () => {
    const named = namedUsers(
      { ...people, admins: ['root', 'group:sre'], groups: { ...people.groups, idle: ['ivy'] } },
      [['group:release-managers', 'paul'], []],
    );
    expect([...named].sort()).toEqual(['alice', 'bob', 'frank', 'ivy', 'paul', 'root']);
    expect(namedUsers({ admins: [], groups: {}, overrides: [] }, []).size).toBe(0);
  });
});

describe('overrides', () => {
  it('allows listed actors for listed gates and stages only, and says who may', () => {
    expect(canOverride(people, 'alice', 'soak', 'prod')).toEqual({ allowed: true });
    expect(canOverride(people, 'frank', 'windows', 'staging')).toEqual({ allowed: true });
    expect(canOverride(people, 'frank', 'soak', 'prod')).toEqual({
      allowed: false,
      reason: 'frank may not override gate "soak" in stage prod; the contract allows: group:release-managers',
    });
    expect(canOverride(people, 'alice', 'approvals', 'prod')).toEqual({
      allowed: false,
      reason:
        'the contract lets nobody override gate "approvals" in stage prod; an entry of its `overrides` ({ by: [...], gates: [approvals], stages: [prod] }) names who may',
    });
    expect(canOverride({ admins: [], groups: {}, overrides: [] }, 'alice', 'soak', 'prod').allowed).toBe(
      false,
    );
  });

  it('turns recorded overrides of the digest into remaining risk', () => {
    const view = buildLedgerView([
      {
        seq: 7,
        kind: 'promotion',
        stage: 'prod',
        artifact: D,
        actor: 'carol',
        at: '2026-11-25T14:00:00.000Z',
        payload: {
          contractDigest: 'sha256:c',
          overrides: [{ gate: 'soak', reason: 'INC-42', actor: 'carol' }],
        },
      },
    ]);
    expect(recordedOverrideRisks(view, D)).toEqual([
      {
        gate: 'soak',
        text: 'soak was overridden by carol when promoting into prod at 2026-11-25T14:00:00.000Z: "INC-42"',
        evidence: ['ledger#7'],
      },
    ]);
    expect(recordedOverrideRisks(view, `sha256:${'e'.repeat(64)}`)).toEqual([]);
  });
});
