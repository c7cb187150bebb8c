/**
 * What an approver reads before deciding (the rollback gate's last known good in `check` and on
 * the dashboard's waiting rows, `history`, `status`) comes from a stage's entries of every digest.
 * Those reads are counted for gaps from the first entry they read to the head, like an artifact's
 * own read, so a rollback or a failed verification deleted between other stages' entries stops
 * them (exit 4) instead of showing a clean history. On every backend.
 */
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { attestTests } from '../../src/app/attest.js';
import { checkStage } from '../../src/app/check.js';
import { promote } from '../../src/app/promote.js';
import { registerArtifact } from '../../src/app/register.js';
import { rollbackStage } from '../../src/app/rollback.js';
import { stageHistory, stageStatus } from '../../src/app/status.js';
import { TollgateError } from '../../src/errors.js';
import { ENTRY } from '../../src/ledger/entry.js';
import type { LedgerStore } from '../../src/ledger/ledger-store.js';
import type { SqlRunner } from '../../src/ledger/prepared-query.js';
import { openTestServer } from '../server/support.js';
import { contractOf, rollbackYaml, tollgateRejectionOf } from '../support/builders.js';
import { fakeDigest } from '../support/cli.js';
import { BACKENDS, deleteEntryBehindTheStore, requestUnder, storePerTest } from '../support/stores.js';

const [A, B, C, X, Y, D] = ['a', 'b', 'c', 'x', 'y', 'd'].map((name) =>
  fakeDigest(`${name}-display-gap`),
) as [string, string, string, string, string, string];

/** prod rolls back to its last known good: `check` names it (the rollback gate's note). */
const CONTRACT = contractOf(
  rollbackYaml({
    within: '1h',
    condition: `'sum(rate(errors{digest="$digest"}[5m]))'`,
    head: 'artifact: { type: file }',
  }),
);

/** Tests of the unit suite in staging: one raw report attested for several digests is shared. */
const TESTED = contractOf(`version: 1
pipeline: shop
artifact: { type: oci }
stages:
  staging:
    purpose: release candidates
    requires:
      tests: [{ suite: unit }]
`);

const scope = storePerTest();
afterEach(() => {
  vi.restoreAllMocks();
});

/** The rollback gate's note of a decision: the digest it would go back to. */
function lastKnownGood(decision: Awaited<ReturnType<typeof checkStage>>): string | undefined {
  const gate = decision.gates.find((g) => g.gate === 'rollback');
  const note = gate?.validated.find((v) => v.text.startsWith('rollback target: last known good'));
  return note?.text.split(' ')[5];
}

/**
 * The ranges of the gap counts `work` runs on `store` (the count query's from and to). `warm`: as
 * the store runs it, with the ranges earlier reads found gap-free still kept (SQLite keeps them
 * while no other connection commits); otherwise those are forgotten first, so what one decision
 * counts shows.
 */
async function countedRanges(
  store: LedgerStore,
  work: () => Promise<unknown>,
  warm = false,
): Promise<number[][]> {
  if (!warm) (store as unknown as { contiguous?: { forget(): void } }).contiguous?.forget();
  const runner = (store as unknown as { runner: SqlRunner }).runner;
  const execute = runner.execute.bind(runner);
  const ranges: number[][] = [];
  const spy = vi.spyOn(runner, 'execute').mockImplementation((query) => {
    if (/count\(\*\)/.test(query.sql) && /"seq" >=/.test(query.sql))
      // [from, to]: the last two parameters (before them, the probe of the tree past the head).
      ranges.push(query.parameters.slice(-2).map(Number));
    return execute(query);
  });
  try {
    await work();
  } finally {
    spy.mockRestore();
  }
  return ranges;
}

/** A then B into prod; B rolled back to A between two registrations; D registered after. */
async function rolledBackOn(store: LedgerStore) {
  const as = (principal: string) => requestUnder(store, principal, CONTRACT);
  for (const digest of [A, B]) await registerArtifact(as('ci'), { digest });
  await promote(as('ci'), 'prod', A);
  await promote(as('ci'), 'prod', B);
  await registerArtifact(as('ci'), { digest: X });
  const rolled = await rollbackStage(as('oncall'), 'prod', { reason: 'B broke checkout' });
  await registerArtifact(as('ci'), { digest: Y });
  // D is first recorded after the rollback: the count of its own entries starts after it.
  await registerArtifact(as('ci'), { digest: D });
  return { as, rollback: rolled.entry };
}

