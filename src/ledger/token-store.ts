/**
 * A server's API tokens, in the same database as its ledger. Only a hash of each token's secret is
 * kept; the token itself is shown once, when it is made (src/app/tokens.ts). Queries are written
 * once for both dialects, like the ledger's.
 */
import { type Kysely, sql } from 'kysely';
import { TollgateError } from '../errors.js';
import { prepare, type SqlRunner } from './prepared-query.js';
import type { ReadMemo } from './read-memo.js';
import type { ApiTokenTable, Database } from './schema.js';

/** A stored token, without its secret. */
export interface TokenRecord {
  id: string;
  principal: string;
  role: string;
  pipelines: string[] | '*';
  /** The stages it may act in, or undefined for every stage. */
  stages?: string[];
  createdAt: string;
  createdBy: string;
  expiresAt: string;
  revokedAt?: string;
  revokedBy?: string;
  /** `api` when an API caller made it (`createdBy` is that caller); absent when the operator did, on the database. */
  madeVia?: 'api';
  /**
   * The credential that made it over the API: `token:<id>` (an API token: revoking it revokes this
   * one), `oidc:<issuer>` (a CI job's ID token), `session` (a signed-in person). Absent for a token
   * the operator made on the database, or one made before the server recorded it.
   */
  madeWith?: string;
}

export interface TokenStore {
  insert(record: TokenRecord, secretHash: string): Promise<void>;
  /** The token and its secret's hash, or undefined when no token has this id. */
  find(id: string): Promise<{ record: TokenRecord; secretHash: string } | undefined>;
  /**
   * What {@link find} keeps for `id` while the database is unchanged, when that can be told without
   * waiting (src/ledger/read-memo.ts, keptNow); undefined when it must be read.
   */
  findKept?(id: string): { value: { record: TokenRecord; secretHash: string } | undefined } | undefined;
  /** Every token, newest first. */
  list(): Promise<TokenRecord[]>;
  /**
   * Marks the token revoked, and every token it made over the API, and every token those made, in
   * one statement (nothing half-revoked). Returns the ids it revoked now: `id` among them unless it
   * was revoked already (or there is no such token); tokens revoked before are left as they were,
   * but what they made is revoked all the same.
   */
  revoke(id: string, by: string, at: string): Promise<string[]>;
}

function toRecord(row: ApiTokenTable): TokenRecord {
  let pipelines: unknown;
  let stages: unknown;
  try {
    pipelines = JSON.parse(row.pipelines);
    stages = row.stages === null ? undefined : JSON.parse(row.stages);
  } catch (cause) {
    throw new TollgateError('LEDGER_CORRUPT', `the api_tokens row of token ${row.id} is damaged`, { cause });
  }
  return {
    id: row.id,
    principal: row.principal,
    role: row.role,
    pipelines: pipelines as string[] | '*',
    ...(stages === undefined ? {} : { stages: stages as string[] }),
    createdAt: row.created_at,
    createdBy: row.created_by,
    expiresAt: row.expires_at,
    ...(row.revoked_at === null ? {} : { revokedAt: row.revoked_at }),
    ...(row.revoked_by === null ? {} : { revokedBy: row.revoked_by }),
    ...(row.made_via === 'api' ? { madeVia: 'api' as const } : {}),
    ...(row.made_with === null || row.made_with === undefined ? {} : { madeWith: row.made_with }),
  };
}

/** The token store over a ledger database's connection(s). */
export function sqlTokenStore(k: Kysely<Database>, runner: SqlRunner, memo?: ReadMemo): TokenStore {
  const q = {
    insert: prepare(
      [
        'id',
        'secret_hash',
        'principal',
        'role',
        'pipelines',
        'stages',
        'created_at',
        'created_by',
        'expires_at',
        'revoked_at',
        'revoked_by',
        'made_via',
        'made_with',
      ],
      (p) => k.insertInto('api_tokens').values(p),
    ),
    find: prepare(['id'], (p) => k.selectFrom('api_tokens').selectAll().where('id', '=', p.id)),
    list: prepare([], () =>
      k.selectFrom('api_tokens').selectAll().orderBy('created_at', 'desc').orderBy('id'),
    ),
    // The token and its lineage (what it made, what those made…), through tokens revoked before
    // too, revoked in one statement: atomic on both dialects, so a revocation is never half done.
    revoke: prepare(['id', 'at', 'by'], (p) => ({
      compile: () =>
        sql<{ id: string }>`with recursive lineage (id) as (
            select id from api_tokens where id = ${p.id}
            union
            select t.id from api_tokens t join lineage l on t.made_with = 'token:' || l.id
          )
          update api_tokens set revoked_at = ${p.at}, revoked_by = ${p.by}
          where id in (select id from lineage) and revoked_at is null
          returning id`.compile(k),
    })),
  };
  return {
    async insert(record, secretHash) {
      await runner.execute(
        q.insert({
          id: record.id,
          secret_hash: secretHash,
          principal: record.principal,
          role: record.role,
          pipelines: JSON.stringify(record.pipelines),
          stages: record.stages ? JSON.stringify(record.stages) : null,
          created_at: record.createdAt,
          created_by: record.createdBy,
          expires_at: record.expiresAt,
          revoked_at: null,
          revoked_by: null,
          made_via: record.madeVia ?? null,
          made_with: record.madeWith ?? null,
        }),
      );
    },
    find(id) {
      // Every API request reads its token: kept while the database is unchanged (a revocation,
      // by this replica or any other process, is a change).
      const load = async () => {
        const [row] = (await runner.execute<ApiTokenTable>(q.find({ id }))).rows;
        return row && { record: toRecord(row), secretHash: row.secret_hash };
      };
      return memo ? memo.read(JSON.stringify(['token', id]), load) : load();
    },
    findKept(id) {
      return memo?.keptNow(JSON.stringify(['token', id]));
    },
    async list() {
      return (await runner.execute<ApiTokenTable>(q.list({}))).rows.map(toRecord);
    },
    async revoke(id, by, at) {
      return (await runner.execute<{ id: string }>(q.revoke({ id, by, at }))).rows.map((row) => row.id);
    },
  };
}
