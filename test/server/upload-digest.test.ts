/**
 * A keyed upload's fingerprint is the SHA-256 of its whole body, taken as the route streams it:
 * what the route's parser left unread when it writes is read then (within the same stream, so
 * within the same limit), and a body never read is an error of the server's, not an empty body.
 */
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/errors.js';
import { UploadDigest } from '../../src/server/upload-digest.js';

/** What uploadStream does with the body: every chunk through the digest, its end marked. */
function counted(chunks: Buffer[], digest: UploadDigest, fail?: Error): Transform {
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      digest.update(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      digest.finish();
      callback();
    },
  });
  digest.watch(counter);
  const source = Readable.from(chunks, { objectMode: false });
  if (fail) source.on('end', () => counter.destroy(fail));
  source.pipe(counter, fail ? { end: false } : {});
  return counter;
}

const sha = (chunks: Buffer[]) =>
  `sha256:${createHash('sha256').update(Buffer.concat(chunks)).digest('hex')}`;

describe('the digest of an upload', () => {
  // Chunks larger than a stream's buffer: the body stalls until someone reads it.
  const chunks = [0x61, 0x62, 0x63].map((byte) => Buffer.alloc(64 * 1024, byte));

  it('is the whole body, the part its reader left unread included', async () => {
    const digest = new UploadDigest();
    const stream = counted(chunks, digest);
    // The route read one chunk and wrote: the rest is still in the stream.
    const first = await new Promise<Buffer>((resolve) =>
      stream.once('readable', () => resolve(stream.read(1024))),
    );
    expect(first.length).toBe(1024);
    expect(await digest.digest()).toBe(sha(chunks));
  });

  it('is refused for a body that was never read, and fails with the body', async () => {
    await expect(new UploadDigest().digest()).rejects.toMatchObject({ code: 'INTERNAL' });
    const digest = new UploadDigest();
    const tooLarge = new TollgateError('EVIDENCE_TOO_LARGE', 'over the limit');
    const stream = counted(chunks, digest, tooLarge);
    stream.on('error', () => undefined);
    await expect(digest.digest()).rejects.toBe(tooLarge);
  });
});
