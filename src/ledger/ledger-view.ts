/**
 * What the gates see of the ledger: plain values, read by the application layer before a decision.
 */
import type { Artifact } from '../contract/types.js';
import { foldName } from '../policy/names.js';
import { emptyRecord, hasOwnKey, ownValue, setOwn } from '../records.js';
import { ENTRY, type ViewEntry } from './entry.js';

/** Where a promotion stands now. `failed` and `rolled-back` promotions are no longer trusted. */
export type PromotionStatus = 'promoted' | 'verified' | 'failed' | 'rolled-back';

export interface PromotionRecord {
  /** The ledger entry's sequence number (per pipeline). */
  seq: number;
  stage: string;
  artifact: string;
  actor: string;
  at: string;
  status: PromotionStatus;
  /** Why the status changed from `promoted`, when it did. */
  statusReason?: string;
  contractDigest: string;
  /** Recorded at a time someone set (`--now`), not read from a real clock. */
  clockSet?: true;
}

export interface LedgerView {
  /** Promotions of the artifact being decided, in every stage, oldest first. */
  promotions: PromotionRecord[];
  /** Who registered the artifact (the `register` entry's actor), when known. */
  registeredBy?: string;
  /** When a CI job registered it: the people who triggered the job (the entry's `actingFor`). */
  registeredFor?: string[];
  /** Approvals, rejections and withdrawals of the artifact, every stage, oldest first. */
  approvals?: ApprovalRecord[];
  /** Post-deploy verifications of the artifact, every stage, oldest first. */
  verifications?: VerificationRecord[];
  /** Rollbacks away from the artifact, oldest first. */
  rollbacks?: RollbackRecord[];
  /** Gates overridden when the artifact was promoted, oldest first. */
  overrides?: OverrideRecord[];
  /**
   * The ledger entry that first recorded each evidence record (`attest`, `verification`), by
   * evidence id: where the record stands in the ledger's order, which no clock can move.
   */
  evidenceSeq?: Readonly<Record<string, number>>;
  /**
   * The people a CI job acted for when it attested each evidence record (the attest entry's
   * `actingFor`), by evidence id; only records a job attested for someone are here.
   */
  evidenceActingFor?: Readonly<Record<string, readonly string[]>>;
}

/** One person's word about a digest in a stage; the latest word of each person counts. */
export interface ApprovalRecord {
  seq: number;
  stage: string;
  artifact: string;
  actor: string;
  at: string;
  /** `withdraw` takes back the person's earlier approval or rejection. */
  decision: 'approve' | 'reject' | 'withdraw';
  comment?: string;
  /** When `actor` is a CI job: the people who triggered it, whose approval it also is. */
  actingFor?: string[];
}

export interface VerificationRecord {
  seq: number;
  stage: string;
  artifact: string;
  actor: string;
  at: string;
  result: 'passed' | 'failed';
  details?: string;
}

export interface RollbackRecord {
  seq: number;
  stage: string;
  /** The digest rolled back away from. */
  artifact: string;
  actor: string;
  at: string;
  /** The promotion entry rolled back, when named. */
  promotion?: number;
  reason?: string;
  /** The digest the stage went back to (what it runs after the rollback), when recorded. */
  target?: string;
  /** The target's promotion into the stage, when the target was the last known good one. */
  targetPromotion?: number;
}

export interface OverrideRecord {
  /** The promotion entry the override was used for. */
  seq: number;
  stage: string;
  artifact: string;
  gate: string;
  actor: string;
  reason: string;
  at: string;
}

/** How decisions cite a ledger entry as the evidence behind an item: `ledger#12`. */
export function ledgerRef(seq: number): string {
  return `ledger#${seq}`;
}

/**
 * Whether evidence `record` was recorded after the promotion `since`: by ledger order when the
 * entry that recorded it is known, else by time.
 */
export function recordedAfter(
  view: LedgerView,
  record: { id: string; recordedAt: string },
  since: Pick<PromotionRecord, 'seq' | 'at'>,
): boolean {
  const seq = view.evidenceSeq === undefined ? undefined : ownValue(view.evidenceSeq, record.id);
  return seq === undefined ? record.recordedAt > since.at : seq > since.seq;
}

/** The latest promotion of `artifact` into `stage`, if any. */
export function latestPromotion(view: LedgerView, stage: string): PromotionRecord | undefined {
  let latest: PromotionRecord | undefined;
  for (const promotion of view.promotions) {
    if (promotion.stage === stage && (latest === undefined || promotion.seq > latest.seq)) latest = promotion;
  }
  return latest;
}

/** The latest rollback of `digest` out of `stage`, if it was ever rolled back from there. */
export function lastRollbackOutOf(
  view: LedgerView,
  digest: string,
  stage: string,
): RollbackRecord | undefined {
  let last: RollbackRecord | undefined;
  for (const rollback of view.rollbacks ?? []) {
    if (
      rollback.artifact === digest &&
      rollback.stage === stage &&
      (last === undefined || rollback.seq > last.seq)
    )
      last = rollback;
  }
  return last;
}

