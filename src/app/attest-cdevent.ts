/** `tollgate attest cdevent FILE`: a CDEvent (or a CloudEvent carrying one) recorded as evidence. */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { TollgateError } from '../errors.js';
import { cdEventEvidence } from '../events/cdevent-evidence.js';
import type { EvidenceRecord } from '../evidence/evidence.js';
import { assertEvidenceSize } from '../evidence/json-input.js';
import { parseJsonText } from '../text/json-text.js';
import { assertEvidenceStage, assertReadableFile, recordEvidence, toEvidenceRecord } from './attest.js';
import { requireArtifact } from './register.js';
import type { AppRequest } from './services.js';

export interface AttestCdEventOptions {
  artifact: string;
  /** The event's file (the CLI), or… */
  file?: string;
  /** …its bytes (an upload to the server), named for messages. */
  content?: { name: string; bytes: Buffer };
  /** Largest event accepted, in bytes (default 256 MiB). */
  maxBytes?: number;
  /** Suite name for testsuiterun events (default: the event's test suite). */
  suite?: string;
  /** The stage the event happened in (default: its environment, when that is a stage of the contract). */
  stage?: string;
}

export async function attestCdEvent(
  ctx: AppRequest,
  options: AttestCdEventOptions,
): Promise<{ record: EvidenceRecord; stored: boolean; type: string }> {
  if (options.stage !== undefined) assertEvidenceStage(ctx, options.stage);
  const artifact = await requireArtifact(ctx, options.artifact);
  let name: string;
  let bytes: Buffer;
  if (options.content !== undefined) {
    ({ name, bytes } = options.content);
    assertEvidenceSize(bytes.length, name, options.maxBytes);
  } else {
    if (options.file === undefined) throw new TollgateError('USAGE', 'attest cdevent needs the event file');
    name = options.file;
    assertEvidenceSize(await assertReadableFile(name), name, options.maxBytes);
    bytes = await readFile(name);
  }
  const value = parseJsonText(bytes.toString('utf8'), name);
  const evidence = cdEventEvidence(value, name, artifact.digest, options.suite);
  const namedStage =
    evidence.environment !== undefined && Object.hasOwn(ctx.contract.stages, evidence.environment)
      ? evidence.environment
      : undefined;
  // `--in` maps an environment the contract does not know to a stage; it must not move a run the
  // event itself places in another of the contract's stages (dev results counted `in: staging`).
  if (options.stage !== undefined && namedStage !== undefined && namedStage !== options.stage) {
    throw new TollgateError(
      'EVIDENCE_INVALID',
      `${name}: the event happened in stage ${namedStage} (subject.content.environment.id), not ${options.stage}; drop --in ${options.stage}, or attest the event of the run in ${options.stage}`,
    );
  }
  const stage = options.stage ?? namedStage ?? null;
  // Likewise `--suite` maps a suite name the contract does not use; it must not relabel a run of
  // one of the contract's suites as another (the unit run's success passing the e2e requirement).
  const suites = new Set(
    Object.values(ctx.contract.stages).flatMap((s) => (s.requires.tests ?? []).map((t) => t.suite)),
  );
  const namedSuite = evidence.namedSuite;
  if (
    options.suite !== undefined &&
    namedSuite !== undefined &&
    namedSuite !== options.suite &&
    suites.has(namedSuite)
  ) {
    throw new TollgateError(
      'EVIDENCE_INVALID',
      `${name}: the event is a run of suite ${namedSuite} (subject.content.testSuite), not ${options.suite}; drop --suite ${options.suite}, or attest the event of the ${options.suite} run`,
    );
  }
  const record = toEvidenceRecord(ctx, artifact.digest, {
    stage,
    format: evidence.format,
    sourceDigest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
    data: evidence.data,
  });
  const inserted = await recordEvidence(ctx, artifact.digest, [record], stage);
  return { record, stored: inserted.length > 0, type: evidence.type };
}
