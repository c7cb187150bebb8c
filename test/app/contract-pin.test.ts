/**
 * Issue 12, "the contract is pinned": the first promotion records the contract; recording under
 * any other contract is refused (CONTRACT_CHANGED, naming both digests) until the change is
 * recorded by an admin of the contract in force — never by one the new contract names. On every
 * store backend, with the attacks as an attacker would make them.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordApproval } from '../../src/app/approve.js';
import { attestTests } from '../../src/app/attest.js';
import { checkStage } from '../../src/app/check.js';
import { pinnedContract, updateContract } from '../../src/app/contract-pin.js';
import { createServices } from '../../src/app/create-services.js';
import { promote } from '../../src/app/promote.js';
import { registerArtifact } from '../../src/app/register.js';
import { rollbackStage } from '../../src/app/rollback.js';
import { contractSource, requestOf, systemClock } from '../../src/app/services.js';
import { verifyLedger } from '../../src/app/status.js';
import { TrustFileDigests } from '../../src/app/trust-file-digests.js';
import { verifyStoredVsa } from '../../src/app/vsa.js';
import { validateContract } from '../../src/contract/load-contract.js';
import type { Contract } from '../../src/contract/types.js';
import { ENTRY } from '../../src/ledger/entry.js';
import { contractOf, tollgateRejectionOf } from '../support/builders.js';
import { fakeDigest, junit } from '../support/cli.js';
import { BACKENDS, execBehindTheStore, storePerTest } from '../support/stores.js';
import { pemKeyPair } from '../trust/helpers.js';

const head = `version: 1
pipeline: shop
artifact: { type: file }
`;
const STRICT = contractOf(`${head}admins: [Alice, group:release]
groups: { release: [bob] }
stages:
  dev:
    purpose: unit tests
    requires:
      tests: [{ suite: unit }]
  prod:
    purpose: live
    from: dev
    requires:
      approvals: { count: 1 }
`);
/** The attacker's contract: every requirement gone, and himself named admin. */
const LOOSE = contractOf(`${head}admins: [mallory]
stages:
  dev: { purpose: anything goes }
  prod: { purpose: anything goes, from: dev }
`);
/** A real change: prod also needs unit tests, and a canary stage appears. */
const NEXT = contractOf(`${head}admins: [alice, group:release]
groups: { release: [bob, carol] }
stages:
  dev:
    purpose: unit tests
    requires:
      tests: [{ suite: unit }]
  canary: { purpose: a few users, from: dev }
  prod:
    purpose: live
    from: dev
    requires:
      approvals: { count: 2 }
      tests: [{ suite: unit }]
`);
const NO_ADMINS = contractOf(`${head}stages:
  dev: { purpose: unit tests }
`);

const D = fakeDigest('pinned');

const scope = storePerTest();