/**
 * The latest failed post-deploy verification of `digest` in `stage`, if any. Approvals of the
 * digest for the stage given before it no longer count: they approved what was then known.
 */
export function lastFailedVerificationIn(
  view: LedgerView,
  digest: string,
  stage: string,
): VerificationRecord | undefined {
  let last: VerificationRecord | undefined;
  for (const verification of view.verifications ?? []) {
    if (
      verification.result === 'failed' &&
      verification.artifact === digest &&
      verification.stage === stage &&
      (last === undefined || verification.seq > last.seq)
    )
      last = verification;
  }
  return last;
}

/**
 * The rollback that still holds `digest` out of `stage`: its latest rollback from there, unless the
 * digest has been promoted into the stage again since (re-approved or overridden, then admitted).
 */
export function standingRollback(
  view: LedgerView,
  digest: string,
  stage: string,
): RollbackRecord | undefined {
  const rollback = lastRollbackOutOf(view, digest, stage);
  if (rollback === undefined) return undefined;
  const readmitted = view.promotions.some(
    (p) => p.stage === stage && p.artifact === digest && p.seq > rollback.seq,
  );
  return readmitted ? undefined : rollback;
}

/**
 * How the stage's current promotion of the artifact whose view this is stands: its latest
 * promotion into `stage` (`promoted` when the view holds none, as for a digest a stage went back
 * to without a promotion of its own in view).
 */
export function stageStatusOf(view: LedgerView, stage: string): PromotionStatus {
  return view.promotions.filter((p) => p.stage === stage).at(-1)?.status ?? 'promoted';
}

/** True when a promotion is still trusted: not failed, not rolled back. */
export function isTrusted(promotion: PromotionRecord): boolean {
  return promotion.status === 'promoted' || promotion.status === 'verified';
}

/**
 * Derives the view from an artifact's ledger entries, oldest first. A promotion's status comes
 * from the entries after it: a rollback naming it marks it `rolled-back`; a failed verification in
 * its stage marks it `failed`, a passing one `verified`.
 */
export function buildLedgerView(entries: readonly ViewEntry[]): LedgerView {
  const promotions: PromotionRecord[] = [];
  const bySeq = new Map<number, PromotionRecord>();
  const people = collectPeopleRecords(entries);
  for (const entry of entries) {
    if (entry.kind === ENTRY.promotion && entry.stage && entry.artifact) {
      const record: PromotionRecord = {
        seq: entry.seq,
        stage: entry.stage,
        artifact: entry.artifact,
        actor: foldName(entry.actor),
        at: entry.at,
        status: 'promoted',
        contractDigest: String(entry.payload.contractDigest ?? ''),
        ...(entry.payload.clockSet === true ? { clockSet: true as const } : {}),
      };
      promotions.push(record);
      bySeq.set(entry.seq, record);
    } else if (entry.kind === ENTRY.rollback) {
      const target = bySeq.get(Number(entry.payload.promotion));
      if (target) {
        target.status = 'rolled-back';
        target.statusReason = `rolled back by ${entry.actor} at ${entry.at}${entry.payload.reason ? `: ${entry.payload.reason}` : ''}`;
      }
    } else if (entry.kind === ENTRY.verification && entry.stage) {
      const latest = promotions.filter((p) => p.stage === entry.stage).at(-1);
      if (latest && latest.status !== 'rolled-back') {
        if (entry.payload.result === 'failed') {
          latest.status = 'failed';
          latest.statusReason = `post-deploy verification failed (reported by ${entry.actor} at ${entry.at})`;
        } else if (latest.status === 'promoted') {
          latest.status = 'verified';
        }
      }
    }
  }
  return { promotions, ...people, ...evidenceOrigins(entries) };
}

/**
 * Evidence id → the seq of the first entry that recorded it, and the people the CI job that
 * recorded it acted for (that entry's `actingFor`), where it names any.
 */
function evidenceOrigins(
  entries: readonly ViewEntry[],
): Required<Pick<LedgerView, 'evidenceSeq' | 'evidenceActingFor'>> {
  const seqs = emptyRecord<number>();
  const actingFor = emptyRecord<readonly string[]>();
  const note = (id: unknown, entry: ViewEntry) => {
    if (typeof id !== 'string' || hasOwnKey(seqs, id)) return;
    setOwn(seqs, id, entry.seq);
    const behind = people(entry.payload.actingFor);
    if (behind) setOwn(actingFor, id, behind);
  };
  for (const entry of entries) {
    if (entry.kind === ENTRY.attest && Array.isArray(entry.payload.evidence)) {
      for (const item of entry.payload.evidence as Array<Record<string, unknown> | null>)
        note(item?.id, entry);
    } else if (entry.kind === ENTRY.verification) {
      note(entry.payload.evidence, entry);
    }
  }
  return { evidenceSeq: seqs, evidenceActingFor: actingFor };
}

