/**
 * LedgerStore over Kysely: the queries are written once here for both dialects.
 */
import { type Kysely, Migrator, sql, type Transaction } from 'kysely';
import type { Artifact } from '../contract/types.js';
import { TollgateError } from '../errors.js';
import type { EvidenceRecord } from '../evidence/evidence.js';
import {
  type ChainedEntry,
  type ChainVerdict,
  chainEntry,
  GENESIS_HASH,
  type StoredEntry,
  verifyChain,
} from './hash-chain.js';
import type { LedgerReader, LedgerStore, LedgerTransaction, NewEntry } from './ledger-store.js';
import { type Database, type LedgerEntryTable, migrationProvider } from './schema.js';

/** What differs between databases, kept small. */
export interface DialectCapabilities {
  backend: 'sqlite' | 'postgres';
  /** Opens the write transaction and takes the pipeline's lock on `db` (one connection). */
  beginWrite(db: Kysely<Database>, pipeline: string): Promise<void>;
}

type Executor = Kysely<Database> | Transaction<Database>;

function toEntry(row: LedgerEntryTable): ChainedEntry {
  const body = JSON.parse(row.body) as { payload: Record<string, unknown> };
  return {
    pipeline: row.pipeline,
    seq: Number(row.seq),
    kind: row.kind,
    stage: row.stage,
    artifact: row.artifact,
    actor: row.actor,
    at: row.at,
    payload: body.payload,
    prevHash: row.prev_hash,
    hash: row.hash,
    body: row.body,
  };
}

class SqlReader implements LedgerReader {
  constructor(protected readonly db: Executor) {}

  async getArtifact(pipeline: string, digest: string): Promise<Artifact | undefined> {
    const row = await this.db
      .selectFrom('artifacts')
      .selectAll()
      .where('pipeline', '=', pipeline)
      .where('digest', '=', digest)
      .executeTakeFirst();
    return (
      row && {
        digest: row.digest,
        labels: JSON.parse(row.labels),
        registeredAt: row.registered_at,
        source: row.source,
      }
    );
  }

  async listEvidence(pipeline: string, digest: string): Promise<EvidenceRecord[]> {
    const rows = await this.db
      .selectFrom('evidence')
      .selectAll()
      .where('pipeline', '=', pipeline)
      .where('artifact', '=', digest)
      .orderBy('recorded_at')
      .orderBy('id')
      .execute();
    return rows.map((row) => ({
      id: row.id,
      artifact: row.artifact,
      stage: row.stage,
      format: row.format,
      sourceDigest: row.source_digest,
      signer: row.signer === null ? null : JSON.parse(row.signer),
      actor: row.actor,
      recordedAt: row.recorded_at,
      data: JSON.parse(row.data),
    }));
  }

  async entriesForArtifact(pipeline: string, artifact: string): Promise<ChainedEntry[]> {
    const rows = await this.db
      .selectFrom('ledger_entries')
      .selectAll()
      .where('pipeline', '=', pipeline)
      .where('artifact', '=', artifact)
      .orderBy('seq')
      .execute();
    return rows.map(toEntry);
  }

  async entriesForStage(pipeline: string, stage: string, kinds?: readonly string[]): Promise<ChainedEntry[]> {
    let query = this.db
      .selectFrom('ledger_entries')
      .selectAll()
      .where('pipeline', '=', pipeline)
      .where('stage', '=', stage);
    if (kinds && kinds.length > 0) query = query.where('kind', 'in', kinds);
    const rows = await query.orderBy('seq').execute();
    return rows.map(toEntry);
  }
}

class SqlTransaction extends SqlReader implements LedgerTransaction {
  async insertArtifact(pipeline: string, artifact: Artifact, actor: string): Promise<void> {
    await this.db
      .insertInto('artifacts')
      .values({
        pipeline,
        digest: artifact.digest,
        labels: JSON.stringify(artifact.labels),
        source: artifact.source,
        registered_at: artifact.registeredAt,
        actor,
      })
      .execute();
  }

