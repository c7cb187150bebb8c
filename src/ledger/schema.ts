/**
 * Database tables and migrations, in code so the bundled CLI needs no migrations folder.
 * The same migrations run on SQLite and PostgreSQL; column types are chosen to mean the same on both.
 */
import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';
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
};

/** Migrations compiled into the bundle, in order. Add new ones with a higher prefix; never edit a shipped one. */
export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
