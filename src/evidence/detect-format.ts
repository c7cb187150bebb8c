/**
 * Sniffs an evidence file's format from its content, never from its name: JUnit XML, CycloneDX
 * (JSON or XML), SPDX 2 (JSON or tag-value), SPDX 3 JSON-LD, SARIF, Grype, Trivy (including the
 * pre-0.20 bare array), a bare SLSA provenance predicate, an in-toto statement, a DSSE envelope,
 * a Sigstore bundle, or a list of attestations (npm, GitHub, gcloud).
 */

import { inputError } from '../errors.js';
import { isJsonObject, type JsonPath, type MergedDuplicate } from '../text/json-text.js';
import { isCycloneDx } from './cyclonedx-parser.js';
import { parseCycloneDxXml } from './cyclonedx-xml.js';
import { isGrype } from './grype-parser.js';
import { isSarif, parseJsonHoldingSarif } from './sarif-parser.js';
import { isSlsaProvenanceV1Predicate } from './slsa-provenance-parser.js';
import { isSpdx2, isSpdx3 } from './spdx-parser.js';
import { isSpdxTagValue, parseSpdxTagValue } from './spdx-tag-value.js';
import { isTrivy } from './trivy-parser.js';

export type EvidenceFormat =
  | 'junit'
  | 'cyclonedx'
  | 'spdx'
  | 'spdx3'
  | 'sarif'
  | 'grype'
  | 'trivy'
  | 'slsa'
  | 'in-toto'
  | 'dsse'
  | 'sigstore-bundle'
  | 'attestation-list';

export interface DetectedFormat {
  format: EvidenceFormat;
  /** The parsed JSON value (CycloneDX XML: its JSON document model), so it is not parsed twice; absent for JUnit. */
  value?: unknown;
  /**
   * SARIF, and an in-toto statement whose cosign vuln predicate holds a SARIF log: that log's
   * repeated `security-severity` keys read as their worst value (`parseJsonHoldingSarif`).
   */
  merged?: MergedDuplicate[];
}

export const FORMAT_NAMES: Record<EvidenceFormat, string> = {
  junit: 'JUnit XML',
  cyclonedx: 'CycloneDX',
  spdx: 'SPDX 2',
  spdx3: 'SPDX 3 JSON-LD',
  sarif: 'SARIF 2.1.0',
  grype: 'Grype JSON',
  trivy: 'Trivy JSON',
  slsa: 'SLSA provenance predicate',
  'in-toto': 'in-toto statement',
  dsse: 'DSSE envelope',
  'sigstore-bundle': 'Sigstore bundle',
  'attestation-list': 'attestation list (npm or GitHub attestations, gcloud --show-provenance)',
};

/**
 * True for a file of several attestations: npm's registry and GitHub's attestations API,
 * `{"attestations": [{"bundle": …}]}`, or gcloud's `--show-provenance` output,
 * `{"provenance_summary": {"provenance": [{"envelope": …}]}}`. Read by src/trust/attestation-list.ts.
 */
export function isAttestationList(value: unknown): boolean {
  if (!isJsonObject(value)) return false;
  // An empty list is one too: the package or image has no attestation, which must be said, not passed.
  if (Array.isArray(value.attestations)) {
    return (
      value.attestations.length === 0 ||
      value.attestations.some((item) => isJsonObject(item) && isJsonObject(item.bundle))
    );
  }
  // gcloud's image description; without provenance (none recorded, or no --show-provenance) it
  // holds no attestation, which the reader then says.
  if (!isJsonObject(value.image_summary)) return false;
  const summary = value.provenance_summary;
  return summary === undefined || summary === null || isJsonObject(summary);
}

const IN_TOTO_STATEMENT = /^https:\/\/in-toto\.io\/Statement\/v(0\.1|1)$/;