describe.each(BACKENDS)('the contract is pinned ($title)', (backend) => {
  async function setup(first: Contract = STRICT) {
    await scope.open(backend);
    scope.scratch('tollgate-pin-');
    writeFileSync(join(scope.dir, 'unit.xml'), junit(['pass', 'pass'], 'unit'));
    const store = scope.handle.store;
    // One services object per contract, all on the one shared ledger: what `-c FILE` does.
    const servicesOf = (contract: Contract) =>
      createServices({ contracts: contractSource([contract]), store, clock: systemClock });
    const as = (principal: string, contract: Contract = first) =>
      requestOf(servicesOf(contract), { principal, pipeline: 'shop' });
    await registerArtifact(as('ci'), { digest: D });
    await attestTests(as('ci'), { artifact: D, suite: 'unit', files: [join(scope.dir, 'unit.xml')] });
    return { as, store };
  }

  it('the first promotion records the contract it was decided under, just before itself', async () => {
    const { as, store } = await setup();
    expect(await pinnedContract(store, 'shop')).toBeUndefined();
    const result = await promote(as('ci'), 'dev', D);
    const pin = await pinnedContract(store, 'shop');
    expect(pin?.digest).toBe(STRICT.digest);
    expect(pin?.text).toBe(STRICT.text);
    expect(pin?.seq).toBe(result.entry!.seq - 1);
    expect(result.decision.contract.digest).toBe(STRICT.digest);
    // A second promotion under the same contract records no second pin.
    await recordApproval(as('dana'), 'prod', { artifact: D, decision: 'approve' });
    await promote(as('ci'), 'prod', D);
    expect((await pinnedContract(store, 'shop'))?.seq).toBe(pin?.seq);
  });

  it('`-c loose.yaml` against the shared ledger: promote, approve, attest and rollback are refused, nothing recorded', async () => {
    const { as, store } = await setup();
    await promote(as('ci'), 'dev', D);
    const before = await store.head('shop');
    // Under the loose contract every gate of prod would pass: the attack is worth making.
    const gates = (await checkStage(as('mallory', LOOSE), 'prod', D)).gates;
    expect(gates.filter((g) => g.gate !== 'contract').every((g) => g.status === 'pass')).toBe(true);
    for (const attempt of [
      () => promote(as('mallory', LOOSE), 'prod', D),
      () => recordApproval(as('mallory', LOOSE), 'prod', { artifact: D, decision: 'approve' }),
      () =>
        attestTests(as('mallory', LOOSE), {
          artifact: D,
          suite: 'e2e',
          files: [join(scope.dir, 'unit.xml')],
        }),
      () => rollbackStage(as('mallory', LOOSE), 'dev', { reason: 'because' }),
    ]) {
      const error = await tollgateRejectionOf(attempt());
      expect(error.code).toBe('CONTRACT_CHANGED');
      expect(error.message).toContain(LOOSE.digest);
      expect(error.message).toContain(STRICT.digest);
    }
    expect(await store.head('shop')).toBe(before);
  });

  it('check under another contract than the one in force shows its gates as a what if, and is blocked', async () => {
    const { as } = await setup();
    const first = await checkStage(as('ci'), 'dev', D);
    expect(first.gates.map((g) => g.gate)).not.toContain('contract');
    await promote(as('ci'), 'dev', D);
    // A CI gate reading the exit code of `check` with a branch's loosened contract: every gate of
    // the proposal passes, and the answer is still no.
    const loose = await checkStage(as('mallory', LOOSE), 'prod', D);
    expect(loose.verdict).toBe('blocked');
    expect(loose.gates[0]).toMatchObject({
      gate: 'contract',
      status: 'fail',
      summary: 'not the contract in force',
    });
    expect(loose.gates.slice(1).every((g) => g.status === 'pass')).toBe(true);
    expect(loose.required[0]).toEqual({
      gate: 'contract',
      text: expect.stringContaining(
        `(${LOOSE.digest}), which is not the contract in force for shop (${STRICT.digest}, ledger entry #`,
      ),
    });
    expect(loose.required[0]!.text).toContain('the other gates say what it would decide (a "what if")');
    expect(loose.required[0]!.text).toContain('`tollgate contract update`');
    const strict = await checkStage(as('ci'), 'prod', D);
    expect(strict.gates.map((g) => g.gate)).not.toContain('contract');
    expect(strict.required.map((r) => r.gate)).not.toContain('contract');
  });

  it('an admin listed only in the new contract cannot update it; nor can anyone not an admin', async () => {
    const { as, store } = await setup();
    await promote(as('ci'), 'dev', D);
    const before = await store.head('shop');
    const mallory = await tollgateRejectionOf(updateContract(as('mallory', LOOSE)));
    expect(mallory.code).toBe('NOT_ALLOWED');
    expect(mallory.message).toMatch(
      /mallory may not change the contract of shop: the contract in force .* allows alice, group:release/,
    );
    // carol is in the release group only in the new contract.
    expect((await tollgateRejectionOf(updateContract(as('carol', NEXT)))).code).toBe('NOT_ALLOWED');
    expect(await store.head('shop')).toBe(before);
    expect((await pinnedContract(store, 'shop'))?.digest).toBe(STRICT.digest);
  });

  it('an admin of the contract in force records the change, with what changed per stage; then only the new one is accepted', async () => {
    const { as, store } = await setup();
    await promote(as('ci'), 'dev', D);
    // `ALICE` is alice: admins compare as identities. bob counts through the group.
    const update = await updateContract(as('ALICE', NEXT), { reason: 'prod needs unit tests' });
    expect(update.recorded).toBe(true);
    expect(update.previous).toBe(STRICT.digest);
    expect(update.digest).toBe(NEXT.digest);
    expect(update.changes).toEqual({
      stages: [
        { stage: 'canary', change: 'added', added: [], removed: [], changed: [], settings: [] },
        {
          stage: 'prod',
          change: 'changed',
          added: ['tests'],
          removed: [],
          changed: ['approvals'],
          settings: [],
        },
      ],
      sections: ['admins', 'groups'],
    });
    const [entry] = await store.unstagedEntries('shop', ENTRY.contract).then((all) => all.slice(-1));
    expect(entry).toMatchObject({ actor: 'alice', kind: 'contract', stage: null, artifact: null });
    expect(entry!.payload).toMatchObject({
      digest: NEXT.digest,
      previous: STRICT.digest,
      text: NEXT.text,
      via: 'update',
      reason: 'prod needs unit tests',
    });
    // The old contract is now the changed one.
    expect((await tollgateRejectionOf(promote(as('ci', STRICT), 'prod', D))).code).toBe('CONTRACT_CHANGED');
    await recordApproval(as('dana', NEXT), 'prod', { artifact: D, decision: 'approve' });
    await recordApproval(as('erin', NEXT), 'prod', { artifact: D, decision: 'approve' });
    expect((await promote(as('ci', NEXT), 'prod', D)).entry).toBeDefined();
    // The same contract again records nothing; bob (through his group) may change it back.
    expect((await updateContract(as('alice', NEXT))).recorded).toBe(false);
    expect((await updateContract(as('bob', STRICT))).recorded).toBe(true);
    expect((await verifyLedger(as('ci', STRICT))).ok).toBe(true);
  });

  it('a contract in force that a stricter Tollgate refuses can still be replaced by its admins', async () => {
    // Pinned by an older Tollgate that took an empty deny list; today the whole contract is refused,
    // and its admins must still decide, or the pipeline would be locked to it for good.
    const oldText = STRICT.text.replace(
      '      approvals: { count: 1 }\n',
      '      approvals: { count: 1 }\n      windows: { deny: [] }\n',
    );
    expect(oldText).not.toBe(STRICT.text);
    expect(() => contractOf(oldText)).toThrow('an empty `deny` denies nothing');
    const OLD = {
      ...STRICT,
      text: oldText,
      digest: `sha256:${createHash('sha256').update(oldText).digest('hex')}`,
    };
    const { as, store } = await setup(OLD);
    await promote(as('ci'), 'dev', D);
    expect((await pinnedContract(store, 'shop'))?.digest).toBe(OLD.digest);
    expect((await tollgateRejectionOf(updateContract(as('mallory', LOOSE)))).code).toBe('NOT_ALLOWED');
    const update = await updateContract(as('alice', NEXT), { reason: 'upgrade' });
    expect(update.recorded).toBe(true);
    expect(update.previous).toBe(OLD.digest);
  });

  it('a contract without admins can never be changed', async () => {
    const { as } = await setup(NO_ADMINS);
    await promote(as('ci'), 'dev', D);
    const error = await tollgateRejectionOf(updateContract(as('alice', STRICT)));
    expect(error.code).toBe('NOT_ALLOWED');
    expect(error.message).toContain('declares no `admins`, so nobody may change it');
  });

  it('a pipeline with no pin gets its first contract from `contract update`, by anyone', async () => {
    const { as, store } = await setup();
    const first = await updateContract(as('dana'));
    expect(first).toMatchObject({ recorded: true, digest: STRICT.digest });
    expect(first.previous).toBeUndefined();
    expect((await tollgateRejectionOf(promote(as('ci', LOOSE), 'dev', D))).code).toBe('CONTRACT_CHANGED');
    expect((await promote(as('ci'), 'dev', D)).entry).toBeDefined();
    expect(await store.unstagedEntries('shop', ENTRY.contract)).toHaveLength(1);
  });

  it('a contract entry edited in the database stops the next recording act (exit 4), naming it', async () => {
    const { as, store } = await setup();
    await promote(as('ci'), 'dev', D);
    const pin = await pinnedContract(store, 'shop');
    // The attacker swaps the pinned digest for his own contract's, in the hashed body itself.
    await execBehindTheStore(
      backend.name,
      scope.handle,
      'update ledger_entries set body = replace(body, ?, ?) where seq = ?',
      [STRICT.digest, LOOSE.digest, pin!.seq],
    );
    const error = await tollgateRejectionOf(promote(as('mallory', LOOSE), 'prod', D));
    expect(error.code).toBe('LEDGER_CORRUPT');
    expect(error.message).toContain(`ledger entry #${pin!.seq} of pipeline shop fails verification`);
    const verdict = await verifyLedger(as('ci'));
    expect(verdict.ok).toBe(false);
  });
});

