/**
 * The dashboard's read models: what the pages of `tollgate serve` (and `tollgate report --html`)
 * show that no single CLI verb prints. Each is built from the same use cases the CLI runs
 * (`status`'s stage rows, `check`'s decisions, `approve`'s eligibility rule), so a page can never
 * say something the CLI would not; only the selection and the paging are new.
 *
 * Cost: the overview reads, per pipeline on the page, two indexed rows per stage and one artifact
 * history per current digest, and checks only the digests waiting at a stage's door; never a scan
 * of the ledger. Filtering by status and paging the inbox select their pipelines and stages from
 * the listing index (src/ledger/overview-index.ts: one row per stage, kept with every append),
 * then compute what they show from verified reads, as without a filter.
 */
import type { Lookalike } from '../artifact/digest.js';
import type { Artifact, Contract } from '../contract/types.js';
import { upstreamOf } from '../contract/types.js';
import type { Decision } from '../decision.js';
import { TollgateError } from '../errors.js';
import { approvalWouldNotCount, latestWords } from '../gates/approvals-gate.js';
import type { GateContext } from '../gates/gate.js';
import { type ChainedEntry, ENTRY, type WireEntry } from '../ledger/entry.js';
import type { IndexedStage, LedgerStore } from '../ledger/ledger-store.js';
import type { PromotionStatus } from '../ledger/ledger-view.js';
import { readArtifactFacts, readArtifactHistory } from './artifact-facts.js';
import type { Grant } from './authorise.js';
import { checkStage } from './check.js';
import { type AppRequest, type AppServices, type Caller, heldContract } from './services.js';
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
  /** Other registered artifacts with the same short digest, when there are any. */
  lookalikes?: Lookalike[];
  /** The first upstream stage (in the contract's `from` order) it runs in. */
  from: string;
  /** Every upstream stage it runs in now, in the contract's `from` order. */
  runsIn: string[];
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

/**
 * What the overview can be filtered by: a stage whose current promotion is promoted (not yet
 * verified), verified, failed, or rolled back (the stage went back to an earlier digest, or its
 * current promotion was rolled back with nothing to go back to); or a digest waiting at a stage's
 * door (current upstream, not failed or rolled back there, not current here).
 */
export const OVERVIEW_STATUSES = ['promoted', 'verified', 'failed', 'rolled-back', 'waiting'] as const;
export type OverviewStatus = (typeof OVERVIEW_STATUSES)[number];