describe.each(BACKENDS)('a deleted rollback under the pages an approver reads ($title)', (backend) => {
  async function setup() {
    const store = (await scope.open(backend)).store;
    const { as, rollback } = await rolledBackOn(store);
    expect(lastKnownGood(await checkStage(as('ci'), 'prod', D))).toBe(A);
    return { as, store, rollback };
  }

  it('check stops with exit 4 instead of naming the rolled back digest as last known good', async () => {
    const { as, store, rollback } = await setup();
    expect(rollback.kind).toBe(ENTRY.rollback);
    // The rollback's neighbours are registrations: no prod entry links to it.
    await deleteEntryBehindTheStore(backend.name, scope.handle, rollback.seq);
    const before = await store.head('shop');
    const refused = await tollgateRejectionOf(checkStage(as('ci'), 'prod', D));
    expect(refused.code).toBe('LEDGER_CORRUPT');
    expect(refused.exitCode).toBe(4);
    expect(refused.message).toMatch(new RegExp(`entry #${rollback.seq} is missing`));
    expect(await store.head('shop')).toBe(before);
  });

  it('history and status still stop with exit 4 when their reads share one gap count', async () => {
    const { as, rollback } = await setup();
    await deleteEntryBehindTheStore(backend.name, scope.handle, rollback.seq);
    for (const read of [() => stageHistory(as('viewer'), 'prod'), () => stageStatus(as('viewer'))]) {
      const refused = await tollgateRejectionOf(read());
      expect(refused.code).toBe('LEDGER_CORRUPT');
      expect(refused.message).toMatch(new RegExp(`entry #${rollback.seq} is missing`));
    }
  });
});

describe.each(BACKENDS)('the server under a deleted rollback ($title)', (backend) => {
  it('answers a check with 500 LEDGER_CORRUPT instead of naming the rolled back digest', async () => {
    const server = await openTestServer(backend, { contracts: [CONTRACT] });
    scope.adopt(server.handle);
    const { rollback } = await rolledBackOn(server.handle.store);
    const token = await server.token({ role: 'admin', pipelines: ['shop'] });
    const path = `/api/v1/pipelines/shop/stages/prod/check?artifact=${D}`;
    expect((await server.call('GET', path, token)).status).toBe(200);
    await deleteEntryBehindTheStore(backend.name, scope.handle, rollback.seq);
    const answer = await server.call('GET', path, token);
    expect(answer.status).toBe(500);
    expect(JSON.stringify(await answer.json())).toMatch(/LEDGER_CORRUPT/);
  });
});

describe.each(BACKENDS)('a newer promotion deleted from a stage ($title)', (backend) => {
  it('stops the read of the stage newest promotion with exit 4 instead of naming an older one', async () => {
    const store = (await scope.open(backend)).store;
    const as = (principal: string) => requestUnder(store, principal, CONTRACT);
    for (const digest of [A, B]) await registerArtifact(as('ci'), { digest });
    await promote(as('ci'), 'prod', A);
    await registerArtifact(as('ci'), { digest: X });
    const newer = await promote(as('ci'), 'prod', B);
    await registerArtifact(as('ci'), { digest: Y });
    expect((await store.latestInStage('shop', 'prod', ENTRY.promotion))?.artifact).toBe(B);
    await deleteEntryBehindTheStore(backend.name, scope.handle, newer.entry!.seq);
    const refused = await tollgateRejectionOf(store.latestInStage('shop', 'prod', ENTRY.promotion));
    expect(refused.code).toBe('LEDGER_CORRUPT');
    expect(refused.message).toMatch(new RegExp(`entry #${newer.entry!.seq} is missing`));
  });
});

