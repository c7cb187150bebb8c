/**
 * Sessions of people signed in to a server, and sign-ins under way, in the database so that any
 * replica serves them. Keyed by the SHA-256 of the cookie's random value: the table alone opens
 * nothing.
 */
import type { Kysely } from 'kysely';
import { TollgateError } from '../errors.js';
import { prepare, type SqlRunner } from './prepared-query.js';
import type { Database, SessionTable } from './schema.js';

export interface SessionRecord {
  idHash: string;
  kind: 'login' | 'session';
  data: Record<string, unknown>;
  createdAt: string;
  expiresAt: string;
}

export interface SessionStore {
  insert(record: SessionRecord): Promise<void>;
  /** The record, when it exists and has not expired at `at`. */
  find(idHash: string, at: Date): Promise<SessionRecord | undefined>;
  /** Removes it; true when there was one. */
  delete(idHash: string): Promise<boolean>;
  /** Removes every record expired at `at`. */
  purge(at: Date): Promise<number>;
}

export function sqlSessionStore(k: Kysely<Database>, runner: SqlRunner): SessionStore {
  const q = {
    insert: prepare(['id_hash', 'kind', 'data', 'created_at', 'expires_at'], (p) =>
      k.insertInto('sessions').values(p),
    ),
    find: prepare(['id_hash', 'at'], (p) =>
      k.selectFrom('sessions').selectAll().where('id_hash', '=', p.id_hash).where('expires_at', '>', p.at),
    ),
    delete: prepare(['id_hash'], (p) => k.deleteFrom('sessions').where('id_hash', '=', p.id_hash)),
    purge: prepare(['at'], (p) => k.deleteFrom('sessions').where('expires_at', '<=', p.at)),
  };
  return {
    async insert(record) {
      await runner.execute(
        q.insert({
          id_hash: record.idHash,
          kind: record.kind,
          data: JSON.stringify(record.data),
          created_at: record.createdAt,
          expires_at: record.expiresAt,
        }),
      );
    },
    async find(idHash, at) {
      const [row] = (await runner.execute<SessionTable>(q.find({ id_hash: idHash, at: at.toISOString() })))
        .rows;
      if (!row) return undefined;
      let data: unknown;
      try {
        data = JSON.parse(row.data);
      } catch (cause) {
        throw new TollgateError('LEDGER_CORRUPT', 'a sessions row is damaged', { cause });
      }
      return {
        idHash: row.id_hash,
        kind: row.kind as SessionRecord['kind'],
        data: data as Record<string, unknown>,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
      };
    },
    async delete(idHash) {
      return (await runner.execute(q.delete({ id_hash: idHash }))).affected > 0;
    },
    async purge(at) {
      return (await runner.execute(q.purge({ at: at.toISOString() }))).affected;
    },
  };
}