export interface OverviewOptions {
  /** Case-insensitive text a pipeline's name or one of its stages' names contains. */
  q?: string;
  /** Only pipelines with a stage in this state. */
  status?: OverviewStatus;
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

/** Where the dashboard's listings find their pipelines and each one's contract in force. */
export interface PipelineCatalogue {
  /** Every pipeline, in listing order. */
  names(): Promise<string[]>;
  /** The contract in force, from verified reads: what a pipeline on a page is summarised and checked under. */
  contractOf: ContractOf;
  /**
   * The contract to select and order by (its stages and `from` edges), when it can be had without
   * a read per pipeline; default `contractOf`. Never used to decide or to show a row.
   */
  listingContractOf?: ContractOf;
}

/** The process's own contracts: the CLI's (and `report --html`'s) catalogue. */
export function processCatalogue(services: AppServices): PipelineCatalogue {
  return {
    names: async () => services.contracts.pipelines(),
    contractOf: async (name) => services.contracts.get(name),
  };
}

/**
 * A server's catalogue: the pipelines it was started with (`--contracts`, in that order), then
 * those that exist only by an uploaded contract (recorded in the ledger), by name. For listing, a
 * pipeline's contract is found by the digest the index holds for it among the contracts the
 * process already has (started with, or compiled from the ledger before): 500 pipelines cost one
 * read of the index, not 500 reads of their pins (PostgreSQL keeps no reads between requests).
 */
export function serverCatalogue(
  services: AppServices,
  contractOf: ContractOf,
  compiled: ReadonlyMap<string, Contract>,
): PipelineCatalogue {
  // Read once per catalogue (a server makes one per request).
  let pinned: Promise<Map<string, string | null>> | undefined;
  const pins = () =>
    (pinned ??= services
      .store()
      .then(indexOf)
      .then((index) => new Map(index.pipelines.map((p) => [p.pipeline, p.contract] as const))));
  return {
    async names() {
      const started = services.contracts.pipelines();
      const known = new Set(started);
      return [...started, ...[...(await pins()).keys()].filter((name) => !known.has(name))];
    },
    contractOf,
    async listingContractOf(name) {
      const digest = (await pins()).get(name);
      const started = heldContract(services.contracts, name);
      // No contract entry yet: the start-up file is in force, as contractInForce says.
      if (digest === undefined && started) return started;
      if (digest && started?.digest === digest) return started;
      return (digest && compiled.get(digest)) || contractOf(name);
    },
  };
}

/** The listing index, read once while the database is unchanged. */
function indexOf(store: LedgerStore) {
  return store.whileUnchanged(['overview index'], () => store.overview.read());
}

/** The pipelines a grant may read (every one for no grant: the CLI's local ledger). */
export async function readablePipelines(
  catalogue: PipelineCatalogue,
  grant: Grant | undefined,
): Promise<string[]> {
  return (await catalogue.names()).filter(
    (name) => !grant || grant.pipelines === '*' || grant.pipelines.includes(name),
  );
}

/** A stage as a filter sees it: its upstream stages and what it runs now. */
interface StageLook {
  stage: string;
  from: string[];
  current?: { digest: string; status: string | null; rolledBack: boolean };
}

const UNTRUSTED: ReadonlySet<string | null> = new Set(['failed', 'rolled-back', null]);

/** The stages where a digest waits at the door: current upstream (and trusted there), not here. */
function doorsWithWaiting(looks: readonly StageLook[]): StageLook[] {
  const byStage = new Map(looks.map((look) => [look.stage, look] as const));
  return looks.filter((look) =>
    look.from.some((upstream) => {
      const there = byStage.get(upstream)?.current;
      return there !== undefined && !UNTRUSTED.has(there.status) && there.digest !== look.current?.digest;
    }),
  );
}

/** True when a stage of the pipeline is in `status`. One rule for the index's rows and the verified ones. */
function inStatus(looks: readonly StageLook[], status: OverviewStatus): boolean {
  switch (status) {
    case 'promoted':
    case 'verified':
    case 'failed':
      return looks.some((look) => look.current?.status === status);
    case 'rolled-back':
      return looks.some((look) => look.current?.rolledBack || look.current?.status === 'rolled-back');
    case 'waiting':
      return doorsWithWaiting(looks).length > 0;
  }
}

/** The contract's stages as the listing index has them. */
function indexedLooks(contract: Contract, rows: ReadonlyMap<string, IndexedStage>): StageLook[] {
  return Object.entries(contract.stages).map(([stage, definition]) => {
    const row = rows.get(stage);
    return {
      stage,
      from: upstreamOf(definition),
      ...(row ? { current: { digest: row.digest, status: row.status, rolledBack: row.rolledBack } } : {}),
    };
  });
}

/** The index's rows by pipeline, then stage. */
function rowsByPipeline(stages: readonly IndexedStage[]): Map<string, Map<string, IndexedStage>> {
  const out = new Map<string, Map<string, IndexedStage>>();
  for (const row of stages) {
    const rows = out.get(row.pipeline) ?? new Map<string, IndexedStage>();
    out.set(row.pipeline, rows);
    rows.set(row.stage, row);
  }
  return out;
}

/** A summary's stages, as computed from verified reads, as a filter sees them. */
function summaryLooks(summary: OverviewPipeline): StageLook[] {
  return summary.stages.map((stage) => ({
    stage: stage.stage,
    from: stage.from,
    ...(stage.current
      ? {
          current: {
            digest: stage.current.artifact.digest,
            status: stage.current.status,
            rolledBack: stage.current.rolledBack === true,
          },
        }
      : {}),
  }));
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
  const seen = new Map<string, string[]>();
  const out: Array<WaitingArtifact & { decision: Decision }> = [];
  for (const upstream of upstreamOf(definition)) {
    const there = rows.get(upstream)?.current;
    if (!there || there.artifact.digest === here) continue;
    if (there.status === 'failed' || there.status === 'rolled-back') continue;
    // The same digest in a second upstream stage: one item, which names both stages.
    const runsIn = seen.get(there.artifact.digest);
    if (runsIn) {
      runsIn.push(upstream);
      continue;
    }
    seen.set(there.artifact.digest, [upstream]);
    const decision = await checkStage(asNoPromoter(ctx), stage, there.artifact.digest);
    out.push({
      digest: there.artifact.digest,
      labels: there.artifact.labels,
      ...(decision.artifact.lookalikes ? { lookalikes: decision.artifact.lookalikes } : {}),
      from: upstream,
      runsIn: seen.get(there.artifact.digest)!,
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

/**
 * The overview: the readable pipelines that match, one page of them, each summarised. With a
 * status, the pipelines are selected by the listing index before paging (page 1 of "failed" holds
 * failed pipelines), and each one on the page is checked against its summary from verified reads:
 * a pipeline whose index rows disagree has them rebuilt and the selection is made again, once; one
 * that still does not match (it changed meanwhile) is left out rather than shown under the wrong
 * filter.
 */
export async function pipelinesOverview(
  services: AppServices,
  caller: Caller,
  options: OverviewOptions,
  catalogue: PipelineCatalogue = processCatalogue(services),
): Promise<Overview> {
  const q = options.q?.trim().toLowerCase();
  const listing = catalogue.listingContractOf ?? catalogue.contractOf;
  const names: string[] = [];
  for (const name of await readablePipelines(catalogue, caller.grant)) {
    if (!q || name.toLowerCase().includes(q)) names.push(name);
    else if (Object.keys((await listing(name)).stages).some((stage) => stage.includes(q))) names.push(name);
  }
  const start = (options.page - 1) * options.size;
  const summarise = (name: string) =>
    catalogue.contractOf(name).then((contract) => pipelineSummary(requestOf(services, contract, caller)));
  const { status } = options;
  if (status === undefined) {
    const pipelines = await Promise.all(names.slice(start, start + options.size).map(summarise));
    return { total: names.length, page: options.page, size: options.size, pipelines };
  }
  const store = await services.store();
  for (let attempt = 1; ; attempt++) {
    const rows = rowsByPipeline((await indexOf(store)).stages);
    const matching: string[] = [];
    for (const name of names) {
      const looks = indexedLooks(await listing(name), rows.get(name) ?? new Map());
      if (inStatus(looks, status)) matching.push(name);
    }
    const page = await Promise.all(matching.slice(start, start + options.size).map(summarise));
    const stale = page.filter((summary) => !inStatus(summaryLooks(summary), status));
    if (stale.length === 0 || attempt === 2) {
      const pipelines = page.filter((summary) => !stale.includes(summary));
      return { total: matching.length - stale.length, page: options.page, size: options.size, pipelines };
    }
    for (const summary of stale) await store.overview.rebuild(summary.pipeline);
  }
}

/** One row of a pipeline's timeline: a ledger entry about an artifact, with what it is now. */
export interface TimelineEntry
  extends Pick<WireEntry, 'seq' | 'kind' | 'stage' | 'artifact' | 'actor' | 'at'> {
  /** Promotions: how the promotion stands now (promoted, verified, failed, rolled-back). */
  status?: PromotionStatus;
  /** Approvals: approve, reject or withdraw; verifications: passed or failed. */
  decision?: string;
  result?: string;
  /** Rollbacks: the digest the stage went back to. */
  target?: string;
  labels?: Record<string, string>;
  /** Other registered artifacts sharing the row's artifact's short digest, when there are any. */
  lookalikes?: Lookalike[];
  /** The same for the rollback target. */
  targetLookalikes?: Lookalike[];
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
  // A row names its digests short only when none has a look-alike: one range read per digest, or
  // none where the check of a history's entries already read them.
  const lookalikes = new Map<string, Lookalike[]>();
  for (const digest of out.flatMap((row) => [row.artifact, row.target])) {
    if (!digest || lookalikes.has(digest)) continue;
    const history = histories.get(digest);
    lookalikes.set(digest, await (history ? history.lookalikes() : store.lookalikes(pipeline, digest)));
  }
  for (const row of out) {
    const alike = row.artifact ? lookalikes.get(row.artifact) : undefined;
    if (alike?.length) row.lookalikes = alike;
    const targetAlike = row.target ? lookalikes.get(row.target) : undefined;
    if (targetAlike?.length) row.targetLookalikes = targetAlike;
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
  /** With the other registered artifacts of the same short digest, when there are any. */
  artifact: Pick<Artifact, 'digest' | 'labels'> & { lookalikes?: Lookalike[] };
  /** The first upstream stage (in the contract's `from` order) the digest runs in. */
  from: string;
  /** Every upstream stage the digest runs in now, in the contract's `from` order. */
  runsIn: string[];
  /** The approvals gate as `check` sees it now. */
  gate: { status: string; summary: string; required: string[] };
  /** The caller's standing word on it, if any. */
  mine?: { decision: string; at: string; comment?: string };
  /** Why the caller's approval would not count (separation of duties), when it would not. */
  notCounted?: string;
  /** May the caller's grant approve in this stage at all. */
  mayApprove: boolean;
}

/** A page of the inbox; `next` continues after it. */
export interface InboxPage {
  items: InboxItem[];
  /** Pass as `after` for the next page; absent on the last. */
  next?: number;
}

export interface InboxOptions {
  /** Where the previous page ended (its `next`); 0 for the first. */
  after: number;
  /** Items a page: a page ends once it holds this many (a stage with several digests waiting at its door adds them all). */
  size: number;
}

/**
 * Doors looked at in one page at most, per item asked for: a bound on the work of a page when
 * most doors hold nothing for the caller (their approvals are already given); the page then ends
 * early, with `next`.
 */
const DOORS_PER_ITEM = 4;

/**
 * What waits for the caller's word: in every pipeline the caller may read, each digest current
 * upstream of a stage that requires approvals, whose approvals gate `check` does not pass yet. A
 * page at a time: the listing index names the doors where a digest waits (a stage with approvals
 * whose upstream runs a digest it does not), in pipeline and contract order; each door on the page
 * is then read and checked from verified reads, and only those whose approvals gate is not met
 * become items. So a page costs one `check` per door on it, not one per door of every pipeline.
 */
export async function approvalsInbox(
  services: AppServices,
  caller: Caller,
  mayApprove: (pipeline: string, stage: string) => boolean,
  catalogue: PipelineCatalogue = processCatalogue(services),
  options: InboxOptions = { after: 0, size: MAX_PAGE_SIZE },
): Promise<InboxPage> {
  const store = await services.store();
  const rows = rowsByPipeline((await indexOf(store)).stages);
  // Every door where a digest waits, by the index: (pipeline, stage) in listing and contract order.
  const doors: Array<{ pipeline: string; stage: string }> = [];
  const listing = catalogue.listingContractOf ?? catalogue.contractOf;
  for (const name of await readablePipelines(catalogue, caller.grant)) {
    const contract = await listing(name);
    if (!Object.values(contract.stages).some((stage) => stage.requires.approvals)) continue;
    for (const look of doorsWithWaiting(indexedLooks(contract, rows.get(name) ?? new Map())))
      if (contract.stages[look.stage]!.requires.approvals) doors.push({ pipeline: name, stage: look.stage });
  }
  // The doors on the page are checked under the contract in force, read and verified.
  const contracts = new Map<string, Contract>();
  const items: InboxItem[] = [];
  const verified = new Map<string, Map<string, StageStatus>>();
  let at = options.after;
  const last = Math.min(doors.length, options.after + options.size * DOORS_PER_ITEM);
  for (; at < last && items.length < options.size; at++) {
    const { pipeline: name, stage } = doors[at]!;
    const contract = contracts.get(name) ?? (await catalogue.contractOf(name));
    contracts.set(name, contract);
    const definition = contract.stages[stage];
    // The contract in force no longer has the stage, or no longer asks approvals there.
    if (!definition?.requires.approvals) continue;
    const ctx = requestOf(services, contract, caller);
    const stageRows = verified.get(name) ?? new Map<string, StageStatus>();
    verified.set(name, stageRows);
    for (const needed of [stage, ...upstreamOf(definition)])
      if (!stageRows.has(needed))
        stageRows.set(needed, await stageRow(store, name, needed, contract.stages[needed]!.purpose));
    for (const waiting of await waitingAt(ctx, stage, stageRows)) {
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
      const why = approvalWouldNotCount(
        definition.requires.approvals!,
        caller.principal,
        context,
        caller.actingFor,
      );
      items.push({
        pipeline: name,
        stage,
        artifact: {
          digest: waiting.digest,
          labels: waiting.labels,
          ...(facts.lookalikes.length ? { lookalikes: facts.lookalikes } : {}),
        },
        from: waiting.from,
        runsIn: waiting.runsIn,
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
  return { items, ...(at < doors.length ? { next: at } : {}) };
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
