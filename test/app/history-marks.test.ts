/**
 * Issue 12, "history shows what matters": status, history and explain name the contract each
 * promotion was decided under, the gates overridden at it (who, which gate, why) and whether it
 * was recorded at a set clock (a demo pipeline). On every store backend.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServices } from '../../src/app/create-services.js';
import { explainArtifact } from '../../src/app/explain.js';
import { promote } from '../../src/app/promote.js';
import { registerArtifact } from '../../src/app/register.js';
import { contractSource, fixedClock, requestOf } from '../../src/app/services.js';
import { stageHistory, stageStatus } from '../../src/app/status.js';
import { contractOf } from '../support/builders.js';
import { fakeDigest } from '../support/cli.js';
import { BACKENDS, type StoreHandle } from '../support/stores.js';

const DEMO = contractOf(`version: 1
pipeline: shop
# A demo pipeline: recorded at a set clock, and every record says so.
demo: true
artifact: { type: file }
overrides: [{ by: [lead], gates: [tests] }]
stages:
  dev:
    purpose: unit tests
    requires:
      tests: [{ suite: unit }]
`);
const D = fakeDigest('marks');
const T0 = new Date('2026-11-24T09:00:00Z');

let handle: StoreHandle | undefined;
afterEach(async () => {
  await handle?.dispose();
  handle = undefined;
});

describe.each(BACKENDS)('history shows overrides, set clocks and the contract ($title)', (backend) => {
  it('in status, history and explain', async () => {
    handle = await backend.open();
    const services = createServices({
      contracts: contractSource([DEMO]),
      store: handle.store,
      clock: fixedClock(T0),
    });
    const as = (principal: string) => requestOf(services, { principal, pipeline: 'shop' });
    await registerArtifact(as('ci'), { digest: D });
    const promoted = await promote(as('Lead'), 'dev', D, { overrides: ['tests'], reason: 'hotfix INC-7' });
    expect(promoted.entry).toBeDefined();
    const marks = {
      contractDigest: DEMO.digest,
      clockSet: true,
      overrides: [{ gate: 'tests', actor: 'lead', reason: 'hotfix INC-7' }],
    };
    const [row] = await stageHistory(as('viewer'), 'dev');
    expect(row).toMatchObject({ seq: promoted.entry!.seq, ...marks });
    const [status] = await stageStatus(as('viewer'));
    expect(status?.current).toMatchObject(marks);
    const passport = await explainArtifact(as('viewer'), D);
    expect(passport.stages[0]?.promotion).toMatchObject(marks);
  });
});