describe.each(BACKENDS)('the gap count of a decision with shared reports ($title)', (backend) => {
  /** One raw unsigned test report attested for X, Y and then C: a decision about C reads theirs. */
  async function setup() {
    const store = (await scope.open(backend)).store;
    const as = (principal: string) => requestUnder(store, principal, TESTED);
    const xml =
      '<testsuite name="unit" timestamp="2026-12-06T11:00:00" tests="1"><testcase classname="shop" name="pays"/></testsuite>';
    for (const [name, digest] of [
      ['x', X],
      ['y', Y],
      ['c', C],
    ] as const) {
      // Each after three registrations of other digests that no decision about C reads.
      for (const spacer of ['one', 'two', 'three'])
        await registerArtifact(as('ci'), { digest: fakeDigest(`${spacer}-${name}-spacer`) });
      await registerArtifact(as('ci'), { digest });
      await attestTests(as('ci'), {
        artifact: digest,
        suite: 'unit',
        reports: [{ name: 'report.xml', stream: Readable.from([Buffer.from(xml)]) }],
      });
    }
    return { as, store };
  }

  it('counts each entry once per decision, not once per artifact sharing the report', async () => {
    const { as, store } = await setup();
    const decision = await checkStage(as('ci'), 'staging', C);
    expect(decision.gates.find((g) => g.gate === 'tests')?.status).toBe('fail');
    const head = await store.head('shop');
    const ranges = await countedRanges(store, () => checkStage(as('ci'), 'staging', C));
    const counted = ranges.reduce((sum, [from, to]) => sum + to! - from! + 1, 0);
    // The union of the three reads' ranges: from X's first entry to the head, each entry once.
    const [xFirst] = await store.entriesForArtifact('shop', X);
    expect(counted).toBe(head - xFirst!.seq + 1);
  });

  it('still stops the decision when an entry is deleted in a shared artifact range only', async () => {
    const { as, store } = await setup();
    // The middle registration between X's entries and Y's, before C's first entry: neither of its
    // neighbours is read, and only the count of X's read covers it.
    const [middle] = await store.entriesForArtifact('shop', fakeDigest('two-y-spacer'));
    const deleted = middle!.seq;
    await deleteEntryBehindTheStore(backend.name, scope.handle, deleted);
    const refused = await tollgateRejectionOf(checkStage(as('ci'), 'staging', C));
    expect(refused.code).toBe('LEDGER_CORRUPT');
    expect(refused.message).toMatch(new RegExp(`entry #${deleted} is missing`));
  });
});

describe.each(BACKENDS)('the gap count of the rollback section ($title)', (backend) => {
  /**
   * A, B into prod; Q into prod and rolled back to B; C into prod; R into prod and rolled back to
   * C; D registered after. The last known good is C, for C itself B: nothing before B's
   * promotion decides either. Each rollback lies between two registrations.
   */
  async function setup() {
    const store = (await scope.open(backend)).store;
    const as = (principal: string) => requestUnder(store, principal, CONTRACT);
    const Q = fakeDigest('q-display-gap');
    const R = fakeDigest('r-display-gap');
    for (const digest of [A, B, Q, R]) await registerArtifact(as('ci'), { digest });
    const a = await promote(as('ci'), 'prod', A);
    const b = await promote(as('ci'), 'prod', B);
    await promote(as('ci'), 'prod', Q);
    await registerArtifact(as('ci'), { digest: X });
    const rolledQ = await rollbackStage(as('oncall'), 'prod', { reason: 'Q broke checkout' });
    await registerArtifact(as('ci'), { digest: Y });
    // C is first recorded after that rollback: the count of its own entries starts after it.
    await registerArtifact(as('ci'), { digest: C });
    await promote(as('ci'), 'prod', C);
    await promote(as('ci'), 'prod', R);
    const rolledR = await rollbackStage(as('oncall'), 'prod', { reason: 'R broke checkout' });
    expect([rolledQ.to.digest, rolledR.to.digest]).toEqual([B, C]);
    await registerArtifact(as('ci'), { digest: D });
    return { as, store, a: a.entry!, b: b.entry!, rollbackOfQ: rolledQ.entry };
  }

  it('counts the stage from the oldest target a check can name, not from its first entry', async () => {
    const { as, store, a, b } = await setup();
    expect(lastKnownGood(await checkStage(as('ci'), 'prod', D))).toBe(C);
    expect(lastKnownGood(await checkStage(as('ci'), 'prod', C))).toBe(B);
    const ranges = await countedRanges(store, () => checkStage(as('ci'), 'prod', D));
    const from = Math.min(...ranges.map(([low]) => low!));
    expect(from).toBeGreaterThan(a.seq);
    expect(from).toBe(b.seq);
  });

  it('still stops a check of the last known good itself when a rollback after its own target is deleted', async () => {
    const { as, store, rollbackOfQ } = await setup();
    await deleteEntryBehindTheStore(backend.name, scope.handle, rollbackOfQ.seq);
    const before = await store.head('shop');
    // Without the count, C would go back to Q: a digest rolled back out of prod.
    const refused = await tollgateRejectionOf(checkStage(as('ci'), 'prod', C));
    expect(refused.code).toBe('LEDGER_CORRUPT');
    expect(refused.message).toMatch(new RegExp(`entry #${rollbackOfQ.seq} is missing`));
    expect(await store.head('shop')).toBe(before);
  });
});

