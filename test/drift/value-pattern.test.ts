/**
 * A drift declaration's `match` runs over values the config's author writes: it is run by RE2 in
 * time linear in the value, refused at load when RE2 cannot run it, and must say where the value
 * ends, so that a pattern pinning a value to one domain cannot be satisfied by a longer one.
 */
import { describe, expect, it } from 'vitest';
import { validateContract } from '../../src/contract/load-contract.js';
import type { DriftReport } from '../../src/drift/report.js';
import { describeValuePatternProblem } from '../../src/drift/value-pattern.js';
import { contractErrorOf, driftYaml } from '../support/builders.js';
import { makeWorkspace, runCli } from '../support/cli.js';

const contract = (match: string) =>
  driftYaml(`        budget: { endpoints: declared }
        declared:
          - { path: /database/host, class: endpoints, reason: own database, match: '${match}' }`);

const errorOf = (match: string) => contractErrorOf(contract(match));

describe('drift declaration match patterns', () => {
  it('refuses a backreference at load, naming the line and why', () => {
    const error = errorOf('^(a+)\\1$');
    expect(error.code).toBe('CONTRACT_INVALID');
    expect(error.message).toMatch(/tollgate\.yaml:16:\d+: .*match/);
    expect(error.message).toContain('refers back to a group');
    expect(error.message).toContain('linear in the value');
  });

  it('refuses lookaround at load', () => {
    expect(errorOf('^(?!db\\.staging).*$').message).toContain('uses lookaround');
  });

  it('refuses a pattern that does not end with $', () => {
    expect(errorOf('\\.prod\\.internal').message).toContain('does not end with $');
    expect(errorOf('^db\\.prod\\.').message).toContain('does not end with $');
    expect(errorOf('\\.prod\\.internal$|\\.prod\\.example').message).toContain('does not end with $');
    expect(errorOf('(?m)\\.prod\\.internal$').message).toContain('the flag m');
  });

  it('accepts anchored patterns, the documented example included', () => {
    for (const match of ['\\.prod\\.internal$', '^db\\.prod\\..*$', '^(a|b)$', '^a$|^b\\z', '^(a+)+$'])
      expect(describeValuePatternProblem(match), match).toBeUndefined();
    expect(describeValuePatternProblem('^a\\$')).toContain('does not end with $');
    expect(() => validateContract(contract('\\.prod\\.internal$'), 'tollgate.yaml')).not.toThrow();
  });

  it('matches a nested quantifier over a crafted value without stalling the check', async () => {
    const dir = makeWorkspace(contract('^(a+)+$'), {
      'values/staging.yaml': 'database:\n  host: db.staging.internal\n',
      // Forty-five a and a b: 2^45 ways for a backtracking engine to try.
      'values/prod.yaml': `database:\n  host: ${'a'.repeat(45)}b\n`,
    });
    // The kill turns a stall into a failure rather than a hung test run.
    const result = await runCli(['drift', 'staging', 'prod', '--json'], { cwd: dir, killAfterMs: 60_000 });
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as DriftReport;
    expect(report.differences).toMatchObject([
      {
        path: '/database/host',
        declared: false,
        note: expect.stringContaining('requires the value to match'),
      },
    ]);
    expect(report.over).toBe(true);
  }, 90_000);
});
