/**
 * What a grant of `overrides` without `gates` covers: the stage's requirements (soak, windows,
 * approvals…), never `from`, `rolledBack` or `checkpoint`, which a grant must name. Otherwise an
 * on-call "break glass" grant let a build that never entered staging into prod, with a VSA.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServices } from '../../src/app/create-services.js';
import { promote } from '../../src/app/promote.js';
import { registerArtifact } from '../../src/app/register.js';
import { contractSource, requestOf } from '../../src/app/services.js';
import { canOverride, peopleOf } from '../../src/policy/people.js';
import { contractOf, tollgateRejectionOf, twoStageYaml } from '../support/builders.js';
import { fakeDigest } from '../support/cli.js';
import { BACKENDS, type StoreHandle } from '../support/stores.js';

const contractWith = (grant: string) =>
  twoStageYaml('      soak: 24h', `artifact: { type: file }\noverrides:\n  - ${grant}`);
const D = fakeDigest('never in staging');

describe('a grant without gates', () => {
  it('covers the stage requirements but not from, rolledBack or checkpoint', () => {
    const people = peopleOf(contractOf(contractWith('{ by: [oncall] }')));
    expect(canOverride(people, 'oncall', 'soak', 'prod')).toEqual({ allowed: true });
    for (const gate of ['from', 'rolledBack', 'checkpoint']) {
      const answer = canOverride(people, 'oncall', gate, 'prod');
      expect(answer.allowed, gate).toBe(false);
      expect(!answer.allowed && answer.reason, gate).toContain(
        `a grant without \`gates\` does not cover ${gate}: it must be named`,
      );
    }
    const named = peopleOf(contractOf(contractWith('{ by: [oncall], gates: [from] }')));
    expect(canOverride(named, 'oncall', 'from', 'prod')).toEqual({ allowed: true });
  });
});

let handle: StoreHandle | undefined;
afterEach(async () => {
  await handle?.dispose();
  handle = undefined;
});

describe.each(BACKENDS)('overriding from ($name)', (backend) => {
  it('refuses a break-glass grant letting a digest that never entered staging into prod', async () => {
    handle = await backend.open();
    const open = async (grant: string) => {
      const services = createServices({
        contracts: contractSource([contractOf(contractWith(grant))]),
        store: handle!.store,
      });
      return (principal: string) => requestOf(services, { principal });
    };
    const as = await open('{ by: [oncall] }');
    await registerArtifact(as('ci'), { digest: D });
    const refused = await tollgateRejectionOf(
      promote(as('oncall'), 'prod', D, { overrides: ['from', 'soak'], reason: 'hotfix INC-9' }),
    );
    expect(refused.code).toBe('NOT_ALLOWED');
    expect(refused.message).toContain('does not cover from: it must be named');
    expect(await handle.store.entriesForArtifact('shop', D)).toHaveLength(1);
    // Still a break glass for soak: the digest entered staging, and soak alone is waived.
    await promote(as('ci'), 'staging', D);
    const hotfix = await promote(as('oncall'), 'prod', D, { overrides: ['soak'], reason: 'hotfix INC-9' });
    expect(hotfix.decision.verdict).toBe('allowed');
    expect(hotfix.entry).toBeDefined();
  });
});
