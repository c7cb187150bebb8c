/**
 * Idempotent promote (issue 13): promoting a digest that already is the stage's current, healthy
 * promotion records nothing and answers with the existing entry; `again` forces a new one. A CI
 * retry therefore never restarts a downstream soak. On every store backend.
 */
import { describe, expect, it } from 'vitest';
import { checkStage } from '../../src/app/check.js';
import { updateContract } from '../../src/app/contract-pin.js';
import { createServices } from '../../src/app/create-services.js';
import { promote } from '../../src/app/promote.js';
import { registerArtifact } from '../../src/app/register.js';
import { contractSource, fixedClock, requestOf } from '../../src/app/services.js';
import { stageHistory } from '../../src/app/status.js';
import type { Contract } from '../../src/contract/types.js';
import { ENTRY } from '../../src/ledger/entry.js';
import type { LedgerStore } from '../../src/ledger/ledger-store.js';
import { contractOf, twoStageContract } from '../support/builders.js';
import { fakeDigest } from '../support/cli.js';
import { pipelines } from '../support/pipeline.js';
import { BACKENDS } from '../support/stores.js';

const SHOP = twoStageContract(
  '      soak: 24h',
  // A demo pipeline: the test plays time forward with the request's clock.
  'demo: true\nadmins: [admin]\nartifact: { type: oci }',
);

// The same pipeline once staging asks for test results, which the digests here have none of.
const SHOP_STRICTER = contractOf(
  SHOP.text.replace(
    'staging: { purpose: release candidates }',
    'staging: { purpose: release candidates, requires: { tests: [{ suite: unit }] } }',
  ),
);

/** Requests under `contract`, on the same ledger: what `-c FILE` does once that contract is in force. */
function inForce(store: LedgerStore, contract: Contract) {
  const services = createServices({ contracts: contractSource([contract]), store, clock: fixedClock(T0) });
  return (principal: string, at: Date) => requestOf(services, { principal, pipeline: 'shop', at });
}

const D = fakeDigest('retry');
const E = fakeDigest('next');
const T0 = new Date('2026-11-24T09:00:00Z');
const hours = (n: number) => new Date(T0.getTime() + n * 3_600_000);

const openPipeline = pipelines();

