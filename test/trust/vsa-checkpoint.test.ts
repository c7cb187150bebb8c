/**
 * Every VSA carries the promotion's ledger entry, its inclusion proof and the signed checkpoint of
 * the tree that ends with it (issue 12), and an admission controller that keeps checkpoints
 * refuses a verdict from a forked, rewritten or truncated ledger. On SQLite and PostgreSQL, with
 * the real store, the real signing and Sigstore's own Merkle verifier as the independent check.
 * Also `requires.checkpoint: true`: the gate says what it needs and never passes without a key.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { checkStage } from '../../src/app/check.js';
import { promote } from '../../src/app/promote.js';
import { registerArtifact } from '../../src/app/register.js';
import { rollbackStage } from '../../src/app/rollback.js';
import type { Environment } from '../../src/app/services.js';
import { verifyVerdictFile } from '../../src/app/signing.js';
import { storedVsa, verifyStoredVsa, vsaRevoked } from '../../src/app/vsa.js';
import { ENTRY } from '../../src/ledger/entry.js';
import type { LedgerStore } from '../../src/ledger/ledger-store.js';
import { signCheckpoint } from '../../src/trust/checkpoint.js';
import { IN_TOTO_PAYLOAD_TYPE, signEnvelope } from '../../src/trust/dsse.js';
import { loadPrivateKey, loadPublicKey, readPrivateKeyFile } from '../../src/trust/keys.js';
import { buildVsa, signVsa, verifyVsa } from '../../src/trust/vsa.js';
import { checkVsaLedger, type VsaLedger } from '../../src/trust/vsa-ledger.js';
import { openTestServer } from '../server/support.js';
import { contractOf } from '../support/builders.js';
import { fakeDigest, makeWorkspace, runCli } from '../support/cli.js';
import { BACKENDS, deleteEntryBehindTheStore, execBehindTheStore, storePerTest } from '../support/stores.js';
import { keyPairFiles, vsaContractText, vsaRequest } from './helpers.js';

const require = createRequire(import.meta.url);
const sigstore = require('@sigstore/verify/dist/tlog/merkle.js') as {
  verifyMerkleInclusion(
    entry: { canonicalizedBody: Buffer; inclusionProof: { logIndex: string; hashes: Buffer[] } },
    checkpoint: { logSize: bigint; logHash: Buffer },
  ): void;
};

const CONTRACT = vsaContractText(
  'shop',
  `  prod:
    purpose: live
    from: dev
    requires:
      checkpoint: true
`,
);

const A = fakeDigest('avsackpt');
const B = fakeDigest('bvsackpt');
const C = fakeDigest('cvsackpt');

const scope = storePerTest();
let dir: string;
beforeEach(() => {
  dir = scope.scratch('tollgate-vsa-ckpt-');
});

function keyFile(type: 'ed25519' | 'ec', name: string): { privateFile: string; publicFile: string } {
  return keyPairFiles(dir, name, type === 'ec' ? 'p256' : 'ed25519');
}

function payloadOf(envelope: { payload: string }): {
  predicate: { tollgateLedger: VsaLedger; [key: string]: unknown };
  [key: string]: unknown;
} {
  return JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
}

function requestFor(store: LedgerStore, env: Environment, minute = 0) {
  return vsaRequest(CONTRACT, store, env, minute);
}

for (const backend of BACKENDS) {
  describe(`VSAs sealed by a checkpoint on ${backend.name}`, () => {
    const open = () => scope.open(backend);

    /** Registers and promotes `digest` into dev; returns the result and the VSA written to a file. */
    async function promoteDev(store: LedgerStore, env: Environment, digest: string, minute: number) {
      await registerArtifact(requestFor(store, env, minute), { digest });
      const result = await promote(requestFor(store, env, minute), 'dev', digest);
      expect(result.decision.verdict).toBe('allowed');
      const file = join(dir, `${digest.slice(7, 15)}-${minute}.vsa.json`);
      writeFileSync(file, JSON.stringify(result.vsa));
      return { result, file };
    }

    it('puts the entry, its inclusion proof and a signed checkpoint in the VSA, and records them', async () => {
      const { store } = await open();
      const key = keyFile('ed25519', 'verifier');
      const env = { TOLLGATE_VSA_KEY: key.privateFile };
      const first = await promoteDev(store, env, A, 1);
      const { result, file } = await promoteDev(store, env, B, 2);
      const ledger = payloadOf(result.vsa!).predicate.tollgateLedger;
      // After A's promotion: its checkpoint entry, B's registration, B's promotion.
      const seq = result.entry!.seq;
      expect(seq).toBe(first.result.entry!.seq + 3);
      expect(ledger.entry).toMatchObject({ seq, hash: result.entry!.hash, body: result.entry!.body });
      expect(ledger.treeHead).toMatchObject({ origin: 'tollgate/shop', size: seq });
      expect(ledger.checkpoint).toMatch(
        new RegExp(`^tollgate/shop\\n${seq}\\n[A-Za-z0-9+/]{43}=\\n\\n\u2014 tollgate/shop `),
      );
      // Sigstore's Merkle verifier, an independent implementation, accepts the proof.
      expect(() =>
        sigstore.verifyMerkleInclusion(
          {
            canonicalizedBody: Buffer.from(ledger.entry.body),
            inclusionProof: {
              logIndex: String(ledger.inclusionProof.leafIndex),
              hashes: ledger.inclusionProof.hashes.map((h) => Buffer.from(h, 'base64')),
            },
          },
          { logSize: BigInt(seq), logHash: Buffer.from(ledger.treeHead.rootHash, 'base64') },
        ),
      ).not.toThrow();
      // The checkpoint entry after the promotion records the note and the VSA.
      const entries = await store.entriesForArtifact('shop', B);
      const seal = entries.find((e) => e.kind === ENTRY.checkpoint)!;
      expect(seal).toMatchObject({ seq: seq + 1, stage: 'dev', payload: { promotion: seq, size: seq } });
      expect(seal.payload.checkpoint).toBe(ledger.checkpoint);
      expect(seal.payload.vsa).toEqual(result.vsa);
      expect(result.checkpoint).toMatchObject({ seq: seq + 1, size: seq, note: ledger.checkpoint });
      expect((await storedVsa(requestFor(store, env, 3), 'dev', B))?.envelope).toEqual(result.vsa);
      expect((await store.verify('shop')).ok).toBe(true);
      // The admission check accepts it, with the entry named.
      const verdict = await verifyVerdictFile({
        envelopeFile: file,
        keyFile: key.publicFile,
        allowDemo: true, // the test's demo pipeline plays time forward
        digest: B,
        stage: 'dev',
        pipeline: 'shop',
        requireLedger: true,
      });
      expect(verdict).toMatchObject({ valid: true });
      expect(verdict.reason).toContain(`ledger entry #${seq} of ${seq} (tollgate/shop)`);
      // A retry of the same promotion answers with the same VSA and checkpoint, recording nothing.
      const again = await promote(requestFor(store, env, 4), 'dev', B);
      expect(again.existing?.seq).toBe(seq);
      expect(again.vsa).toEqual(result.vsa);
      expect(again.checkpoint).toEqual(result.checkpoint);
    });

    it('refuses a VSA whose digest was rolled back from its stage after it was issued, where the ledger is at hand', async () => {
      const { store } = await open();
      const key = keyFile('ed25519', 'verifier');
      const env = { TOLLGATE_VSA_KEY: key.privateFile };
      const first = await promoteDev(store, env, A, 1);
      const second = await promoteDev(store, env, B, 2);
      const rollback = await rollbackStage(requestFor(store, env, 3), 'dev', { reason: 'error rate' });
      expect(rollback.from.artifact).toBe(B);
      const check = (file: string, digest: string) =>
        verifyVerdictFile({
          envelopeFile: file,
          keyFile: key.publicFile,
          allowDemo: true,
          digest,
          stage: 'dev',
          pipeline: 'shop',
          rolledBack: (verified, d) => vsaRevoked(requestFor(store, env, 4), 'dev', d, verified),
        });
      const revoked = await check(second.file, B);
      expect(revoked.valid).toBe(false);
      expect(revoked.reason).toBe(
        `${B} was rolled back from stage dev by ledger entry #${rollback.entry.seq} at ${rollback.entry.at} (error rate), after this VSA was issued with promotion entry #${second.result.entry!.seq}: a rollback revokes the VSAs issued before it`,
      );
      // The stored VSA, as the server and the report check it, is refused the same way.
      expect(await verifyStoredVsa(requestFor(store, env, 4), 'dev', B)).toMatchObject({
        valid: false,
        reason: revoked.reason,
      });
      // The digest the stage went back to keeps its VSA; without the ledger nothing can know.
      expect((await check(first.file, A)).valid).toBe(true);
      expect(
        await verifyVerdictFile({
          envelopeFile: second.file,
          keyFile: key.publicFile,
          allowDemo: true,
          digest: B,
          stage: 'dev',
        }),
      ).toMatchObject({ valid: true });
    });

    it('stops the VSA check when the rollback that revoked it was deleted behind the store', async () => {
      const handle = await open();
      const key = keyFile('ed25519', 'verifier');
      const env = { TOLLGATE_VSA_KEY: key.privateFile };
      await promoteDev(handle.store, env, A, 1);
      const second = await promoteDev(handle.store, env, B, 2);
      // Other artifacts registered around it, so the deleted rollback lies between their entries.
      await registerArtifact(requestFor(handle.store, env, 3), { digest: C });
      const rollback = await rollbackStage(requestFor(handle.store, env, 3), 'dev', { reason: 'error rate' });
      await registerArtifact(requestFor(handle.store, env, 3), { digest: fakeDigest('dvsackpt') });
      await deleteEntryBehindTheStore(backend.name, handle, rollback.entry.seq);
      await expect(
        verifyVerdictFile({
          envelopeFile: second.file,
          keyFile: key.publicFile,
          allowDemo: true,
          digest: B,
          stage: 'dev',
          pipeline: 'shop',
          rolledBack: (verified, d) => vsaRevoked(requestFor(handle.store, env, 4), 'dev', d, verified),
        }),
      ).rejects.toMatchObject({ code: 'LEDGER_CORRUPT' });
    });

    it('refuses a tampered proof, a swapped entry, a foreign checkpoint and a checkpoint by another key', async () => {
      const { store } = await open();
      const key = keyFile('ed25519', 'verifier');
      const env = { TOLLGATE_VSA_KEY: key.privateFile };
      await promoteDev(store, env, A, 1);
      const { result } = await promoteDev(store, env, B, 2);
      const good = payloadOf(result.vsa!).predicate.tollgateLedger;
      const seq = result.entry!.seq;
      const pub = loadPublicKey(readText(key.publicFile), key.publicFile);
      const options = { key: pub, digest: B, stage: 'dev', pipeline: 'shop' };
      expect(checkVsaLedger(good, options).ok).toBe(true);
      const refused = (ledger: unknown) => {
        const checked = checkVsaLedger(ledger, options);
        expect(checked.ok).toBe(false);
        return checked.ok ? '' : checked.reason;
      };
      // A tampered audit path.
      const hashes = [...good.inclusionProof.hashes];
      hashes[0] = Buffer.alloc(32, 7).toString('base64');
      expect(refused({ ...good, inclusionProof: { ...good.inclusionProof, hashes } })).toContain(
        `inclusion proof of entry #${seq} does not lead to the root`,
      );
      // Another entry's body (A's promotion) under B's proof.
      const [promotionA] = (await store.entriesForArtifact('shop', A)).filter((e) => e.kind === 'promotion');
      expect(refused({ ...good, entry: { seq, hash: promotionA!.hash, body: promotionA!.body } })).toContain(
        `entry #${seq} is numbered ${promotionA!.seq}, expected ${seq}`,
      );
      // An edited body (the hash no longer matches).
      expect(
        refused({ ...good, entry: { ...good.entry, body: good.entry.body.replace('"dev"', '"prd"') } }),
      ).toContain('its body hashes to');
      // A checkpoint of another ledger: a second store, same pipeline, other entries.
      const other = await open();
      await promoteDev(other.store, env, C, 1);
      const foreign = payloadOf((await storedVsa(requestFor(other.store, env, 2), 'dev', C))!.envelope)
        .predicate.tollgateLedger;
      expect(refused({ ...good, checkpoint: foreign.checkpoint })).toContain(
        'is not the tree head the proof is against',
      );
      // A checkpoint signed by another key.
      const stranger = keyFile('ed25519', 'stranger');
      const strange = await promoteDev(other.store, { TOLLGATE_VSA_KEY: stranger.privateFile }, A, 3);
      expect(
        checkVsaLedger(payloadOf(strange.result.vsa!).predicate.tollgateLedger, { ...options, digest: A }),
      ).toMatchObject({ ok: false, reason: expect.stringContaining('no signature by tollgate/shop') });
      // The extension stripped, or tampered, under the VSA's signature: the envelope no longer verifies.
      const tampered = payloadOf(result.vsa!);
      tampered.predicate.tollgateLedger = { ...good, inclusionProof: { ...good.inclusionProof, hashes } };
      const forged = { ...result.vsa!, payload: Buffer.from(JSON.stringify(tampered)).toString('base64') };
      expect(verifyVsa(forged, { ...options, allowDemo: true })).toMatchObject({ valid: false });
      // Re-signed by whoever holds the key (a promoter lying about the ledger): the proof still fails.
      const resigned = signEnvelope(
        Buffer.from(JSON.stringify(tampered)),
        IN_TOTO_PAYLOAD_TYPE,
        loadPrivateKey(readText(key.privateFile), key.privateFile),
      );
      expect(verifyVsa(resigned, { ...options, allowDemo: true })).toMatchObject({
        valid: false,
        reason: expect.stringContaining('does not lead to the root'),
      });
    });

    it('against a kept checkpoint: the same ledger passes; a fork, a rewrite or a truncation is refused', async () => {
      const handle = await open();
      const { store } = handle;
      const key = keyFile('ed25519', 'verifier');
      const env = { TOLLGATE_VSA_KEY: key.privateFile };
      const proofFrom = (s: LedgerStore) => async (first: number, second: number) =>
        (await s.consistencyProof('shop', first, second)).hashes;
      const first = await promoteDev(store, env, A, 1);
      // The controller keeps the checkpoint of the first VSA it admitted (size 2).
      const keptFile = join(dir, 'kept.checkpoint');
      writeFileSync(keptFile, payloadOf(first.result.vsa!).predicate.tollgateLedger.checkpoint!);
      const second = await promoteDev(store, env, B, 2);
      const check = (file: string, digest: string, s: LedgerStore, since = keptFile) =>
        verifyVerdictFile({
          envelopeFile: file,
          keyFile: key.publicFile,
          allowDemo: true, // the test's demo pipeline plays time forward
          digest,
          stage: 'dev',
          since,
          consistencyProof: proofFrom(s),
        });
      const same = await check(second.file, B, store);
      expect(same).toMatchObject({ valid: true });
      expect(same.reason).toContain('consistent with');
      // The same size: the very same VSA against its own checkpoint.
      expect(await check(first.file, A, store)).toMatchObject({ valid: true });
      // Without a way to read the proof, two different sizes cannot be compared: refused.
      expect(
        await verifyVerdictFile({
          envelopeFile: second.file,
          keyFile: key.publicFile,
          allowDemo: true, // the test's demo pipeline plays time forward
          digest: B,
          stage: 'dev',
          since: keptFile,
        }),
      ).toMatchObject({
        valid: false,
        reason: expect.stringContaining(
          `a consistency proof from ${first.result.entry!.seq} to ${second.result.entry!.seq}`,
        ),
      });

      // A fork: another ledger of the same pipeline, signed with the same key, that never had entry 1–2.
      const fork = await open();
      await registerArtifact(requestFor(fork.store, env, 1), { digest: C });
      const forked = await promoteDev(fork.store, env, B, 2);
      expect(await check(forked.file, B, fork.store)).toMatchObject({
        valid: false,
        reason: expect.stringMatching(/not a prefix|forked/),
      });

      // A truncation: the ledger cut back to before A's promotion, then a new promotion in its place.
      await execBehindTheStore(
        backend.name,
        handle,
        `delete from ledger_entries where seq >= ${first.result.entry!.seq}`,
      );
      await execBehindTheStore(backend.name, handle, 'delete from ledger_tree');
      const after = await promote(requestFor(store, env, 9), 'dev', A, { again: true });
      const afterFile = join(dir, 'after.vsa.json');
      writeFileSync(afterFile, JSON.stringify(after.vsa));
      // The controller now keeps the larger checkpoint it saw with B's VSA.
      const keptLater = join(dir, 'kept-later.checkpoint');
      writeFileSync(keptLater, payloadOf(second.result.vsa!).predicate.tollgateLedger.checkpoint!);
      const truncated = await check(afterFile, A, store, keptLater);
      expect(truncated.valid).toBe(false);
      expect(truncated.reason).toMatch(/truncated|not a prefix|forked/);
      // A kept checkpoint signed by another key is no checkpoint of this verifier: a usage error.
      const stranger = keyFile('ed25519', 'stranger');
      const strangerCkpt = join(dir, 'stranger.checkpoint');
      // Signed directly: `ledger checkpoint` refuses this ledger, truncated behind Tollgate's back.
      writeFileSync(
        strangerCkpt,
        signCheckpoint(
          { origin: 'tollgate/shop', ...(await store.treeHead('shop')) },
          readPrivateKeyFile(stranger.privateFile),
          stranger.privateFile,
        ),
      );
      await expect(check(afterFile, A, store, strangerCkpt)).rejects.toThrow(/no signature line/);
    });

    it('requires.checkpoint: blocked without a key or with an ECDSA key, allowed and sealed with Ed25519', async () => {
      const { store } = await open();
      const ed = keyFile('ed25519', 'verifier');
      await promoteDev(store, { TOLLGATE_VSA_KEY: ed.privateFile }, A, 1);
      const none = await checkStage(requestFor(store, {}, 2), 'prod', A);
      expect(none.verdict).toBe('blocked');
      const gate = none.gates.find((g) => g.gate === 'checkpoint')!;
      expect(gate.status).toBe('fail');
      expect(none.required.map((r) => r.text).join('\n')).toContain(
        'no checkpoint key: neither TOLLGATE_VSA_KEY nor trust.verifier.key is set',
      );
      const noKey = await promote(requestFor(store, {}, 2), 'prod', A);
      expect(noKey.decision.verdict).toBe('blocked');
      expect(noKey.entry).toBeUndefined();
      const ec = keyFile('ec', 'ecdsa');
      const ecdsa = await promote(requestFor(store, { TOLLGATE_VSA_KEY: ec.privateFile }, 3), 'prod', A);
      expect(ecdsa.decision.verdict).toBe('blocked');
      expect(ecdsa.decision.required.map((r) => r.text).join('\n')).toContain(
        'is an ecdsa-p256 key; checkpoints (C2SP signed notes) are signed with Ed25519',
      );
      const sealed = await promote(requestFor(store, { TOLLGATE_VSA_KEY: ed.privateFile }, 4), 'prod', A);
      expect(sealed.decision.verdict).toBe('allowed');
      expect(sealed.decision.gates.find((g) => g.gate === 'checkpoint')?.status).toBe('pass');
      expect(sealed.checkpoint).toMatchObject({ seq: sealed.entry!.seq + 1, size: sealed.entry!.seq });
      expect(sealed.checkpoint?.note).toMatch(/^tollgate\/shop\n/);
    });

    it('a VSA without the ledger extension is refused when the ledger is required', async () => {
      const key = keyFile('ed25519', 'verifier');
      const statement = buildVsa({
        artifactDigest: A,
        verifierId: 'tollgate:shop',
        timeVerified: new Date('2026-12-01T00:00:00Z'),
        pipeline: 'shop',
        stage: 'dev',
        contractDigest: A,
        inputAttestations: [],
      });
      const envelope = signVsa(statement, loadPrivateKey(readText(key.privateFile), key.privateFile));
      const options = {
        key: loadPublicKey(readText(key.publicFile), key.publicFile),
        digest: A,
        stage: 'dev',
      };
      expect(verifyVsa(envelope, options)).toMatchObject({ valid: true });
      expect(verifyVsa(envelope, { ...options, requireLedger: true })).toMatchObject({
        valid: false,
        reason: expect.stringContaining('carries no tollgateLedger'),
      });
    });

    it('an ECDSA verifier key: the VSA carries the entry, proof and tree head, but no separate note', async () => {
      const { store } = await open();
      const ec = keyFile('ec', 'ecdsa');
      const { result, file } = await promoteDev(store, { TOLLGATE_VSA_KEY: ec.privateFile }, A, 1);
      const ledger = payloadOf(result.vsa!).predicate.tollgateLedger;
      expect(ledger.checkpoint).toBeUndefined();
      expect(ledger.treeHead.size).toBe(result.entry!.seq);
      expect(
        await verifyVerdictFile({
          envelopeFile: file,
          keyFile: ec.publicFile,
          allowDemo: true, // the test's demo pipeline plays time forward
          digest: A,
          stage: 'dev',
          requireLedger: true,
        }),
      ).toMatchObject({ valid: true });
    });
  });
}

