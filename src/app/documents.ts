/**
 * The JSON documents of the verbs: what `tollgate VERB --json` prints and what the server answers
 * for the same verb, built in one place so the two can never drift apart. Each takes what the use
 * case returned; documents that are the use case's value as it is (a Decision, status rows, a
 * passport, a windows view, a rollback check, a chain verdict) need no builder here.
 */

import { flaggedDigest, shortHash } from '../artifact/digest.js';
import type { Artifact } from '../contract/types.js';
import type { EvidenceRecord } from '../evidence/evidence.js';
import type { JunitTotals } from '../evidence/junit-parser.js';
import type { ApprovalDecision, ApprovalResult } from './approve.js';
import type { AttestEvidenceResult } from './attest-evidence.js';
import type { AttestedStatement } from './attest-statement.js';
import type { PromoteResult } from './promote.js';
import type { RollbackResult } from './rollback.js';
import type { VerificationResult } from './verification.js';

/** A promotion retry's one line: the digest already is the stage's current, healthy promotion. */
export function alreadyPromotedText(result: PromoteResult): string | undefined {
  const { existing, decision } = result;
  if (!existing) return undefined;
  return `already promoted: ${flaggedDigest(decision.artifact.digest, decision.artifact.lookalikes)} is ${decision.stage}'s current promotion (${existing.status}), ledger entry #${existing.seq} ${shortHash(existing.hash)} at ${existing.at} by ${existing.actor}; nothing new recorded (--again records a new one)`;
}

/**
 * What `promote --json` adds to the decision: the ledger entry the promotion is (`ledgerEntry`),
 * the checkpoint that seals it when a verifier key is configured (`checkpoint`: its entry, the tree
 * size and root, the signed note), and for a retry that recorded nothing, `promotion`.
 */
export function promotionExtras(result: PromoteResult) {
  const { entry, checkpoint, existing } = result;
  const message = alreadyPromotedText(result);
  return {
    ...(entry ? { ledgerEntry: { seq: entry.seq, hash: entry.hash } } : {}),
    ...(checkpoint ? { checkpoint } : {}),
    ...(existing ? { promotion: { recorded: false, ...existing, message } } : {}),
  };
}

/** `promote --json`: the decision and `promotionExtras`; the server answers the same document. */
export function promotionDocument(result: PromoteResult) {
  return { ...result.decision, ...promotionExtras(result) };
}

/** `register --json`: the artifact, and whether this call registered it. */
export function registerDocument(result: { artifact: Artifact; created: boolean }) {
  return { ...result.artifact, created: result.created };
}

/** `attest tests --json`: the summed totals of the reports and the evidence recorded. */
export function testsDocument(
  suite: string,
  result: { totals: JunitTotals; record: EvidenceRecord; stored: boolean; notice?: string },
) {
  const { totals, record, stored, notice } = result;
  return {
    suite,
    tests: totals.tests,
    passed: totals.passed,
    failed: totals.failed,
    errored: totals.errored,
    skipped: totals.skipped,
    flaky: totals.flaky,
    files: totals.files,
    evidence: record.id,
    stored,
    failures:
      record.data.kind === 'tests'
        ? record.data.failures.map((f) => (f.classname ? `${f.classname}.${f.name}` : f.name))
        : [],
    ...(totals.reruns === undefined
      ? {}
      : {
          reruns: {
            repeats: totals.repeats,
            tests: totals.reruns.tests,
            passed: totals.reruns.passed,
            failed: totals.reruns.failed,
            errored: totals.reruns.errored,
            skipped: totals.reruns.skipped,
            flaky: totals.reruns.flaky,
          },
        }),
    ...(notice === undefined ? {} : { notice }),
  };
}

export type EvidenceDocument = ReturnType<typeof evidenceDocuments>[number];

/**
 * `attest sbom|scan|provenance|evidence --json`: one object per record (components left out: an
 * SBOM's list can be long). sbom, scan and provenance record one piece of evidence and print it;
 * `evidence` may record two, so it prints the list ({@link evidenceDocument}).
 */
export function evidenceDocuments(result: AttestEvidenceResult) {
  return result.records.map(({ record, stored }) => {
    const { components: _omitted, ...data } = record.data as { components?: unknown };
    return {
      evidence: record.id,
      stored,
      kind: record.data.kind,
      format: record.format,
      wrapper: result.wrapper ?? null,
      signer: record.signer,
      stage: record.stage,
      data,
    };
  });
}

/**
 * The document of `attest KIND` (one object, or a list when the file was a list of attestations
 * that held several of the kind) or `attest evidence` (a list, `kind` undefined).
 */
export function evidenceDocument(result: AttestEvidenceResult, kind: string | undefined) {
  const shown = evidenceDocuments(result);
  return kind === undefined || shown.length > 1 ? shown : shown[0];
}

/** `attest statement --json`: one row per input. */
export function statementsDocument(items: readonly AttestedStatement[]) {
  return items.map((item) => ({
    file: item.file,
    wrapper: item.wrapper,
    predicateType: item.predicateType,
    kind: item.record.data.kind,
    format: item.record.format,
    signer: item.record.signer,
    evidence: item.record.id,
    stored: item.stored,
    unchecked: item.unchecked,
  }));
}

/** `attest cdevent --json`. */
export function cdEventDocument(result: { record: EvidenceRecord; stored: boolean; type: string }) {
  const { record, stored, type } = result;
  return { evidence: record.id, stored, type, stage: record.stage, data: record.data };
}

/** `attest verification --json`. */
export function verificationDocument(result: VerificationResult, verdict: string) {
  return {
    seq: result.entry.seq,
    evidence: result.evidenceId,
    promotion: result.promotion,
    result: verdict,
  };
}

/** `approve|reject --json`: what was recorded (if anything) and whether it counts. */
export function approvalDocument(
  result: ApprovalResult,
  request: { actor: string; stage: string; decision: ApprovalDecision; withdraw?: boolean },
) {
  return {
    recorded: result.entry !== undefined,
    ...(result.entry ? { seq: result.entry.seq, hash: result.entry.hash } : {}),
    actor: request.actor,
    stage: request.stage,
    decision: request.withdraw ? 'withdraw' : request.decision,
    artifact: result.artifact,
    ...(result.lookalikes?.length ? { lookalikes: result.lookalikes } : {}),
    message: result.message,
    ...(result.notCounted ? { notCounted: result.notCounted } : {}),
  };
}

/** `rollback --json`: the entry recorded, from which promotion to which digest, and why. */
export function rollbackDocument(result: RollbackResult, stage: string) {
  return {
    seq: result.entry.seq,
    hash: result.entry.hash,
    stage,
    /** Who the ledger records as rolling back (the server's principal, remotely). */
    actor: result.entry.actor,
    from: result.from,
    to: result.to,
    reason: result.reason,
  };
}

/** Every document is printed and served the same way: two-space indented JSON and a newline. */
export function documentText(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
