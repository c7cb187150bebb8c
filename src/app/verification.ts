/**
 * `tollgate attest verification --artifact D --in STAGE --result passed|failed [--details FILE]`:
 * post-deploy verification of a digest in a stage. Recorded as evidence (so rules can read it) and
 * as a `verification` ledger entry in the same transaction (so the promotion's status, soak and
 * verifiedIn see it in order with promotions and rollbacks).
 */
import { readFile, stat } from 'node:fs/promises';
import { field, msg, TollgateError, unreadableFile } from '../errors.js';
import type { VerificationSummary } from '../evidence/evidence.js';
import type { ChainedEntry } from '../ledger/entry.js';
import { ENTRY } from '../ledger/entry.js';
import { canonicalJson, sha256 } from '../ledger/hash-chain.js';
import { didYouMean } from '../text/nearest.js';
import { assertEvidenceStage, toEvidenceRecord } from './attest.js';
import { assertContractPinned } from './contract-pin.js';
import { requireArtifact } from './register.js';
import { type AppRequest, assertRecordingClock, callerMarks } from './services.js';

export interface VerificationOptions {
  artifact: string;
  stage: string;
  result: string;
  /** A file with details (a report, a log excerpt); its text is kept up to `MAX_DETAILS`. */
  detailsFile?: string;
  /** The details' text itself (a request to the server), instead of a file. */
  details?: string;
}

/** Details longer than this are refused: keep the full report elsewhere and point at it. */
export const MAX_DETAILS = 64 * 1024;

export interface VerificationResult {
  entry: ChainedEntry;
  evidenceId: string;
  /** The promotion (ledger seq) the verification is about. */
  promotion: number;
}

/**
 * A `--details` file, read within the limit: its bytes. The CLI reads it this way also when the
 * verification is recorded on a server (which is sent the text).
 */
export async function readDetailsFile(path: string): Promise<Buffer> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new TollgateError('EVIDENCE_INVALID', `${path}: expected a file`);
    size = info.size;
  } catch (cause) {
    if (cause instanceof TollgateError) throw cause;
    throw unreadableFile(path, cause, { code: 'EVIDENCE_INVALID', what: 'the details file' });
  }
  if (size > MAX_DETAILS) {
    throw new TollgateError(
      'EVIDENCE_TOO_LARGE',
      msg`${path} is ${size} bytes; ${field('details')} keeps at most ${MAX_DETAILS}: pass a summary and link the full report in it`,
    );
  }
  return readFile(path);
}

export async function attestVerification(
  ctx: AppRequest,
  options: VerificationOptions,
): Promise<VerificationResult> {
  assertRecordingClock(ctx, 'attest verification');
  assertEvidenceStage(ctx, options.stage);
  if (options.result !== 'passed' && options.result !== 'failed') {
    throw new TollgateError(
      'USAGE',
      msg`${field('result')} "${options.result}": expected passed or failed${didYouMean(options.result, ['passed', 'failed'])}`,
    );
  }
  const result: 'passed' | 'failed' = options.result;
  let details: string | undefined;
  let detailsDigest: string | undefined;
  if (options.detailsFile !== undefined) {
    const bytes = await readDetailsFile(options.detailsFile);
    details = bytes.toString('utf8');
    detailsDigest = sha256(bytes);
  } else if (options.details !== undefined) {
    const bytes = Buffer.from(options.details, 'utf8');
    if (bytes.length > MAX_DETAILS) {
      throw new TollgateError(
        'EVIDENCE_TOO_LARGE',
        msg`${field('details')} are ${bytes.length} bytes; at most ${MAX_DETAILS} are kept: pass a summary and link the full report in it`,
      );
    }
    details = options.details;
    detailsDigest = sha256(bytes);
  }
  const artifact = await requireArtifact(ctx, options.artifact);
  const store = await ctx.services.store();
  const pipeline = ctx.contract.pipeline;
  return store.write(pipeline, async (tx) => {
    await assertContractPinned(ctx, tx, 'attest verification');
    const entries = await tx.entriesForArtifact(pipeline, artifact.digest);
    const promotion = entries.filter((e) => e.kind === ENTRY.promotion && e.stage === options.stage).at(-1);
    if (!promotion) {
      throw new TollgateError(
        'USAGE',
        `${artifact.digest} was never promoted into ${options.stage}: a post-deploy verification needs a deployment there first (\`tollgate promote ${options.stage} --artifact ${artifact.digest}\`)`,
      );
    }
    const at = ctx.caller.at.toISOString();
    const data: VerificationSummary = {
      kind: 'verification',
      result,
      ...(details === undefined ? {} : { details }),
    };
    // Without a details file, the verification's own content and time identify it: verifying
    // twice is two facts, not one.
    const sourceDigest =
      detailsDigest ??
      sha256(canonicalJson({ result, stage: options.stage, at, actor: ctx.caller.principal }));
    const record = toEvidenceRecord(ctx, artifact.digest, {
      stage: options.stage,
      format: 'verification',
      sourceDigest,
      data,
    });
    await tx.insertEvidence(pipeline, [record]);
    const entry = await tx.append(pipeline, {
      kind: ENTRY.verification,
      stage: options.stage,
      artifact: artifact.digest,
      actor: ctx.caller.principal,
      at,
      payload: {
        result,
        promotion: promotion.seq,
        evidence: record.id,
        ...(details === undefined ? {} : { details: details.slice(0, 500) }),
        ...callerMarks(ctx),
      },
    });
    return { entry, evidenceId: record.id, promotion: promotion.seq };
  });
}
