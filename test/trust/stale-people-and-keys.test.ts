/**
 * Verdicts made under people or keys the contract in force has changed since: a `groups` change
 * for a stage whose approvals name the group, and a `trust` change (in the contract's text, or in
 * the bytes of a key file at the same path) for a stage that requires `signedBy`. Each makes the
 * old promotion carry the digest no further (the `from` gate) and its VSA admit nothing. A key file
 * moved to another path with the same bytes changes whom the contract trusts in nothing, and does not.
 * Nor does a change of a group no approval of the stage names (directly or through another group),
 * or of a trusted key no `signedBy` of the stage names; a stage with `rules`, whose CEL may read
 * any group (`actor.groups`), counts every group.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordApproval } from '../../src/app/approve.js';
import { checkStage } from '../../src/app/check.js';
import { updateContract } from '../../src/app/contract-pin.js';
import { createServices } from '../../src/app/create-services.js';
import { promote } from '../../src/app/promote.js';
import { registerArtifact } from '../../src/app/register.js';
import { contractSource, type Environment, fixedClock, requestOf } from '../../src/app/services.js';
import { verifyVerdictFile } from '../../src/app/signing.js';
import { vsaRevoked } from '../../src/app/vsa.js';
import { validateContract } from '../../src/contract/load-contract.js';
import type { LedgerStore } from '../../src/ledger/ledger-store.js';
import { fakeDigest } from '../support/cli.js';
import { BACKENDS, storePerTest } from '../support/stores.js';
import { keyPairFiles, pemKeyPair } from './helpers.js';

const A = fakeDigest('stale-people');

/**
 * Pipeline shop (admin: admin): `staging` needs one approval from group qa, whose members are
 * `qa`, and `signedBy` from ci (the key `ciKey`, a path beside the contract); `prod` follows it.
 */
function shop(qa = '[alice, bob]', ciKey = 'keys/ci.pub', more: Partial<typeof OTHERS> = {}): string {
  const others = { ...OTHERS, ...more };
  return `version: 1
pipeline: shop
# A demo pipeline: the test plays time forward with fixed request times.
demo: true
admins: [admin]
artifact: { type: file }
groups:
  qa: ${qa}
  leads: ${others.leads}
  ops: ${others.ops}
trust:
  keys: { ci: ${ciKey}, release: ${others.release} }
stages:
  staging:
    purpose: release candidates
    requires:
      approvals: { count: 1, from: ['group:qa'] }
      signedBy: { by: [ci] }${others.rules}
  prod: { purpose: production, from: staging }
`;
}

const scope = storePerTest();

/**
 * What no gate of staging reads unless a test says so: group leads (named by qa only when a test
 * makes it a member), group ops, and the key release, which no `signedBy` names.
 */
const OTHERS = { leads: '[carol]', ops: '[dave]', release: 'keys/release.pub', rules: '' };

/** Staging with a rule whose CEL reads the promoter's groups: which group it reads cannot be told. */
const RULES = `
      rules: [{ name: any-groups, cel: 'size(actor.groups) >= 0' }]`;