  async insertEvidence(pipeline: string, records: readonly EvidenceRecord[]): Promise<EvidenceRecord[]> {
    const inserted: EvidenceRecord[] = [];
    for (const record of records) {
      const result = await this.db
        .insertInto('evidence')
        .values({
          pipeline,
          id: record.id,
          artifact: record.artifact,
          kind: record.data.kind,
          format: record.format,
          stage: record.stage,
          source_digest: record.sourceDigest,
          signer: record.signer === null ? null : JSON.stringify(record.signer),
          actor: record.actor,
          recorded_at: record.recordedAt,
          data: JSON.stringify(record.data),
        })
        .onConflict((c) => c.columns(['pipeline', 'id']).doNothing())
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0n) > 0) inserted.push(record);
    }
    return inserted;
  }

  async append(pipeline: string, entry: NewEntry): Promise<ChainedEntry> {
    const last = await this.db
      .selectFrom('ledger_entries')
      .select(['seq', 'hash'])
      .where('pipeline', '=', pipeline)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    const chained = chainEntry(
      { pipeline, seq: last ? Number(last.seq) + 1 : 1, ...entry },
      last?.hash ?? GENESIS_HASH,
    );
    await this.db
      .insertInto('ledger_entries')
      .values({
        pipeline,
        seq: chained.seq,
        kind: chained.kind,
        stage: chained.stage,
        artifact: chained.artifact,
        actor: chained.actor,
        at: chained.at,
        prev_hash: chained.prevHash,
        hash: chained.hash,
        body: chained.body,
      })
      .execute();
    return chained;
  }
}

export class SqlLedgerStore extends SqlReader implements LedgerStore {
  readonly backend: 'sqlite' | 'postgres';

  private constructor(
    private readonly kysely: Kysely<Database>,
    private readonly capabilities: DialectCapabilities,
    readonly location: string,
  ) {
    super(kysely);
    this.backend = capabilities.backend;
  }

  /** Opens the store and brings its schema up to date. */
  static async open(kysely: Kysely<Database>, capabilities: DialectCapabilities, location: string) {
    const migrator = new Migrator({ db: kysely, provider: migrationProvider });
    const { error, results } = await migrator.migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName;
      await kysely.destroy();
      throw new TollgateError(
        'STORE_UNAVAILABLE',
        `cannot prepare the ledger at ${location}${failed ? ` (migration ${failed})` : ''}: ${(error as Error).message ?? error}`,
        { cause: error },
      );
    }
    return new SqlLedgerStore(kysely, capabilities, location);
  }

  async write<T>(pipeline: string, work: (tx: LedgerTransaction) => Promise<T>): Promise<T> {
    return this.kysely.connection().execute(async (connection) => {
      await this.capabilities.beginWrite(connection, pipeline);
      let result: T;
      try {
        result = await work(new SqlTransaction(connection));
      } catch (error) {
        await sql`rollback`.execute(connection);
        throw error;
      }
      await sql`commit`.execute(connection);
      return result;
    });
  }

  async pipelines(): Promise<string[]> {
    const rows = await this.kysely
      .selectFrom('ledger_entries')
      .select('pipeline')
      .distinct()
      .orderBy('pipeline')
      .execute();
    return rows.map((r) => r.pipeline);
  }

  async verify(pipeline: string): Promise<ChainVerdict> {
    const rows = await this.kysely
      .selectFrom('ledger_entries')
      .select(['seq', 'kind', 'stage', 'artifact', 'prev_hash', 'hash', 'body'])
      .where('pipeline', '=', pipeline)
      .orderBy('seq')
      .execute();
    return verifyChain(
      rows.map(
        (row): StoredEntry => ({
          seq: Number(row.seq),
          kind: row.kind,
          stage: row.stage,
          artifact: row.artifact,
          prevHash: row.prev_hash,
          hash: row.hash,
          body: row.body,
        }),
      ),
    );
  }

  async close(): Promise<void> {
    await this.kysely.destroy();
  }
}
