/**
 * Request bodies that are evidence: JUnit reports are streamed to the parser (a 100 MB report
 * never sits whole in memory); JSON evidence is read up to the limit. Either way a body over the
 * limit is refused with EVIDENCE_TOO_LARGE (413) — before anything is read when it declares its
 * length, or as soon as the count passes the limit — and nothing is stored, because every use case
 * stores only after its input was read and checked in full.
 */
import { PassThrough, Readable, Transform } from 'node:stream';
import type { Context } from 'hono';
import { TollgateError } from '../errors.js';
import type { ServerEnv } from './env.js';
import { asCutShortBody, cutShortBody } from './http-errors.js';

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
  c: Context<ServerEnv>,
  name: string,
  maxBytes: number,
  count?: (bytes: number) => void,
): NodeJS.ReadableStream {
  const declared = declaredLength(c);
  if (declared !== undefined && declared > maxBytes) throw tooLarge(name, maxBytes, declared);
  const body = c.req.raw.body;
  if (!body)
    throw new TollgateError('USAGE', `${name}: the request has no body; send the report as the body`);
  const digest = c.get('uploadDigest');
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      count?.(chunk.length);
      if (seen > maxBytes) return callback(tooLarge(name, maxBytes));
      digest?.update(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      // A body read after its client went away ends at once, without an error: fewer bytes than
      // declared is a body cut short, not an empty or malformed report.
      if (declared !== undefined && seen < declared) return callback(cutShortBody(String(declared)));
      digest?.finish();
      callback();
    },
  });
  digest?.watch(counter);
  const source = Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>);
  // Named for what it is before a parser reads it as a malformed report.
  source.on('error', (error) =>
    counter.destroy(asCutShortBody(error, c.req.header('content-length')) as Error),
  );
  return source.pipe(counter);
}

/** The whole body, refused with EVIDENCE_TOO_LARGE once more than `maxBytes` came. */
export async function uploadBytes(c: Context<ServerEnv>, name: string, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of uploadStream(c, name, maxBytes) as AsyncIterable<Buffer>) chunks.push(chunk);
  if (chunks.length === 0) throw new TollgateError('USAGE', `${name}: the request body is empty`);
  return Buffer.concat(chunks);
}

/** One file of an upload: its name (for messages) and its bytes, streamed. */
export interface UploadPart {
  name: string;
  stream: NodeJS.ReadableStream;
}

/** True when the body is `multipart/form-data` (several files in one request). */
export function isMultipart(c: Context): boolean {
  return mediaTypeOf(c) === 'multipart/form-data';
}

/** Control characters and the like have no place in a name quoted in messages. */
function partName(filename: string | undefined, index: number): string {
  const clean = (filename ?? '').replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '').trim();
  return clean === '' ? `part ${index}` : clean.slice(0, 300);
}

/**
 * The files of a `multipart/form-data` body, one after the other as they arrive: each part is a
 * stream the caller reads to its end before the next part is parsed, so no part and no body is
 * ever held whole in memory. The whole body counts against `maxBytes` (EVIDENCE_TOO_LARGE, 413,
 * as soon as the count passes it); each part must be a file (a `filename`) of one of the
 * `accepted` media types (or carry none). A malformed body is USAGE (400).
 */
export async function* uploadParts(
  c: Context<ServerEnv>,
  name: string,
  maxBytes: number,
  accepted: readonly string[],
  count?: (bytes: number) => void,
): AsyncGenerator<UploadPart> {
  const { default: Busboy } = await import('busboy');
  const body = uploadStream(c, name, maxBytes, count);
  let parser: import('busboy').Busboy;
  try {
    parser = Busboy({
      headers: { 'content-type': c.req.header('content-type') ?? '' },
      preservePath: true,
      defParamCharset: 'utf8',
      limits: { fields: 0, files: 10_000, parts: 10_000, headerPairs: 20 },
    });
  } catch (cause) {
    throw new TollgateError(
      'USAGE',
      `${name}: ${(cause as Error).message}: expected multipart/form-data with a boundary`,
      { cause },
    );
  }
  const queue: UploadPart[] = [];
  let failure: Error | undefined;
  let finished = false;
  let wake: (() => void) | undefined;
  const signal = () => {
    wake?.();
    wake = undefined;
  };
  const malformed = (error: Error) =>
    error instanceof TollgateError
      ? error
      : new TollgateError('USAGE', `${name}: malformed multipart body: ${error.message}`, { cause: error });
  const fail = (error: Error) => {
    failure ??= malformed(error);
    signal();
  };
  let index = 0;
  parser.on('file', (_field, stream, info) => {
    index += 1;
    const part = partName(info.filename, index);
    const type = (info.mimeType ?? '').toLowerCase();
    const typed = accepted.some((p) => (p.startsWith('+') ? type.endsWith(p) : type === p));
    if (info.filename === undefined || (type !== '' && type !== 'text/plain' && !typed)) {
      stream.resume();
      fail(
        new TollgateError(
          info.filename === undefined ? 'USAGE' : 'MEDIA_TYPE_UNSUPPORTED',
          info.filename === undefined
            ? `${name}: part ${index} is not a file (a form field); send each report as a file part`
            : `${part}: a part must be sent as ${accepted.join(', ')}; it came as ${type}`,
        ),
      );
      return;
    }
    // A part cut short (the body ended mid-part) fails as a malformed body, not as unreadable evidence.
    const out = new PassThrough();
    stream.on('error', (error: Error) => out.destroy(malformed(error)));
    stream.pipe(out);
    queue.push({ name: part, stream: out });
    signal();
  });
  parser.on('field', (field) =>
    fail(new TollgateError('USAGE', `${name}: form field "${field.slice(0, 40)}" is not a file part`)),
  );
  parser.on('fieldsLimit', () => fail(new TollgateError('USAGE', `${name}: only file parts are accepted`)));
  parser.on('filesLimit', () =>
    fail(new TollgateError('USAGE', `${name}: more than 10000 files in one upload`)),
  );
  parser.on('error', (error: Error) => fail(error));
  parser.on('close', () => {
    finished = true;
    signal();
  });
  body.on('error', (error: Error) => {
    // Over the limit, or the connection broke: the part being read fails with it.
    parser.destroy(error);
    fail(error);
  });
  body.pipe(parser);
  try {
    while (true) {
      if (failure) throw failure;
      const next = queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (finished) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    if (index === 0) throw new TollgateError('USAGE', `${name}: the multipart body has no file part`);
  } finally {
    if (!finished) {
      body.unpipe(parser);
      (body as NodeJS.ReadableStream & { resume(): void }).resume();
    }
  }
}

/** Every part of a `multipart/form-data` body, each read whole (JSON evidence, parsed as a document). */
export async function uploadPartBytes(
  c: Context<ServerEnv>,
  name: string,
  maxBytes: number,
  accepted: readonly string[],
  count?: (bytes: number) => void,
): Promise<Array<{ name: string; bytes: Buffer }>> {
  const parts: Array<{ name: string; bytes: Buffer }> = [];
  for await (const part of uploadParts(c, name, maxBytes, accepted, count)) {
    const chunks: Buffer[] = [];
    for await (const chunk of part.stream as AsyncIterable<Buffer>) chunks.push(chunk);
    if (chunks.length === 0) throw new TollgateError('USAGE', `${part.name}: the part is empty`);
    parts.push({ name: part.name, bytes: Buffer.concat(chunks) });
  }
  return parts;
}
