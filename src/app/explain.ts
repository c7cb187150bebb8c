/**
 * `tollgate explain DIGEST`: the artifact's passport. Every piece of evidence (kind, source
 * format, signer, stage produced in, time) and its standing in each stage: promoted (and how the
 * promotion stands now, with its signed VSA if any), or what a check would decide now.
 */

import { assertDigest, describeLookalikes, type Lookalike } from '../artifact/digest.js';
import type { Artifact } from '../contract/types.js';
import type { Verdict } from '../decision.js';
import { renderDriftSnapshotText } from '../drift/snapshot.js';
import { field } from '../errors.js';
import type { EvidenceData, EvidenceRecord } from '../evidence/evidence.js';
import { type ChainedEntry, ENTRY } from '../ledger/entry.js';
import type { PromotionStatus } from '../ledger/ledger-view.js';
import { isJsonObject } from '../text/json-text.js';
import { byCodeUnits } from '../text/order.js';
import { toOneLineText as oneLine } from '../text/terminal-text.js';
import { artifactNotRegistered } from './artifact-facts.js';
import { readArtifactFactsByAnyDigest } from './artifact-identity.js';
import { checkStage } from './check.js';
import type { AppRequest } from './services.js';

export interface PassportEvidence {
  id: string;
  kind: EvidenceData['kind'];
  format: string;
  /** One line: "suite unit: 52 of 52 passed", "cyclonedx 1.4, 201 components"… */
  summary: string;
  signer: EvidenceRecord['signer'];
  /** The stage it was produced in, or null for CI. */
  stage: string | null;
  recordedAt: string;
  actor: string;
}

export interface PassportStage {
  stage: string;
  purpose: string;
  /** The latest promotion of the digest into the stage, if any. */
  promotion?: {
    seq: number;
    at: string;
    actor: string;
    status: PromotionStatus;
    statusReason?: string;
    vsa: boolean;
    /** The contract the promotion was decided under. */
    contractDigest?: string;
    /** Recorded at a time someone set (a demo pipeline). */
    clockSet?: true;
    /** Gates overridden at the promotion: who, which gate, why. */
    overrides?: Array<{ gate: string; actor: string; reason: string }>;
    /** The config drift reports the promotion was decided on (`payload.snapshots.drift`), if any. */
    drift?: unknown;
  };
  /** When not promoted (or no longer trusted there): what a check decides now. */
  check?: { verdict: Verdict; required: string[] } | { error: string };
}

/**
 * The digest a passport was asked by when it is not the one the artifact is kept under: another
 * digest of the same bytes, recorded in register entry `seq`. `claimedBy` is there when that digest
 * is the caller's word (`claimed` in the entry: a sha512 sent beside a sha256), not one Tollgate
 * computed from bytes it read.
 */
export interface PassportAskedBy {
  digest: string;
  seq: number;
  claimedBy?: string;
}

export interface Passport {
  /**
   * With the other registered artifacts of the same short digest, when there are any, and the
   * digest it was asked by when that is not its own.
   */
  artifact: Artifact & { registeredBy?: string; lookalikes?: Lookalike[]; askedBy?: PassportAskedBy };
  evidence: PassportEvidence[];
  stages: PassportStage[];
}

/** A one-line summary of evidence data, for people. */
export function summariseEvidence(data: EvidenceData): string {
  switch (data.kind) {
    case 'tests':
      return `suite ${data.suite}: ${data.passed} of ${data.tests} passed, ${data.failed + data.errored} failed, ${data.skipped} skipped`;
    case 'verification':
      return `post-deploy verification ${data.result}${data.details ? `: ${data.details}` : ''}`;
    case 'opaque':
      return `predicate ${data.predicateType} (not read by gates)`;
    case 'sbom':
      return `${data.standard} ${data.specVersion}, ${data.counts.components} components${imagesNamed(data.describes)}`;
    case 'vulnerabilities': {
      const c = data.counts;
      return `${data.scanner}: ${c.critical} critical, ${c.high} high, ${c.medium} medium, ${c.low} low, ${c.unknown} unknown${imagesNamed(data.describes)}`;
    }
    case 'provenance':
      return `built by ${data.builderId}${data.sourceRepository ? ` from ${data.sourceRepository}` : ''}${data.sourceCommit ? `@${data.sourceCommit.slice(0, 12)}` : ''}`;
  }
}

