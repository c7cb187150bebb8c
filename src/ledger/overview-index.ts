/**
 * The dashboard's listing index: for every (pipeline, stage), the digest it runs now and how that
 * promotion stands (promoted, verified, failed, rolled back); and the pipelines whose contract is
 * recorded in the ledger (pushed to a server, or pinned by a first promotion). It lets the overview
 * filter 500 pipelines by status and page them by reading a few thousand rows, not a million
 * entries.
 *
 * It is a cache of what the verified entries say, never a source of truth: nothing decides from
 * it, and the rows the dashboard shows are computed from verified reads (src/app/dashboard.ts
 * checks each listed pipeline against them and rebuilds its rows when they disagree). Each row is
 * written in the same transaction as the ledger entry that changes it (`indexEntry`, called by
 * `append`), by the same derivation `status` uses (`stageNowOf`). A database written before the
 * index existed (or by a version that does not keep it) is marked unbuilt and rebuilt, one
 * pipeline at a time under its write lock, by the first reader.
 */
import type { Kysely } from 'kysely';
import { type ChainedEntry, ENTRY } from './entry.js';
import type { LedgerReader, OverviewIndex } from './ledger-store.js';
import { buildLedgerView, type PromotionStatus, stageStatusOf } from './ledger-view.js';
import { prepare, type SqlRunner } from './prepared-query.js';
import type { Database } from './schema.js';

/** What a stage runs now, as the ledger's newest promotion and rollback in it say. */
export interface StageNow {
  digest: string;
  /** The entry that made it current: its promotion, or the rollback back to it. */
  seq: number;
  since: string;
  /** True when a rollback made it current (the stage went back to it). */
  rolledBack: boolean;
}

/** Entry kinds that change what a stage runs or how its promotion stands. */
const STAGE_KINDS: ReadonlySet<string> = new Set([ENTRY.promotion, ENTRY.rollback, ENTRY.verification]);

/**
 * The digest a stage runs now: its latest promotion, or the target of a later rollback. Two
 * indexed reads of the newest entry of each kind, however long the stage's history, each counted
 * for gaps from the entry it returns to the head (the entries since the newest promotion).
 */
export async function stageNowOf(
  reader: LedgerReader,
  pipeline: string,
  stage: string,
): Promise<StageNow | undefined> {
  // Only a rollback after the newest promotion changes what runs: each read is counted for gaps
  // from what it returns to the head, so a rollback long before the promotion is not looked for.
  const promotion = await reader.latestInStage(pipeline, stage, ENTRY.promotion);
  const rollback = await reader.latestInStage(pipeline, stage, ENTRY.rollback, promotion?.seq ?? 0);
  if (rollback && typeof rollback.payload.target === 'string' && rollback.seq > (promotion?.seq ?? 0))
    return { digest: rollback.payload.target, since: rollback.at, seq: rollback.seq, rolledBack: true };
  return promotion?.artifact != null
    ? { digest: promotion.artifact, since: promotion.at, seq: promotion.seq, rolledBack: false }
    : undefined;
}

