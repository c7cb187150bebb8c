/**
 * `Idempotency-Key` on writes: a CI job that retries after a timeout, or against another replica
 * after one died, records nothing twice and gets the first answer back.
 *
 * The first write a keyed request makes runs with the key remembered in the same transaction,
 * under the pipeline's lock, beside the value the write returned to its use case. A retry that
 * finds the answer kept gets it replayed as it was sent. A retry that finds the write but no
 * answer (the first is still answering, or its replica died after the commit) runs the use case
 * again with that write replaced by the remembered value, so its answer is made from the same
 * facts and nothing is appended. The same key with a different request is refused (422): another
 * method, path, query or body — an upload's body too, digested as it streams, and its
 * Content-Type (the boundary says what its parts are) —, another credential
 * of the same principal or, in a demo pipeline, another `Tollgate-As` or `Tollgate-Now`.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppServices } from '../app/services.js';
import { TollgateError } from '../errors.js';
import { sha256 } from '../ledger/hash-chain.js';
import type { LedgerStore, LedgerTransaction } from '../ledger/ledger-store.js';
import type { RememberedRequest } from '../ledger/request-store.js';
import type { ServerContext, ServerEnv } from './env.js';
import { principalKey } from './identity.js';
import { UploadDigest } from './upload-digest.js';
import { uploadStream } from './uploads.js';

export const REPLAYED_HEADER = 'idempotent-replayed';
/** Answers kept for replay carry these headers besides the body. */
const KEPT_HEADERS = ['content-type', 'tollgate-entry', 'tollgate-vsa'];
const KEY = /^[\x21-\x7e]{1,200}$/;
/** Keys are remembered this long. */
export const KEY_LIFETIME_MS = 24 * 3_600_000;

function reused(key: string): TollgateError {
  return new TollgateError(
    'IDEMPOTENCY_KEY_REUSED',
    `Idempotency-Key ${key} was used for a different request, or by another credential; a retry must repeat the request exactly with the same credential, a new request needs a new key`,
  );
}

/** USAGE for a key outside the syntax: what was expected, and what was found. */
function keyInvalid(key: string): TollgateError {
  const chars = [...key];
  const at = chars.findIndex((char) => !/^[\x21-\x7e]$/.test(char));
  const code = at >= 0 ? chars[at]!.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0') : '';
  const found =
    key.length === 0
      ? 'an empty value'
      : at >= 0
        ? `U+${code} at character ${at + 1}`
        : `${chars.length} characters`;
  return new TollgateError(
    'USAGE',
    `Idempotency-Key: expected 1 to 200 visible ASCII characters (a UUID is usual), compared exactly; found ${found}`,
  );
}

/** Where a keyed request's write is remembered, and how to tell the request from another. */
interface Slot {
  principal: string;
  key: string;
  /** The request's fingerprint; an upload's is known once its body was read. */
  fingerprint: () => Promise<string>;
  at: Date;
}

/**
 * A view of `store` whose first `write` is the keyed request's: it replays `remembered` when the
 * request's write happened already, and otherwise remembers the write with the key.
 */
function keyedStore(
  store: LedgerStore,
  slot: Slot,
  state: { wrote: boolean; replayed: boolean },
): LedgerStore {
  const write = async <T>(pipeline: string, work: (tx: LedgerTransaction) => Promise<T>): Promise<T> => {
    if (state.wrote) {
      throw new TollgateError('INTERNAL', 'a keyed request made a second write; only one is remembered');
    }
    state.wrote = true;
    // Before the lock: the rest of an upload's body is read to digest it, never while holding it.
    const fingerprint = await slot.fingerprint();
    return store.write(pipeline, async (tx) => {
      const found = await tx.requests.recall(slot.principal, slot.key);
      if (found) {
        if (found.fingerprint !== fingerprint) throw reused(slot.key);
        state.replayed = true;
        return JSON.parse(found.value) as T;
      }
      const value = await work(tx);
      const kept = await tx.requests.remember({
        principal: slot.principal,
        key: slot.key,
        fingerprint,
        value: JSON.stringify(value ?? null),
        createdAt: slot.at.toISOString(),
      });
      // The same key, first used at the same moment for a write to another pipeline (another
      // lock), which committed first: another request. Throwing undoes this one's write.
      if (!kept) throw reused(slot.key);
      return value;
    });
  };
  return withWrite(store, write);
}

/** A view of `store` whose `write` is `write` (which calls the store's own when it writes). */
export function withWrite(store: LedgerStore, write: LedgerStore['write']): LedgerStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'write') return write;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * What a request is, but for its body: method, path with query, the credential it came with and,
 * when a caller sets who acts or when (a demo pipeline), those too — another name or time is
 * another request.
 *
 * Keys are kept per principal, and several credentials may carry one name: a token an admin made
 * over the API in a name the contract gives a standing to acts for nobody, yet it would be
 * answered the approval its namesake made under the same key, before its own request is judged.
 * A retry comes with the credential it was first sent with (a CI job's fresh ID token is still
 * `oidc:<issuer>`); another credential is another request.
 */