/** The images a scan or SBOM names itself (`describes`), shortened: "; names image sha256:961769676411…". */
function imagesNamed(describes: readonly string[] | undefined): string {
  if (!describes || describes.length === 0) return '';
  return `; names image ${describes.join(', ')}`;
}

export async function explainArtifact(ctx: AppRequest, digest: string): Promise<Passport> {
  const checked = assertDigest(digest, field('artifact'));
  const store = await ctx.services.store();
  // As decisions and `status` show it: from the hash-chained register entry (see artifactOf); the
  // sha512 of a registered artifact is that artifact.
  const read = await readArtifactFactsByAnyDigest(store, ctx.contract.pipeline, checked);
  if (!read) throw artifactNotRegistered(ctx.contract.pipeline, checked);
  const { artifact, evidence: records, entries, ledger: view, lookalikes } = read;
  const askedBy = checked === artifact.digest ? undefined : askedByOf(entries, checked);
  const evidence = [...records]
    .sort((a, b) => byCodeUnits(a.recordedAt, b.recordedAt))
    .map((record) => ({
      id: record.id,
      kind: record.data.kind,
      format: record.format,
      summary: summariseEvidence(record.data),
      signer: record.signer,
      stage: record.stage,
      recordedAt: record.recordedAt,
      actor: record.actor,
    }));
  // A promotion's VSA is in the `checkpoint` entry that seals it (before checkpoints: in its own payload).
  const vsaBySeq = new Set(
    entries.flatMap((entry) =>
      entry.payload.vsa === undefined
        ? []
        : entry.kind === ENTRY.promotion
          ? [entry.seq]
          : entry.kind === ENTRY.checkpoint
            ? [Number(entry.payload.promotion)]
            : [],
    ),
  );
  const stages: PassportStage[] = [];
  for (const [stage, definition] of Object.entries(ctx.contract.stages)) {
    const row: PassportStage = { stage, purpose: definition.purpose };
    const promotion = view.promotions.filter((p) => p.stage === stage).at(-1);
    if (promotion) {
      row.promotion = {
        seq: promotion.seq,
        at: promotion.at,
        actor: promotion.actor,
        status: promotion.status,
        ...(promotion.statusReason === undefined ? {} : { statusReason: promotion.statusReason }),
        vsa: vsaBySeq.has(promotion.seq),
        ...(promotion.contractDigest ? { contractDigest: promotion.contractDigest } : {}),
        ...(promotion.clockSet ? { clockSet: true as const } : {}),
      };
      const overrides = (view.overrides ?? [])
        .filter((o) => o.seq === promotion.seq)
        .map((o) => ({ gate: o.gate, actor: o.actor, reason: o.reason }));
      if (overrides.length) row.promotion.overrides = overrides;
      const snapshots = entries.find((entry) => entry.seq === promotion.seq)?.payload.snapshots;
      const drift = (snapshots as { drift?: unknown } | undefined)?.drift;
      if (drift !== undefined) row.promotion.drift = drift;
    }
    if (!promotion || promotion.status === 'failed' || promotion.status === 'rolled-back') {
      try {
        const decision = await checkStage(ctx, stage, artifact.digest);
        row.check = { verdict: decision.verdict, required: decision.required.map((item) => item.text) };
      } catch (error) {
        row.check = { error: error instanceof Error ? error.message : String(error) };
      }
    }
    stages.push(row);
  }
  return {
    artifact: {
      ...artifact,
      ...(view.registeredBy === undefined ? {} : { registeredBy: view.registeredBy }),
      ...(lookalikes.length ? { lookalikes } : {}),
      ...(askedBy === undefined ? {} : { askedBy }),
    },
    evidence,
    stages,
  };
}

/**
 * The register entry that recorded `digest` beside the artifact's own, and whether that digest was
 * the caller's word (`claimed`): a passport asked by a sha512 the server never hashed says so, as
 * the register entry does, instead of reading as if Tollgate had linked the bytes itself.
 */
