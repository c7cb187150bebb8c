/**
 * One entry point from raw documents and in-toto predicates to the normalised evidence model
 * (SBOM, vulnerability scan, provenance). The attest use case reads the file, calls
 * `normaliseDocument` for raw files, and `normalisePredicate` for statements src/trust unwrapped.
 */
import { inputError } from '../errors.js';
import { isJsonObject, type MergedDuplicate } from '../text/json-text.js';
import { parseCycloneDx, parseCycloneDxVulnerabilities } from './cyclonedx-parser.js';
import {
  COSIGN_VULN_PREDICATE,
  cosignVulnResult,
  type DetectedFormat,
  detectFormat,
  detectJsonFormat,
  type EvidenceFormat,
  FORMAT_NAMES,
} from './detect-format.js';
import type { ProvenanceSummary, SbomSummary, VulnerabilitySummary } from './evidence.js';
import { parseGrype } from './grype-parser.js';
import { INTOTO_VULNS_V02, parseIntotoVulns } from './intoto-vulns-parser.js';
import { assertEvidenceSize, type EvidenceInputOptions } from './json-input.js';
import { parseSarif } from './sarif-parser.js';
import { isSlsaProvenanceType, parseSlsaProvenance, SLSA_PROVENANCE_V1 } from './slsa-provenance-parser.js';
import { parseSpdx2, parseSpdx3 } from './spdx-parser.js';
import { parseTrivy } from './trivy-parser.js';

/** What `tollgate attest sbom|scan|provenance` asks for; undefined lets the content decide. */
export type ExpectedEvidence = 'sbom' | 'scan' | 'provenance';

export type NormalisedData = SbomSummary | VulnerabilitySummary | ProvenanceSummary;

export interface NormalisedEvidence {
  /** The input format, stored as the evidence record's `format`. */
  format: string;
  data: NormalisedData;
}

/** A file's content after detection: evidence data, or a wrapper/format other modules handle. */
export type DocumentResult =
  | ({
      type: 'evidence';
      /** A second record from the same file: the scan half of a CycloneDX BOM that has both. */
      also?: NormalisedEvidence;
    } & NormalisedEvidence)
  /**
   * in-toto statement, DSSE envelope, Sigstore bundle or a list of them: unwrap in src/trust,
   * then normalisePredicate.
   */
  | {
      type: 'wrapped';
      format: 'in-toto' | 'dsse' | 'sigstore-bundle' | 'attestation-list';
      value: unknown;
      /** A statement's SARIF log's repeated keys, as `detectFormat` read them. */
      merged?: MergedDuplicate[];
    }
  /** JUnit XML: read by the tests parser. */
  | { type: 'junit'; format: 'junit' };

const EXPECTED_NAMES: Record<ExpectedEvidence, string> = {
  sbom: 'an SBOM (CycloneDX or SPDX)',
  scan: 'a vulnerability scan (SARIF, Grype, Trivy or CycloneDX VEX/VDR)',
  provenance: 'SLSA provenance',
};

const KIND_OF: Partial<Record<EvidenceFormat, ExpectedEvidence>> = {
  spdx: 'sbom',
  spdx3: 'sbom',
  sarif: 'scan',
  grype: 'scan',
  trivy: 'scan',
  slsa: 'provenance',
};

/**
 * Detects and normalises one raw evidence document.
 * @param text the file's content (its size already checked with `assertEvidenceSize`, or pass `size`)
 * @param expected what the caller asked for; a different kind of document is refused with a message
 * naming both. A CycloneDX document is an SBOM, unless `scan` is expected or it has vulnerabilities
 * and no components (a VEX or VDR), then it is a scan, refused when `sbom` is expected; with
 * neither expected and both present, the result is the SBOM with the scan in `also`.
 * @example normaliseDocument(text, 'bom.json', 'sbom')
 */
export function normaliseDocument(
  text: string,
  file: string,
  expected?: ExpectedEvidence,
  options: EvidenceInputOptions = {},
): DocumentResult {
  assertEvidenceSize(Buffer.byteLength(text, 'utf8'), file, options.maxBytes);
  return normaliseDetected(detectFormat(text, file), file, expected);
}

