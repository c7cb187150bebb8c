/**
 * Database tables and migrations, in code so the bundled CLI needs no migrations folder.
 * The same migrations run on SQLite and PostgreSQL; column types are chosen to mean the same on both.
 */
import { type Kysely, type Migration, type MigrationProvider, SqliteAdapter, sql } from 'kysely';
import type { StoredEntry } from './entry.js';

export interface ArtifactTable {
  pipeline: string;
  digest: string;
  labels: string;
  source: string;
  registered_at: string;
  actor: string;
}

export interface EvidenceTable {
  pipeline: string;
  id: string;
  artifact: string;
  kind: string;
  format: string;
  stage: string | null;
  source_digest: string;
  signer: string | null;
  actor: string;
  recorded_at: string;
  data: string;
}

/** A ledger row: the stored entry (src/ledger/entry.ts) with the database's column names. */
export type LedgerEntryTable = Omit<StoredEntry, 'prevHash'> & { prev_hash: string };

/** A server's API token: only a hash of its secret is kept (src/ledger/token-store.ts). */
export interface ApiTokenTable {
  id: string;
  secret_hash: string;
  principal: string;
  role: string;
  /** JSON: a list of pipeline names, or "*". */
  pipelines: string;
  /** JSON list of stage names, or null for every stage. */
  stages: string | null;
  created_at: string;
  created_by: string;
  expires_at: string;
  revoked_at: string | null;
  revoked_by: string | null;
  /** 'api' for a token made over the API, null for one the operator made on the database (0008). */
  made_via: string | null;
  /**
   * The credential that made it over the API (0011): `token:<id>` for an API token (revoking that
   * token revokes this one), `oidc:<issuer>` for a CI job's ID token, `session` for a signed-in
   * person. Null for a token the operator made on the database, or made before 0011.
   */
  made_with: string | null;
}

/** A signed-in person's session, or a sign-in under way (src/ledger/session-store.ts). */
export interface SessionTable {
  /** sha256 of the cookie's value: a leaked table opens no session. */
  id_hash: string;
  kind: string;
  /** JSON: what the session holds (principal and grant; or the sign-in's state, nonce, verifier). */
  data: string;
  created_at: string;
  expires_at: string;
}

/** A keyed write of a server's caller (`Idempotency-Key`, src/ledger/request-store.ts). */
export interface RequestKeyTable {
  principal: string;
  key: string;
  fingerprint: string;
  value: string;
  answer: string | null;
  created_at: string;
}

/**
 * The ledger's Merkle tree: the hash of every perfect subtree of two or more entries
 * (src/ledger/tree-store.ts). `node` is index × 64 + level.
 */
export interface LedgerTreeTable {
  pipeline: string;
  node: number;
  /** Hex SHA-256. */
  hash: string;
}

/** The dashboard's listing index (src/ledger/overview-index.ts): a cache, never read for a decision. */
export interface OverviewStageTable {
  pipeline: string;
  stage: string;
  digest: string;
  seq: number;
  status: string | null;
  /** 1 when a rollback made the digest current. */
  rolled_back: number;
}

export interface OverviewPipelineTable {
  pipeline: string;
  /** The digest of the contract in force (0007). */
  contract: string | null;
}

/** Whether a derived table is built (1) or must be rebuilt from the ledger (0). */
export interface ReadModelTable {
  name: string;
  built: number;
}

export interface Database {
  artifacts: ArtifactTable;
  evidence: EvidenceTable;
  ledger_entries: LedgerEntryTable;
  api_tokens: ApiTokenTable;
  sessions: SessionTable;
  request_keys: RequestKeyTable;
  ledger_tree: LedgerTreeTable;
  overview_stages: OverviewStageTable;
  overview_pipelines: OverviewPipelineTable;
  read_models: ReadModelTable;
}

/**
 * The columns of `ledger_entries` that reads filter on, each computed by the database from the
 * hashed `body` (migration 0010), in the order the table had them. The body is canonical JSON with the
 * top-level keys actor, artifact, at, kind, payload, pipeline, prev, seq, stage
 * (src/ledger/hash-chain.ts).
 */
const COMPUTED_COLUMNS = [
  { name: 'pipeline', type: 'TEXT', notNull: true },
  { name: 'seq', type: 'INTEGER', notNull: true },
  { name: 'kind', type: 'TEXT', notNull: true },
  { name: 'stage', type: 'TEXT', notNull: false },
  { name: 'artifact', type: 'TEXT', notNull: false },
  { name: 'actor', type: 'TEXT', notNull: true },
  { name: 'at', type: 'TEXT', notNull: true },
] as const;

