/**
 * Look-alike digests: a second artifact whose digest starts with the same hex digits as one an
 * approver expects (48 bits of a short digest can be ground). Status, history, decisions and
 * approvals name both in full and flag them; the store finds them with one index range read. On
 * every store backend.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { recordApproval } from '../../src/app/approve.js';
import { checkStage } from '../../src/app/check.js';
import { createServices } from '../../src/app/create-services.js';
import { promote } from '../../src/app/promote.js';
import { registerArtifact } from '../../src/app/register.js';
import { contractSource, requestOf } from '../../src/app/services.js';
import { stageHistory, stageStatus } from '../../src/app/status.js';
import { renderDecisionMarkdown, renderDecisionText } from '../../src/report/decision-report.js';
import { APPROVED_PROD, GENUINE, IMPOSTOR } from '../support/lookalikes.js';
import { BACKENDS, type StoreHandle } from '../support/stores.js';

const CONTRACT = APPROVED_PROD;
// Shares 11 digits only: a different short digest, no look-alike.
const NEIGHBOUR = `sha256:0123456789a0${'c'.repeat(52)}`;
const T0 = new Date('2026-11-24T09:00:00Z');

let handle: StoreHandle | undefined;
afterEach(async () => {
  await handle?.dispose();
  handle = undefined;
});

describe.each(BACKENDS)('look-alike digests ($title)', (backend) => {
  it('are found, flagged in status, history and decisions, and named when approving', async () => {
    handle = await backend.open();
    let now = T0;
    const services = createServices({
      contracts: contractSource([CONTRACT]),
      store: handle.store,
      clock: { now: () => now, fixed: false },
    });
    const as = (principal: string) => requestOf(services, { principal, pipeline: 'shop' });
    await registerArtifact(as('ci'), { digest: GENUINE });
    await registerArtifact(as('ci'), { digest: NEIGHBOUR });
    expect(await handle.store.lookalikes('shop', GENUINE)).toEqual([]);
    now = new Date('2026-11-24T10:00:00Z');
    await registerArtifact(as('mallory'), { digest: IMPOSTOR });
    expect(await handle.store.lookalikes('shop', GENUINE)).toEqual([
      { digest: IMPOSTOR, registeredBy: 'mallory', registeredAt: '2026-11-24T10:00:00.000Z' },
    ]);
    expect(await handle.store.lookalikes('shop', IMPOSTOR)).toEqual([
      { digest: GENUINE, registeredBy: 'ci', registeredAt: '2026-11-24T09:00:00.000Z' },
    ]);
    expect(await handle.store.lookalikes('shop', NEIGHBOUR)).toEqual([]);

    await promote(as('ci'), 'dev', IMPOSTOR);
    const [dev] = await stageStatus(as('viewer'));
    expect(dev?.current?.lookalikes?.map((l) => l.digest)).toEqual([GENUINE]);
    const [row] = await stageHistory(as('viewer'), 'dev');
    expect(row?.lookalikes?.map((l) => l.digest)).toEqual([GENUINE]);

    const decision = await checkStage(as('ci'), 'prod', IMPOSTOR);
    // Not a blocker: the approvals gate is what waits here, as without a look-alike.
    expect(decision.verdict).toBe('pending');
    expect(decision.artifact.lookalikes?.map((l) => l.digest)).toEqual([GENUINE]);
    const risk = decision.risks.find((r) => r.gate === 'artifact');
    expect(risk?.text).toContain(`look-alike of ${GENUINE}, registered by ci at 2026-11-24T09:00:00.000Z`);
    const text = renderDecisionText(decision);
    expect(text).toContain(`prod ← ${IMPOSTOR}`);
    expect(text).toContain(`WARNING look-alike of ${GENUINE}`);
    expect(renderDecisionMarkdown(decision)).toContain('[!WARNING]');

    const approval = await recordApproval(as('erin'), 'prod', { artifact: IMPOSTOR, decision: 'approve' });
    expect(approval.artifact).toBe(IMPOSTOR);
    expect(approval.lookalikes?.map((l) => l.digest)).toEqual([GENUINE]);
    expect(approval.message.split('\n')[0]).toMatch(/^WARNING: sha256:0123456789abcdefb+ has a look-alike/);
    expect(approval.message).toContain(`erin approved ${IMPOSTOR} for prod`);

    // The neighbour, whose short digest differs, is shown short and not flagged.
    const plain = await checkStage(as('ci'), 'dev', NEIGHBOUR);
    expect(plain.artifact.lookalikes).toBeUndefined();
    expect(plain.risks.some((r) => r.gate === 'artifact')).toBe(false);
    expect(renderDecisionText(plain).split('\n')[0]).toBe('dev ← sha256:0123456789a0: ALLOWED');
  });
});
