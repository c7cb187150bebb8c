import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { type Contract, stageOf } from '../contract/types.js';
import { field, msg, TollgateError, unreadableFile } from '../errors.js';
import type { EvidenceData, EvidenceRecord, EvidenceSigner } from '../evidence/evidence.js';
import {
  ACROSS_MEMORY,
  AcrossReports,
  type JunitTotals,
  mergeTotals,
  parseJunit,
  toTestSummary,
} from '../evidence/junit-parser.js';
import { ENTRY } from '../ledger/entry.js';
import { type EvidenceReference, evidenceId } from '../ledger/evidence-chain.js';
import { canonicalJson, sha256 } from '../ledger/hash-chain.js';
import { didYouMean } from '../text/nearest.js';
import { authorise } from './authorise.js';
import { assertContractPinned } from './contract-pin.js';
import { requireArtifact } from './register.js';
import { type AppRequest, assertRecordingClock, callerMarks } from './services.js';

/** Opens `path` for streaming, with a clear error when it cannot be read. */
export async function assertReadableFile(path: string): Promise<number> {
  try {
    const info = await stat(path);
    if (info.isDirectory())
      throw new TollgateError(
        'FILE_UNREADABLE',
        `${path} is a directory; expected a file: pass the reports in it (for example ${join(path, '*.xml')}, which the shell expands)`,
      );
    if (!info.isFile())
      throw new TollgateError(
        'FILE_UNREADABLE',
        `${path}: expected a regular file, found a FIFO, socket or device`,
      );
    return info.size;
  } catch (cause) {
    if (cause instanceof TollgateError) throw cause;
    throw unreadableFile(path, cause);
  }
}

/**
 * A report's bytes, as a stream: a file the CLI opens, or an upload the server receives. Either is
 * read once, never held whole in memory.
 */
export interface ReportStream {
  /** The name used in messages (a file path, or `upload`). */
  name: string;
  stream: NodeJS.ReadableStream;
}

/** Streams a file (or a stream already open) through `consume` while hashing the same bytes: one read for both. */
export async function withSourceDigest<T>(
  input: string | NodeJS.ReadableStream,
  consume: (stream: NodeJS.ReadableStream) => Promise<T>,
): Promise<{ value: T; digest: string }> {
  const hash = createHash('sha256');
  const source: NodeJS.ReadableStream =
    typeof input === 'string' ? createReadStream(input, { highWaterMark: 1024 * 1024 }) : input;
  const tee = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  source.on('error', (error: Error) => tee.destroy(error));
  source.pipe(tee);
  const value = await consume(tee);
  return { value, digest: `sha256:${hash.digest('hex')}` };
}

export interface EvidenceInput {
  stage: string | null;
  format: string;
  sourceDigest: string;
  data: EvidenceData;
  signer?: EvidenceSigner | null;
}

/**
 * Builds the stored record; its id is the digest of its content, so the same fact is stored once.
 * The content's canonical JSON is assembled around the canonical JSON of `data`, which is
 * computed once and also what the store keeps.
 */
export function toEvidenceRecord(ctx: AppRequest, artifact: string, input: EvidenceInput): EvidenceRecord {
  const dataJson = canonicalJson(input.data);
  return {
    id: evidenceId(artifact, input, dataJson),
    artifact,
    stage: input.stage,
    format: input.format,
    sourceDigest: input.sourceDigest,
    data: input.data,
    dataJson,
    signer: input.signer ?? null,
    actor: ctx.caller.principal,
    recordedAt: ctx.caller.at.toISOString(),
  };
}

/**
 * Checks the stage evidence is produced in (`--in STAGE`, a verification's stage): one of the
 * contract's, and covered by the caller's grant. Results or a verification *in staging* are an
 * act in staging: a job that may act only in dev must not satisfy a gate that asks for them.
 * @throws TollgateError STAGE_UNKNOWN, NOT_ALLOWED
 */
export function assertEvidenceStage(ctx: AppRequest, stage: string): void {
  stageOf(ctx.contract, stage);
  authorise(ctx.caller.grant, 'attest', ctx.contract.pipeline, stage);
}

/**
 * Stores evidence records for a registered artifact in one transaction, with one ledger entry.
 * Records already stored (same content) are kept as they were; nothing is half-written.
 */
