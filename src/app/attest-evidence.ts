/**
 * `tollgate attest sbom|scan|provenance|evidence`: one evidence file (raw CycloneDX, SPDX, SARIF,
 * Grype, Trivy, SLSA predicate, or any of them inside an in-toto statement, DSSE envelope or
 * Sigstore bundle) → one normalised evidence record for a registered digest. Wrapped input is
 * subject-checked and signature-verified by src/trust before anything is stored.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { field, msg, TollgateError } from '../errors.js';
import { detectFormat } from '../evidence/detect-format.js';
import type { EvidenceData, EvidenceRecord, EvidenceSigner } from '../evidence/evidence.js';
import { assertEvidenceSize } from '../evidence/json-input.js';
import {
  type DocumentResult,
  type ExpectedEvidence,
  normaliseDetected,
} from '../evidence/normalise-evidence.js';
import { byteOrderMark, decodeText } from '../text/byte-order-mark.js';
import type { SignedInput, TrustSet } from '../trust/signed-input.js';
import type { KnownDigests } from '../trust/statement.js';
import { assertEvidenceStage, assertReadableFile, recordEvidence, toEvidenceRecord } from './attest.js';
import { requireArtifact } from './register.js';
import type { AppRequest } from './services.js';

export interface AttestEvidenceOptions {
  artifact: string;
  /** Stage the evidence was produced in (`--in`). */
  stage?: string;
  /** The evidence file (the CLI), or… */
  file?: string;
  /** …its bytes, already received (an upload to the server, read up to `maxBytes`). */
  content?: { name: string; bytes: Buffer };
  /** What the command asked for (`attest sbom|scan|provenance`); undefined detects it (`attest evidence`). */
  expected?: ExpectedEvidence;
  /** Largest file accepted (default 256 MiB). */
  maxBytes?: number;
}

export interface AttestEvidenceResult {
  /** One record, or two for a CycloneDX BOM with components and vulnerabilities (`attest evidence`). */
  records: Array<{
    record: EvidenceRecord;
    /** False when the identical record was already stored. */
    stored: boolean;
  }>;
  /** The wrapper the evidence came in, when it was signed or a statement (of a list: its first entry's). */
  wrapper?: 'in-toto' | 'dsse' | 'sigstore-bundle';
}

const KIND_WORDS: Record<ExpectedEvidence, string> = {
  sbom: 'an SBOM',
  scan: 'a vulnerability scan',
  provenance: 'SLSA provenance',
};

/**
 * Reads, checks and records one evidence file. Nothing is stored unless every check passed.
 * @throws TollgateError EVIDENCE_INVALID, EVIDENCE_TOO_LARGE, EVIDENCE_SUBJECT_MISMATCH,
 * SIGNATURE_INVALID, ARTIFACT_NOT_FOUND, STAGE_UNKNOWN
 */
export async function attestEvidence(
  ctx: AppRequest,
  options: AttestEvidenceOptions,
): Promise<AttestEvidenceResult> {
  if (options.stage !== undefined) assertEvidenceStage(ctx, options.stage);
  const artifact = await requireArtifact(ctx, options.artifact);
  const { file, bytes } = await evidenceBytes(options);
  // UTF-8, or UTF-16 with a byte order mark (what Windows PowerShell 5 writes when output is redirected).
  const detected = detectFormat(decodeText(bytes), file);
  const result = normaliseDetected(detected, file, options.expected);

  const items: Array<{ format: string; data: EvidenceData; signer?: EvidenceSigner | null }> = [];
  let sourceDigest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  let wrapper: AttestEvidenceResult['wrapper'];
  if (result.type === 'junit') {
    throw new TollgateError(
      'USAGE',
      `${file} is JUnit XML: record it with \`tollgate attest tests --suite NAME\``,
    );
  }
  if (result.type === 'wrapped') {
    const { loadTrustSet } = await import('./trust.js');
    const read = await readWrappedEvidence(result, bytes, file, {
      artifactDigest: artifact.digest,
      ...(artifact.digests === undefined ? {} : { otherDigests: artifact.digests }),
      trust: loadTrustSet(ctx.contract),
      ...(options.expected === undefined ? {} : { expected: options.expected }),
    });
    items.push(...read.items);
    sourceDigest = read.sourceDigest;
    wrapper = read.wrapper;
  } else {
    items.push({ format: result.format, data: result.data });
    if (result.also) items.push(result.also);
  }

  const stage = options.stage ?? null;
  const records = items.map(({ format, data, signer }) =>
    toEvidenceRecord(ctx, artifact.digest, { stage, format, sourceDigest, data, signer: signer ?? null }),
  );
  const inserted = new Set((await recordEvidence(ctx, artifact.digest, records, stage)).map((r) => r.id));
  return {
    records: records.map((record) => ({ record, stored: inserted.has(record.id) })),
    ...(wrapper ? { wrapper } : {}),
  };
}

