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

  // A suite may name the stage it guards (deploy, test there, then promote): such results are
  // proof about that stage only. They never stand in for the upstream stage, whose entry `from`
  // checks on its own, and results from another stage never stand in for them.
  it('counts results attested in the stage being entered for that stage only, never as upstream proof', async () => {
    const OWN = twoStageContract('      tests: [{ suite: e2e, in: prod }]');
    const ci = (await openPipeline(backend, OWN)).as('ci');
    const digest = fakeDigest('own-stage');
    await registerArtifact(ci, { digest });
    await attestTests(ci, { artifact: digest, suite: 'e2e', stage: 'staging', files: [JUNIT] });
    const fromStaging = await checkStage(ci, 'prod', digest);
    expect(fromStaging.gates.find((g) => g.gate === 'tests')?.required[0]?.text).toBe(
      'suite e2e has no results produced in prod for this digest',
    );

    await attestTests(ci, { artifact: digest, suite: 'e2e', stage: 'prod', files: [JUNIT] });
    const notUpstream = await checkStage(ci, 'prod', digest);
    expect(notUpstream.gates.find((g) => g.gate === 'tests')?.status).toBe('pass');
    expect(notUpstream.gates.find((g) => g.gate === 'from')?.status).toBe('fail');
    expect(notUpstream.verdict).toBe('blocked');

    await promote(ci, 'staging', digest);
    expect((await checkStage(ci, 'prod', digest)).verdict).toBe('allowed');
  });
});
