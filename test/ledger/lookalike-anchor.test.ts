/**
 * Look-alike digests (same short digest) must each be confirmed before an approval. They are read
 * from the hash chain, not from the artifacts table it does not cover: deleting a look-alike's
 * artifacts row behind Tollgate's back changes nothing, and deleting its register entry too stops
 * the approval (LEDGER_CORRUPT, nothing recorded), whether the look-alike was registered before
 * the approved artifact (its first entry names it) or after (the gap count). On every backend.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { recordApproval } from '../../src/app/approve.js';
import { readArtifactFacts } from '../../src/app/artifact-facts.js';
import { promote } from '../../src/app/promote.js';
import { registerArtifact } from '../../src/app/register.js';
import { LOOKALIKE_ANCHOR } from '../../src/ledger/sql-ledger-store.js';
import { fakeDigest } from '../support/cli.js';
import { APPROVED_PROD, GENUINE, IMPOSTOR } from '../support/lookalikes.js';
import { BACKENDS, execBehindTheStore, requestUnder, type StoreHandle } from '../support/stores.js';

const CONTRACT = APPROVED_PROD;
const OTHER = fakeDigest('lookalike-other');

let handle: StoreHandle | undefined;
afterEach(async () => {
  await handle?.dispose();
  handle = undefined;
});

describe.each(BACKENDS)('a look-alike hidden behind the store ($title)', (backend) => {
  const sql = (statement: string, params: unknown[] = []) =>
    execBehindTheStore(backend.name, handle!, statement, params);
  const as = (principal: string) => requestUnder(handle!.store, principal, CONTRACT);
  const entryCount = async () => Number((await sql('select count(*) as n from ledger_entries'))[0]?.n);
  const approveUnconfirmed = () =>
    recordApproval(as('erin'), 'prod', { artifact: IMPOSTOR, decision: 'approve', lookalikesSeen: [] });

  /** `first` registered, another artifact between, then `second`, which is promoted to dev. */
  async function setup(first: string, second: string) {
    handle = await backend.open();
    await registerArtifact(as('ci'), { digest: first });
    await registerArtifact(as('ci'), { digest: OTHER });
    await registerArtifact(as('mallory'), { digest: second });
    await promote(as('ci'), 'dev', IMPOSTOR);
  }

  it('an approval still needs the look-alike confirmed when its artifacts row is deleted', async () => {
    await setup(GENUINE, IMPOSTOR);
    await sql('delete from artifacts where digest = ?', [GENUINE]);
    const before = await entryCount();
    await expect(approveUnconfirmed()).rejects.toMatchObject({ code: 'LOOKALIKE_UNCONFIRMED' });
    expect(await entryCount()).toBe(before);
    const approval = await recordApproval(as('erin'), 'prod', {
      artifact: IMPOSTOR,
      decision: 'approve',
      lookalikesSeen: [GENUINE],
    });
    expect(approval.lookalikes?.map((l) => l.digest)).toEqual([GENUINE]);
  });

  it('the first entry of an artifact names the look-alikes registered before it', async () => {
    await setup(GENUINE, IMPOSTOR);
    const [row] = await sql('select body from ledger_entries where seq = 3');
    expect(JSON.parse(String(row?.body)).payload[LOOKALIKE_ANCHOR]).toEqual([GENUINE]);
    const [genuine] = await sql('select body from ledger_entries where seq = 1');
    expect(JSON.parse(String(genuine?.body)).payload[LOOKALIKE_ANCHOR]).toBeUndefined();
  });

  it('a decision reads the look-alikes its first entry names once', async () => {
    await setup(GENUINE, IMPOSTOR);
    const read = vi.spyOn(handle!.store, 'lookalikes');
    const facts = await readArtifactFacts(handle!.store, 'shop', IMPOSTOR);
    expect(facts?.lookalikes.map((l) => l.digest)).toEqual([GENUINE]);
    expect(read).toHaveBeenCalledTimes(1);
  });

  it('an approval stops when a look-alike registered before the artifact is deleted with its entry', async () => {
    await setup(GENUINE, IMPOSTOR);
    await sql('delete from artifacts where digest = ?', [GENUINE]);
    await sql('delete from ledger_entries where seq = 1');
    const before = await entryCount();
    await expect(approveUnconfirmed()).rejects.toMatchObject({
      code: 'LEDGER_CORRUPT',
      message: expect.stringContaining(`the register entry of ${GENUINE}, a look-alike`),
    });
    expect(await entryCount()).toBe(before);
  });

  it('an approval stops when a look-alike registered after the artifact is deleted with its entry', async () => {
    await setup(IMPOSTOR, GENUINE);
    await sql('delete from artifacts where digest = ?', [GENUINE]);
    await sql('delete from ledger_entries where seq = 3');
    const before = await entryCount();
    await expect(approveUnconfirmed()).rejects.toMatchObject({ code: 'LEDGER_CORRUPT' });
    expect(await entryCount()).toBe(before);
  });
});