export function overviewQueries(k: Kysely<Database>) {
  return {
    upsertStage: prepare(['pipeline', 'stage', 'digest', 'seq', 'status', 'rolled_back'], (p) =>
      k
        .insertInto('overview_stages')
        .values(p as never)
        .onConflict((c) =>
          c.columns(['pipeline', 'stage']).doUpdateSet({
            digest: (e) => e.ref('excluded.digest'),
            seq: (e) => e.ref('excluded.seq'),
            status: (e) => e.ref('excluded.status'),
            rolled_back: (e) => e.ref('excluded.rolled_back'),
          }),
        ),
    ),
    deleteStage: prepare(['pipeline', 'stage'], (p) =>
      k.deleteFrom('overview_stages').where('pipeline', '=', p.pipeline).where('stage', '=', p.stage),
    ),
    deletePipelineStages: prepare(['pipeline'], (p) =>
      k.deleteFrom('overview_stages').where('pipeline', '=', p.pipeline),
    ),
    addPipeline: prepare(['pipeline', 'contract'], (p) =>
      k
        .insertInto('overview_pipelines')
        .values({ pipeline: p.pipeline, contract: p.contract })
        .onConflict((c) => c.column('pipeline').doUpdateSet({ contract: (e) => e.ref('excluded.contract') })),
    ),
    deletePipeline: prepare(['pipeline'], (p) =>
      k.deleteFrom('overview_pipelines').where('pipeline', '=', p.pipeline),
    ),
    stageRow: prepare(['pipeline', 'stage'], (p) =>
      k
        .selectFrom('overview_stages')
        .select('digest')
        .where('pipeline', '=', p.pipeline)
        .where('stage', '=', p.stage),
    ),
    stages: prepare([], () =>
      k.selectFrom('overview_stages').selectAll().orderBy('pipeline').orderBy('stage'),
    ),
    pipelines: prepare([], () =>
      k.selectFrom('overview_pipelines').select(['pipeline', 'contract']).orderBy('pipeline'),
    ),
    built: prepare([], () => k.selectFrom('read_models').select('built').where('name', '=', 'overview')),
    markBuilt: prepare(['built'], (p) =>
      k
        .updateTable('read_models')
        .set({ built: p.built as unknown as number })
        .where('name', '=', 'overview'),
    ),
    // Only on a rebuild: every (pipeline, stage) ever promoted into, every pipeline with a contract.
    promotedStages: prepare([], () =>
      k
        .selectFrom('ledger_entries')
        .select(['pipeline', 'stage'])
        .distinct()
        .where('kind', '=', ENTRY.promotion)
        .where('stage', 'is not', null),
    ),
    promotedStagesOf: prepare(['pipeline'], (p) =>
      k
        .selectFrom('ledger_entries')
        .select('stage')
        .distinct()
        .where('pipeline', '=', p.pipeline)
        .where('kind', '=', ENTRY.promotion)
        .where('stage', 'is not', null),
    ),
    contractPipelines: prepare([], () =>
      k
        .selectFrom('ledger_entries')
        .select('pipeline')
        .distinct()
        .where('kind', '=', ENTRY.contract)
        .where('stage', 'is', null),
    ),
  };
}

export type OverviewQueries = ReturnType<typeof overviewQueries>;

/**
 * Keeps the index in step with `entry`, just appended in the transaction `runner` holds (`reader`
 * reads in it). A row that cannot be derived (a damaged entry of the current digest) is kept with
 * no status rather than failing the append: the append itself was checked, and the dashboard
 * reports the damage when it reads the pipeline.
 */
export async function indexEntry(
  reader: LedgerReader,
  runner: SqlRunner,
  q: OverviewQueries,
  entry: Pick<ChainedEntry, 'pipeline' | 'seq' | 'kind' | 'stage' | 'artifact' | 'payload'>,
): Promise<void> {
  if (entry.kind === ENTRY.contract && entry.stage === null) {
    await runner.execute(q.addPipeline({ pipeline: entry.pipeline, contract: contractDigestOf(entry) }));
    return;
  }
  if (entry.stage === null || !STAGE_KINDS.has(entry.kind)) return;
  const { pipeline, stage } = entry;
  // The hot path, every promotion: the entry just appended is the stage's newest, so the stage runs
  // its digest, promoted, with nothing after it: what `stageNowOf` and `stageStatusOf` would read.
  if (entry.kind === ENTRY.promotion && entry.artifact !== null) {
    await runner.execute(
      q.upsertStage({
        pipeline,
        stage,
        digest: entry.artifact,
        seq: entry.seq,
        status: 'promoted',
        rolled_back: 0,
      }),
    );
    return;
  }
  // A verification changes only its own digest's promotion: nothing to do when another one runs here.
  if (entry.kind === ENTRY.verification && entry.artifact !== null) {
    const { rows } = await runner.execute<{ digest: string }>(q.stageRow({ pipeline, stage }));
    if (rows[0] !== undefined && rows[0].digest !== entry.artifact) return;
  }
  await indexStage(reader, runner, q, pipeline, stage);
}

/** The digest a contract entry pins, as its payload says (null when it says none). */
function contractDigestOf(entry: Pick<ChainedEntry, 'payload'>): string | null {
  return typeof entry.payload.digest === 'string' ? entry.payload.digest : null;
}

