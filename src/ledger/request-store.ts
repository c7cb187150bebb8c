/**
 * Retried writes (`Idempotency-Key`): each write a keyed request makes is remembered in the same
 * transaction as the ledger entries it appends, so "done" and "remembered" are one commit — a
 * replica killed between them leaves neither or both. The answer the caller got is kept beside
 * it, so a retry with the same key gets that answer back, byte for byte, and records nothing.
 */
import type { Kysely } from 'kysely';
import { TollgateError } from '../errors.js';
import { prepare, type SqlRunner } from './prepared-query.js';
import type { Database, RequestKeyTable } from './schema.js';

/** A keyed request's write, as remembered. */
export interface RememberedRequest {
  principal: string;
  key: string;
  /** sha256 of the request (method, path, query, body): the same key with another request is refused. */
  fingerprint: string;
  /** What the write returned to its use case, as JSON (replayed into the use case when no answer was kept). */
  value: string;
  /** The answer sent: status, headers and body; absent while (or when never) sent. */
  answer?: { status: number; headers: Record<string, string>; body: string };
  createdAt: string;
}

/** Inside a write transaction. */
export interface RequestMemory {
  recall(principal: string, key: string): Promise<RememberedRequest | undefined>;
  /**
   * Remembers a keyed request's write; false when the key was remembered meanwhile by a write to
   * another pipeline (another lock), which committed first: the caller must then not keep its own.
   */
  remember(request: RememberedRequest): Promise<boolean>;
}

/** Outside one. */
export interface RequestStore extends RequestMemory {
  /** Keeps the answer sent for a remembered request. */
  keepAnswer(principal: string, key: string, answer: NonNullable<RememberedRequest['answer']>): Promise<void>;
  /** Forgets requests remembered before `before` (keys are kept 24 hours). */
  purge(before: Date): Promise<number>;
}

function toRequest(row: RequestKeyTable): RememberedRequest {
  let answer: RememberedRequest['answer'];
  try {
    answer = row.answer === null ? undefined : JSON.parse(row.answer);
  } catch (cause) {
    throw new TollgateError('LEDGER_CORRUPT', `the remembered answer of request ${row.key} is damaged`, {
      cause,
    });
  }
  return {
    principal: row.principal,
    key: row.key,
    fingerprint: row.fingerprint,
    value: row.value,
    ...(answer ? { answer } : {}),
    createdAt: row.created_at,
  };
}

export function sqlRequestQueries(k: Kysely<Database>) {
  return {
    find: prepare(['principal', 'key'], (p) =>
      k.selectFrom('request_keys').selectAll().where('principal', '=', p.principal).where('key', '=', p.key),
    ),
    // A key taken meanwhile is not an error of the database's: the caller decides what it means.
    insert: prepare(['principal', 'key', 'fingerprint', 'value', 'answer', 'created_at'], (p) =>
      k
        .insertInto('request_keys')
        .values(p)
        .onConflict((c) => c.columns(['principal', 'key']).doNothing()),
    ),
    answer: prepare(['principal', 'key', 'answer'], (p) =>
      k
        .updateTable('request_keys')
        .set({ answer: p.answer })
        .where('principal', '=', p.principal)
        .where('key', '=', p.key),
    ),
    purge: prepare(['before'], (p) => k.deleteFrom('request_keys').where('created_at', '<', p.before)),
  };
}

export type RequestQueries = ReturnType<typeof sqlRequestQueries>;

export function requestMemory(q: RequestQueries, runner: SqlRunner): RequestMemory {
  return {
    async recall(principal, key) {
      const [row] = (await runner.execute<RequestKeyTable>(q.find({ principal, key }))).rows;
      return row && toRequest(row);
    },
    async remember(request) {
      const { affected } = await runner.execute(
        q.insert({
          principal: request.principal,
          key: request.key,
          fingerprint: request.fingerprint,
          value: request.value,
          answer: request.answer ? JSON.stringify(request.answer) : null,
          created_at: request.createdAt,
        }),
      );
      return affected > 0;
    },
  };
}

export function sqlRequestStore(q: RequestQueries, runner: SqlRunner): RequestStore {
  return {
    ...requestMemory(q, runner),
    async keepAnswer(principal, key, answer) {
      await runner.execute(q.answer({ principal, key, answer: JSON.stringify(answer) }));
    },
    async purge(before) {
      return (await runner.execute(q.purge({ before: before.toISOString() }))).affected;
    },
  };
}