export async function recordEvidence(
  ctx: AppRequest,
  artifact: string,
  records: EvidenceRecord[],
  stage: string | null,
) {
  assertRecordingClock(ctx, 'attest');
  // Also where the stage was read from the evidence itself (a CDEvent's environment).
  if (stage !== null) authorise(ctx.caller.grant, 'attest', ctx.contract.pipeline, stage);
  const store = await ctx.services.store();
  const pipeline = ctx.contract.pipeline;
  return store.write(pipeline, async (tx) => {
    await assertContractPinned(ctx, tx, 'attest');
    const inserted = await tx.insertEvidence(pipeline, records);
    if (inserted.length > 0) {
      await tx.append(pipeline, {
        kind: ENTRY.attest,
        stage,
        artifact,
        actor: ctx.caller.principal,
        at: inserted[0]!.recordedAt,
        payload: {
          // The signer is chained with the id: the evidence table's signer column is only a copy.
          evidence: inserted.map(
            (r): EvidenceReference => ({
              id: r.id,
              kind: r.data.kind,
              format: r.format,
              source: r.sourceDigest,
              signer: r.signer,
            }),
          ),
          ...callerMarks(ctx),
        },
      });
    }
    return inserted;
  });
}

export interface AttestTestsOptions {
  artifact: string;
  suite: string;
  /** Stage the tests ran in (`--in`). */
  stage?: string;
  /** JUnit XML files (the CLI), or… */
  files?: string[];
  /**
   * …reports already open as streams (an upload to the server), or arriving one after the other
   * (the parts of a multipart upload: each is read to its end before the next is asked for).
   */
  reports?: ReportStream[] | AsyncIterable<ReportStream>;
}

/** `tollgate attest tests`: parses JUnit reports (streamed) and records their summed totals. */
export async function attestTests(
  ctx: AppRequest,
  options: AttestTestsOptions,
): Promise<{ totals: JunitTotals; record: EvidenceRecord; stored: boolean; notice?: string }> {
  assertRecordingClock(ctx, 'attest');
  if (!options.suite.trim()) throw new TollgateError('USAGE', msg`attest tests needs ${field('suite')}`);
  const files = options.files ?? [];
  const reports = options.reports ?? [];
  if (files.length === 0 && Array.isArray(reports) && reports.length === 0)
    throw new TollgateError('USAGE', 'attest tests needs at least one JUnit XML file');
  if (options.stage !== undefined) assertEvidenceStage(ctx, options.stage);
  const artifact = await requireArtifact(ctx, options.artifact);
  const parts: JunitTotals[] = [];
  const digests: string[] = [];
  // The same report given twice (`r.xml ./r.xml`, a symlink or hard link, a copy a glob also
  // matches, an upload repeated) would count its tests twice and meet a `minTests` it does not.
  const namesByDigest = new Map<string, string>();
  const repeated: string[] = [];
  // Not the same bytes but the same tests (the report re-encoded, a byte order mark or a newline
  // added, overlapping shards): a test case already seen in an earlier report counts once.
  // (One report alone has nothing to compare with: not remembered.)
  const several = files.length + (Array.isArray(reports) ? reports.length : 2) > 1;
  const across = several ? new AcrossReports() : undefined;
  const parse = async (input: string | NodeJS.ReadableStream, name: string) => {
    const { value, digest } = await withSourceDigest(input, (stream) =>
      parseJunit({ stream, name }, { suite: options.suite, ...(across ? { across } : {}) }),
    );
    const first = namesByDigest.get(digest);
    if (first !== undefined) {
      repeated.push(`${name} holds the same bytes as ${first}`);
      return;
    }
    namesByDigest.set(digest, name);
    parts.push(value);
    digests.push(digest);
  };
  for (const file of files) {
    await assertReadableFile(file);
    await parse(file, file);
  }
  for await (const report of reports) await parse(report.stream, report.name);
  if (parts.length === 0) throw new TollgateError('USAGE', 'attest tests needs at least one JUnit XML file');
  const totals = mergeTotals(parts, across);
  const record = toEvidenceRecord(ctx, artifact.digest, {
    stage: options.stage ?? null,
    format: 'junit',
    sourceDigest: digests.length === 1 ? digests[0]! : sha256(digests.join('\n')),
    data: toTestSummary(totals, options.suite),
  });
  const inserted = await recordEvidence(ctx, artifact.digest, [record], options.stage ?? null);
  const notices = [
    ...(repeated.length === 0
      ? []
      : [`${repeated.join('; ')}: each report is counted once (${parts.length} distinct)`]),
    ...((across?.duplicates ?? 0) === 0
      ? []
      : [
          `${across?.duplicates} test case(s) appear in more than one report (same suite, classname and name): each counted once, and a failure in any report stays a failure (with reruns: true a later report's pass clears it, from the same hostname only)`,
        ]),
    ...((across?.untracked ?? 0) === 0
      ? []
      : [
          `${across?.untracked} test case(s) were not compared with the other reports (more than ${ACROSS_MEMORY} test cases): one seen in two reports counts twice; attest fewer reports at a time`,
        ]),
    ...(options.stage === undefined ? [] : [await notEnteredNotice(ctx, artifact.digest, options.stage)]),
    unreadSuiteNotice(ctx.contract, options.suite, options.stage),
  ].filter((line): line is string => line !== undefined);
  const notice = notices.length === 0 ? undefined : notices.join('\n');
  return { totals, record, stored: inserted.length > 0, ...(notice === undefined ? {} : { notice }) };
}