describe.each(BACKENDS)('a promotion made under people or keys changed since ($name)', (backend) => {
  /** A request by `principal` under `yaml` (its files beside it, in the test's folder), at 2026-12-01 00:`minute`. */
  function under(yaml: string, store: LedgerStore, env: Environment, principal: string, minute: number) {
    const contract = validateContract(yaml, join(scope.dir, 'tollgate.yaml'));
    const services = createServices({
      contracts: contractSource([contract]),
      store,
      env,
      clock: fixedClock(new Date(Date.UTC(2026, 11, 1, 0, minute))),
    });
    return requestOf(services, { principal, pipeline: 'shop' });
  }

  /** A in staging, approved by alice, its VSA written to a file; `check` verifies it beside the ledger. */
  async function promoted(yaml = shop()) {
    const { store } = await scope.open(backend);
    const dir = scope.scratch('tollgate-stale-people-');
    writeKey('keys/ci.pub');
    writeKey('keys/release.pub');
    const { privateFile, publicFile } = keyPairFiles(dir, 'verifier');
    const env: Environment = { TOLLGATE_VSA_KEY: privateFile };
    const as = (principal: string, minute: number, text = yaml) => under(text, store, env, principal, minute);
    await registerArtifact(as('ci', 1), { digest: A });
    await recordApproval(as('alice', 2), 'staging', { artifact: A, decision: 'approve' });
    const staged = await promote(as('ci', 3), 'staging', A);
    expect(staged.decision.verdict).toBe('allowed');
    const file = join(dir, 'a.vsa.json');
    writeFileSync(file, JSON.stringify(staged.vsa));
    const check = (yaml: string) =>
      verifyVerdictFile({
        envelopeFile: file,
        keyFile: publicFile,
        allowDemo: true,
        digest: A,
        stage: 'staging',
        pipeline: 'shop',
        rolledBack: (verified, d) => vsaRevoked(as('viewer', 59, yaml), 'staging', d, verified),
      });
    /** What the `from` gate of prod says of A under `yaml`, in force. */
    const fromGate = async (yaml: string) => {
      const decision = await checkStage(as('viewer', 58, yaml), 'prod', A);
      return decision.gates.find((gate) => gate.gate === 'from');
    };
    return { as, check, fromGate };
  }

  /** A fresh public key written at `path` (relative to the contract) in place of what was there. */
  function writeKey(path: string): void {
    const full = join(scope.dir, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, pemKeyPair('ed25519').publicPem);
  }

  it('stands while nothing it was decided under changed', async () => {
    const { check, fromGate } = await promoted();
    expect((await check(shop())).valid).toBe(true);
    expect((await fromGate(shop()))?.status).toBe('pass');
  });

  it('carries nothing once the group its approvals name gains a member', async () => {
    const { as, check, fromGate } = await promoted();
    const wider = shop('[alice, bob, carol]');
    await updateContract(as('admin', 10, wider));
    const from = await fromGate(wider);
    expect(from?.status).toBe('fail');
    expect(from?.required?.map((item) => item.text).join('\n')).toContain(
      'changed what stage staging requires since: sections changed: groups',
    );
    const verdict = await check(wider);
    expect(verdict.valid).toBe(false);
    expect(verdict.reason).toContain('sections changed: groups');
  });

  it('carries nothing once the group no longer holds the approver who approved it', async () => {
    const { as, check, fromGate } = await promoted();
    const withoutAlice = shop('[bob]');
    await updateContract(as('admin', 10, withoutAlice));
    expect((await fromGate(withoutAlice))?.status).toBe('fail');
    expect((await check(withoutAlice)).valid).toBe(false);
  });

  it('carries nothing once the contract trusts another key file as ci', async () => {
    const { as, check, fromGate } = await promoted();
    writeKey('keys/ci-2027.pub');
    const moved = shop('[alice, bob]', 'keys/ci-2027.pub');
    await updateContract(as('admin', 10, moved));
    const from = await fromGate(moved);
    expect(from?.status).toBe('fail');
    expect(from?.required?.map((item) => item.text).join('\n')).toContain('sections changed: trust');
    const verdict = await check(moved);
    expect(verdict.valid).toBe(false);
    expect(verdict.reason).toContain('sections changed: trust');
  });

  it('stands when the key file moved to another path with the same bytes', async () => {
    const { as, check, fromGate } = await promoted();
    // Whom the contract trusts as ci is the key, not where its file lies.
    copyFileSync(join(scope.dir, 'keys/ci.pub'), join(scope.dir, 'keys/ci-moved.pub'));
    const moved = shop('[alice, bob]', 'keys/ci-moved.pub');
    expect((await updateContract(as('admin', 10, moved))).recorded).toBe(true);
    expect((await fromGate(moved))?.status).toBe('pass');
    expect((await check(moved)).valid).toBe(true);
  });

  it('carries nothing once the key file at the same path holds another key', async () => {
    const { as, check, fromGate } = await promoted();
    // The contract's text is the same; only the bytes of keys/ci.pub differ.
    writeKey('keys/ci.pub');
    const update = await updateContract(as('admin', 10));
    expect(update.recorded).toBe(true);
    const from = await fromGate(shop());
    expect(from?.status).toBe('fail');
    expect(from?.required?.map((item) => item.text).join('\n')).toContain(
      'changed what stage staging requires since: trusted files changed: trust.keys.ci',
    );
    const verdict = await check(shop());
    expect(verdict.valid).toBe(false);
    expect(verdict.reason).toContain('trusted files changed: trust.keys.ci');
  });

  it('stands when a group no approval of the stage names changes', async () => {
    const { as, check, fromGate } = await promoted();
    const moreOps = shop(undefined, undefined, { ops: '[dave, erin]' });
    expect((await updateContract(as('admin', 10, moreOps))).recorded).toBe(true);
    expect((await fromGate(moreOps))?.status).toBe('pass');
    const verdict = await check(moreOps);
    expect(verdict.valid, verdict.reason).toBe(true);
  });

  it('carries nothing once a group nested in the group its approvals name gains a member', async () => {
    const nested = (leads: string) => shop("[alice, 'group:leads']", undefined, { leads });
    const { as, check, fromGate } = await promoted(nested('[carol]'));
    const wider = nested('[carol, mallory]');
    await updateContract(as('admin', 10, wider));
    const from = await fromGate(wider);
    expect(from?.status).toBe('fail');
    expect(from?.required?.map((item) => item.text).join('\n')).toContain('sections changed: groups.leads');
    const verdict = await check(wider);
    expect(verdict.valid).toBe(false);
    expect(verdict.reason).toContain('sections changed: groups.leads');
  });

  it('counts every group once the stage has a rule whose CEL may read any group', async () => {
    const { as, check, fromGate } = await promoted(shop(undefined, undefined, { rules: RULES }));
    const moreOps = shop(undefined, undefined, { rules: RULES, ops: '[dave, erin]' });
    await updateContract(as('admin', 10, moreOps));
    const from = await fromGate(moreOps);
    expect(from?.status).toBe('fail');
    expect(from?.required?.map((item) => item.text).join('\n')).toContain('sections changed: groups');
    expect((await check(moreOps)).valid).toBe(false);
  });

  it('stands when a trusted key no signedBy of the stage names is replaced', async () => {
    const { as, check, fromGate } = await promoted();
    // Another file with another key, under the same name.
    writeKey('keys/release-2027.pub');
    const moved = shop(undefined, undefined, { release: 'keys/release-2027.pub' });
    expect((await updateContract(as('admin', 10, moved))).recorded).toBe(true);
    expect((await fromGate(moved))?.status).toBe('pass');
    expect((await check(moved)).valid).toBe(true);
    // The same path holding another key: the contract's text is the same.
    writeKey('keys/release-2027.pub');
    expect((await updateContract(as('admin', 11, moved))).recorded).toBe(true);
    expect((await fromGate(moved))?.status).toBe('pass');
    const verdict = await check(moved);
    expect(verdict.valid, verdict.reason).toBe(true);
  });

  it('carries nothing once the key its signedBy names moves from keys to identities', async () => {
    const { as, check, fromGate } = await promoted();
    const keyless = shop()
      .replace('ci: keys/ci.pub, ', '')
      .replace(
        'trust:\n',
        "trust:\n  identities: { ci: { issuer: 'https://token.actions.githubusercontent.com', subject: 'https://github.com/acme/shop/*' } }\n",
      );
    await updateContract(as('admin', 10, keyless));
    const from = await fromGate(keyless);
    expect(from?.status).toBe('fail');
    expect(from?.required?.map((item) => item.text).join('\n')).toContain('trust.identities.ci');
    expect((await check(keyless)).valid).toBe(false);
  });
});