function askedByOf(entries: readonly ChainedEntry[], digest: string): PassportAskedBy | undefined {
  const colon = digest.indexOf(':');
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  for (const entry of entries) {
    if (entry.kind !== ENTRY.register) continue;
    const { digests, claimed } = entry.payload;
    if (!isJsonObject(digests) || !Object.hasOwn(digests, algorithm) || digests[algorithm] !== hex) continue;
    const byWord = Array.isArray(claimed) && claimed.includes(algorithm);
    return { digest, seq: entry.seq, ...(byWord ? { claimedBy: entry.actor } : {}) };
  }
  return undefined;
}

/**
 * The passport as text for people. Every quoted string (labels, names, evidence summaries with a
 * verification's details, reasons, what a check requires) stays on its line: a new line in one
 * would add lines that read as the passport's own (a "stages" section saying a stage is verified).
 */
export function renderPassport(passport: Passport): string {
  const lines: string[] = [];
  const { artifact } = passport;
  const labels = Object.entries(artifact.labels)
    .map(([key, value]) => oneLine(`${key}=${value}`))
    .join(' ');
  lines.push(`artifact ${artifact.digest}${labels ? `  ${labels}` : ''}`);
  lines.push(
    `  registered ${artifact.registeredAt}${artifact.registeredBy ? ` by ${oneLine(artifact.registeredBy)}` : ''} from ${oneLine(artifact.source)}`,
  );
  const asked = artifact.askedBy;
  if (asked)
    lines.push(
      asked.claimedBy === undefined
        ? `  asked by ${asked.digest}: read from the same bytes (register entry #${asked.seq})`
        : `  asked by ${asked.digest}: claimed by ${oneLine(asked.claimedBy)} beside it (register entry #${asked.seq}); Tollgate did not read the bytes, so the link rests on that word`,
    );
  if (artifact.lookalikes?.length)
    lines.push(`  WARNING ${oneLine(describeLookalikes(artifact.lookalikes))}: compare the full digest`);
  lines.push('', `evidence (${passport.evidence.length})`);
  if (passport.evidence.length === 0) lines.push('  none');
  for (const item of passport.evidence) {
    const signer = item.signer
      ? `signed by ${oneLine(item.signer.name)} (${item.signer.method})`
      : 'unsigned';
    const where = item.stage === null ? 'CI' : `in ${item.stage}`;
    lines.push(
      `  ${item.kind.padEnd(15)} ${oneLine(item.format).padEnd(12)} ${signer}, ${where}, ${item.recordedAt} by ${oneLine(item.actor)}`,
    );
    lines.push(`  ${''.padEnd(15)} ${oneLine(item.summary)}`);
  }
  lines.push('', 'stages');
  for (const row of passport.stages) {
    const parts: string[] = [];
    if (row.promotion) {
      const p = row.promotion;
      parts.push(
        `${p.status} at ${p.at} by ${oneLine(p.actor)} (entry #${p.seq})${p.vsa ? ', signed VSA' : ''}`,
      );
      if (p.statusReason) parts.push(oneLine(p.statusReason));
      if (p.contractDigest)
        parts.push(`under contract ${p.contractDigest}${p.clockSet ? ', at a set clock' : ''}`);
      for (const o of p.overrides ?? [])
        parts.push(`override: ${o.gate} by ${oneLine(o.actor)} ("${oneLine(o.reason)}")`);
      if (p.drift !== undefined) parts.push(...renderDriftSnapshotText(p.drift).split('\n'));
    }
    if (row.check) {
      if ('error' in row.check) parts.push(`cannot check now: ${oneLine(row.check.error)}`);
      else {
        parts.push(`check now: ${row.check.verdict}`);
        for (const text of row.check.required.slice(0, 5)) parts.push(`  required: ${oneLine(text)}`);
      }
    }
    lines.push(`  ${row.stage}: ${parts[0] ?? ''}`);
    for (const part of parts.slice(1)) lines.push(`    ${part}`);
  }
  return lines.join('\n');
}
