/**
 * Stage-scoped evidence is scoped in time (issue 12): `tests: [{ suite: e2e, in: staging }]`
 * counts results attested `--in staging` only when they were recorded after the digest entered
 * staging, by ledger order. The attack — e2e results attested in staging before the digest was
 * promoted there — on SQLite and PostgreSQL.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attestTests } from '../../src/app/attest.js';
import { checkStage } from '../../src/app/check.js';
import { promote } from '../../src/app/promote.js';
import { registerArtifact } from '../../src/app/register.js';
import { twoStageContract } from '../support/builders.js';
import { FIXTURES, fakeDigest } from '../support/cli.js';
import { pipelines } from '../support/pipeline.js';
import { BACKENDS } from '../support/stores.js';

const CONTRACT = twoStageContract('      tests: [{ suite: e2e, in: staging }]');
const D = fakeDigest('stage-scoped');
const JUNIT = join(FIXTURES, 'junit/tests__utils__TEST-action.surefire.report.calc.AllOkTest.xml');

const openPipeline = pipelines();

describe.each(BACKENDS)('evidence --in STAGE counts from the digest entering STAGE ($name)', (backend) => {
  it('does not count e2e results attested in staging before the digest entered staging', async () => {
    const ci = (await openPipeline(backend, CONTRACT)).as('ci');
    await registerArtifact(ci, { digest: D });

    const early = await attestTests(ci, { artifact: D, suite: 'e2e', stage: 'staging', files: [JUNIT] });
    expect(early.stored).toBe(true);
    const notEntered = await checkStage(ci, 'prod', D);
    const before = notEntered.gates.find((g) => g.gate === 'tests');
    expect(before?.status).toBe('fail');
    expect(before?.required[0]?.text).toContain('the digest has not entered staging');

    await promote(ci, 'staging', D);
    const afterEntry = await checkStage(ci, 'prod', D);
    const stale = afterEntry.gates.find((g) => g.gate === 'tests');
    expect(afterEntry.verdict).toBe('blocked');
    expect(stale?.required[0]?.text).toContain('before the digest entered staging');
    expect(stale?.required[0]?.evidence).toContain(early.record.id);

    // The same suite run again in staging, now that the digest is there: it counts. (A second run
    // with the same report is a new fact only if its content differs, so a verification's time
    // cannot be replayed: attest a report with different content.)
    const second = join(mkdtempSync(join(tmpdir(), 'tollgate-rerun-')), 'e2e-rerun.xml');
    writeFileSync(second, '<testsuite name="e2e"><testcase name="checkout flow"/></testsuite>');
    const rerun = await attestTests(ci, {
      artifact: D,
      suite: 'e2e',
      stage: 'staging',
      files: [JUNIT, second],
    });
    expect(rerun.stored).toBe(true);
    const allowed = await checkStage(ci, 'prod', D);
    expect(allowed.gates.find((g) => g.gate === 'tests')?.status).toBe('pass');
    expect(allowed.verdict).toBe('allowed');
  });
});