/**
 * The ledger table and its indexes on SQLite, exactly as sqlite_schema keeps them (by name): the
 * store refuses to open a ledger whose definition differs (src/ledger/sql-ledger-store.ts). The
 * computed columns are STORED: a read costs what it did with plain columns, and SQLite refuses an
 * UPDATE of them. (pipeline, seq) cannot be the PRIMARY KEY of a computed column on SQLite: the
 * table keeps its rowid and a UNIQUE index makes the pair the key. This is what the newest
 * migration leaves: a later migration that changes the table updates it, and gives 0010 a copy of
 * this one (a shipped migration must not change).
 */
export const SQLITE_LEDGER_DEFINITION: Readonly<Record<string, { type: string; sql: string }>> = {
  ledger_entries: {
    type: 'table',
    // The small columns before the body, as before: a row's record is read up to the last column
    // a query needs, and a large body spills into overflow pages.
    sql: `CREATE TABLE ledger_entries (${COMPUTED_COLUMNS.map(
      (c) =>
        `${c.name} ${c.type}${c.notNull ? ' NOT NULL' : ''} GENERATED ALWAYS AS (json_extract(body, '$.${c.name}')) STORED`,
    ).join(', ')}, prev_hash TEXT NOT NULL, hash TEXT NOT NULL, body TEXT NOT NULL)`,
  },
  ledger_entries_pk: {
    type: 'index',
    sql: 'CREATE UNIQUE INDEX ledger_entries_pk ON ledger_entries (pipeline, seq)',
  },
  ledger_artifact: {
    type: 'index',
    sql: 'CREATE INDEX ledger_artifact ON ledger_entries (pipeline, artifact, seq)',
  },
  ledger_stage: {
    type: 'index',
    sql: 'CREATE INDEX ledger_stage ON ledger_entries (pipeline, stage, kind, seq)',
  },
};

/**
 * The generation expression of each computed column on PostgreSQL, as SQL. Only the parts of the
 * body around the payload are parsed as JSON: `{"actor":…,"artifact":…,"at":…,"kind":…}` before
 * `,"payload":` (a key's quotes inside a string are escaped, so its first occurrence is the
 * top-level key) and `{"pipeline":…,"prev":…,"seq":…,"stage":…}` after the last `,"pipeline":`
 * (keys inside the payload come before it). PostgreSQL's JSON parser refuses text the payload may
 * hold (\u0000, an unpaired surrogate from a caller's comment): parsing the whole body would
 * refuse such an entry.
 */
function postgresExpression(column: (typeof COMPUTED_COLUMNS)[number]): string {
  const part =
    column.name === 'pipeline' || column.name === 'seq' || column.name === 'stage'
      ? `('{' || substring(body from '^.*,("pipeline":.*)$'))`
      : `(left(body, strpos(body, ',"payload":') - 1) || '}')`;
  const value = `(${part}::json ->> '${column.name}')`;
  return column.type === 'INTEGER' ? `(${value}::integer)` : value;
}

/**
 * Each computed column's expression as PostgreSQL's catalogue prints it (pg_get_expr, PostgreSQL
 * 15), normalised by `normalisedPostgresExpression`: the store refuses to open a ledger whose
 * columns are not computed this way.
 */
export const POSTGRES_LEDGER_EXPRESSIONS: Readonly<Record<string, string>> = Object.fromEntries(
  COMPUTED_COLUMNS.map((c) => {
    const part =
      c.name === 'pipeline' || c.name === 'seq' || c.name === 'stage'
        ? `('{'::text || "substring"(body, '^.*,("pipeline":.*)$'::text))`
        : `("left"(body, (strpos(body, ',"payload":'::text) - 1)) || '}'::text)`;
    const value = `((${part})::json ->> '${c.name}'::text)`;
    return [c.name, normalisedPostgresExpression(c.type === 'INTEGER' ? `(${value})::integer` : value)];
  }),
);

/**
 * A generation expression as pg_get_expr prints it, without what may print differently for the
 * same expression: white space, parentheses, `::text` casts, double quotes around names (keywords
 * such as "left" always; every name under `quote_all_identifiers = on`, a setting a role or
 * database may carry) and a `pg_catalog.` qualifier (printed when another schema on the search
 * path has a function of the same name). String literals ('…', a quote inside doubled) are kept
 * exactly: the patterns the columns are cut from are what the comparison must hold to. PostgreSQL
 * 15, 16 and 17 print these expressions alike (test/ledger/table-definition.test.ts).
 */
