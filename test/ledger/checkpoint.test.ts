/**
 * The stored Merkle tree, checkpoints and proofs (issue 12) on SQLite and PostgreSQL: the tree the
 * store keeps equals the one its entries give; checkpoints are C2SP signed notes that Sigstore's
 * own checkpoint and inclusion verifiers accept; and `ledger verify --since` catches every
 * rewrite of history an attacker with the database can make — an edit, a deletion, a swap, a
 * truncation, and a whole chain (and tree) rewritten with fresh hashes.
 */
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServices } from '../../src/app/create-services.js';
import { ledgerCheckpoint, proveEntry, verifySince } from '../../src/app/ledger-proofs.js';
import { contractSource, fixedClock, requestOf } from '../../src/app/services.js';
import { validateContract } from '../../src/contract/load-contract.js';
import { canonicalJson, sha256 } from '../../src/ledger/hash-chain.js';
import { leafHash, StreamingTree, verifyConsistency, verifyInclusion } from '../../src/ledger/merkle.js';
import { openSqlite } from '../../src/ledger/sqlite-driver.js';
import { parseCheckpoint } from '../../src/trust/checkpoint.js';
import { contractOf, tollgateRejectionOf } from '../support/builders.js';
import { fakeDigest, makeWorkspace, runCli, THREE_STAGES } from '../support/cli.js';
import { BACKENDS, execBehindTheStore, type StoreHandle } from '../support/stores.js';

const require = createRequire(import.meta.url);
const sigstore = {
  ...(require('@sigstore/verify/dist/tlog/checkpoint.js') as {
    verifyCheckpoint(
      entry: { inclusionProof: { checkpoint: { envelope: string } } },
      tlogs: Array<{ logID: Buffer; baseURL: string; publicKey: ReturnType<typeof createPublicKey> }>,
    ): { origin: string; logSize: bigint; logHash: Buffer };
  }),
  ...(require('@sigstore/verify/dist/tlog/merkle.js') as {
    verifyMerkleInclusion(
      entry: { canonicalizedBody: Buffer; inclusionProof: { logIndex: string; hashes: Buffer[] } },
      checkpoint: { logSize: bigint; logHash: Buffer },
    ): void;
  }),
};

const CONTRACT = contractOf(`version: 1
pipeline: shop
# A demo pipeline: the test plays time forward with fixed request times.
demo: true
artifact: { type: file }
stages:
  dev: { purpose: dev }
`);

const ENTRIES = 23;