describe.each(BACKENDS)(
  'the verifier key is pinned, and trusted files are hashed once while unchanged ($title)',
  (backend) => {
    const KEYED = `${head}admins: [alice]
trust:
  keys: { ci: keys/ci.pub }
  verifier: { key: keys/verifier.key }
stages:
  dev: { purpose: dev }
  prod: { purpose: live, from: dev }
`;

    /** A store, and a folder holding KEYED and the key files it trusts; returns the contract. */
    async function keyedWorkspace(): Promise<Contract> {
      await scope.open(backend);
      scope.scratch('tollgate-pin-keys-');
      mkdirSync(join(scope.dir, 'keys'));
      writeFileSync(join(scope.dir, 'keys/ci.pub'), pemKeyPair('ed25519').publicPem);
      writeFileSync(join(scope.dir, 'keys/verifier.key'), pemKeyPair('ed25519').privatePem);
      return validateContract(KEYED, join(scope.dir, 'tollgate.yaml'));
    }

    async function setup(digests: TrustFileDigests) {
      const contract = await keyedWorkspace();
      const services = createServices({
        contracts: contractSource([contract]),
        store: scope.handle.store,
        clock: systemClock,
        trustFiles: digests,
      });
      const as = (principal: string) => requestOf(services, { principal, pipeline: 'shop' });
      await registerArtifact(as('ci'), { digest: D });
      await promote(as('ci'), 'dev', D);
      return { as, keys: join(scope.dir, 'keys') };
    }

    it('a swapped verifier key under the unchanged contract is refused until an admin records it', async () => {
      const { as, keys } = await setup(new TrustFileDigests());
      const pin = await pinnedContract(scope.handle.store, 'shop');
      expect(Object.keys(pin!.trustFiles!).sort()).toEqual(['trust.keys.ci', 'trust.verifier.key']);
      // The attack: whoever can write the folder makes his own key the one VSAs and checkpoints rest on.
      writeFileSync(join(keys, 'verifier.key'), pemKeyPair('ed25519').privatePem);
      const refused = await tollgateRejectionOf(promote(as('mallory'), 'prod', D));
      expect(refused.code).toBe('CONTRACT_CHANGED');
      expect(refused.message).toContain(
        'a file it trusts changed since: trust.verifier.key (keys/verifier.key) is sha256:',
      );
      expect((await checkStage(as('mallory'), 'prod', D)).required[0]?.text).toContain(
        'but trust.verifier.key (keys/verifier.key) changed since it was pinned',
      );
      // Not an admin: the refusal says the text is unchanged and names the file that is not.
      const notAdmin = await tollgateRejectionOf(updateContract(as('mallory')));
      expect(notAdmin.code).toBe('NOT_ALLOWED');
      expect(notAdmin.message).toMatch(
        /^the contract's text is the one in force, but the files it trusts changed \(trust\.verifier\.key \(keys\/verifier\.key\): replaced, or missing beside this contract file\): mallory may not change/,
      );
      expect((await updateContract(as('alice'), { reason: 'verifier key rotated' })).changes?.files).toEqual([
        'trust.verifier.key',
      ]);
      expect((await promote(as('ci'), 'prod', D)).entry).toBeDefined();
    });

    it('check hashes the trusted files once while their stat is unchanged, and notices a swapped file', async () => {
      // A clock an hour ahead: no file written by the test is "racily" new when hashed.
      const digests = new TrustFileDigests({ nowNs: () => (BigInt(Date.now()) + 3_600_000n) * 1_000_000n });
      const { as, keys } = await setup(digests);
      await checkStage(as('ci'), 'prod', D);
      const hashed = digests.hashed;
      for (let i = 0; i < 5; i++)
        expect((await checkStage(as('ci'), 'prod', D)).gates.map((g) => g.gate)).not.toContain('contract');
      expect(digests.hashed).toBe(hashed);
      // Replaced by rename (a new inode), as an editor or an attacker would.
      writeFileSync(join(keys, 'ci.pub.new'), pemKeyPair('ed25519').publicPem);
      renameSync(join(keys, 'ci.pub.new'), join(keys, 'ci.pub'));
      // A swapped key decides who is trusted as `ci`: the decision is no answer until it is recorded.
      const swapped = await checkStage(as('ci'), 'prod', D);
      expect(swapped.verdict).toBe('blocked');
      expect(swapped.required[0]?.text).toContain(
        'but trust.keys.ci (keys/ci.pub) changed since it was pinned',
      );
      expect(digests.hashed).toBe(hashed + 1);
    });

    it('a pin recorded before the verifier key was pinned is not refused for it, and contract update records it', async () => {
      const contract = await keyedWorkspace();
      const services = createServices({
        contracts: contractSource([contract]),
        store: scope.handle.store,
        clock: systemClock,
      });
      const as = (principal: string) => requestOf(services, { principal, pipeline: 'shop' });
      // The pin an earlier Tollgate wrote: the same text, its trusted keys, no verifier key.
      const ci = await new TrustFileDigests().digestOf(join(scope.dir, 'keys/ci.pub'));
      await scope.handle.store.write('shop', (tx) =>
        tx.append('shop', {
          kind: ENTRY.contract,
          stage: null,
          artifact: null,
          actor: 'ci',
          at: new Date().toISOString(),
          payload: {
            digest: contract.digest,
            previous: null,
            text: contract.text,
            via: 'first promotion',
            trustFiles: { 'trust.keys.ci': ci },
          },
        }),
      );
      await registerArtifact(as('ci'), { digest: D });
      expect((await promote(as('ci'), 'dev', D)).entry).toBeDefined();
      const update = await updateContract(as('alice'));
      expect(update.recorded).toBe(true);
      expect(update.changes?.files).toEqual(['trust.verifier.key']);
    });

    it('contract update reads each trusted file once', async () => {
      // A clock at the epoch: every file counts as racily new, so nothing kept hides a second read.
      const digests = new TrustFileDigests({ nowNs: () => 0n });
      const { as, keys } = await setup(digests);
      writeFileSync(join(keys, 'ci.pub'), pemKeyPair('ed25519').publicPem);
      const before = digests.hashed;
      expect((await updateContract(as('alice'))).recorded).toBe(true);
      expect(digests.hashed - before).toBe(2);
    });
  },
);