export function normalisedPostgresExpression(expression: string): string {
  return outsideLiterals(expression, (code) =>
    code
      .replace(/"/g, '')
      .replace(/\bpg_catalog\./g, '')
      .replace(/::text\b/g, '')
      .replace(/[\s()]/g, ''),
  );
}

/**
 * An index definition as pg_get_indexdef prints it, without its table's schema (printed when the
 * schema is not on the search path) and double quotes around names (`quote_all_identifiers`);
 * literals (a partial index's condition) kept exactly.
 */
export function normalisedPostgresIndex(definition: string): string {
  return outsideLiterals(definition, (code) => code.replace(/"/g, '')).replace(
    / ON \S+ USING /,
    ' ON ledger_entries USING ',
  );
}

/** `text` with `normalise` applied to each part outside a string literal ('…', '' inside). */
function outsideLiterals(text: string, normalise: (code: string) => string): string {
  return text
    .split(/('(?:[^']|'')*')/)
    .map((part, i) => (i % 2 === 1 ? part : normalise(part)))
    .join('');
}

/** The indexes of the ledger table on PostgreSQL (pg_get_indexdef, without the table's schema). */
export const POSTGRES_LEDGER_INDEXES: Readonly<Record<string, string>> = {
  ledger_entries_pk: 'CREATE UNIQUE INDEX ledger_entries_pk ON ledger_entries USING btree (pipeline, seq)',
  ledger_artifact: 'CREATE INDEX ledger_artifact ON ledger_entries USING btree (pipeline, artifact, seq)',
  ledger_stage: 'CREATE INDEX ledger_stage ON ledger_entries USING btree (pipeline, stage, kind, seq)',
};

const migrations: Record<string, Migration> = {
  '0001_ledger': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('artifacts')
        .addColumn('pipeline', 'text', (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('labels', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('registered_at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('artifacts_pk', ['pipeline', 'digest'])
        .execute();
      await db.schema
        .createTable('evidence')
        .addColumn('pipeline', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('artifact', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('stage', 'text')
        .addColumn('source_digest', 'text', (c) => c.notNull())
        .addColumn('signer', 'text')
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('recorded_at', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('evidence_pk', ['pipeline', 'id'])
        .execute();
      await db.schema
        .createIndex('evidence_artifact')
        .on('evidence')
        .columns(['pipeline', 'artifact'])
        .execute();
      await db.schema
        .createTable('ledger_entries')
        .addColumn('pipeline', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('stage', 'text')
        .addColumn('artifact', 'text')
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('ledger_entries_pk', ['pipeline', 'seq'])
        .execute();
      await db.schema
        .createIndex('ledger_artifact')
        .on('ledger_entries')
        .columns(['pipeline', 'artifact', 'seq'])
        .execute();
      await db.schema
        .createIndex('ledger_stage')
        .on('ledger_entries')
        .columns(['pipeline', 'stage', 'kind', 'seq'])
        .execute();
      await sql`select 1`.execute(db);
    },
  },
  '0002_server_tokens': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('principal', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('pipelines', 'text', (c) => c.notNull())
        .addColumn('stages', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .addColumn('revoked_by', 'text')
        .execute();
    },
  },
  '0003_server_sessions': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_expiry').on('sessions').column('expires_at').execute();
    },
  },
  '0004_server_request_keys': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('request_keys')
        .addColumn('principal', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('answer', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('request_keys_pk', ['principal', 'key'])
        .execute();
      await db.schema.createIndex('request_keys_age').on('request_keys').column('created_at').execute();
    },
  },
  // Existing ledgers keep working: their tree is built from the entries' bodies the first time a
  // node is needed (an append that completes one, a checkpoint, a proof).
  '0005_ledger_tree': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('ledger_tree')
        .addColumn('pipeline', 'text', (c) => c.notNull())
        .addColumn('node', 'bigint', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('ledger_tree_pk', ['pipeline', 'node'])
        .execute();
    },
  },
  // Existing ledgers are indexed by the first reader (the marker starts at 0), one pipeline at a
  // time under its write lock, not here: a migration must not hold every pipeline's lock at once.
  '0006_overview_index': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('overview_stages')
        .addColumn('pipeline', 'text', (c) => c.notNull())
        .addColumn('stage', 'text', (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('status', 'text')
        .addColumn('rolled_back', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('overview_stages_pk', ['pipeline', 'stage'])
        .execute();
      await db.schema
        .createTable('overview_pipelines')
        .addColumn('pipeline', 'text', (c) => c.primaryKey())
        .execute();
      await db.schema
        .createTable('read_models')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('built', 'integer', (c) => c.notNull())
        .execute();
      await sql`insert into read_models (name, built) values ('overview', 0)`.execute(db);
    },
  },
  // The contract in force's digest, so the dashboard lists pipelines without reading each pin (one
  // query on PostgreSQL, which keeps no reads). Marked unbuilt: the first reader fills it in.
  '0007_overview_contract': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('overview_pipelines').addColumn('contract', 'text').execute();
      await sql`update read_models set built = 0 where name = 'overview'`.execute(db);
    },
  },
  // How a token was made: over the API ('api'), or on the database by the operator (null). Tokens
  // made before this migration read as the operator's.
  '0008_token_made_via': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('api_tokens').addColumn('made_via', 'text').execute();
    },
  },
  // The gates ask whether one raw report was attested for several digests: by its source digest.
  '0009_evidence_source': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createIndex('evidence_source')
        .on('evidence')
        .columns(['pipeline', 'source_digest'])
        .execute();
    },
  },
  // The columns reads filter on (pipeline, seq, kind, stage, artifact; actor and at with them)
  // become computed by the database from the hashed body: an UPDATE of one is refused, so no
  // edited column can move an entry away from the artifact or stage a decision reads. Existing
  // entries keep their bodies and hashes; their columns are recomputed from the bodies (a column
  // edited behind Tollgate's back is put back to what its entry says).
  '0010_ledger_columns_from_body': {
    async up(db: Kysely<unknown>) {
      if (db.getExecutor().adapter instanceof SqliteAdapter) {
        // SQLite cannot make a column computed in place: the table is rebuilt, in the migration's
        // transaction (src/ledger/sqlite-store.ts), rowids in chain order.
        const damaged = await sql<{ pipeline: string; seq: number }>`
          select pipeline, seq from ledger_entries where not json_valid(body) order by pipeline, seq limit 1`.execute(
          db,
        );
        const first = damaged.rows[0];
        if (first)
          throw new Error(
            `ledger entry #${first.seq} of pipeline ${first.pipeline} has a body that is not JSON (it was edited behind Tollgate's back); restore the ledger from a backup`,
          );
        await sql`alter table ledger_entries rename to ledger_entries_0008`.execute(db);
        const { ledger_entries: table, ...indexes } = SQLITE_LEDGER_DEFINITION;
        await sql.raw(table!.sql).execute(db);
        await sql`insert into ledger_entries (prev_hash, hash, body)
          select prev_hash, hash, body from ledger_entries_0008 order by pipeline, seq`.execute(db);
        await sql`drop table ledger_entries_0008`.execute(db);
        for (const index of Object.values(indexes)) await sql.raw(index.sql).execute(db);
        return;
      }
      // PostgreSQL: the columns are dropped (with the key and indexes on them) and added back
      // computed, in one rewrite of the table.
      const alterations = [
        ...COMPUTED_COLUMNS.map((c) => `drop column ${c.name}`),
        ...COMPUTED_COLUMNS.map(
          (c) =>
            `add column ${c.name} ${c.type === 'INTEGER' ? 'integer' : 'text'}${c.notNull ? ' not null' : ''} generated always as (${postgresExpression(c)}) stored`,
        ),
      ];
      await sql.raw(`alter table ledger_entries ${alterations.join(', ')}`).execute(db);
      await sql`alter table ledger_entries add constraint ledger_entries_pk primary key (pipeline, seq)`.execute(
        db,
      );
      await sql`create index ledger_artifact on ledger_entries (pipeline, artifact, seq)`.execute(db);
      await sql`create index ledger_stage on ledger_entries (pipeline, stage, kind, seq)`.execute(db);
    },
  },
  // Which credential made a token over the API (`token:<id>`, `oidc:<issuer>`, `session`), so
  // revoking a token revokes what it made. Tokens made before read null: made by nobody, revoked
  // alone, as they were.
  '0011_token_made_with': {
    async up(db: Kysely<unknown>) {
      // Run again over its own result (a ledger whose record of it was lost), it changes nothing.
      if (db.getExecutor().adapter instanceof SqliteAdapter) {
        const columns = await sql<{ name: string }>`select name from pragma_table_info('api_tokens')`.execute(
          db,
        );
        if (!columns.rows.some((c) => c.name === 'made_with'))
          await db.schema.alterTable('api_tokens').addColumn('made_with', 'text').execute();
      } else await sql`alter table api_tokens add column if not exists made_with text`.execute(db);
      await db.schema
        .createIndex('api_tokens_made_with')
        .ifNotExists()
        .on('api_tokens')
        .column('made_with')
        .execute();
    },
  },
};

/** Migrations compiled into the bundle, in order. Add new ones with a higher prefix; never edit a shipped one. */
export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