export interface ReadWrappedOptions {
  artifactDigest: string;
  /** Other digests of the artifact's bytes its registration recorded (`{ sha512: "…" }`). */
  otherDigests?: KnownDigests;
  trust: TrustSet;
  expected?: ExpectedEvidence;
}

/**
 * The evidence in a statement, DSSE envelope, Sigstore bundle or attestation list, each piece
 * subject-checked and verified against `trust` (src/trust), with its own signer (null when
 * unsigned or when no signer is trusted). Nothing is stored.
 * @throws TollgateError EVIDENCE_INVALID, EVIDENCE_SUBJECT_MISMATCH, SIGNATURE_INVALID
 */
export async function readWrappedEvidence(
  result: Extract<DocumentResult, { type: 'wrapped' }>,
  bytes: Buffer,
  file: string,
  options: ReadWrappedOptions,
): Promise<{
  items: Array<{ format: string; data: EvidenceData; signer: EvidenceSigner | null }>;
  sourceDigest: string;
  wrapper: NonNullable<AttestEvidenceResult['wrapper']>;
}> {
  const { readSignedInputBytes } = await import('../trust/signed-input.js');
  const { evidenceOfStatement } = await import('./attest-statement.js');
  const { expected } = options;
  const readOptions = {
    artifactDigest: options.artifactDigest,
    ...(options.otherDigests === undefined ? {} : { otherDigests: options.otherDigests }),
    trust: options.trust,
  };
  let inputs: SignedInput[];
  if (result.format === 'attestation-list') {
    const { readAttestationList } = await import('../trust/attestation-list.js');
    const { predicateKind } = await import('../evidence/normalise-evidence.js');
    const sourceDigest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    inputs = readAttestationList(result.value, file, sourceDigest, {
      ...readOptions,
      wants: (type) => {
        const kind = predicateKind(type);
        return expected === undefined ? kind !== undefined : kind === expected;
      },
      wanted: expected === undefined ? 'evidence Tollgate reads' : KIND_WORDS[expected],
    });
  } else {
    // The statement detectFormat parsed is handed on, not parsed again, when it read the text signed
    // input reads: the bytes as UTF-8, with no byte order mark (signed input reads a UTF-16 file as
    // UTF-8, and refuses it).
    const parsed = result.format === 'in-toto' && byteOrderMark(bytes) === undefined ? result : undefined;
    inputs = [readSignedInputBytes(bytes, file, readOptions, parsed)];
  }
  const items = inputs.map((signed) => {
    const normalised = evidenceOfStatement(signed, file, expected === undefined ? {} : { expected });
    if (normalised.data.kind === 'opaque' && expected !== undefined) {
      throw new TollgateError(
        'EVIDENCE_INVALID',
        `${file}: expected ${KIND_WORDS[expected]}, found a statement with predicate type ${signed.statement.predicateType}, which Tollgate does not read as one`,
      );
    }
    // Each record carries its own signer: one list may hold attestations signed by different parties.
    return { ...normalised, signer: signed.signer };
  });
  const first = inputs[0] as SignedInput;
  return { items, sourceDigest: first.sourceDigest, wrapper: first.format };
}

/** The evidence's name and bytes: the content given, or the file read (after its size is checked). */
async function evidenceBytes(options: AttestEvidenceOptions): Promise<{ file: string; bytes: Buffer }> {
  if (options.content !== undefined) {
    assertEvidenceSize(options.content.bytes.length, options.content.name, options.maxBytes);
    return { file: options.content.name, bytes: options.content.bytes };
  }
  const file = options.file;
  if (file === undefined) throw new TollgateError('USAGE', msg`attest needs ${field('file')}`);
  assertEvidenceSize(await assertReadableFile(file), file, options.maxBytes);
  return { file, bytes: await readFile(file) };
}

/** One line for people about a recorded piece of evidence. */
export function describeEvidence(record: EvidenceRecord): string {
  const d = record.data;
  switch (d.kind) {
    case 'sbom':
      return `SBOM (${d.standard === 'cyclonedx' ? `CycloneDX ${d.specVersion}` : d.specVersion}${d.tool ? `, ${d.tool}` : ''}): ${d.counts.components} components, ${d.counts.withLicense} with SPDX licences, ${d.counts.withPurl} with package URLs`;
    case 'vulnerabilities': {
      const c = d.counts;
      const suppressed = d.suppressed > 0 ? `; ${d.suppressed} suppressed in the report` : '';
      return `vulnerability scan (${d.scanner}${d.scannerVersion ? ` ${d.scannerVersion}` : ''}, ${record.format}): ${c.critical} critical, ${c.high} high, ${c.medium} medium, ${c.low} low, ${c.unknown} unknown${suppressed}`;
    }
    case 'provenance':
      return `provenance: built by ${d.builderId}${d.sourceRepository ? ` from ${d.sourceRepository}` : ''}${d.sourceCommit ? `@${d.sourceCommit}` : ''}`;
    case 'opaque':
      return `statement with predicate type ${d.predicateType} (kept as opaque evidence; no gate reads it)`;
    default:
      return `${d.kind} evidence`;
  }
}