for (const backend of BACKENDS) {
  describe(`the Merkle tree on ${backend.name}`, () => {
    let handle: StoreHandle;
    let dir: string;
    const sql = (statement: string, params: unknown[] = []) =>
      execBehindTheStore(backend.name, handle, statement, params);
    const request = () =>
      requestOf(
        createServices({
          contracts: contractSource([CONTRACT]),
          store: handle.store,
          clock: fixedClock(new Date('2026-12-01T00:00:00Z')),
        }),
        { principal: 'auditor', pipeline: 'shop' },
      );

    async function appendEntries(from: number, to: number) {
      await handle.store.write('shop', async (tx) => {
        for (let i = from; i <= to; i++)
          await tx.append('shop', {
            kind: 'promotion',
            stage: 'dev',
            artifact: `sha256:${String(i).padStart(64, '0')}`,
            actor: 'ci',
            at: new Date(Date.UTC(2026, 11, 1, 0, i)).toISOString(),
            payload: { n: i },
          });
      });
    }

    const bodies = async () =>
      (await sql('select body from ledger_entries order by seq')).map((r) => String(r.body));

    beforeEach(async () => {
      handle = await backend.open();
      dir = mkdtempSync(join(tmpdir(), 'tollgate-checkpoint-'));
      const pair = generateKeyPairSync('ed25519');
      writeFileSync(join(dir, 'log.key'), pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
      writeFileSync(join(dir, 'log.pub'), pair.publicKey.export({ type: 'spki', format: 'pem' }));
      // One entry at a time, so each append extends the tree as a promotion does.
      for (let i = 1; i <= ENTRIES; i++) await appendEntries(i, i);
    });
    afterEach(async () => {
      await handle.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    it('stores the tree its entries give, and proves every entry and every earlier size from it', async () => {
      const all = await bodies();
      const stream = new StreamingTree();
      for (const body of all) stream.push(leafHash(body));
      const head = await handle.store.treeHead('shop');
      expect(head.size).toBe(ENTRIES);
      expect(head.root.equals(stream.root())).toBe(true);
      expect((await handle.store.recomputeTree('shop')).mismatch).toBeUndefined();
      for (let seq = 1; seq <= ENTRIES; seq++) {
        const proof = await handle.store.inclusionProof('shop', seq);
        expect(verifyInclusion(leafHash(all[seq - 1]!), seq - 1, ENTRIES, proof.hashes, head.root)).toBe(
          true,
        );
      }
      for (let m = 1; m <= ENTRIES; m++) {
        const proof = await handle.store.consistencyProof('shop', m);
        expect(verifyConsistency(m, ENTRIES, proof.hashes, proof.firstRoot, head.root), `${m}`).toBe(true);
      }
    });

    it('signs the tree head stored at append time: an entry edited by SQL later does not change what it vouches for', async () => {
      const before = await ledgerCheckpoint(request(), { key: join(dir, 'log.key') });
      await sql(`update ledger_entries set body = replace(body, '"n":5', '"n":999') where seq = 5`);
      expect((await bodies())[4]).toContain('"n":999');
      const after = await ledgerCheckpoint(request(), { key: join(dir, 'log.key') });
      // The signed root is the one of the entries as appended, so the edit is not vouched for...
      expect(after.root).toBe(before.root);
      // ...and the checkpoint proves the edit against it.
      writeFileSync(join(dir, 'after.txt'), after.note);
      const verdict = await verifySince(request(), { since: join(dir, 'after.txt') });
      expect(verdict.ok).toBe(false);
    });

    it('builds the tree of a ledger written before the tree existed, on first use', async () => {
      const before = await handle.store.treeHead('shop');
      await sql('delete from ledger_tree');
      await appendEntries(ENTRIES + 1, ENTRIES + 9);
      const stream = new StreamingTree();
      for (const body of await bodies()) stream.push(leafHash(body));
      expect((await handle.store.treeHead('shop')).root.equals(stream.root())).toBe(true);
      expect((await handle.store.treeHead('shop', ENTRIES)).root.equals(before.root)).toBe(true);
      expect((await handle.store.recomputeTree('shop')).mismatch).toBeUndefined();
    });

    it('signs a C2SP checkpoint that Sigstore’s verifier accepts, and an inclusion proof it accepts too', async () => {
      const { note, size, root } = await ledgerCheckpoint(request(), { key: join(dir, 'log.key') });
      expect(note).toMatch(
        /^tollgate\/shop\n23\n[A-Za-z0-9+/]{43}=\n\n\u2014 tollgate\/shop [A-Za-z0-9+/]+=*\n$/,
      );
      const publicKey = createPublicKey(
        await import('node:fs').then((fs) => fs.readFileSync(join(dir, 'log.pub'))),
      );
      const raw = publicKey.export({ type: 'spki', format: 'der' }).subarray(-32);
      const logID = createHash('sha256')
        .update(Buffer.concat([Buffer.from('tollgate/shop\n'), Buffer.from([1]), raw]))
        .digest();
      const parsed = sigstore.verifyCheckpoint({ inclusionProof: { checkpoint: { envelope: note } } }, [
        { logID, baseURL: 'tollgate/shop', publicKey },
      ]);
      expect(parsed.logSize).toBe(23n);
      expect(parsed.logHash.toString('base64')).toBe(root);
      expect(size).toBe(ENTRIES);
      // A key with another id is refused by Sigstore's verifier: the key id is the C2SP one.
      const other = generateKeyPairSync('ed25519').publicKey;
      expect(() =>
        sigstore.verifyCheckpoint({ inclusionProof: { checkpoint: { envelope: note } } }, [
          { logID, baseURL: 'tollgate/shop', publicKey: other },
        ]),
      ).toThrow();

      writeFileSync(join(dir, 'cp.txt'), note);
      await appendEntries(ENTRIES + 1, ENTRIES + 4);
      const proof = await proveEntry(request(), 7, {
        checkpoint: join(dir, 'cp.txt'),
        key: join(dir, 'log.pub'),
      });
      expect(proof.treeSize).toBe(ENTRIES);
      sigstore.verifyMerkleInclusion(
        {
          canonicalizedBody: Buffer.from(proof.body),
          inclusionProof: {
            logIndex: String(proof.leafIndex),
            hashes: proof.hashes.map((h) => Buffer.from(h, 'base64')),
          },
        },
        parsed,
      );
      const since = await verifySince(request(), { since: join(dir, 'cp.txt'), key: join(dir, 'log.pub') });
      expect(since).toMatchObject({ ok: true, size: ENTRIES + 4, checkpoint: { size: ENTRIES } });
      // A checkpoint signed by someone else is refused when a key is given.
      const forged = `${note.split('\n\n')[0]}\n\n\u2014 tollgate/shop ${Buffer.alloc(68, 1).toString('base64')}\n`;
      writeFileSync(join(dir, 'forged.txt'), forged);
      await expect(
        verifySince(request(), { since: join(dir, 'forged.txt'), key: join(dir, 'log.pub') }),
      ).rejects.toMatchObject({
        code: 'SIGNATURE_INVALID',
      });
    });

    it('checks a checkpoint against the verifier key the contract pins when no key is given', async () => {
      // The contract pins log.pub; the attacker signs a checkpoint of the ledger with his own key.
      const pinned = validateContract(
        CONTRACT.text.replace('artifact:', 'trust: { verifier: { publicKey: log.pub } }\nartifact:'),
        join(dir, 'tollgate.yaml'),
      );
      const pinnedRequest = () =>
        requestOf(createServices({ contracts: contractSource([pinned]), store: handle.store }), {
          principal: 'auditor',
          pipeline: 'shop',
        });
      const other = generateKeyPairSync('ed25519');
      writeFileSync(join(dir, 'mallory.key'), other.privateKey.export({ type: 'pkcs8', format: 'pem' }));
      const forged = await ledgerCheckpoint(request(), { key: join(dir, 'mallory.key') });
      writeFileSync(join(dir, 'mallory.txt'), forged.note);
      const refused = await tollgateRejectionOf(
        verifySince(pinnedRequest(), { since: join(dir, 'mallory.txt') }),
      );
      expect(refused.code).toBe('SIGNATURE_INVALID');
      expect(refused.message).toContain(`verifies with ${join(dir, 'log.pub')}`);
      // Signed with the pinned key, it is checked and said to be.
      const kept = await ledgerCheckpoint(request(), { key: join(dir, 'log.key') });
      writeFileSync(join(dir, 'kept.txt'), kept.note);
      const verdict = await verifySince(pinnedRequest(), { since: join(dir, 'kept.txt') });
      expect(verdict).toMatchObject({ ok: true, signature: `verified with ${join(dir, 'log.pub')}` });
    });

    describe('ledger verify --since catches history rewritten after a checkpoint', () => {
      let checkpoint: string;
      beforeEach(async () => {
        const { note } = await ledgerCheckpoint(request(), { key: join(dir, 'log.key') });
        checkpoint = join(dir, 'cp.txt');
        writeFileSync(checkpoint, note);
        await appendEntries(ENTRIES + 1, ENTRIES + 3);
        expect((await verifySince(request(), { since: checkpoint })).ok).toBe(true);
      });
      const since = () => verifySince(request(), { since: checkpoint });

      /**
       * Rewrites the chain from the database as a careful attacker would: `change` edits the list of
       * entry contents, then every body, previous-hash and hash is recomputed so the chain verifies,
       * and (with `tree`) the tree table is rebuilt from the forged entries.
       */
      async function rewrite(change: (contents: Array<Record<string, unknown>>) => void, tree: boolean) {
        const rows = await sql('select body from ledger_entries order by seq');
        const contents = rows.map((r) => {
          const { prev: _prev, ...content } = JSON.parse(String(r.body)) as Record<string, unknown>;
          return content;
        });
        change(contents);
        await sql('delete from ledger_entries');
        let prev = `sha256:${'0'.repeat(64)}`;
        for (const [i, content] of contents.entries()) {
          const body = canonicalJson({ ...content, seq: i + 1, prev });
          const hash = sha256(body);
          // The other columns are computed from the body (migration 0010).
          await sql('insert into ledger_entries (prev_hash, hash, body) values (?, ?, ?)', [
            prev,
            hash,
            body,
          ]);
          prev = hash;
        }
        if (tree) {
          await sql('delete from ledger_tree');
          await handle.store.treeHead('shop');
        }
        expect((await handle.store.verify('shop')).ok).toBe(true);
      }

      it('an entry edited with fresh hashes all the way, tree rebuilt too', async () => {
        await rewrite((c) => {
          (c[4]!.payload as Record<string, unknown>).n = 999;
        }, true);
        const verdict = await since();
        expect(verdict.ok).toBe(false);
        expect(!verdict.ok && verdict.reason).toMatch(
          /the first 23 entries hash to .* but the checkpoint says/,
        );
      });

      it('an entry edited with fresh hashes, tree table left as it was', async () => {
        await rewrite((c) => {
          c[4]!.actor = 'mallory';
        }, false);
        const verdict = await since();
        expect(!verdict.ok && verdict.reason).toMatch(
          /stored Merkle tree node 1:2 is [0-9a-f]{64}, the entries give [0-9a-f]{64} \(the entries or the tree table were changed\)/,
        );
      });

      it('two entries swapped', async () => {
        await rewrite((c) => {
          const [a, b] = [c[2]!, c[3]!];
          c[2] = b;
          c[3] = a;
        }, true);
        expect((await since()).ok).toBe(false);
      });

      it('an entry deleted and the rest renumbered', async () => {
        await rewrite((c) => {
          c.splice(10, 1);
        }, true);
        expect((await since()).ok).toBe(false);
      });

      it('an entry deleted in place (the chain itself says so)', async () => {
        await sql('delete from ledger_entries where seq = 11');
        const verdict = await since();
        expect(!verdict.ok && verdict.reason).toMatch(/entry #12: expected entry #11/);
      });

      it('entries cut off the end, below the checkpoint', async () => {
        await sql(`delete from ledger_entries where seq > ${ENTRIES - 2}`);
        // The stored tree still holds the entries cut (test/ledger/head-truncation.test.ts).
        const plain = await handle.store.verify('shop');
        expect(!plain.ok && plain.reason).toMatch(
          /ends at entry #21, but the stored Merkle tree holds entry #22/,
        );
        const verdict = await since();
        // The chain's own verdict comes first; a tree cut with the entries leaves the checkpoint's.
        expect(!verdict.ok && verdict.reason).toMatch(/entries were cut off the end/);
        await sql(`delete from ledger_tree`);
        const cutTree = await since();
        expect(!cutTree.ok && cutTree.reason).toMatch(
          /has 21 entries, but the checkpoint saw 23: entries were cut off/,
        );
      });

      it('entries cut off the end, above the checkpoint, are not a fork (a checkpoint is what proves length)', async () => {
        await sql(`delete from ledger_entries where seq > ${ENTRIES + 1}`);
        await sql(`delete from ledger_tree`);
        await handle.store.treeHead('shop');
        expect((await since()).ok).toBe(true);
      });

      /** Appends `count` entries by SQL, each chained to the head with a hash the attacker computed. */
      async function forgeAtHead(count: number) {
        const [head] = await sql('select seq, hash, body from ledger_entries order by seq desc limit 1');
        const { prev: _prev, ...content } = JSON.parse(String(head!.body)) as Record<string, unknown>;
        let prev = String(head!.hash);
        for (let i = 1; i <= count; i++) {
          const seq = Number(head!.seq) + i;
          const body = canonicalJson({ ...content, seq, actor: 'mallory', kind: 'approval', prev });
          const hash = sha256(body);
          await sql('insert into ledger_entries (prev_hash, hash, body) values (?, ?, ?)', [
            prev,
            hash,
            body,
          ]);
          prev = hash;
        }
      }

      it('two entries forged at the head with fresh hashes: the tree node they complete is missing', async () => {
        await forgeAtHead(2);
        // The chain links: nothing that reads only the entries can tell.
        expect((await handle.store.verify('shop')).ok).toBe(true);
        const verdict = await since();
        expect(!verdict.ok && verdict.reason).toMatch(/stored Merkle tree node 1:13 is missing/);
      });

      it('one entry forged at the head extends the ledger as an append does: the limit the docs state', async () => {
        // Entry 27 completes no tree node, so nothing Tollgate stored differs from a real append:
        // only a signature over the entry itself could tell (docs/ledger.md).
        await forgeAtHead(1);
        expect((await handle.store.verify('shop')).ok).toBe(true);
        expect((await since()).ok).toBe(true);
      });

      it('the head rewritten with a fresh hash has no successor to break, but a checkpoint that saw it does', async () => {
        const { note } = await ledgerCheckpoint(request(), { key: join(dir, 'log.key') });
        writeFileSync(checkpoint, note);
        const [head] = await sql('select seq, body from ledger_entries order by seq desc limit 1');
        const body = String(head!.body).replace('"actor":"ci"', '"actor":"cj"');
        expect(body).not.toBe(String(head!.body));
        await sql('update ledger_entries set body = ?, hash = ? where seq = ?', [
          body,
          sha256(body),
          head!.seq,
        ]);
        expect((await handle.store.verify('shop')).ok).toBe(true);
        expect((await since()).ok).toBe(false);
      });

      it('reads a checkpoint it can parse, and names the line it cannot', async () => {
        const bad = join(dir, 'bad.txt');
        writeFileSync(bad, 'tollgate/shop\ntwenty\nAAAA\n\n\u2014 x AAAAAAAA\n');
        await expect(verifySince(request(), { since: bad })).rejects.toMatchObject({
          code: 'CHECKPOINT_INVALID',
          message: expect.stringContaining('bad.txt:2: not a checkpoint: expected the tree size in decimal'),
        });
        expect(
          parseCheckpoint(
            `tollgate/shop\n1\n${Buffer.alloc(32).toString('base64')}\n\n\u2014 a AAAAAAA=\n`,
            'x',
          ).size,
        ).toBe(1);
      });

      it('refuses a checkpoint of 0 entries whose root is not the empty tree’s, instead of saying the ledger extends it', async () => {
        const zero = join(dir, 'zero.txt');
        writeFileSync(
          zero,
          `tollgate/shop\n0\n${Buffer.alloc(32, 7).toString('base64')}\n\n\u2014 a AAAAAAA=\n`,
        );
        await expect(verifySince(request(), { since: zero })).rejects.toMatchObject({
          code: 'CHECKPOINT_INVALID',
          message: expect.stringContaining('zero.txt:3: not a checkpoint: a tree of 0 entries has the root'),
        });
        const empty = createHash('sha256').digest().toString('base64');
        expect(parseCheckpoint(`tollgate/shop\n0\n${empty}\n\n\u2014 a AAAAAAA=\n`, 'x').size).toBe(0);
      });
    });
  });
}

describe('tollgate ledger checkpoint / prove / verify --since', () => {
  it('signs, proves and checks from the command line, and exits 4 when entries were cut off', async () => {
    const pair = generateKeyPairSync('ed25519');
    const dir = makeWorkspace(THREE_STAGES, {
      'log.key': pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      'log.pub': pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    });
    try {
      const cli = (args: string[]) => runCli(args, { cwd: dir });
      expect((await cli(['register', '--digest', fakeDigest('a')])).code).toBe(0);
      expect((await cli(['register', '--digest', fakeDigest('b')])).code).toBe(0);
      const checkpoint = await cli(['ledger', 'checkpoint', '--key', 'log.key']);
      expect(checkpoint.code, checkpoint.stderr).toBe(0);
      expect(checkpoint.stdout).toMatch(/^tollgate\/shop\n2\n/);
      writeFileSync(join(dir, 'cp.txt'), checkpoint.stdout);
      expect((await cli(['register', '--digest', fakeDigest('c')])).code).toBe(0);
      const proof = await cli(['ledger', 'prove', '2', '--checkpoint', 'cp.txt', '--key', 'log.pub']);
      expect(proof.code, proof.stderr).toBe(0);
      expect(JSON.parse(proof.stdout)).toMatchObject({ entry: 2, leafIndex: 1, treeSize: 2 });
      const since = await cli(['ledger', 'verify', '--since', 'cp.txt', '--key', 'log.pub']);
      expect(since.code, since.stderr).toBe(0);
      expect(since.stdout).toContain('extends cp.txt (tollgate/shop, 2 entries): now 3 entries');
      const db = openSqlite(join(dir, '.tollgate', 'ledger.db'));
      db.prepare('delete from ledger_entries where seq >= 2').run();
      db.close();
      // The stored tree still holds the entries cut (test/ledger/head-truncation.test.ts).
      const treeSays = await cli(['ledger', 'verify']);
      expect(treeSays.code).toBe(4);
      expect(treeSays.stdout).toContain(
        'the ledger ends at entry #1, but the stored Merkle tree holds entry #2',
      );
      expect(treeSays.stdout).toContain('entries were cut off the end of the ledger');
      // A writer who cuts the tree too: the chain alone still verifies; the artifacts rows the cut
      // registrations left behind do not, and the checkpoint still knows how long the ledger was.
      const again = openSqlite(join(dir, '.tollgate', 'ledger.db'));
      again.prepare('delete from ledger_tree').run();
      again.close();
      const plain = await cli(['ledger', 'verify']);
      expect(plain.code).toBe(4);
      // Both rows are orphans; verify names the first in digest order.
      const [firstOrphan] = [fakeDigest('b'), fakeDigest('c')].sort();
      expect(plain.stdout).toContain(`BROKEN at artifact ${firstOrphan}`);
      expect(plain.stdout).toContain('no register entry records it');
      const cut = await cli(['ledger', 'verify', '--since', 'cp.txt']);
      expect(cut.code).toBe(4);
      expect(cut.stdout).toContain('has 1 entries, but the checkpoint saw 2: entries were cut off its end');
      const bad = await cli(['ledger', 'prove', 'two']);
      expect(bad.code).toBe(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