describe.each(BACKENDS)('promote twice ($name)', (backend) => {
  async function setup() {
    const { as, store } = await openPipeline(backend, SHOP, { clock: T0 });
    await registerArtifact(as('ci', hours(0)), { digest: D });
    await registerArtifact(as('ci', hours(0)), { digest: E });
    return { as, store };
  }

  it('a retry records nothing, answers with the existing entry, and the downstream soak keeps running', async () => {
    const { as, store } = await setup();
    const first = await promote(as('ci', hours(1)), 'staging', D);
    expect(first.existing).toBeUndefined();
    const head = await store.head('shop');
    const retry = await promote(as('ci-retry', hours(20)), 'staging', D);
    expect(retry.existing).toEqual({
      seq: first.entry?.seq,
      hash: first.entry?.hash,
      at: hours(1).toISOString(),
      actor: 'ci',
      status: 'promoted',
    });
    expect(retry.entry?.seq).toBe(first.entry?.seq);
    expect(retry.decision).toEqual(first.decision);
    expect(await store.head('shop')).toBe(head);
    expect(await store.entriesForStage('shop', 'staging', [ENTRY.promotion])).toHaveLength(1);
    // 24h of soak from the first promotion: had the retry been recorded, prod would wait until 44h.
    const prod = await checkStage(as('viewer', hours(25.5)), 'prod', D);
    expect(prod.verdict).toBe('allowed');
  });

  it('`again` records a new promotion (and so restarts the soak measured from it)', async () => {
    const { as, store } = await setup();
    const first = await promote(as('ci', hours(1)), 'staging', D);
    const forced = await promote(as('ci', hours(20)), 'staging', D, { again: true });
    expect(forced.existing).toBeUndefined();
    expect(forced.entry?.seq).toBeGreaterThan(first.entry?.seq ?? 0);
    expect(await store.entriesForStage('shop', 'staging', [ENTRY.promotion])).toHaveLength(2);
    expect((await checkStage(as('viewer', hours(25.5)), 'prod', D)).verdict).toBe('pending');
  });

  it('records again when another digest entered the stage since', async () => {
    const { as } = await setup();
    await promote(as('ci', hours(1)), 'staging', D);
    await promote(as('ci', hours(2)), 'staging', E);
    const back = await promote(as('ci', hours(3)), 'staging', D);
    expect(back.existing).toBeUndefined();
    expect((await stageHistory(as('viewer', hours(4)), 'staging')).map((p) => p.artifact)).toEqual([D, E, D]);
  });

  it('a retry under another contract in force is judged by that contract, not replayed', async () => {
    const { as, store } = await setup();
    const first = await promote(as('ci', hours(1)), 'staging', D);
    expect(first.decision.verdict).toBe('allowed');
    // The contract in force changes: staging now asks for unit tests, which D never had.
    const under = inForce(store, SHOP_STRICTER);
    await updateContract(under('admin', hours(2)));
    const head = await store.head('shop');
    const retry = await promote(under('ci-retry', hours(3)), 'staging', D);
    expect(retry.decision.verdict).toBe('blocked');
    expect(retry.decision.contract.digest).toBe(SHOP_STRICTER.digest);
    expect(retry.existing).toBeUndefined();
    expect(await store.head('shop')).toBe(head);
  });

  it('a promotion decided under rules the contract in force has changed carries the digest no further', async () => {
    const { as, store } = await setup();
    // Entries #1 and #2 register D and E; the first promotion pins SHOP (#3) and records itself (#4).
    await promote(as('ci', hours(1)), 'staging', D);
    // Staging now asks for unit tests; D entered staging without them, under the old contract.
    const under = inForce(store, SHOP_STRICTER);
    const update = await updateContract(under('admin', hours(2)));
    const prod = await checkStage(under('viewer', hours(26)), 'prod', D);
    expect(prod.verdict).toBe('blocked');
    const from = prod.gates.find((gate) => gate.gate === 'from');
    expect(from?.status).toBe('fail');
    expect(prod.required.map((item) => item.text)).toContainEqual(
      expect.stringContaining(
        `was decided under contract ${SHOP.digest} (ledger entry #3), and the contract in force (${SHOP_STRICTER.digest}, ledger entry #${update.entry.seq}) changed what stage staging requires since: staging: requirements added: tests`,
      ),
    );
  });

  it('a change to another stage or to a stage s words leaves its promotions standing', async () => {
    const { as, store } = await setup();
    await promote(as('ci', hours(1)), 'staging', D);
    const reworded = contractOf(
      SHOP.text.replace('release candidates', 'candidates for release').replace('soak: 24h', 'soak: 25h'),
    );
    await updateContract(inForce(store, reworded)('admin', hours(2)));
    const prod = await checkStage(inForce(store, reworded)('viewer', hours(26.5)), 'prod', D);
    expect(prod.gates.find((gate) => gate.gate === 'from')?.status).toBe('pass');
    expect(prod.verdict).toBe('allowed');
  });

  it('a retry the contract in force allows too answers with the entry in place and that decision', async () => {
    const { as, store } = await setup();
    const first = await promote(as('ci', hours(1)), 'staging', D);
    const reworded = contractOf(SHOP.text.replace('release candidates', 'candidates for release'));
    const under = inForce(store, reworded);
    await updateContract(under('admin', hours(2)));
    const head = await store.head('shop');
    const retry = await promote(under('ci-retry', hours(3)), 'staging', D);
    expect(retry.existing?.seq).toBe(first.entry?.seq);
    expect(retry.decision.verdict).toBe('allowed');
    expect(retry.decision.contract.digest).toBe(reworded.digest);
    expect(await store.head('shop')).toBe(head);
  });
});