/** As `normaliseDocument`, for a document already detected (and parsed) by `detectFormat`. */
export function normaliseDetected(
  detected: DetectedFormat,
  file: string,
  expected?: ExpectedEvidence,
): DocumentResult {
  const { format, value } = detected;
  if (format === 'junit') {
    if (expected !== undefined) throw wrongKind(file, format, expected);
    return { type: 'junit', format };
  }
  if (
    format === 'in-toto' ||
    format === 'dsse' ||
    format === 'sigstore-bundle' ||
    format === 'attestation-list'
  ) {
    return { type: 'wrapped', format, value, ...(detected.merged && { merged: detected.merged }) };
  }
  if (format === 'cyclonedx') {
    const isVex = isVexOnly(value);
    if (expected === 'scan' || (expected === undefined && isVex)) {
      return { type: 'evidence', format, data: parseCycloneDxVulnerabilities(value, file) };
    }
    if (expected === 'provenance') throw wrongKind(file, format, expected);
    // A VEX or VDR lists no component: recorded as an SBOM it would be one of nothing, which passes
    // every licence and component rule of `sbom: required` by having nothing to judge.
    if (isVex) throw vexAsSbom(file, value);
    const sbom = parseCycloneDx(value, file);
    // A BOM with components and vulnerabilities (`grype -o cyclonedx-json`) is both an SBOM and a
    // scan; `attest evidence` records both, `attest sbom` only the SBOM.
    const hasVulnerabilities =
      isJsonObject(value) && Array.isArray(value.vulnerabilities) && value.vulnerabilities.length > 0;
    if (expected === undefined && hasVulnerabilities) {
      return {
        type: 'evidence',
        format,
        data: sbom,
        also: { format, data: parseCycloneDxVulnerabilities(value, file) },
      };
    }
    return { type: 'evidence', format, data: sbom };
  }
  const kind = KIND_OF[format];
  if (expected !== undefined && kind !== expected) throw wrongKind(file, format, expected);
  switch (format) {
    case 'spdx':
      return { type: 'evidence', format: 'spdx', data: parseSpdx2(value, file) };
    case 'spdx3':
      return { type: 'evidence', format: 'spdx', data: parseSpdx3(value, file) };
    case 'sarif':
      return { type: 'evidence', format, data: parseSarif(value, file, detected.merged) };
    case 'grype':
      return { type: 'evidence', format, data: parseGrype(value, file) };
    case 'trivy':
      return { type: 'evidence', format, data: parseTrivy(value, file) };
    case 'slsa':
      return { type: 'evidence', format, data: parseSlsaProvenance(value, SLSA_PROVENANCE_V1, file) };
  }
}

/**
 * True for a CycloneDX document with vulnerabilities and no component (nested or the subject's):
 * a VEX or VDR, read as a scan, never as an SBOM.
 */
function isVexOnly(value: unknown): boolean {
  if (!isJsonObject(value) || !Array.isArray(value.vulnerabilities) || value.vulnerabilities.length === 0)
    return false;
  const metadata = isJsonObject(value.metadata) ? value.metadata : undefined;
  const subject = isJsonObject(metadata?.component) ? metadata.component : undefined;
  const listed = (list: unknown) => Array.isArray(list) && list.length > 0;
  return !listed(value.components) && !listed(subject?.components);
}

function vexAsSbom(file: string, value: unknown) {
  const count =
    isJsonObject(value) && Array.isArray(value.vulnerabilities) ? value.vulnerabilities.length : 0;
  return inputError(
    'EVIDENCE_INVALID',
    { file },
    `expected ${EXPECTED_NAMES.sbom}, found a CycloneDX VEX or VDR: ${count} vulnerability statement(s) and no components, so it lists nothing an SBOM gate could judge; record it with \`tollgate attest scan\`, and the SBOM with \`attest sbom\``,
  );
}

function wrongKind(file: string, format: EvidenceFormat, expected: ExpectedEvidence) {
  return inputError(
    'EVIDENCE_INVALID',
    { file },
    `expected ${EXPECTED_NAMES[expected]}, found ${FORMAT_NAMES[format]}`,
  );
}

const CYCLONEDX_PREDICATE = /^https:\/\/cyclonedx\.org\/bom(\/v?[\d.]+)?$/;
const SPDX_PREDICATE = /^https:\/\/spdx\.dev\/Document(\/v?[\d.]+)?$/;
const SPDX3_PREDICATE = /^https:\/\/spdx\.org\/rdf\/3\./;

