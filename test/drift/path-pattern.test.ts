/**
 * Drift path patterns match in time linear in pattern times path, however many `**` they hold:
 * the last `**` is the only one matching ever goes back to.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePathPattern } from '../../src/drift/pointer.js';
import type { DriftReport } from '../../src/drift/report.js';
import { driftYaml } from '../support/builders.js';
import { makeWorkspace, runCli } from '../support/cli.js';

/** The definition: every split point of every `**` (exponential, so only for short inputs). */
function reference(pattern: readonly string[], path: readonly string[]): boolean {
  if (pattern.length === 0) return path.length === 0;
  const [head, ...rest] = pattern;
  if (head === '**') {
    for (let split = 0; split <= path.length; split++) if (reference(rest, path.slice(split))) return true;
    return false;
  }
  return (
    path.length > 0 && compilePathPattern(`/${head}`).matches(`/${path[0]}`) && reference(rest, path.slice(1))
  );
}

describe('drift path patterns', () => {
  it('agree with trying every split point of every double star', () => {
    const segment = fc.constantFrom('a', 'b', '*', '?', 'a*', '**');
    fc.assert(
      fc.property(
        fc.array(segment, { minLength: 1, maxLength: 7 }),
        fc.array(fc.constantFrom('a', 'b', 'ab', 'ba'), { minLength: 1, maxLength: 8 }),
        (pattern, path) => {
          const compiled = compilePathPattern(`/${pattern.join('/')}`);
          expect(compiled.matches(`/${path.join('/')}`)).toBe(reference(pattern, path));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('match many double stars against a deep path without stalling a drift report', async () => {
    const depth = 40;
    const pattern = `${'**/a/'.repeat(20)}b`;
    const nested = (value: string) => `${'{a: '.repeat(depth)}${value}${'}'.repeat(depth)}\n`;
    const contract = driftYaml('        budget: { security: 0 }', {
      top: `drift:\n  classes:\n    security: ["${pattern}"]\n`,
    });
    const dir = makeWorkspace(contract, {
      'values/staging.yaml': `root: ${nested('1')}`,
      'values/prod.yaml': `root: ${nested('2')}`,
    });
    // The kill turns a stall into a failure rather than a hung test run.
    const result = await runCli(['drift', 'staging', 'prod', '--json'], { cwd: dir, killAfterMs: 60_000 });
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as DriftReport;
    expect(report.differences).toMatchObject([
      { path: `/root${'/a'.repeat(depth)}`, kind: 'changed', class: 'other' },
    ]);
  }, 90_000);
});