describe.each(BACKENDS)('TOLLGATE_VSA_KEY must be the verifier key the contract pins ($title)', (backend) => {
  /** A workspace whose contract names `verifier` (YAML flow map), the pinned key files, and `env`. */
  async function setup(verifier: string, env: Record<string, string>) {
    await scope.open(backend);
    scope.scratch('tollgate-pin-vsa-env-');
    mkdirSync(join(scope.dir, 'keys'));
    const pinned = pemKeyPair('ed25519');
    writeFileSync(join(scope.dir, 'keys/verifier.key'), pinned.privatePem);
    writeFileSync(join(scope.dir, 'keys/verifier.pub'), pinned.publicPem);
    // The CI secret holding the pinned private key, and a key of the attacker.
    writeFileSync(join(scope.dir, 'secret.key'), pinned.privatePem);
    writeFileSync(join(scope.dir, 'stranger.key'), pemKeyPair('ed25519').privatePem);
    const contract = validateContract(
      `${head}trust:\n  verifier: ${verifier}\nstages:\n  dev: { purpose: dev }\n`,
      join(scope.dir, 'tollgate.yaml'),
    );
    const as = (file: string) =>
      requestOf(
        createServices({
          contracts: contractSource([contract]),
          store: scope.handle.store,
          clock: systemClock,
          env: Object.fromEntries(
            Object.entries(env).map(([k, v]) => [k, join(scope.dir, v.replace('FILE', file))]),
          ),
        }),
        { principal: 'ci', pipeline: 'shop' },
      );
    await registerArtifact(as('secret.key'), { digest: D });
    return { as };
  }

  it('refuses a TOLLGATE_VSA_KEY other than trust.verifier.key and records nothing', async () => {
    const { as } = await setup('{ key: keys/verifier.key }', { TOLLGATE_VSA_KEY: 'FILE' });
    const refused = await tollgateRejectionOf(promote(as('stranger.key'), 'dev', D));
    expect(refused.code).toBe('CONFIG_INVALID');
    expect(refused.message).toContain('is not the verifier key');
    expect(refused.message).toContain('trust.verifier.key (keys/verifier.key) has');
    expect(await pinnedContract(scope.handle.store, 'shop')).toBeUndefined();
    // The same key, kept as a CI secret instead of beside the contract, signs.
    expect((await promote(as('secret.key'), 'dev', D)).vsa).toBeDefined();
  });

  it('refuses a TOLLGATE_VSA_KEY other than trust.verifier.publicKey, which is pinned and verifies alone', async () => {
    const { as } = await setup('{ publicKey: keys/verifier.pub }', { TOLLGATE_VSA_KEY: 'FILE' });
    const refused = await tollgateRejectionOf(promote(as('stranger.key'), 'dev', D));
    expect(refused.code).toBe('CONFIG_INVALID');
    expect(refused.message).toContain('trust.verifier.publicKey (keys/verifier.pub) has');
    const promoted = await promote(as('secret.key'), 'dev', D);
    expect(promoted.vsa).toBeDefined();
    const pin = await pinnedContract(scope.handle.store, 'shop');
    expect(Object.keys(pin!.trustFiles!)).toEqual(['trust.verifier.publicKey']);
    // Whoever only checks needs the public key alone.
    const verifyOnly = requestOf(
      createServices({
        contracts: contractSource([validateContract(pin!.text, join(scope.dir, 'tollgate.yaml'))]),
        store: scope.handle.store,
        clock: systemClock,
      }),
      { principal: 'ci', pipeline: 'shop' },
    );
    expect((await verifyStoredVsa(verifyOnly, 'dev', D))?.valid).toBe(true);
    // The stranger cannot verify either: a VSA check under his key is refused, not passed.
    await expect(verifyStoredVsa(as('stranger.key'), 'dev', D)).rejects.toThrow('is not the verifier key');
  });
});
