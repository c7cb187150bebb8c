import { describe, expect, it } from 'vitest';
import type { PromotionRecord, PromotionStatus } from '../../src/ledger/ledger-view.js';
import {
  currentIn,
  lastKnownGood,
  oldestPossibleTarget,
  rollbackTargetIfPromoted,
} from '../../src/rollback/last-known-good.js';

const d = (c: string) => `sha256:${c.repeat(64)}`;
let seq = 0;
function promotion(stage: string, artifact: string, status: PromotionStatus = 'promoted'): PromotionRecord {
  seq += 1;
  return {
    seq,
    stage,
    artifact,
    actor: 'ci',
    at: `2026-11-${10 + seq}T10:00:00Z`,
    status,
    contractDigest: d('0'),
  };
}

describe('lastKnownGood', () => {
  it('is the most recent earlier good promotion in the stage', () => {
    const list = [
      promotion('prod', d('a')),
      promotion('prod', d('b')),
      promotion('staging', d('c')),
      promotion('prod', d('c')),
    ];
    expect(lastKnownGood(list, 'prod')?.artifact).toBe(d('b'));
  });

  it('skips rolled-back and failed promotions and the current digest', () => {
    const list = [
      promotion('prod', d('a'), 'verified'),
      promotion('prod', d('b'), 'rolled-back'),
      promotion('prod', d('e'), 'failed'),
      promotion('prod', d('c')),
      promotion('prod', d('c')),
    ];
    expect(lastKnownGood(list, 'prod')?.artifact).toBe(d('a'));
  });

  it('looks only before the given promotion', () => {
    const a = promotion('prod', d('a'));
    const b = promotion('prod', d('b'));
    const c = promotion('prod', d('c'));
    expect(lastKnownGood([a, b, c], 'prod', b)?.artifact).toBe(d('a'));
  });

  it('never goes back to a digest that was later rolled back out of the stage', () => {
    // a was good once (#1), then promoted again and rolled back (#3): a is known bad in prod, so
    // rolling b back must not deploy a again on the strength of its older promotion.
    const list = [
      promotion('prod', d('9')),
      promotion('prod', d('a')),
      promotion('prod', d('b')),
      promotion('prod', d('a'), 'rolled-back'),
    ];
    const current = list[2];
    expect(lastKnownGood(list, 'prod', current)?.artifact).toBe(d('9'));
    expect(rollbackTargetIfPromoted(list, 'prod', d('c'))?.artifact).toBe(d('b'));
    expect(rollbackTargetIfPromoted(list, 'prod', d('b'))?.artifact).toBe(d('9'));
  });

  it('never goes back to a digest whose latest promotion failed verification there', () => {
    // a failed verification on its second promotion (#4); c went on top and was rolled back, so b
    // runs again. Rolling b back must not pick a's older promotion (#2).
    const list = [
      promotion('prod', d('9')),
      promotion('prod', d('a')),
      promotion('prod', d('b')),
      promotion('prod', d('a'), 'failed'),
      promotion('prod', d('c'), 'rolled-back'),
    ];
    const current = currentIn(list, 'prod', [
      { seq: 100, stage: 'prod', target: d('b'), targetPromotion: (list[2] as PromotionRecord).seq },
    ]);
    expect(current?.artifact).toBe(d('b'));
    expect(lastKnownGood(list, 'prod', current)?.artifact).toBe(d('9'));
  });

  it('takes a digest again once a later promotion of it was good', () => {
    const list = [
      promotion('prod', d('a'), 'rolled-back'),
      promotion('prod', d('a'), 'verified'),
      promotion('prod', d('b')),
    ];
    expect(lastKnownGood(list, 'prod')?.artifact).toBe(d('a'));
  });

  it('is undefined with no earlier good promotion, or none at all', () => {
    expect(lastKnownGood([promotion('prod', d('a'))], 'prod')).toBeUndefined();
    expect(lastKnownGood([], 'prod')).toBeUndefined();
    expect(
      lastKnownGood([promotion('prod', d('a'), 'failed'), promotion('prod', d('b'))], 'prod'),
    ).toBeUndefined();
  });
});

describe('rollbackTargetIfPromoted', () => {
  it('is the latest trusted promotion of another digest', () => {
    const list = [
      promotion('prod', d('a')),
      promotion('prod', d('b'), 'rolled-back'),
      promotion('prod', d('c')),
    ];
    expect(rollbackTargetIfPromoted(list, 'prod', d('f'))?.artifact).toBe(d('c'));
    expect(rollbackTargetIfPromoted(list, 'prod', d('c'))?.artifact).toBe(d('a'));
    expect(rollbackTargetIfPromoted(list, 'dev', d('c'))).toBeUndefined();
  });
});

describe('oldestPossibleTarget', () => {
  it('is the target a check of the best target own digest gets, the older of the two answers', () => {
    const list = [
      promotion('prod', d('9')),
      promotion('prod', d('a')),
      promotion('prod', d('b')),
      promotion('prod', d('c'), 'rolled-back'),
      promotion('prod', d('b')),
    ];
    const oldest = oldestPossibleTarget(list, 'prod');
    expect(oldest?.artifact).toBe(d('a'));
    // Every digest checked gets a target at or after it: b gets a, any other digest b.
    for (const digest of [d('9'), d('a'), d('b'), d('c'), d('f')])
      expect(rollbackTargetIfPromoted(list, 'prod', digest)!.seq).toBeGreaterThanOrEqual(oldest!.seq);
    expect(rollbackTargetIfPromoted(list, 'prod', d('b'))).toBe(oldest);
  });

  it('is undefined when a digest checked would get no target', () => {
    const one = [promotion('prod', d('a')), promotion('prod', d('b'), 'failed'), promotion('prod', d('a'))];
    expect(rollbackTargetIfPromoted(one, 'prod', d('a'))).toBeUndefined();
    expect(oldestPossibleTarget(one, 'prod')).toBeUndefined();
    expect(oldestPossibleTarget([], 'prod')).toBeUndefined();
  });
});

describe('currentIn', () => {
  it('is the target of the rollback after the latest promotion, not an older promotion of the undone digest', () => {
    // b promoted twice, the second rolled back to a: b's first promotion still reads as trusted.
    const list = [
      promotion('prod', d('a')),
      promotion('prod', d('b')),
      promotion('prod', d('b'), 'rolled-back'),
    ];
    const a = list[0] as PromotionRecord;
    const rollbacks = [{ seq: 1000, stage: 'prod', target: d('a'), targetPromotion: a.seq }];
    expect(currentIn(list, 'prod', rollbacks)).toBe(a);
  });

  it('is the pinned target own latest promotion there, or none when it was never promoted there', () => {
    const list = [
      promotion('prod', d('p')),
      promotion('prod', d('a')),
      promotion('prod', d('b'), 'rolled-back'),
    ];
    expect(currentIn(list, 'prod', [{ seq: 1000, stage: 'prod', target: d('p') }])).toBe(list[0]);
    expect(currentIn(list, 'prod', [{ seq: 1000, stage: 'prod', target: d('9') }])).toBeUndefined();
  });

  it('is the latest promotion when nothing rolled it back', () => {
    const list = [promotion('prod', d('a')), promotion('prod', d('b'), 'failed')];
    expect(currentIn(list, 'prod', [{ seq: 0, stage: 'prod', target: d('a') }])).toBe(list[1]);
  });
});
