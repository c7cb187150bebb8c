/**
 * CDEvents (https://cdevents.dev, cdevents/spec) for what Tollgate records. Pure: ledger entries in,
 * events out. Types and spec versions:
 * - a promotion → `service.deployed` (the stage's first) or `service.upgraded` (another digest was
 *   there before), spec 0.5.1;
 * - a rollback → `service.rolledback` with the digest rolled back to, spec 0.5.1;
 * - an approval or rejection → `approval.updated` (decision approved/rejected), first defined in
 *   the 0.6.0 draft; a withdrawal has no decision in the spec and emits nothing.
 * Freeze windows opening and closing have no event type in the spec (none up to the 0.6.0 draft), so
 * none is emitted for them.
 */
import { randomUUID } from 'node:crypto';
import type { WireEntry } from '../ledger/entry.js';

/** A CDEvent: the `data` of its CloudEvent. */
export interface CdEvent {
  context: {
    specversion: string;
    id: string;
    source: string;
    type: string;
    timestamp: string;
  };
  subject: { id: string; source?: string; content: Record<string, unknown> };
  customData?: Record<string, unknown>;
  customDataContentType?: string;
}

export const CDEVENT_TYPES = {
  serviceDeployed: { type: 'dev.cdevents.service.deployed.0.3.0', spec: '0.5.1' },
  serviceUpgraded: { type: 'dev.cdevents.service.upgraded.0.3.0', spec: '0.5.1' },
  serviceRolledback: { type: 'dev.cdevents.service.rolledback.0.3.0', spec: '0.5.1' },
  approvalUpdated: { type: 'dev.cdevents.approval.updated.0.1.0', spec: '0.6.0-draft' },
} as const;

/** What a ledger entry carries that the events need. */
export type EventEntry = Omit<WireEntry, 'pipeline' | 'prevHash'>;

export interface EventContext {
  pipeline: string;
  /** The events' `source` (TOLLGATE_EVENT_SOURCE, default `/tollgate/<pipeline>`). */
  source: string;
  /** The artifact's repository for package URLs, e.g. `registry.example.com/shop/checkout` (OCI images). */
  repository?: string;
  /** The artifact type of the contract (`oci`, `file`, …). */
  artifactType: string;
  /** For a promotion: the digest the stage held before, if any. */
  previousDigest?: string;
  /** A fresh id per event (default: random UUIDs). */
  newId?: () => string;
}

/**
 * The artifact as a package URL, as CDEvents' `artifactId` wants: `pkg:oci/NAME@sha256%3A…` with
 * `repository_url` for images, `pkg:generic/PIPELINE@…` otherwise.
 */
export function artifactPurl(
  digest: string,
  context: Pick<EventContext, 'pipeline' | 'repository' | 'artifactType'>,
): string {
  const version = encodeURIComponent(digest);
  if (context.artifactType === 'oci' && context.repository) {
    const name = context.repository.split('/').at(-1)!.toLowerCase();
    return `pkg:oci/${name}@${version}?repository_url=${encodeURIComponent(context.repository)}`;
  }
  return `pkg:generic/${encodeURIComponent(context.pipeline)}@${version}`;
}

function event(
  kind: { type: string; spec: string },
  entry: EventEntry,
  context: EventContext,
  subject: CdEvent['subject'],
): CdEvent {
  return {
    context: {
      specversion: kind.spec,
      id: (context.newId ?? randomUUID)(),
      source: context.source,
      type: kind.type,
      timestamp: entry.at,
    },
    subject,
    // Where the fact is recorded: the hash-chained ledger entry a consumer can check.
    customData: {
      tollgate: {
        pipeline: context.pipeline,
        ledgerEntry: entry.seq,
        ledgerHash: entry.hash,
        actor: entry.actor,
      },
    },
    customDataContentType: 'application/json',
  };
}

/** The events a ledger entry gives (none for kinds without an event type). */
export function cdEventsOf(entry: EventEntry, context: EventContext): CdEvent[] {
  const subjectId = `${context.pipeline}`;
  if (entry.kind === 'promotion' && entry.stage && entry.artifact) {
    const kind =
      context.previousDigest && context.previousDigest !== entry.artifact
        ? CDEVENT_TYPES.serviceUpgraded
        : CDEVENT_TYPES.serviceDeployed;
    return [
      event(kind, entry, context, {
        id: subjectId,
        source: context.source,
        content: {
          environment: { id: entry.stage, source: context.source },
          artifactId: artifactPurl(entry.artifact, context),
        },
      }),
    ];
  }
  if (entry.kind === 'rollback' && entry.stage && typeof entry.payload.target === 'string') {
    return [
      event(CDEVENT_TYPES.serviceRolledback, entry, context, {
        id: subjectId,
        source: context.source,
        content: {
          environment: { id: entry.stage, source: context.source },
          artifactId: artifactPurl(entry.payload.target, context),
        },
      }),
    ];
  }
  if (entry.kind === 'approval' && entry.stage && entry.artifact) {
    const decision =
      entry.payload.decision === 'reject'
        ? 'rejected'
        : entry.payload.decision === 'withdraw'
          ? undefined
          : 'approved';
    if (decision === undefined) return [];
    return [
      event(CDEVENT_TYPES.approvalUpdated, entry, context, {
        id: `${context.pipeline}/${entry.stage}/${entry.artifact}`,
        source: context.source,
        content: {
          approvalDetailsUrl: `tollgate:${context.pipeline}/ledger/${entry.seq}`,
          resourceTargetUrl: `tollgate:${context.pipeline}/stages/${entry.stage}/${entry.artifact}`,
          responder: `urn:tollgate:principal:${encodeURIComponent(entry.actor)}`,
          decision,
        },
      }),
    ];
  }
  return [];
}