function isDigestSet(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.entries(value).every(
      ([algorithm, hex]) =>
        /^[a-z0-9_]+$/.test(algorithm) && typeof hex === 'string' && /^[0-9a-f]+$/.test(hex),
    )
  );
}

/**
 * The artifact as its `register` entry recorded it (digest, labels, source, time), or undefined
 * when `entries` (an artifact's entries, oldest first) hold no well-formed one. Registration
 * writes the artifacts row and this entry in one transaction from the same values; the entry is
 * the hash-chained copy, so a decision read from it rests on what `ledger verify` checks.
 */
export function registeredArtifact(entries: readonly ViewEntry[]): Artifact | undefined {
  const entry = entries.find((e) => e.kind === ENTRY.register);
  if (!entry?.artifact) return undefined;
  const { labels, source } = entry.payload;
  if (typeof source !== 'string' || typeof labels !== 'object' || labels === null || Array.isArray(labels))
    return undefined;
  if (!Object.values(labels).every((value) => typeof value === 'string')) return undefined;
  const { digests } = entry.payload;
  // Registrations before the sha512 was recorded have none; one that is there must be well formed.
  if (digests !== undefined && !isDigestSet(digests)) return undefined;
  return {
    digest: entry.artifact,
    labels: labels as Record<string, string>,
    registeredAt: entry.at,
    source,
    ...(digests === undefined ? {} : { digests }),
  };
}

/** The people a CI job acted for, as an entry records them (`actingFor`), folded; undefined for none. */
function people(value: unknown): string[] | undefined {
  const names = (Array.isArray(value) ? value : [value]).filter(
    (name): name is string => typeof name === 'string' && name !== '',
  );
  return names.length > 0 ? names.map(foldName) : undefined;
}

/** Approvals, verifications, rollbacks, overrides and the registrant, from the same entries. */
function collectPeopleRecords(entries: readonly ViewEntry[]): Omit<LedgerView, 'promotions'> {
  const approvals: ApprovalRecord[] = [];
  const verifications: VerificationRecord[] = [];
  const rollbacks: RollbackRecord[] = [];
  const overrides: OverrideRecord[] = [];
  let registeredBy: string | undefined;
  let registeredFor: string[] | undefined;
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  for (const entry of entries) {
    const base = {
      seq: entry.seq,
      stage: entry.stage ?? '',
      artifact: entry.artifact ?? '',
      actor: foldName(entry.actor),
      at: entry.at,
    };
    const payload = entry.payload;
    if (entry.kind === ENTRY.register && registeredBy === undefined) {
      registeredBy = base.actor;
      registeredFor = people(payload.actingFor);
    } else if (entry.kind === ENTRY.approval && entry.stage && entry.artifact) {
      const decision =
        payload.decision === 'reject' || payload.decision === 'withdraw' ? payload.decision : 'approve';
      const comment = text(payload.comment);
      const actingFor = people(payload.actingFor);
      approvals.push({
        ...base,
        decision,
        ...(comment ? { comment } : {}),
        ...(actingFor ? { actingFor } : {}),
      });
    } else if (entry.kind === ENTRY.verification && entry.stage && entry.artifact) {
      const details = text(payload.details);
      verifications.push({
        ...base,
        result: payload.result === 'failed' ? 'failed' : 'passed',
        ...(details ? { details } : {}),
      });
    } else if (entry.kind === ENTRY.rollback && entry.stage && entry.artifact) {
      const reason = text(payload.reason);
      const promotion = typeof payload.promotion === 'number' ? payload.promotion : undefined;
      const target = text(payload.target);
      const targetPromotion =
        typeof payload.targetPromotion === 'number' ? payload.targetPromotion : undefined;
      rollbacks.push({
        ...base,
        ...(promotion === undefined ? {} : { promotion }),
        ...(reason ? { reason } : {}),
        ...(target ? { target } : {}),
        ...(targetPromotion === undefined ? {} : { targetPromotion }),
      });
    } else if (
      entry.kind === ENTRY.promotion &&
      entry.stage &&
      entry.artifact &&
      Array.isArray(payload.overrides)
    ) {
      for (const o of payload.overrides as Array<Record<string, unknown>>) {
        if (typeof o?.gate !== 'string') continue;
        overrides.push({
          ...base,
          gate: o.gate,
          actor: foldName(text(o.actor) ?? entry.actor),
          reason: text(o.reason) ?? '',
        });
      }
    }
  }
  return {
    ...(registeredBy === undefined ? {} : { registeredBy }),
    ...(registeredFor === undefined ? {} : { registeredFor }),
    approvals,
    verifications,
    rollbacks,
    overrides,
  };
}