/**
 * Normalises the predicate of an in-toto statement (already unwrapped and subject-checked by
 * src/trust). Returns undefined for predicate types Tollgate does not read: store those as opaque
 * evidence. The `format` is the predicate's own format (`cyclonedx`, `spdx`, `slsa`, …).
 *
 * Read: CycloneDX (`https://cyclonedx.org/bom[/vX]`), SPDX 2 (`https://spdx.dev/Document[/vX]`),
 * SPDX 3 (`https://spdx.org/rdf/3…`), SLSA provenance v1 and v0.2, in-toto vulns v0.2, and cosign's
 * vuln predicate (its `scanner.result` holding a Grype, Trivy or SARIF report). `merged`: the
 * repeated `security-severity` keys the statement's text gave in that SARIF report, read as their
 * worst (src/trust/statement.ts, `Statement.merged`), named in the scan's caveats.
 * @example normalisePredicate(statement.predicateType, statement.predicate, 'sbom.intoto.json')
 */
export function normalisePredicate(
  predicateType: string,
  predicate: unknown,
  file: string,
  expected?: ExpectedEvidence,
  merged: readonly MergedDuplicate[] = [],
): NormalisedEvidence | undefined {
  const result = readPredicate(predicateType, predicate, file, merged);
  // A statement's subject, already checked against the artifact, is what names the image: the
  // digests its predicate names (a platform's manifest under an index's statement) are not kept.
  if (result && result.data.kind !== 'provenance') {
    delete result.data.describes;
    delete result.data.imageIds;
  }
  if (result && expected !== undefined) {
    const kind: ExpectedEvidence =
      result.data.kind === 'sbom' ? 'sbom' : result.data.kind === 'provenance' ? 'provenance' : 'scan';
    if (kind !== expected) {
      throw inputError(
        'EVIDENCE_INVALID',
        { file },
        `expected ${EXPECTED_NAMES[expected]}, found a statement with predicate type ${predicateType}${CYCLONEDX_PREDICATE.test(predicateType) && kind === 'scan' ? ' holding a CycloneDX VEX or VDR (vulnerabilities and no components), read as a scan' : ''}`,
      );
    }
  }
  return result;
}

/**
 * The kind of evidence a predicate type is read as (by the same patterns as normalisePredicate),
 * or undefined for types read as no kind here (test results, opaque).
 */
export function predicateKind(predicateType: string): ExpectedEvidence | undefined {
  if (CYCLONEDX_PREDICATE.test(predicateType)) return 'sbom';
  if (SPDX_PREDICATE.test(predicateType) || SPDX3_PREDICATE.test(predicateType)) return 'sbom';
  if (isSlsaProvenanceType(predicateType)) return 'provenance';
  if (predicateType === INTOTO_VULNS_V02 || predicateType === COSIGN_VULN_PREDICATE) return 'scan';
  return undefined;
}

function readPredicate(
  predicateType: string,
  predicate: unknown,
  file: string,
  merged: readonly MergedDuplicate[],
): NormalisedEvidence | undefined {
  if (CYCLONEDX_PREDICATE.test(predicateType)) {
    // A CycloneDX VEX statement is a scan's word about vulnerabilities, not an SBOM of nothing.
    if (isVexOnly(predicate))
      return { format: 'cyclonedx', data: parseCycloneDxVulnerabilities(predicate, file) };
    return { format: 'cyclonedx', data: parseCycloneDx(predicate, file) };
  }
  if (SPDX_PREDICATE.test(predicateType) || SPDX3_PREDICATE.test(predicateType)) {
    const format = detectJsonFormat(predicate);
    const data = format === 'spdx3' ? parseSpdx3(predicate, file) : parseSpdx2(predicate, file);
    return { format: 'spdx', data };
  }
  if (isSlsaProvenanceType(predicateType)) {
    return { format: 'slsa', data: parseSlsaProvenance(predicate, predicateType, file) };
  }
  if (predicateType === INTOTO_VULNS_V02)
    return { format: 'in-toto-vulns', data: parseIntotoVulns(predicate, file) };
  if (predicateType === COSIGN_VULN_PREDICATE) {
    const inner = cosignVulnResult(predicate);
    const format = detectJsonFormat(inner);
    if (format === 'grype') return { format, data: parseGrype(inner, file) };
    if (format === 'trivy') return { format, data: parseTrivy(inner, file) };
    if (format === 'sarif') return { format, data: parseSarif(inner, file, merged) };
    if (format === 'cyclonedx') return { format, data: parseCycloneDxVulnerabilities(inner, file) };
    return undefined;
  }
  return undefined;
}
