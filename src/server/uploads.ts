/**
 * Request bodies that are evidence: JUnit reports are streamed to the parser (a 100 MB report
 * never sits whole in memory); JSON evidence is read up to the limit. Either way a body over the
 * limit is refused with EVIDENCE_TOO_LARGE (413) — before anything is read when it declares its
 * length, or as soon as the count passes the limit — and nothing is stored, because every use case
 * stores only after its input was read and checked in full.
 */
import { Readable, Transform } from 'node:stream';
import type { Context } from 'hono';
import { TollgateError } from '../errors.js';

function tooLarge(name: string, maxBytes: number, seen?: number): TollgateError {
  const size = seen === undefined ? 'over' : `${seen} bytes, over`;
  return new TollgateError(
    'EVIDENCE_TOO_LARGE',
    `${name}: the upload is ${size} the server's limit of ${maxBytes} bytes; nothing was stored (the operator sets the limit with --max-evidence-bytes)`,
  );
}

/** The media type without parameters, lower-cased ('' when absent). */
export function mediaTypeOf(c: Context): string {
  return (c.req.header('content-type') ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

/**
 * Refuses a body whose media type is not one of `accepted` (patterns may end in `+json`/`+xml`).
 * @throws TollgateError MEDIA_TYPE_UNSUPPORTED (415)
 */
export function assertMediaType(c: Context, accepted: readonly string[]): void {
  const type = mediaTypeOf(c);
  const ok = accepted.some((pattern) =>
    pattern.startsWith('+') ? type.endsWith(pattern) && type.includes('/') : type === pattern,
  );
  if (!ok) {
    throw new TollgateError(
      'MEDIA_TYPE_UNSUPPORTED',
      `this upload must be sent as ${accepted.map((p) => (p.startsWith('+') ? `*/*${p}` : p)).join(', ')}; it came as ${type || 'no Content-Type'}`,
    );
  }
}

function declaredLength(c: Context): number | undefined {
  const text = c.req.header('content-length');
  if (text === undefined || c.req.header('transfer-encoding') !== undefined) return undefined;
  const length = Number(text);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}

/** The body as a Node stream that fails with EVIDENCE_TOO_LARGE once more than `maxBytes` came. */
export function uploadStream(
  c: Context,
  name: string,
  maxBytes: number,
  count?: (bytes: number) => void,
): NodeJS.ReadableStream {
  const declared = declaredLength(c);
  if (declared !== undefined && declared > maxBytes) throw tooLarge(name, maxBytes, declared);
  const body = c.req.raw.body;
  if (!body)
    throw new TollgateError('USAGE', `${name}: the request has no body; send the report as the body`);
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      count?.(chunk.length);
      if (seen > maxBytes) callback(tooLarge(name, maxBytes));
      else callback(null, chunk);
    },
  });
  const source = Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>);
  source.on('error', (error) => counter.destroy(error));
  return source.pipe(counter);
}

/** The whole body, refused with EVIDENCE_TOO_LARGE once more than `maxBytes` came. */
export async function uploadBytes(c: Context, name: string, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of uploadStream(c, name, maxBytes) as AsyncIterable<Buffer>) chunks.push(chunk);
  if (chunks.length === 0) throw new TollgateError('USAGE', `${name}: the request body is empty`);
  return Buffer.concat(chunks);
}
