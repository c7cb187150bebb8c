/**
 * Evidence a hurried or hostile CI job can replay, end to end through the store on every backend:
 * an old passing JUnit report recorded after a newer failing run, and one raw report attested for
 * two digests. Both must block the tests gate.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { attestTests } from '../../src/app/attest.js';
import { checkStage } from '../../src/app/check.js';
import { registerArtifact } from '../../src/app/register.js';
import type { AppRequest } from '../../src/app/services.js';
import { contractOf } from '../support/builders.js';
import { fakeDigest } from '../support/cli.js';
import { pipelines } from '../support/pipeline.js';
import { BACKENDS } from '../support/stores.js';

const contract = (suite: string) =>
  contractOf(`version: 1
pipeline: shop
# A demo pipeline: the test sets the request clock.
demo: true
artifact: { type: oci }
stages:
  staging:
    purpose: release candidates
    requires:
      tests: [${suite}]
`);

const A = fakeDigest('build-a');
const B = fakeDigest('build-b');
const T0 = new Date('2026-12-06T12:00:00Z');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

/** A JUnit report stating when it ran, with one passing or failing test case. */
function report(timestamp: string, outcome: 'pass' | 'fail'): string {
  const failure = outcome === 'fail' ? '<failure message="boom"/>' : '';
  return `<testsuite name="unit" timestamp="${timestamp}" tests="1"><testcase classname="shop" name="pays">${failure}</testcase></testsuite>`;
}

function attest(as: AppRequest, digest: string, xml: string) {
  return attestTests(as, {
    artifact: digest,
    suite: 'unit',
    reports: [{ name: 'report.xml', stream: Readable.from([Buffer.from(xml)]) }],
  });
}

const openPipeline = pipelines();

describe.each(BACKENDS)('reports a CI job can replay ($name)', (backend) => {
  it('an old passing report recorded after a newer failing run blocks; a newer re-run passes', async () => {
    const { as } = await openPipeline(backend, contract('{ suite: unit }'), { clock: T0 });
    await registerArtifact(as('ci', minutes(0)), { digest: A });
    await attest(as('ci', minutes(1)), A, report('2026-12-06T11:00:00', 'fail'));
    await attest(as('ci', minutes(2)), A, report('2026-12-05T09:00:00', 'pass'));
    const replayed = await checkStage(as('ci', minutes(3)), 'staging', A);
    expect(replayed.verdict).toBe('blocked');
    expect(replayed.required.map((item) => item.text).join('\n')).toContain(
      'record a run newer than 2026-12-06T11:00:00.000Z',
    );
    await attest(as('ci', minutes(4)), A, report('2026-12-06T11:30:00', 'pass'));
    expect((await checkStage(as('ci', minutes(5)), 'staging', A)).verdict).toBe('allowed');
  });

  it('one raw report attested for two digests blocks the second, naming the first and its entry', async () => {
    const { as } = await openPipeline(backend, contract('{ suite: unit }'), { clock: T0 });
    await registerArtifact(as('ci', minutes(0)), { digest: A });
    await registerArtifact(as('ci', minutes(0)), { digest: B });
    const xml = report('2026-12-06T11:00:00', 'pass');
    await attest(as('ci', minutes(1)), A, xml);
    await attest(as('ci', minutes(2)), B, xml);
    expect((await checkStage(as('ci', minutes(3)), 'staging', A)).verdict).toBe('allowed');
    const second = await checkStage(as('ci', minutes(3)), 'staging', B);
    expect(second.verdict).toBe('blocked');
    const line = second.required.map((item) => item.text).join('\n');
    expect(line).toContain(`recorded for artifact ${A} at ledger#`);
    expect(line).toContain('sharedReports: allow');
  });

  it('sharedReports: allow counts the shared report and lists it as remaining risk', async () => {
    const { as } = await openPipeline(backend, contract('{ suite: unit, sharedReports: allow }'), {
      clock: T0,
    });
    await registerArtifact(as('ci', minutes(0)), { digest: A });
    await registerArtifact(as('ci', minutes(0)), { digest: B });
    const xml = report('2026-12-06T11:00:00', 'pass');
    await attest(as('ci', minutes(1)), A, xml);
    await attest(as('ci', minutes(2)), B, xml);
    const second = await checkStage(as('ci', minutes(3)), 'staging', B);
    expect(second.verdict).toBe('allowed');
    expect(second.risks.map((item) => item.text).join('\n')).toContain('counted: sharedReports: allow');
  });
});
