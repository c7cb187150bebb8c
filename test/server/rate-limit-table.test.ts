/**
 * The tables behind per-principal and per-client limits hold a bounded number of buckets, forget
 * the ones that refilled a few at a time as they are used (no use walks the whole table, however
 * many clients an attacker with many addresses brings), and never drop a bucket that is still
 * refilling: a client that spent its allowance cannot buy it back by bringing a flood of others.
 */
import { describe, expect, it } from 'vitest';
import {
  failedAuthLimit,
  MAX_TRACKED,
  RateLimited,
  rateLimit,
  ServerMetrics,
} from '../../src/server/observe.js';

/** A clock the test moves. */
function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const refused = (call: () => void): boolean => {
  try {
    call();
    return false;
  } catch (error) {
    if (error instanceof RateLimited) return true;
    throw error;
  }
};

describe('the per-principal rate limit table', () => {
  it('holds at most its cap of buckets under a flood of distinct clients', () => {
    const time = clock();
    const limit = rateLimit({ perMinute: 60, burst: 5 }, new ServerMetrics(), time.now);
    for (let i = 0; i < MAX_TRACKED * 2; i++) refused(() => limit(`client-${i}`));
    // The cap, and the one bucket every client past it shares.
    expect(limit.tracked()).toBeLessThanOrEqual(MAX_TRACKED + 1);
  });

  it('keeps a limited client limited however many other clients arrive', () => {
    const time = clock();
    const limit = rateLimit({ perMinute: 60, burst: 5 }, new ServerMetrics(), time.now);
    for (let i = 0; i < 5; i++) limit('mallory');
    expect(refused(() => limit('mallory'))).toBe(true);
    for (let i = 0; i < MAX_TRACKED * 2; i++) refused(() => limit(`flood-${i}`));
    expect(refused(() => limit('mallory'))).toBe(true);
    // Clients past the cap share one allowance: the flood cannot make itself fresh ones.
    const past = Array.from({ length: 10 }, (_, i) => refused(() => limit(`late-${i}`)));
    expect(past.every(Boolean)).toBe(true);
  });

  it('forgets buckets that refilled, a few with each use, without a flood past its cap', () => {
    const time = clock();
    const limit = rateLimit({ perMinute: 60, burst: 5 }, new ServerMetrics(), time.now);
    for (let i = 0; i < 1000; i++) limit(`client-${i}`);
    expect(limit.tracked()).toBe(1000);
    // One token back takes a second at 60 a minute: every bucket is full again.
    time.advance(2_000);
    for (let i = 0; i < 300; i++) {
      limit('alice');
      time.advance(1_000);
    }
    expect(limit.tracked()).toBe(1);
    // A bucket still refilling is kept, and its debt with it.
    for (let i = 0; i < 5; i++) limit('bob');
    for (let i = 0; i < 300; i++) limit(`other-${i}`);
    expect(refused(() => limit('bob'))).toBe(true);
  });
});

describe('the failed-authentication table', () => {
  it('keeps a client out of failures refused through a flood of distinct clients, within its cap', () => {
    const time = clock();
    const failures = failedAuthLimit({ perMinute: 3 }, new ServerMetrics(), time.now);
    for (let i = 0; i < 3; i++) failures.failed('2001:db8:1:1::/64');
    expect(refused(() => failures.check('2001:db8:1:1::/64', 'guess'))).toBe(true);
    for (let i = 0; i < MAX_TRACKED * 2; i++)
      failures.failed(`2001:db8:${(i >> 16) & 0xffff}:${i & 0xffff}::/64`);
    expect(failures.tracked()).toBeLessThanOrEqual(MAX_TRACKED + 1);
    expect(refused(() => failures.check('2001:db8:1:1::/64', 'guess'))).toBe(true);
    // A minute later every bucket refilled, and using the table forgets them.
    time.advance(60_000);
    for (let i = 0; i < MAX_TRACKED; i++) failures.check(`198.51.100.${i & 0xff}`, 'anything');
    expect(failures.tracked()).toBe(0);
    expect(refused(() => failures.check('2001:db8:1:1::/64', 'guess'))).toBe(false);
  });
});
