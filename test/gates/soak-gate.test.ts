import { describe, expect, it } from 'vitest';
import { evaluateSoak } from '../../src/gates/soak-gate.js';
import { contextOf, D1, D2, D3, entry, pipeline, promotionEntry, verification } from '../support/builders.js';

const contract = pipeline('      soak: 24h');
const config = contract.stages.prod!.requires.soak!;

describe('soak gate', () => {
  it('is pending with the exact end while the digest soaks in the from stage', () => {
    const entries = [promotionEntry('staging', '2026-11-26T09:00:00.000Z')];
    const result = evaluateSoak(config, contextOf(contract, { entries, now: '2026-11-26T12:00:00Z' }));
    expect(result.status).toBe('pending');
    expect(result.until).toBe('2026-11-27T09:00:00.000Z');
    expect(result.summary).toBe('3h of 24h in staging');
    expect(result.required[0]!.text).toBe(
      'soak in staging ends 2026-11-27T09:00:00.000Z (21h from now; entered 2026-11-26T09:00:00.000Z)',
    );
  });

  it('passes once the time has passed', () => {
    const entries = [promotionEntry('staging', '2026-11-26T09:00:00.000Z')];
    const result = evaluateSoak(config, contextOf(contract, { entries, now: '2026-11-27T09:00:00Z' }));
    expect(result.status).toBe('pass');
    expect(result.validated[0]!.text).toContain(
      'soaked 1d in staging since 2026-11-26T09:00:00.000Z (24h required)',
    );
  });

  it('counts per digest: newer builds entering staging every hour do not restart it', () => {
    const entries = [promotionEntry('staging', '2026-11-26T09:00:00.000Z', D1)];
    for (let hour = 10; hour < 24; hour++) {
      entries.push(promotionEntry('staging', `2026-11-26T${hour}:00:00.000Z`, hour % 2 ? D2 : D3));
    }
    const result = evaluateSoak(config, contextOf(contract, { entries, now: '2026-11-27T09:30:00Z' }));
    expect(result.status).toBe('pass');
    // The newer digests have their own clocks.
    const newer = evaluateSoak(
      config,
      contextOf(contract, { entries, digest: D3, now: '2026-11-27T09:30:00Z' }),
    );
    expect(newer.status).toBe('pending');
    expect(newer.until).toBe('2026-11-27T22:00:00.000Z');
  });

  it('fails, naming both times, when the promotion is dated after the decision', () => {
    const entries = [promotionEntry('staging', '2026-11-30T09:00:00.000Z')];
    const result = evaluateSoak(config, contextOf(contract, { entries, now: '2026-11-26T12:00:00Z' }));
    expect(result.status).toBe('fail');
    expect(result.summary).toBe('entry into staging dated after the decision');
    expect(result.required[0]!.text).toContain(
      "is dated 2026-11-30T09:00:00.000Z, after this decision's time",
    );
    expect(result.required[0]!.text).toContain('2026-11-26T12:00:00.000Z; one of the two clocks is wrong');
    // A few seconds ahead is skew between machines: the soak has not started yet.
    const skew = [promotionEntry('staging', '2026-11-26T12:00:05.000Z')];
    const pending = evaluateSoak(config, contextOf(contract, { entries: skew, now: '2026-11-26T12:00:00Z' }));
    expect(pending.status).toBe('pending');
    expect(pending.summary).toBe('0s of 24h in staging');
  });

  it('counts no soak from a promotion dated before an earlier promotion of the digest', () => {
    // Written by a recorder whose clock was set back two days, before appends refused that.
    const entries = [
      promotionEntry('dev', '2026-11-28T09:00:00.000Z'),
      promotionEntry('staging', '2026-11-26T09:00:00.000Z'),
    ];
    const result = evaluateSoak(config, contextOf(contract, { entries, now: '2026-11-28T12:00:00Z' }));
    expect(result.status).toBe('fail');
    expect(result.summary).toBe('entry into staging dated backwards');
    expect(result.required[0]!.text).toContain(
      'is dated 2026-11-26T09:00:00.000Z, before its earlier promotion into dev',
    );
    // Within the clock tolerance it is skew between machines, and the soak counts.
    const skew = [
      promotionEntry('dev', '2026-11-26T09:04:00.000Z'),
      promotionEntry('staging', '2026-11-26T09:00:00.000Z'),
    ];
    expect(
      evaluateSoak(config, contextOf(contract, { entries: skew, now: '2026-11-28T12:00:00Z' })).status,
    ).toBe('pass');
  });

  it('restarts when the digest re-enters the stage', () => {
    const entries = [
      promotionEntry('staging', '2026-11-24T09:00:00.000Z'),
      promotionEntry('staging', '2026-11-26T09:00:00.000Z'),
    ];
    expect(evaluateSoak(config, contextOf(contract, { entries, now: '2026-11-26T12:00:00Z' })).until).toBe(
      '2026-11-27T09:00:00.000Z',
    );
  });

  it('fails after a failed post-deploy verification in the stage', () => {
    const entries = [
      promotionEntry('staging', '2026-11-26T09:00:00.000Z'),
      verification('staging', '2026-11-26T10:00:00.000Z', 'failed'),
    ];
    const result = evaluateSoak(config, contextOf(contract, { entries, now: '2026-11-28T12:00:00Z' }));
    expect(result.status).toBe('fail');
    expect(result.required[0]!.text).toContain('was broken: post-deploy verification failed');
  });

  it('ignores a failed verification of another digest in the same stage', () => {
    const entries = [
      promotionEntry('staging', '2026-11-26T09:00:00.000Z'),
      verification('staging', '2026-11-26T10:00:00.000Z', 'failed', D2),
    ];
    expect(evaluateSoak(config, contextOf(contract, { entries, now: '2026-11-28T12:00:00Z' })).status).toBe(
      'pass',
    );
  });

  it('fails after a rollback of the digest there', () => {
    const promoted = promotionEntry('staging', '2026-11-26T09:00:00.000Z');
    const rollback = entry('rollback', {
      stage: 'staging',
      at: '2026-11-26T11:00:00.000Z',
      actor: 'oncall',
      payload: { promotion: promoted.seq, reason: 'error rate' },
    });
    const result = evaluateSoak(
      config,
      contextOf(contract, { entries: [promoted, rollback], now: '2026-11-28T12:00:00Z' }),
    );
    expect(result.status).toBe('fail');
    expect(result.required[0]!.text).toContain(
      'rolled back by oncall at 2026-11-26T11:00:00.000Z: error rate',
    );
  });

  it('fails when the digest never entered the stage', () => {
    const result = evaluateSoak(config, contextOf(contract, { entries: [] }));
    expect(result.status).toBe('fail');
    expect(result.required[0]!.text).toBe('24h soak in staging: the digest has not entered staging');
  });

  it('soaks in an explicit stage and with calendar units', () => {
    const explicit = pipeline('      soak: { duration: 1d12h, in: dev }');
    const entries = [
      promotionEntry('dev', '2026-11-25T00:00:00.000Z'),
      promotionEntry('staging', '2026-11-26T11:00:00.000Z'),
    ];
    const result = evaluateSoak(
      explicit.stages.prod!.requires.soak!,
      contextOf(explicit, { entries, now: '2026-11-26T11:00:00Z' }),
    );
    expect(result.status).toBe('pending');
    expect(result.until).toBe('2026-11-26T12:00:00.000Z');
  });
});