/**
 * A note when no gate will count these results: the suite is one no stage reads (a typo such as
 * `--suite unt` would otherwise be recorded in silence and never count for `unit`), or every
 * `tests` entry naming it asks for results produced in a stage (`in: staging`) other than the
 * `--in` given (or none). Read means: a `requires.tests[].suite`, a `notBy: attester:SUITE`, or,
 * since CEL rules may read `evidence.tests.suites.NAME` from any stage, any mention in a rule's text.
 */
function unreadSuiteNotice(contract: Contract, suite: string, stage: string | undefined): string | undefined {
  const named = new Set<string>();
  const inStages = new Set<string>();
  let readAnywhere = false;
  let ruleText = '';
  for (const each of Object.values(contract.stages)) {
    for (const requirement of each.requires?.tests ?? []) {
      named.add(requirement.suite);
      if (requirement.suite !== suite) continue;
      if (requirement.in === undefined) readAnywhere = true;
      else inStages.add(requirement.in);
    }
    for (const who of each.requires?.approvals?.notBy ?? [])
      if (who.startsWith('attester:')) {
        named.add(who.slice('attester:'.length));
        if (who === `attester:${suite}`) readAnywhere = true;
      }
    for (const rule of each.requires?.rules ?? []) ruleText += `\n${rule.cel}`;
  }
  if (readAnywhere || ruleText.includes(suite)) return undefined;
  if (inStages.size > 0) {
    if (stage !== undefined && inStages.has(stage)) return undefined;
    const wanted = [...inStages].sort();
    const given = stage === undefined ? 'attested without --in' : `attested --in ${stage}`;
    return `suite "${suite}" counts only as run in ${wanted.join(' or ')} (\`in: ${wanted[0]}\` in ${contract.file}): these results, ${given}, are kept, but no gate counts them; attest the run there with --in ${wanted[0]}`;
  }
  const suites = [...named].sort();
  const listed = suites.length === 0 ? 'it reads no suite' : `its suites are ${suites.join(', ')}`;
  return `no stage of ${contract.file} reads suite "${suite}"${didYouMean(suite, suites)}; ${listed}: the results are kept, but no gate counts them`;
}

/**
 * Results `--in STAGE` for a digest that never entered the stage are kept, but no `in: STAGE`
 * requirement will ever count them (they precede any promotion there): say so now, while the job
 * that produced them can still run again after promoting, rather than at the next stage's check.
 */
async function notEnteredNotice(ctx: AppRequest, digest: string, stage: string): Promise<string | undefined> {
  const store = await ctx.services.store();
  const entries = await store.entriesForArtifact(ctx.contract.pipeline, digest);
  if (entries.some((entry) => entry.kind === ENTRY.promotion && entry.stage === stage)) return undefined;
  return `${digest} has not entered ${stage}: results recorded in ${stage} before it does never count for \`in: ${stage}\`; promote it into ${stage} first, then attest the suite's run there`;
}