describe('gap-free ranges kept between decisions (SQLite)', () => {
  const sqlite = BACKENDS.find((b) => b.name === 'sqlite')!;
  const tested = async () => {
    const store = (await scope.open(sqlite)).store;
    const as = (principal: string) => requestUnder(store, principal, TESTED);
    for (const name of ['one', 'two', 'three'])
      await registerArtifact(as('ci'), { digest: fakeDigest(`${name}-kept`) });
    await registerArtifact(as('ci'), { digest: C });
    for (const name of ['four', 'five', 'six'])
      await registerArtifact(as('ci'), { digest: fakeDigest(`${name}-kept`) });
    return { as, store };
  };

  it('counts only the entries appended since the last decision, while no other connection commits', async () => {
    const { as, store } = await tested();
    const [first] = await store.entriesForArtifact('shop', C);
    const cold = await countedRanges(store, () => checkStage(as('ci'), 'staging', C));
    expect(cold).toEqual([[first!.seq, await store.head('shop')]]);
    const before = await store.head('shop');
    await registerArtifact(as('ci'), { digest: fakeDigest('seven-kept') });
    const warm = await countedRanges(store, () => checkStage(as('ci'), 'staging', C), true);
    // Only the registration appended since: the rest was counted gap-free by the decision before.
    expect(warm).toEqual([[before + 1, before + 1]]);
    expect(await countedRanges(store, () => checkStage(as('ci'), 'staging', C), true)).toEqual([]);
  });

  it('counts again, and stops the decision, once another connection deleted an entry it had counted', async () => {
    const { as, store } = await tested();
    await checkStage(as('ci'), 'staging', C);
    // Neither neighbour of it is read by a decision about C: only the count sees it go.
    const [after] = await store.entriesForArtifact('shop', fakeDigest('five-kept'));
    await deleteEntryBehindTheStore('sqlite', scope.handle, after!.seq);
    const refused = await tollgateRejectionOf(checkStage(as('ci'), 'staging', C));
    expect(refused.code).toBe('LEDGER_CORRUPT');
    expect(refused.message).toMatch(new RegExp(`entry #${after!.seq} is missing`));
  });

  it('forgets every kept range when a write fails, since its rollback may take entries counted in it', async () => {
    const { as, store } = await tested();
    const [first] = await store.entriesForArtifact('shop', C);
    await checkStage(as('ci'), 'staging', C);
    const failed = await tollgateRejectionOf(
      store.write('shop', async () => {
        throw new TollgateError('USAGE', 'a write that fails');
      }),
    );
    expect(failed.message).toBe('a write that fails');
    // An append of this store's own after it: the decision reads again (nothing kept of its reads).
    await registerArtifact(as('ci'), { digest: fakeDigest('seven-kept') });
    expect(await countedRanges(store, () => checkStage(as('ci'), 'staging', C), true)).toEqual([
      [first!.seq, await store.head('shop')],
    ]);
  });
});

describe.each(BACKENDS)('the read scope of a decision ($title)', (backend) => {
  it('reads on an object of the transaction class, never one whose prototype is the transaction', async () => {
    const store = (await scope.open(backend)).store;
    await registerArtifact(requestUnder(store, 'ci', TESTED), { digest: C });
    // A transaction is a new object every promotion: made a prototype, V8 gives it a prototype map
    // and every read of the scope runs cold (bench/notes.md). The scope still reads what it must.
    const seen = await store.write('shop', (tx) =>
      tx.countOnce!(async (reader) => ({
        childOfTransaction: Object.getPrototypeOf(reader) === tx,
        sameClass: Object.getPrototypeOf(reader) === Object.getPrototypeOf(tx),
        entries: (await reader.entriesForArtifact('shop', C)).map((entry) => entry.kind),
      })),
    );
    expect(seen).toEqual({ childOfTransaction: false, sameClass: true, entries: [ENTRY.register] });
  });
});