describe('tollgate verify --since on the command line', () => {
  it('promote --json names the entry and the checkpoint; verify --since admits a VSA consistent with the kept checkpoint', async () => {
    const work = makeWorkspace(CONTRACT);
    const env = { TOLLGATE_VSA_KEY: keyPairFiles(work, 'v').privateFile };
    const run = (args: string[]) => runCli(args, { cwd: work, env });
    const seqs: number[] = [];
    for (const d of [A, B]) {
      expect((await run(['register', '--digest', d])).code).toBe(0);
      const promoted = await run([
        'promote',
        'dev',
        '--artifact',
        d,
        '--json',
        '--vsa-out',
        `${d.slice(7, 12)}.vsa`,
      ]);
      expect(promoted.code, promoted.stderr).toBe(0);
      const document = JSON.parse(promoted.stdout);
      expect(document).toMatchObject({
        verdict: 'allowed',
        ledgerEntry: { seq: expect.any(Number), hash: expect.stringMatching(/^sha256:/) },
        checkpoint: { size: document.ledgerEntry.seq, note: expect.stringMatching(/^tollgate\/shop\n/) },
      });
      seqs.push(document.ledgerEntry.seq);
      if (d === A) writeFileSync(join(work, 'kept.checkpoint'), document.checkpoint.note);
    }
    const verify = await run([
      'verify',
      `${B.slice(7, 12)}.vsa`,
      '--key',
      'v.pub',
      '--digest',
      B,
      '--stage',
      'dev',
      '--since',
      'kept.checkpoint',
      '--allow-demo',
    ]);
    expect(verify.code, verify.stderr).toBe(0);
    const [a, b] = seqs;
    expect(verify.stdout).toMatch(/^admitted: /);
    expect(verify.stdout).toContain(
      `ledger entry #${b} of ${b} (tollgate/shop); no rollback of it since, by the ledger; consistent with kept.checkpoint (${a} entries)`,
    );
    // After a rollback of B from dev, verify beside the contract reads the ledger and refuses B.
    const rolled = await run(['rollback', 'dev', '--reason', 'error rate']);
    expect(rolled.code, rolled.stderr).toBe(0);
    const args = ['verify', join(work, `${B.slice(7, 12)}.vsa`), '--key', join(work, 'v.pub')];
    const again = await run([...args, '--digest', B, '--stage', 'dev', '--allow-demo']);
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(
      new RegExp(
        `^NOT admitted: ${B} was rolled back from stage dev by ledger entry #\\d+ .*\\(error rate\\), after this VSA was issued with promotion entry #${b}`,
      ),
    );
    // Offline, with no contract and no ledger, nothing can know of the rollback.
    const offline = await runCli([...args, '--digest', B, '--stage', 'dev', '--allow-demo'], {
      cwd: dir,
      env,
    });
    expect(offline.code, offline.stderr).toBe(0);
    // And it says so: admitted, with the rollback not looked for.
    expect(offline.stdout).toMatch(/^admitted: /);
    expect(offline.stdout).toContain(
      '; a later rollback was not checked (no ledger at hand: give -c or run beside tollgate.yaml)',
    );
    const offlineJson = await runCli([...args, '--digest', B, '--stage', 'dev', '--allow-demo', '--json'], {
      cwd: dir,
      env,
    });
    expect(JSON.parse(offlineJson.stdout)).toMatchObject({ valid: true, rollbackChecked: false });
  }, 120_000);
});

