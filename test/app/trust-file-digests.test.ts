import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TrustFileDigests } from '../../src/app/trust-file-digests.js';
import { MAX_TRUST_FILE_BYTES } from '../../src/trust/read-input.js';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-trust-digests-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('digests of the files a contract trusts', () => {
  const key = join(dir, 'ci.pub');
  writeFileSync(key, 'a public key\n');
  const sha256 = `sha256:${createHash('sha256').update('a public key\n').digest('hex')}`;

  it('answers without the thread pool: the digest is ready before any I/O callback runs', async () => {
    // `check` hashes every trusted file on each decision; each promise-based read was a round trip
    // through libuv's thread pool, started for them alone. Only microtasks run in this loop.
    let ready: string | undefined;
    const reading = new TrustFileDigests().digestOf(key).then((digest) => {
      ready = digest;
    });
    for (let turn = 0; turn < 5; turn++) await Promise.resolve();
    expect(ready).toBe(sha256);
    await reading;
  });

  it('reads a missing file, a directory or a file over the limit as unreadable', async () => {
    const digests = new TrustFileDigests();
    expect(await digests.digestOf(join(dir, 'missing.pub'))).toBe('unreadable');
    mkdirSync(join(dir, 'folder.pub'));
    expect(await digests.digestOf(join(dir, 'folder.pub'))).toBe('unreadable');
    writeFileSync(join(dir, 'big.pub'), Buffer.alloc(MAX_TRUST_FILE_BYTES + 1, 0x61));
    expect(await digests.digestOf(join(dir, 'big.pub'))).toBe('unreadable');
    writeFileSync(join(dir, 'limit.pub'), Buffer.alloc(MAX_TRUST_FILE_BYTES, 0x61));
    expect(await digests.digestOf(join(dir, 'limit.pub'))).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