/** Classifies an already parsed JSON value; undefined when it is none of the known formats. */
export function detectJsonFormat(value: unknown): EvidenceFormat | undefined {
  if (isJsonObject(value)) {
    if (typeof value._type === 'string' && IN_TOTO_STATEMENT.test(value._type)) return 'in-toto';
    if (
      typeof value.mediaType === 'string' &&
      value.mediaType.startsWith('application/vnd.dev.sigstore.bundle')
    ) {
      return 'sigstore-bundle';
    }
    if (
      typeof value.payloadType === 'string' &&
      typeof value.payload === 'string' &&
      Array.isArray(value.signatures)
    ) {
      return 'dsse';
    }
    if (isAttestationList(value)) return 'attestation-list';
    if (isCycloneDx(value)) return 'cyclonedx';
    if (isSpdx3(value)) return 'spdx3';
    if (isSpdx2(value)) return 'spdx';
    if (isSarif(value)) return 'sarif';
    if (isGrype(value)) return 'grype';
    if (isTrivy(value)) return 'trivy';
    if (isSlsaProvenanceV1Predicate(value)) return 'slsa';
    return undefined;
  }
  if (isTrivy(value)) return 'trivy';
  return undefined;
}

/** cosign's vulnerability scan predicate: a scanner's own report in `scanner.result`. */
export const COSIGN_VULN_PREDICATE = 'https://cosign.sigstore.dev/attestation/vuln/v1';

/** The scanner's report a cosign vuln predicate holds (`scanner.result`), undefined for none. */
export function cosignVulnResult(predicate: unknown): unknown {
  return isJsonObject(predicate) && isJsonObject(predicate.scanner) ? predicate.scanner.result : undefined;
}

/** Where an in-toto statement holds its cosign vuln predicate's report. */
const COSIGN_RESULT: JsonPath = ['predicate', 'scanner', 'result'];

/**
 * Where a parsed JSON document holds a SARIF log Tollgate reads as SARIF: the document itself, or
 * the report of an in-toto statement's cosign vuln predicate; undefined for none. Detected as the
 * readers detect it, so the SARIF duplicate-key rule applies to exactly the logs the SARIF reader
 * reads (src/evidence/sarif-parser.ts `parseJsonHoldingSarif`).
 */
export function sarifLogAt(value: unknown): JsonPath | undefined {
  const format = detectJsonFormat(value);
  if (format === 'sarif') return [];
  if (format !== 'in-toto' || !isJsonObject(value) || value.predicateType !== COSIGN_VULN_PREDICATE)
    return undefined;
  return detectJsonFormat(cosignVulnResult(value.predicate)) === 'sarif' ? COSIGN_RESULT : undefined;
}

/** The first element name of an XML document, skipping the declaration, comments and doctype. */
function firstXmlElement(text: string): string | undefined {
  const pattern = /<(\?[^>]*\?>|!--[\s\S]*?-->|![^>]*>|([A-Za-z_][\w:.-]*))/g;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    if (match[2]) return match[2];
  }
  return undefined;
}

/**
 * Tells an evidence file's format from its text. JSON is parsed once here and handed back.
 * @throws TollgateError EVIDENCE_INVALID naming the file for malformed JSON, non-JUnit XML, or
 * JSON that is none of the known formats.
 * @example detectFormat(await readFile('scan.json', 'utf8'), 'scan.json').format // 'trivy'
 */
