/**
 * The dashboard's read models: what the pages of `tollgate serve` (and `tollgate report --html`)
 * show that no single CLI verb prints. Each is built from the same use cases the CLI runs
 * (`status`'s stage rows, `check`'s decisions, `approve`'s eligibility rule), so a page can never
 * say something the CLI would not; only the selection and the paging are new.
 *
 * Cost: the overview reads, per pipeline on the page, two indexed rows per stage and one artifact
 * history per current digest, and checks only the digests waiting at a stage's door; never a scan
 * of the ledger.
 */
import type { Artifact, Contract } from '../contract/types.js';
import { upstreamOf } from '../contract/types.js';
import type { Decision } from '../decision.js';
import { TollgateError } from '../errors.js';
import { ineligibility, latestWords } from '../gates/approvals-gate.js';
import type { GateContext } from '../gates/gate.js';
import { type ChainedEntry, ENTRY } from '../ledger/entry.js';
import type { PromotionStatus } from '../ledger/ledger-view.js';
import { readArtifactFacts, readArtifactHistory } from './artifact-facts.js';
import type { Grant } from './authorise.js';
import { checkStage } from './check.js';
import type { AppRequest, AppServices, Caller } from './services.js';
import { type StageStatus, stageRow } from './status.js';

/** A gate that is not passing yet for a digest waiting at a stage, as `check` put it. */
export interface PendingGate {
  gate: string;
  status: 'fail' | 'pending';
  summary: string;
  /** When the gate can pass with nothing else done (soak ends, window opens), as `check` computes it. */
  until?: string;
}

/** A digest that is current upstream but not here: what `check` says about it entering. */
export interface WaitingArtifact {
  digest: string;
  labels: Record<string, string>;
  /** The upstream stage it runs in. */
  from: string;
  verdict: Decision['verdict'];
  pending: PendingGate[];
  until?: string;
}

export interface OverviewStage extends StageStatus {
  from: string[];
  /** True when the stage declares rollback conditions (its health can be watched). */
  rollback: boolean;
  waiting: WaitingArtifact[];
}

export interface OverviewPipeline {
  pipeline: string;
  contract: { digest: string };
  /** Entries in the pipeline's ledger (its head's seq). */
  entries: number;
  stages: OverviewStage[];
}

export interface Overview {
  total: number;
  page: number;
  size: number;
  pipelines: OverviewPipeline[];
}

export interface OverviewOptions {
  /** Case-insensitive text a pipeline's name or one of its stages' names contains. */
  q?: string;
  /** 1-based. */
  page: number;
  size: number;
}

export const MAX_PAGE_SIZE = 100;

/**
 * The contract in force of a pipeline (a server's: the one pinned in the ledger, when a newer one
 * was uploaded; src/app/contract-pin.ts). Default: the process's own.
 */
export type ContractOf = (pipeline: string) => Promise<Contract>;

/** The pipelines a grant may read (every one for no grant: the CLI's local ledger). */
export function readablePipelines(services: AppServices, grant: Grant | undefined): string[] {
  return services.contracts
    .pipelines()
    .filter((name) => !grant || grant.pipelines === '*' || grant.pipelines.includes(name));
}

function requestOf(services: AppServices, contract: Contract, caller: Caller): AppRequest {
  return { services, contract, caller };
}

/**
 * The request as the dashboard evaluates a digest waiting at a door: as if someone other than the
 * viewer promotes (nobody yet), as `approve` judges eligibility, so an approver's own approval
 * is not excluded as the promoter's.
 */
function asNoPromoter(ctx: AppRequest): AppRequest {
  return { ...ctx, caller: { ...ctx.caller, principal: '' } };
}

/**
 * The digests current in `stage`'s upstream stages but not in `stage`, with what `check` decides for
 * each now: the promotions that could happen next, and what each waits for.
 */
async function waitingAt(
  ctx: AppRequest,
  stage: string,
  rows: ReadonlyMap<string, StageStatus>,
): Promise<Array<WaitingArtifact & { decision: Decision }>> {
  const definition = ctx.contract.stages[stage]!;
  const here = rows.get(stage)?.current?.artifact.digest;
  const seen = new Set<string>();
  const out: Array<WaitingArtifact & { decision: Decision }> = [];
  for (const upstream of upstreamOf(definition)) {
    const there = rows.get(upstream)?.current;
    if (!there || there.artifact.digest === here || seen.has(there.artifact.digest)) continue;
    if (there.status === 'failed' || there.status === 'rolled-back') continue;
    seen.add(there.artifact.digest);
    const decision = await checkStage(asNoPromoter(ctx), stage, there.artifact.digest);
    out.push({
      digest: there.artifact.digest,
      labels: there.artifact.labels,
      from: upstream,
      verdict: decision.verdict,
      pending: decision.gates
        .filter((gate) => gate.status === 'pending' || gate.status === 'fail')
        .map((gate) => ({
          gate: gate.gate,
          status: gate.status as 'fail' | 'pending',
          summary: gate.summary,
          ...(gate.until === undefined ? {} : { until: gate.until }),
        })),
      ...(decision.until === undefined ? {} : { until: decision.until }),
      decision,
    });
  }
  return out;
}