function readText(file: string): string {
  return require('node:fs').readFileSync(file, 'utf8') as string;
}

describe('promote over the server answers the document promote --json prints', () => {
  it('names the ledger entry and the checkpoint, and the stored VSA carries that checkpoint', async () => {
    const keyPath = keyPairFiles(dir, 'server-verifier').privateFile;
    const server = await openTestServer(BACKENDS[0]!, {
      contracts: [contractOf(`${CONTRACT}trust:\n  verifier: { key: ${JSON.stringify(keyPath)} }\n`)],
    });
    try {
      const ci = await server.token({ role: 'ci', pipelines: ['shop'], principal: 'ci-bot' });
      expect((await server.call('POST', '/api/v1/pipelines/shop/artifacts', ci, { digest: A })).status).toBe(
        201,
      );
      const answer = await server.call('POST', '/api/v1/pipelines/shop/stages/dev/promotions', ci, {
        artifact: A,
      });
      expect(answer.status).toBe(201);
      const [seq, hash] = (answer.headers.get('tollgate-entry') ?? '').split(' ');
      const document = (await answer.json()) as {
        verdict: string;
        ledgerEntry: { seq: number; hash: string };
        checkpoint: { seq: number; size: number; rootHash: string; note: string };
      };
      expect(document).toMatchObject({
        verdict: 'allowed',
        ledgerEntry: { seq: Number(seq), hash },
        checkpoint: { seq: Number(seq) + 1, size: Number(seq) },
      });
      const vsa = await server.call('GET', `/api/v1/pipelines/shop/stages/dev/vsa?artifact=${A}`, ci);
      const ledger = payloadOf((await vsa.json()) as { payload: string }).predicate.tollgateLedger;
      expect(ledger.checkpoint).toBe(document.checkpoint.note);
      expect(ledger.treeHead.rootHash).toBe(document.checkpoint.rootHash);
      // The same document the CLI prints: the server answers what promotionDocument builds.
      expect(Object.keys(document)).toEqual(expect.arrayContaining(['gates', 'ledgerEntry', 'checkpoint']));
    } finally {
      await server.dispose();
    }
  });
});