function requestLine(c: ServerContext, upload: boolean): string {
  const url = new URL(c.req.url);
  let line = `${c.req.method} ${url.pathname}${url.search}\nCredential: ${c.get('identity').via}`;
  // An upload's bytes mean what its Content-Type says: one file or multipart, and the parts are
  // where the boundary says. The same bytes under another type (another boundary) are another
  // request, never a retry of the first. (A JSON or YAML body means the same under any type the
  // route takes.)
  if (upload) line += `\nContent-Type: ${c.req.header('content-type') ?? ''}`;
  const as = c.req.header('tollgate-as');
  const now = c.req.header('tollgate-now');
  if (as === undefined && now === undefined) return line;
  return `${line}\nTollgate-As: ${as ?? ''}\nTollgate-Now: ${now ?? ''}`;
}

function fingerprintOf(line: string, bodyDigest: string): string {
  return sha256(`${line}\n${bodyDigest}`);
}

function replay(found: RememberedRequest): Response {
  const answer = found.answer!;
  return new Response(answer.body, {
    status: answer.status,
    headers: { ...answer.headers, [REPLAYED_HEADER]: 'true' },
  });
}

export interface IdempotencyOptions {
  /** The route streams its body as evidence: its digest is taken as the route reads it. */
  upload: boolean;
  /** Largest upload (the route's own limit), for reading a retried upload's body to compare it. */
  maxUploadBytes: number;
}

/**
 * The middleware of write routes. A JSON or YAML body is read here (hono keeps it for the
 * validator); an upload's body is digested as the route streams it, and read here only to compare
 * a retry with the answer already kept.
 */
export function idempotency(
  services: AppServices,
  options: IdempotencyOptions,
): MiddlewareHandler<ServerEnv> {
  let lastPurge = 0;
  return async (c, next) => {
    const key = c.req.header('idempotency-key');
    if (key === undefined) return next();
    // Keys are compared byte for byte and never normalised (case, spaces, Unicode forms): a key
    // that could mean two things is refused, so no two spellings share, or split, one request.
    if (!KEY.test(key)) throw keyInvalid(key);
    // Scoped by the normalised name: a retry under another spelling of one principal is a retry.
    const principal = principalKey(c.get('identity').principal);
    const line = requestLine(c, options.upload);
    // The request's own store when a middleware before this one gave it one (an upload's).
    const store = await (c.get('services') ?? services).store();
    const at = services.clock.now();
    if (at.getTime() - lastPurge > 60_000) {
      lastPurge = at.getTime();
      await store.requests.purge(new Date(at.getTime() - KEY_LIFETIME_MS));
    }
    const found = await store.requests.recall(principal, key);
    let fingerprint: () => Promise<string>;
    if (options.upload) {
      const digest = new UploadDigest();
      c.set('uploadDigest', digest);
      const whole = async () => fingerprintOf(line, await digest.digest());
      if (found?.answer) {
        // A retry of an upload answered already: its body is read (digested, never held) and
        // compared, so another report under the same key is refused, never answered as the first.
        for await (const _ of uploadStream(c, 'upload', options.maxUploadBytes) as AsyncIterable<Buffer>);
        if ((await whole()) !== found.fingerprint) throw reused(key);
        return replay(found);
      }
      let memo: Promise<string> | undefined;
      fingerprint = () => (memo ??= whole());
    } else {
      const known = fingerprintOf(line, sha256(await c.req.text()));
      if (found && found.fingerprint !== known) throw reused(key);
      if (found?.answer) return replay(found);
      fingerprint = () => Promise.resolve(known);
    }
    const state = { wrote: false, replayed: false };
    const keyed = keyedStore(store, { principal, key, fingerprint, at }, state);
    c.set('services', { ...(c.get('services') ?? services), store: () => Promise.resolve(keyed) });
    await next();
    if (state.replayed) c.res.headers.set(REPLAYED_HEADER, 'true');
    // Keep the answer of a write that happened (ours, or the first one's when it never kept it).
    if (state.wrote && c.res.status < 300 && !c.error) {
      const headers: Record<string, string> = {};
      for (const name of KEPT_HEADERS) {
        const value = c.res.headers.get(name);
        if (value !== null) headers[name] = value;
      }
      const body = await c.res.clone().text();
      const current = await store.requests.recall(principal, key);
      if (current && !current.answer)
        await store.requests.keepAnswer(principal, key, { status: c.res.status, headers, body });
    }
  };
}