/** One pipeline as the overview shows it. */
export async function pipelineSummary(ctx: AppRequest): Promise<OverviewPipeline> {
  const store = await ctx.services.store();
  const pipeline = ctx.contract.pipeline;
  const stageNames = Object.keys(ctx.contract.stages);
  const [entries, ...rowList] = await Promise.all([
    store.head(pipeline),
    ...stageNames.map((stage) => stageRow(store, pipeline, stage, ctx.contract.stages[stage]!.purpose)),
  ]);
  const rows = new Map(rowList.map((row) => [row.stage, row] as const));
  const stages: OverviewStage[] = [];
  for (const stage of stageNames) {
    stages.push({
      ...rows.get(stage)!,
      from: upstreamOf(ctx.contract.stages[stage]!),
      rollback: ctx.contract.stages[stage]!.rollback !== undefined,
      waiting: (await waitingAt(ctx, stage, rows)).map(({ decision: _, ...waiting }) => waiting),
    });
  }
  return { pipeline, contract: { digest: ctx.contract.digest }, entries: entries as number, stages };
}

/** The overview: the readable pipelines that match, one page of them, each summarised. */
export async function pipelinesOverview(
  services: AppServices,
  caller: Caller,
  options: OverviewOptions,
  contractOf: ContractOf = async (name) => services.contracts.get(name),
): Promise<Overview> {
  const q = options.q?.trim().toLowerCase();
  const names: string[] = [];
  for (const name of readablePipelines(services, caller.grant)) {
    if (!q || name.toLowerCase().includes(q)) names.push(name);
    else if (Object.keys((await contractOf(name)).stages).some((stage) => stage.includes(q)))
      names.push(name);
  }
  const start = (options.page - 1) * options.size;
  const pipelines = await Promise.all(
    names
      .slice(start, start + options.size)
      .map(async (name) => pipelineSummary(requestOf(services, await contractOf(name), caller))),
  );
  return { total: names.length, page: options.page, size: options.size, pipelines };
}

/** One row of a pipeline's timeline: a ledger entry about an artifact, with what it is now. */
export interface TimelineEntry {
  seq: number;
  kind: string;
  stage: string | null;
  artifact: string | null;
  actor: string;
  at: string;
  /** Promotions: how the promotion stands now (promoted, verified, failed, rolled-back). */
  status?: PromotionStatus;
  /** Approvals: approve, reject or withdraw; verifications: passed or failed. */
  decision?: string;
  result?: string;
  /** Rollbacks: the digest the stage went back to. */
  target?: string;
  labels?: Record<string, string>;
}

export interface Timeline {
  pipeline: string;
  entries: TimelineEntry[];
  /** Pass as `before` for the next (older) page; absent on the last page. */
  next?: number;
}

const TIMELINE_KINDS: ReadonlySet<string> = new Set([
  ENTRY.register,
  ENTRY.promotion,
  ENTRY.rollback,
  ENTRY.verification,
  ENTRY.approval,
]);

/**
 * A page of the pipeline's timeline, newest first: registrations, promotions, rollbacks,
 * verifications and approvals before entry `before` (default: the head). Reads the page's rows by
 * primary key, then one history per digest on the page for labels and promotion status.
 */
export async function pipelineTimeline(
  ctx: AppRequest,
  options: { before?: number; limit: number },
): Promise<Timeline> {
  const store = await ctx.services.store();
  const pipeline = ctx.contract.pipeline;
  const before = options.before ?? (await store.head(pipeline)) + 1;
  const out: TimelineEntry[] = [];
  let cursor = before;
  let more = true;
  // Attestations are most of a ledger: read on until the page holds `limit` rows worth showing.
  while (out.length < options.limit && more) {
    const batch: ChainedEntry[] = await store.entriesBefore(pipeline, cursor, options.limit * 2);
    more = batch.length === options.limit * 2;
    for (const entry of batch) {
      cursor = entry.seq;
      if (!TIMELINE_KINDS.has(entry.kind)) continue;
      out.push(timelineRow(entry));
      if (out.length === options.limit) break;
    }
  }
  const histories = new Map<string, Awaited<ReturnType<typeof readArtifactHistory>>>();
  for (const row of out) {
    if (!row.artifact || histories.has(row.artifact)) continue;
    histories.set(row.artifact, await readArtifactHistory(store, pipeline, row.artifact));
  }
  for (const row of out) {
    const history = row.artifact ? histories.get(row.artifact) : undefined;
    if (!history) continue;
    if (history.artifact) row.labels = history.artifact.labels;
    if (row.kind === ENTRY.promotion)
      row.status = history.ledger.promotions.find((p) => p.seq === row.seq)?.status ?? 'promoted';
  }
  const last = out.at(-1);
  return {
    pipeline,
    entries: out,
    ...(last && (more || cursor > 1) && last.seq > 1 ? { next: cursor } : {}),
  };
}

