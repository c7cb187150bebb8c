/**
 * `tollgate attest statement`: in-toto statements, plain or in DSSE envelopes or Sigstore bundles.
 * Each file is read, checked to be about the artifact, its signature verified against the
 * contract's trust, and its predicate normalised; only when every file passed is anything stored,
 * in one transaction.
 */
import { field, msg, TollgateError } from '../errors.js';
import type { EvidenceData, EvidenceRecord } from '../evidence/evidence.js';
import { assertEvidenceSize } from '../evidence/json-input.js';
import { type ExpectedEvidence, normalisePredicate } from '../evidence/normalise-evidence.js';
import {
  type ReadSignedInputOptions,
  readSignedInputBytes,
  readSignedInputFile,
  type SignedInput,
  type TrustSet,
} from '../trust/signed-input.js';
import { knownDigestsOf, uncheckedAlgorithms } from '../trust/statement.js';
import { parseTestResultPredicate, TEST_RESULT_V01 } from '../trust/test-result-predicate.js';
import { assertEvidenceStage, recordEvidence, toEvidenceRecord } from './attest.js';
import { requireArtifact } from './register.js';
import type { AppRequest } from './services.js';
import { loadTrustSet } from './trust.js';

export interface StatementEvidenceOptions {
  /** Suite name for test-result predicates (`--suite`). */
  suite?: string;
  /** What the caller asked for (`attest sbom` …); another kind of predicate is refused. */
  expected?: ExpectedEvidence;
}

/**
 * The evidence a verified statement carries: a predicate Tollgate reads (test results, CycloneDX,
 * SPDX, SLSA provenance, vulnerabilities) or, for any other predicate type, opaque evidence that
 * no gate uses unless a rule asks.
 */
export function evidenceOfStatement(
  input: SignedInput,
  file: string,
  options: StatementEvidenceOptions = {},
): { format: string; data: EvidenceData } {
  const { predicateType, predicate, merged } = input.statement;
  if (predicateType === TEST_RESULT_V01) {
    if (options.expected !== undefined) {
      throw new TollgateError(
        'EVIDENCE_INVALID',
        `${file}: expected ${options.expected} evidence, found a test-result statement`,
      );
    }
    if (options.suite === undefined || options.suite.trim() === '') {
      throw new TollgateError(
        'USAGE',
        msg`${file}: a test-result statement needs ${field('suite')} (the suite the contract refers to)`,
      );
    }
    return { format: 'test-result', data: parseTestResultPredicate(predicate, options.suite, file) };
  }
  const normalised = normalisePredicate(predicateType, predicate, file, options.expected, merged);
  if (normalised !== undefined) return normalised;
  if (options.expected !== undefined) {
    throw new TollgateError(
      'EVIDENCE_INVALID',
      `${file}: expected ${options.expected} evidence, found predicate type ${predicateType}`,
    );
  }
  return { format: 'in-toto', data: { kind: 'opaque', predicateType } };
}

export interface AttestStatementOptions extends StatementEvidenceOptions {
  artifact: string;
  /** Statement, envelope or bundle files (the CLI), or… */
  files?: string[];
  /** …their bytes, already received (uploads to the server, each read up to `maxBytes`). */
  contents?: Array<{ name: string; bytes: Buffer }>;
  /** Stage the evidence was produced in (`--in`). */
  stage?: string;
  /** Largest file accepted, in bytes (default 256 MiB). */
  maxBytes?: number;
  /** The trust to verify against (default: the contract's). */
  trust?: TrustSet;
}

export interface AttestedStatement {
  file: string;
  /** `in-toto`, `dsse` or `sigstore-bundle`. */
  wrapper: SignedInput['format'];
  predicateType: string;
  record: EvidenceRecord;
  stored: boolean;
  /**
   * Algorithms the statement's subject lists beside the artifact's digest that Tollgate holds no
   * value for, so did not check (`sha512` for an artifact registered by `--digest`).
   */
  unchecked: string[];
}

