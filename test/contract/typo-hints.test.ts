/**
 * A misspelt name in a contract is an error that also names what was most likely meant, wherever
 * the contract refers to a stage, a group or one of a fixed set of words: a new user who writes
 * `in: stagin` or `type: files` is told "did you mean", as for an unknown key or a `from`.
 */
import { describe, expect, it } from 'vitest';
import { validateContract } from '../../src/contract/load-contract.js';
import { contractErrorOf } from '../support/builders.js';

const CONTRACT = `version: 1
pipeline: billing
artifact: { type: file }
groups:
  release-managers: [alice, bob]
overrides:
  - { by: [alice], stages: [prod] }
stages:
  dev:
    purpose: quick feedback
  staging:
    purpose: release candidate
    from: dev
    requires:
      drift:
        budget: { flags: 0 }
        declared: [{ path: /db/host, class: endpoints, reason: own db }]
  prod:
    purpose: live
    from: staging
    requires:
      tests: [{ suite: e2e, in: staging }]
      approvals: { count: 1, from: [group:release-managers] }
`;

describe('contract typos name the nearest valid name', () => {
  it('suggests the notBy word a misspelt one most likely means', () => {
    // Refused before with only the list of words: nothing said which one was meant.
    const notBy = (words: string) =>
      contractErrorOf(
        CONTRACT.replace(
          'from: [group:release-managers] }',
          `from: [group:release-managers], notBy: [${words}] }`,
        ),
      ).message;
    expect(notBy('promotr')).toContain(
      'stages.prod.requires.approvals.notBy.0: expected "author", "promoter" or "attester:SUITE" (whoever attested that test suite or evidence kind) (did you mean "promoter"?)',
    );
    expect(notBy('author, Autor')).toContain(
      'notBy.1: expected "author", "promoter" or "attester:SUITE" (whoever attested that test suite or evidence kind) (did you mean "author"?)',
    );
    expect(notBy('"attestor:e2e"')).toContain('(did you mean "attester:e2e"?)');
    expect(notBy('attester')).toContain('(did you mean "attester:SUITE", naming the suite?)');
    expect(notBy('release-managers')).not.toContain('did you mean');
  });

  it('suggests the stage a suite in names', () => {
    expect(validateContract(CONTRACT, 'tollgate.yaml').pipeline).toBe('billing');
    expect(contractErrorOf(CONTRACT.replace('in: staging', 'in: stagin')).message).toContain(
      'tollgate.yaml:22:33: stages.prod.requires.tests.0.in: "stagin" names no stage; stages are dev, staging, prod (did you mean "staging"?)',
    );
  });

  it('suggests the stage an override grant names', () => {
    expect(contractErrorOf(CONTRACT.replace('stages: [prod]', 'stages: [prd]')).message).toContain(
      'overrides.0.stages.0: "prd" names no stage; stages are dev, staging, prod (did you mean "prod"?)',
    );
  });

  it('suggests the group a group reference names', () => {
    expect(
      contractErrorOf(CONTRACT.replace('[group:release-managers]', '[group:release-manager]')).message,
    ).toContain(
      '"group:release-manager" names no group; groups are release-managers (did you mean "group:release-managers"?)',
    );
  });

  it('suggests the word a fixed list of words holds', () => {
    expect(contractErrorOf(CONTRACT.replace('type: file', 'type: files')).message).toContain(
      'tollgate.yaml:3:19: artifact.type: expected one of "oci", "file", "package" (did you mean "file"?)',
    );
    expect(contractErrorOf(CONTRACT.replace('class: endpoints', 'class: endpoint')).message).toContain(
      'stages.staging.requires.drift.declared.0.class: expected one of "flags", "endpoints", "data", "security", "other" (did you mean "endpoints"?)',
    );
    // A word far from every valid one gets the list alone.
    const message = contractErrorOf(CONTRACT.replace('type: file', 'type: zzzzzzz')).message;
    expect(message).toContain('artifact.type: expected one of "oci", "file", "package"');
    expect(message).not.toContain('did you mean');
  });
});
