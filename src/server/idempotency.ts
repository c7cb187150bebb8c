/**
 * `Idempotency-Key` on writes: a CI job that retries after a timeout, or against another replica
 * after one died, records nothing twice and gets the first answer back.
 *
 * The first write a keyed request makes runs with the key remembered in the same transaction,
 * under the pipeline's lock, beside the value the write returned to its use case. A retry that
 * finds the answer kept gets it replayed as it was sent. A retry that finds the write but no
 * answer (the first is still answering, or its replica died after the commit) runs the use case
 * again with that write replaced by the remembered value, so its answer is made from the same
 * facts and nothing is appended. The same key with a different request is refused (422).
 */
import type { MiddlewareHandler } from 'hono';
import type { AppServices } from '../app/services.js';
import { TollgateError } from '../errors.js';
import { sha256 } from '../ledger/hash-chain.js';
import type { LedgerStore, LedgerTransaction } from '../ledger/ledger-store.js';
import type { RememberedRequest } from '../ledger/request-store.js';
import type { ServerEnv } from './env.js';

export const REPLAYED_HEADER = 'idempotent-replayed';
/** Answers kept for replay carry these headers besides the body. */
const KEPT_HEADERS = ['content-type', 'tollgate-entry', 'tollgate-vsa'];
const KEY = /^[\x21-\x7e]{1,200}$/;
/** Keys are remembered this long. */
export const KEY_LIFETIME_MS = 24 * 3_600_000;

function reused(key: string): TollgateError {
  return new TollgateError(
    'IDEMPOTENCY_KEY_REUSED',
    `Idempotency-Key ${key} was used for a different request; a retry must repeat the request exactly, a new request needs a new key`,
  );
}

/**
 * A view of `store` whose first `write` is the keyed request's: it replays `remembered` when the
 * request's write happened already, and otherwise remembers the write with the key.
 */
function keyedStore(
  store: LedgerStore,
  slot: { principal: string; key: string; fingerprint: string; at: Date },
  state: { wrote: boolean; replayed: boolean },
): LedgerStore {
  const write = async <T>(pipeline: string, work: (tx: LedgerTransaction) => Promise<T>): Promise<T> => {
    if (state.wrote) {
      throw new TollgateError('INTERNAL', 'a keyed request made a second write; only one is remembered');
    }
    state.wrote = true;
    return store.write(pipeline, async (tx) => {
      const found = await tx.requests.recall(slot.principal, slot.key);
      if (found) {
        if (found.fingerprint !== slot.fingerprint) throw reused(slot.key);
        state.replayed = true;
        return JSON.parse(found.value) as T;
      }
      const value = await work(tx);
      await tx.requests.remember({
        principal: slot.principal,
        key: slot.key,
        fingerprint: slot.fingerprint,
        value: JSON.stringify(value ?? null),
        createdAt: slot.at.toISOString(),
      });
      return value;
    });
  };
  return new Proxy(store, {
    get(target, property) {
      if (property === 'write') return write;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The fingerprint of a request: method, path with query, and the body (unless it is an upload). */
async function fingerprintOf(request: Request, withBody: boolean): Promise<string> {
  const url = new URL(request.url);
  const body = withBody && request.body ? Buffer.from(await request.clone().arrayBuffer()) : Buffer.alloc(0);
  return sha256(`${request.method} ${url.pathname}${url.search}\n${sha256(body)}`);
}

function replay(found: RememberedRequest): Response {
  const answer = found.answer!;
  return new Response(answer.body, {
    status: answer.status,
    headers: { ...answer.headers, [REPLAYED_HEADER]: 'true' },
  });
}

/**
 * The middleware of write routes. `upload` routes stream their body, so their fingerprint leaves
 * the body out (a retried upload is the same report, or a caller's mistake the key cannot see).
 */
export function idempotency(services: AppServices, upload: boolean): MiddlewareHandler<ServerEnv> {
  let lastPurge = 0;
  return async (c, next) => {
    const key = c.req.header('idempotency-key');
    if (key === undefined) return next();
    if (!KEY.test(key))
      throw new TollgateError(
        'USAGE',
        'Idempotency-Key: expected 1 to 200 visible ASCII characters (a UUID is usual)',
      );
    const principal = c.get('identity').principal;
    const fingerprint = await fingerprintOf(c.req.raw, !upload);
    const store = await services.store();
    const at = services.clock.now();
    if (at.getTime() - lastPurge > 60_000) {
      lastPurge = at.getTime();
      await store.requests.purge(new Date(at.getTime() - KEY_LIFETIME_MS));
    }
    const found = await store.requests.recall(principal, key);
    if (found && found.fingerprint !== fingerprint) throw reused(key);
    if (found?.answer) return replay(found);
    const state = { wrote: false, replayed: false };
    const keyed = keyedStore(store, { principal, key, fingerprint, at }, state);
    c.set('services', { ...services, store: () => Promise.resolve(keyed) });
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