/**
 * A test-result statement names no suite: `--suite` does. A signed one vouches for one test run, so
 * it may stand for one suite only; recorded for a second, one run's signature would pass a suite
 * that never ran (the e2e requirement met with the unit tests' statement).
 * @throws TollgateError EVIDENCE_INVALID naming the file and the suite it already stands for
 */
async function refuseSuiteRelabel(
  ctx: AppRequest,
  digest: string,
  items: ReadonlyArray<{ file: string; record: EvidenceRecord }>,
): Promise<void> {
  const signed = items.filter((item) => item.record.data.kind === 'tests' && item.record.signer !== null);
  if (signed.length === 0) return;
  const store = await ctx.services.store();
  const earlier = (await store.listEvidence(ctx.contract.pipeline, digest)).filter(
    (record) => record.format === 'test-result' && record.data.kind === 'tests',
  );
  for (const { file, record } of signed) {
    if (record.data.kind !== 'tests') continue;
    const suite = record.data.suite;
    // The same run is the same signed statement, whatever bytes around it (reformatted JSON, an
    // extra signature, a bundle instead of the bare envelope) make the file's digest differ.
    const statement = record.data.statementDigest;
    const other = earlier.find(
      (e) =>
        e.data.kind === 'tests' &&
        e.data.suite !== suite &&
        (e.sourceDigest === record.sourceDigest ||
          (statement !== undefined && e.data.statementDigest === statement)),
    );
    if (other !== undefined && other.data.kind === 'tests') {
      throw new TollgateError(
        'EVIDENCE_INVALID',
        `${file}: this signed test-result statement is already recorded as suite "${other.data.suite}" (evidence ${other.id}); a statement names no suite, so one signed test run cannot also stand for suite "${suite}"`,
      );
    }
  }
}

/** Records in-toto input files for a registered artifact; all or nothing. */
export async function attestStatements(
  ctx: AppRequest,
  options: AttestStatementOptions,
): Promise<AttestedStatement[]> {
  const inputs: Array<{ name: string; read: (o: ReadSignedInputOptions) => SignedInput }> = [
    ...(options.files ?? []).map((file) => ({
      name: file,
      read: (o: ReadSignedInputOptions) => readSignedInputFile(file, o),
    })),
    ...(options.contents ?? []).map(({ name, bytes }) => ({
      name,
      read: (o: ReadSignedInputOptions) => {
        assertEvidenceSize(bytes.length, name, o.maxBytes);
        return readSignedInputBytes(bytes, name, o);
      },
    })),
  ];
  if (inputs.length === 0) throw new TollgateError('USAGE', 'attest statement needs at least one file');
  if (options.stage !== undefined) assertEvidenceStage(ctx, options.stage);
  const artifact = await requireArtifact(ctx, options.artifact);
  const trust = options.trust ?? loadTrustSet(ctx.contract);
  const items = inputs.map(({ name: file, read }) => {
    const input = read({
      artifactDigest: artifact.digest,
      ...(artifact.digests === undefined ? {} : { otherDigests: artifact.digests }),
      trust,
      ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
    });
    const normalised = evidenceOfStatement(input, file, options);
    const { format } = normalised;
    const data =
      normalised.data.kind === 'tests' && input.payloadDigest !== undefined
        ? { ...normalised.data, statementDigest: input.payloadDigest }
        : normalised.data;
    const record = toEvidenceRecord(ctx, artifact.digest, {
      stage: options.stage ?? null,
      format,
      sourceDigest: input.sourceDigest,
      data,
      signer: input.signer,
    });
    const unchecked = uncheckedAlgorithms(input.statement, knownDigestsOf(artifact.digest, artifact.digests));
    return {
      file,
      wrapper: input.format,
      predicateType: input.statement.predicateType,
      record,
      unchecked,
    };
  });
  await refuseSuiteRelabel(ctx, artifact.digest, items);
  const inserted = await recordEvidence(
    ctx,
    artifact.digest,
    items.map((item) => item.record),
    options.stage ?? null,
  );
  const storedIds = new Set(inserted.map((record) => record.id));
  return items.map((item) => ({ ...item, stored: storedIds.has(item.record.id) }));
}