export function detectFormat(text: string, file: string): DetectedFormat {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const start = body.search(/\S/);
  if (start === -1) throw inputError('EVIDENCE_INVALID', { file }, 'the file is empty');
  if (body[start] === '<') {
    const root = firstXmlElement(body.slice(start, start + 1_000_000));
    const local = root?.split(':').pop();
    if (local === 'testsuites' || local === 'testsuite') return { format: 'junit' };
    if (local === 'bom') return { format: 'cyclonedx', value: parseCycloneDxXml(body, file) };
    if (local === 'RDF') {
      throw inputError(
        'EVIDENCE_INVALID',
        { file },
        `RDF/XML (root <${root}>, as SPDX 2 can be written) is not read; expected SPDX as JSON, tag-value or SPDX 3 JSON-LD: convert it (e.g. \`pyspdxtools -i ${file} -o out.spdx.json\`)`,
      );
    }
    throw inputError(
      'EVIDENCE_INVALID',
      { file },
      `XML with root element <${root ?? '?'}> is neither JUnit XML (<testsuites> or <testsuite>) nor CycloneDX XML (<bom>); SPDX is read as JSON, tag-value or SPDX 3 JSON-LD`,
    );
  }
  if (isSpdxTagValue(body)) return { format: 'spdx', value: parseSpdxTagValue(body, file) };
  const expected = `expected one of ${Object.values(FORMAT_NAMES).join(', ')}`;
  // Evidence JSON is an object or an array; anything else is some other text (a table, a purl list,
  // YAML), named as such rather than as a JSON syntax error at 1:1. Its content is not echoed.
  if (body[start] !== '{' && body[start] !== '[') {
    if (SPDX_YAML.test(body.slice(0, 4096))) {
      throw inputError(
        'EVIDENCE_INVALID',
        { file },
        `SPDX 2 YAML is not read; expected SPDX as JSON, tag-value or SPDX 3 JSON-LD: convert it (e.g. \`pyspdxtools -i ${file} -o out.spdx.json\`)`,
      );
    }
    throw inputError(
      'EVIDENCE_INVALID',
      { file },
      `not a known evidence format: the file is neither JSON, XML nor SPDX tag-value; ${expected}`,
    );
  }
  const { value, merged } = parseJsonHoldingSarif(text, file, sarifLogAt);
  const format = detectJsonFormat(value);
  if (format === undefined) {
    const known = unsupportedJson(value);
    throw inputError(
      'EVIDENCE_INVALID',
      { file },
      known
        ? `not a known evidence format: found ${known}, which Tollgate does not read; ${expected}`
        : `not a known evidence format: ${expected}; found JSON ${describeTop(value)}`,
    );
  }
  // A statement's log's keys go with it to src/trust/signed-input.ts, which reads it without parsing it again.
  return merged.length > 0 && (format === 'sarif' || format === 'in-toto')
    ? { format, value, merged }
    : { format, value };
}

/** An SPDX 2 YAML document: a top-level `spdxVersion:` key (YAML's spelling of the JSON field). */
const SPDX_YAML = /^["']?spdxVersion["']?[ \t]*:/m;

/** JSON formats other tools write beside SBOMs, named so that the refusal says what was found. */
function unsupportedJson(value: unknown): string | undefined {
  if (!isJsonObject(value)) return undefined;
  if (Array.isArray(value.artifacts) && isJsonObject(value.descriptor) && value.descriptor.name === 'syft') {
    return "syft's own JSON (`syft -o syft-json`; ask it for `-o cyclonedx-json` or `-o spdx-json`)";
  }
  if (isJsonObject(value.detector) && isJsonObject(value.manifests) && 'job' in value) {
    // Syft and Trivy both write GitHub's dependency-submission format; name the producer's own flags.
    const detector = typeof value.detector.name === 'string' ? value.detector.name.toLowerCase() : '';
    if (detector === 'trivy') {
      return 'a GitHub dependency snapshot (`trivy --format github`; ask it for `--format cyclonedx` or `--format spdx-json`)';
    }
    if (detector === 'syft') {
      return 'a GitHub dependency snapshot (`syft -o github-json`; ask it for `-o cyclonedx-json` or `-o spdx-json`)';
    }
    return `a GitHub dependency snapshot${detector ? ` written by ${JSON.stringify(value.detector.name)}` : ''} (ask the tool for CycloneDX or SPDX JSON instead)`;
  }
  if (typeof value['@context'] === 'string' && /^https?:\/\/openvex\.dev\/ns/.test(value['@context'])) {
    return `an OpenVEX document (${Array.isArray(value.statements) ? value.statements.length : 0} statement(s)): statements are no scan, and who may waive what for which digest is the contract's to say; apply them where the scan runs (\`grype --vex FILE\`, \`trivy --vex FILE\`) and attest that scan, whose VEX-suppressed findings are then kept as suppressed, or accept a finding with a contract \`allow\` entry`;
  }
  if (isJsonObject(value.document) && value.document.category === 'csaf_vex') {
    return 'a CSAF VEX document: statements are no scan; apply them where the scan runs (`trivy --vex FILE`) and attest that scan, or accept a finding with a contract `allow` entry';
  }
  return undefined;
}

function describeTop(value: unknown): string {
  if (isJsonObject(value)) {
    const keys = Object.keys(value).slice(0, 6);
    return keys.length === 0
      ? 'an empty object'
      : `an object with keys ${keys.map((k) => `"${k}"`).join(', ')}`;
  }
  if (Array.isArray(value)) return `an array of ${value.length} item(s)`;
  return JSON.stringify(value)?.slice(0, 40) ?? String(value);
}
