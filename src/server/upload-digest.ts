/**
 * The SHA-256 of an upload's body, taken as the route streams it (src/server/uploads.ts) for a
 * keyed upload's fingerprint (src/server/idempotency.ts): the body is never held whole to be
 * compared with the first request's.
 */
import { createHash } from 'node:crypto';
import { TollgateError } from '../errors.js';

/** The digest of one request's upload body, fed by `uploadStream` as it reads the body. */
export class UploadDigest {
  private readonly hash = createHash('sha256');
  private stream: NodeJS.ReadableStream | undefined;
  private readonly ended: Promise<void>;
  private end!: () => void;
  private fail!: (error: Error) => void;
  private done = false;

  constructor() {
    this.ended = new Promise<void>((resolve, reject) => {
      this.end = resolve;
      this.fail = reject;
    });
    // Awaited only by `digest()`; a body that fails is reported by whoever reads it.
    this.ended.catch(() => undefined);
  }

  /** Called by `uploadStream` (src/server/uploads.ts) for the body it reads. */
  watch(stream: NodeJS.ReadableStream): void {
    this.stream = stream;
    stream.on('error', (error: Error) => this.fail(error));
  }

  update(chunk: Buffer): void {
    this.hash.update(chunk);
  }

  finish(): void {
    this.done = true;
    this.end();
  }

  /**
   * `sha256:` of the whole body. A route has read its input before it writes; what a parser left
   * unread (bytes after a multipart body's last boundary) is read now, within the same limit.
   * @throws TollgateError INTERNAL when the body was never read; EVIDENCE_TOO_LARGE past the limit
   */
  async digest(): Promise<string> {
    if (!this.done) {
      const stream = this.stream as (NodeJS.ReadableStream & { unpipe(): void }) | undefined;
      if (!stream) throw new TollgateError('INTERNAL', 'a keyed upload wrote before its body was read');
      stream.unpipe();
      stream.resume();
      await this.ended;
    }
    return `sha256:${this.hash.digest('hex')}`;
  }
}