function timelineRow(entry: ChainedEntry): TimelineEntry {
  const row: TimelineEntry = {
    seq: entry.seq,
    kind: entry.kind,
    stage: entry.stage,
    artifact: entry.artifact,
    actor: entry.actor,
    at: entry.at,
  };
  if (entry.kind === ENTRY.approval && typeof entry.payload.decision === 'string')
    row.decision = entry.payload.decision;
  if (entry.kind === ENTRY.verification && typeof entry.payload.result === 'string')
    row.result = entry.payload.result;
  if (entry.kind === ENTRY.rollback && typeof entry.payload.target === 'string')
    row.target = entry.payload.target;
  return row;
}

/** One approval the caller could give: a digest waiting at a stage whose approvals gate is not met. */
export interface InboxItem {
  pipeline: string;
  stage: string;
  artifact: Pick<Artifact, 'digest' | 'labels'>;
  /** The upstream stage the digest runs in. */
  from: string;
  /** The approvals gate as `check` sees it now. */
  gate: { status: string; summary: string; required: string[] };
  /** The caller's standing word on it, if any. */
  mine?: { decision: string; at: string; comment?: string };
  /** Why the caller's approval would not count (separation of duties), when it would not. */
  notCounted?: string;
  /** May the caller's grant approve in this stage at all. */
  mayApprove: boolean;
}

/**
 * What waits for the caller's word: in every pipeline the caller may read, each digest current
 * upstream of a stage that requires approvals, whose approvals gate `check` does not pass yet.
 */
export async function approvalsInbox(
  services: AppServices,
  caller: Caller,
  mayApprove: (pipeline: string, stage: string) => boolean,
  contractOf: ContractOf = async (name) => services.contracts.get(name),
): Promise<InboxItem[]> {
  const items: InboxItem[] = [];
  const store = await services.store();
  for (const name of readablePipelines(services, caller.grant)) {
    const contract = await contractOf(name);
    const gated = Object.entries(contract.stages).filter(([, stage]) => stage.requires.approvals);
    if (gated.length === 0) continue;
    const ctx = requestOf(services, contract, caller);
    const needed = new Set(gated.flatMap(([stage, definition]) => [stage, ...upstreamOf(definition)]));
    const rows = new Map<string, StageStatus>();
    for (const stage of needed)
      rows.set(stage, await stageRow(store, name, stage, contract.stages[stage]!.purpose));
    for (const [stage, definition] of gated) {
      for (const waiting of await waitingAt(ctx, stage, rows)) {
        const gate = waiting.decision.gates.find((g) => g.gate === 'approvals');
        if (!gate || gate.status === 'pass' || gate.status === 'waived') continue;
        const facts = await readArtifactFacts(store, name, waiting.digest);
        if (!facts) continue;
        // As `approve` judges it: nobody is the promoter yet.
        const context: GateContext = {
          contract,
          stageName: stage,
          stage: definition,
          facts: { ...facts, actor: '', now: caller.at, extra: {} },
        };
        const word = latestWords(context).find((w) => w.actor === caller.principal);
        const why = ineligibility(definition.requires.approvals!, caller.principal, context);
        items.push({
          pipeline: name,
          stage,
          artifact: { digest: waiting.digest, labels: waiting.labels },
          from: waiting.from,
          gate: { status: gate.status, summary: gate.summary, required: gate.required.map((r) => r.text) },
          ...(word
            ? {
                mine: {
                  decision: word.decision,
                  at: word.at,
                  ...(word.comment ? { comment: word.comment } : {}),
                },
              }
            : {}),
          ...(why === undefined ? {} : { notCounted: why }),
          mayApprove: mayApprove(name, stage),
        });
      }
    }
  }
  return items;
}

/** A page number or size from a query string, checked. */
export function pageNumber(text: string | undefined, name: string, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d{1,6}$/.test(text) || value < 1 || value > max)
    throw new TollgateError(
      'USAGE',
      `${name} "${text.slice(0, 20)}": expected a whole number from 1 to ${max}`,
    );
  return value;
}