/** Rewrites one pipeline's rows from its verified entries, in the transaction `tx` runs. */
async function indexPipeline(
  reader: LedgerReader,
  tx: SqlRunner,
  q: OverviewQueries,
  pipeline: string,
  stages: readonly string[],
): Promise<void> {
  await tx.execute(q.deletePipelineStages({ pipeline }));
  for (const stage of stages) await indexStage(reader, tx, q, pipeline, stage);
  const contract = await reader.latestUnstaged(pipeline, ENTRY.contract).catch(() => undefined);
  await tx.execute(
    contract
      ? q.addPipeline({ pipeline, contract: contractDigestOf(contract) })
      : q.deletePipeline({ pipeline }),
  );
}

async function indexStage(
  reader: LedgerReader,
  runner: SqlRunner,
  q: OverviewQueries,
  pipeline: string,
  stage: string,
): Promise<void> {
  let now: StageNow | undefined;
  let status: PromotionStatus | null = null;
  try {
    now = await stageNowOf(reader, pipeline, stage);
  } catch {
    // The stage's newest promotion or rollback does not verify: what it runs cannot be told, so
    // its row is left as it was, and the dashboard reports the damage when it reads the pipeline.
    return;
  }
  try {
    if (now)
      status = stageStatusOf(buildLedgerView(await reader.entriesForArtifact(pipeline, now.digest)), stage);
  } catch {
    status = null;
  }
  if (!now) {
    await runner.execute(q.deleteStage({ pipeline, stage }));
    return;
  }
  await runner.execute(
    q.upsertStage({
      pipeline,
      stage,
      digest: now.digest,
      seq: now.seq,
      status,
      rolled_back: now.rolledBack ? 1 : 0,
    }),
  );
}

/** What the store lends the index: a runner outside transactions, and its write lock. */
export interface OverviewIndexHost {
  runner: SqlRunner;
  q: OverviewQueries;
  /** Runs `work` in a transaction holding `pipeline`'s write lock, reading in that transaction. */
  write<T>(pipeline: string, work: (reader: LedgerReader, runner: SqlRunner) => Promise<T>): Promise<T>;
}

interface StageRow {
  pipeline: string;
  stage: string;
  digest: string;
  seq: number | string;
  status: string | null;
  rolled_back: number | string | boolean;
}

export function sqlOverviewIndex(host: OverviewIndexHost): OverviewIndex {
  const { runner, q } = host;
  let building: Promise<void> | undefined;

  async function rebuild(pipeline: string): Promise<void> {
    const { rows } = await runner.execute<{ stage: string }>(q.promotedStagesOf({ pipeline }));
    const stages = rows.map((r) => r.stage);
    await host.write(pipeline, (reader, tx) => indexPipeline(reader, tx, q, pipeline, stages));
  }

  async function buildAll(): Promise<void> {
    const [{ rows: promoted }, { rows: contracted }] = await Promise.all([
      runner.execute<{ pipeline: string; stage: string }>(q.promotedStages({})),
      runner.execute<{ pipeline: string }>(q.contractPipelines({})),
    ]);
    const pipelines = new Set([...promoted.map((r) => r.pipeline), ...contracted.map((r) => r.pipeline)]);
    for (const pipeline of pipelines) {
      const stages = promoted.filter((r) => r.pipeline === pipeline).map((r) => r.stage);
      await host.write(pipeline, (reader, tx) => indexPipeline(reader, tx, q, pipeline, stages));
    }
    await runner.execute(q.markBuilt({ built: 1 }));
  }

  return {
    async read() {
      const { rows: marks } = await runner.execute<{ built: number | string }>(q.built({}));
      if (Number(marks[0]?.built ?? 0) !== 1) {
        // One rebuild at a time in this process; another process rebuilding at once writes the same rows.
        building ??= buildAll().finally(() => {
          building = undefined;
        });
        await building;
      }
      const [{ rows: stages }, { rows: pipelines }] = await Promise.all([
        runner.execute<StageRow>(q.stages({})),
        runner.execute<{ pipeline: string; contract: string | null }>(q.pipelines({})),
      ]);
      return {
        pipelines: pipelines.map((r) => ({ pipeline: r.pipeline, contract: r.contract ?? null })),
        stages: stages.map((r) => ({
          pipeline: r.pipeline,
          stage: r.stage,
          digest: r.digest,
          seq: Number(r.seq),
          status: (r.status as PromotionStatus | null) ?? null,
          rolledBack: r.rolled_back === true || Number(r.rolled_back) === 1,
        })),
      };
    },
    rebuild,
  };
}
