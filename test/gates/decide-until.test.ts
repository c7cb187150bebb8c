import { describe, expect, it } from 'vitest';
import { decide } from '../../src/decide.js';
import { contextOf, pipeline, promotionEntry } from '../support/builders.js';

describe('decide: until of a pending decision', () => {
  it('is the latest time among pending gates, since every one must pass first', () => {
    // At 06:00Z on Friday the freeze is on (until Monday 08:00 Berlin) and soak ends at 09:00Z.
    const contract = pipeline(`      soak: 24h
      windows:
        deny:
          - { name: release freeze, from: '2026-11-27T00:00:00', until: '2026-11-30T08:00:00', tz: Europe/Berlin }`);
    const { facts } = contextOf(contract, {
      entries: [promotionEntry('staging', '2026-11-26T09:00:00.000Z')],
      now: '2026-11-27T06:00:00Z',
    });
    const decision = decide(contract, 'prod', facts);
    expect(decision.verdict).toBe('pending');
    const times = decision.gates.filter((g) => g.status === 'pending').map((g) => g.until);
    expect(times).toHaveLength(2);
    expect(decision.until).toBe('2026-11-30T07:00:00.000Z');
  });
});
