/**
 * The JUnit report GitLab shows in a merge request carries the decision's remaining risk even
 * when no gate holds it: a stage that requires nothing ("anything registered may enter") and an
 * override recorded for the digest are risks of the decision itself, and a reader of the test
 * widget saw a green suite with no word of them.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decisionToJunit } from '../../src/ci/junit-report.js';
import { decide } from '../../src/decide.js';
import { parseJunit } from '../../src/evidence/junit-parser.js';
import { contractOf, factsOf, stagingYaml } from '../support/builders.js';

describe('the JUnit report of a decision', () => {
  it('names a risk of the decision that no gate holds in a passing test case of its own', async () => {
    const contract = contractOf(stagingYaml('      {}'));
    const decision = decide(contract, 'staging', factsOf());
    expect(decision.risks.map((risk) => risk.gate)).toEqual(['contract']);
    const junit = decisionToJunit(decision);
    expect(junit).toContain(
      '<testcase classname="tollgate.shop.staging" name="decision: remaining risk" time="0">',
    );
    expect(junit).toContain(
      '<system-out>remaining risk:\n- [contract] stage staging has no requirements: anything registered may enter</system-out>',
    );
    // Read back by the JUnit reader Tollgate itself uses: one case, passing.
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-junit-'));
    try {
      writeFileSync(join(dir, 'report.xml'), junit);
      expect(await parseJunit({ path: join(dir, 'report.xml') })).toMatchObject({ tests: 1, passed: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
