/**
 * What a contract change records: per stage, requirements added, removed and changed, other
 * settings, stages added and removed, and top-level sections — compared as written.
 */
import { describe, expect, it } from 'vitest';
import { describeChanges, diffContracts } from '../../src/contract/contract-diff.js';

const BEFORE = `version: 1
pipeline: shop
artifact: { type: oci }
admins: [alice]
stages:
  dev:
    purpose: unit tests
    requires:
      tests: [{ suite: unit }]
  qa: { purpose: manual, from: dev }
  prod:
    purpose: live
    from: dev
    requires:
      soak: 24h
      approvals: { count: 1 }
`;

describe('diffContracts', () => {
  it('names each requirement added, removed and changed, per stage, and the sections changed', () => {
    const after = `# a comment, and another layout
version: 1
pipeline: shop
artifact: { type: oci }
admins: [alice, bob]
stages:
  dev: { purpose: unit tests, requires: { tests: [{ suite: unit }] } }
  canary: { purpose: a few users, from: dev, requires: { soak: 1h } }
  prod:
    purpose: live
    from: canary
    requires:
      approvals: { count: 2 }
      tests: [{ suite: e2e, in: canary }]
`;
    const changes = diffContracts(BEFORE, after);
    expect(changes).toEqual({
      stages: [
        { stage: 'canary', change: 'added', added: ['soak'], removed: [], changed: [], settings: [] },
        {
          stage: 'prod',
          change: 'changed',
          added: ['tests'],
          removed: ['soak'],
          changed: ['approvals'],
          settings: ['from'],
        },
        { stage: 'qa', change: 'removed', added: [], removed: [], changed: [], settings: [] },
      ],
      sections: ['admins'],
    });
    expect(describeChanges(changes)).toEqual([
      'stage canary added (requires soak)',
      'prod: requirements added: tests, removed: soak, changed: approvals; settings changed: from',
      'stage qa removed',
      'sections changed: admins',
    ]);
  });

  it('finds no change in meaning when only the layout differs', () => {
    const relaid = BEFORE.replace(
      '  qa: { purpose: manual, from: dev }',
      '  qa:\n    purpose: manual\n    from: dev',
    );
    expect(diffContracts(BEFORE, relaid)).toEqual({ stages: [], sections: [] });
    expect(describeChanges(diffContracts(BEFORE, relaid))).toEqual([
      'no change in meaning (the text differs: layout or comments)',
    ]);
  });
});
