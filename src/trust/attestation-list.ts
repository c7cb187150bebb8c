/**
 * Files that hold several attestations about an artifact, each a Sigstore bundle or a DSSE
 * envelope:
 * - npm's registry (`/-/npm/v1/attestations/PKG@VERSION`) and GitHub's attestations API:
 *   `{"attestations": [{"predicateType"?, "bundle": {…}}]}`;
 * - `gcloud artifacts docker images describe --show-provenance --format json` (Google Cloud
 *   Build): `{"provenance_summary": {"provenance": [{"envelope": {…}}]}}`.
 * The attestations the caller wants (by predicate type) and that are about the artifact are read
 * one by one as if each were its own file: subject checked, signature verified.
 */
import { TollgateError } from '../errors.js';
import { isJsonObject as isObject } from '../text/json-text.js';
import { IN_TOTO_PAYLOAD_TYPE, looksLikeEnvelope, parseEnvelope } from './dsse.js';
import { type ReadSignedInputOptions, readSignedInputValue, type SignedInput } from './signed-input.js';
import { looksLikeBundle, parseBundle } from './sigstore-bundle.js';
import {
  assertSubjectMatches,
  knownDigestsOf,
  parseStatementBytes,
  type Statement,
  statementCovers,
} from './statement.js';

interface ListEntry {
  /** Where the entry is in the file, e.g. `attestations[1].bundle`. */
  path: string;
  value: unknown;
  /** The predicate type the list declares beside the entry (npm's lists do), unverified. */
  declaredType?: string;
}

function entriesOf(value: unknown, source: string): ListEntry[] {
  if (isObject(value) && Array.isArray(value.attestations)) {
    return value.attestations.map((item, index) => {
      const path = `attestations[${index}]`;
      if (!isObject(item) || !isObject(item.bundle)) {
        throw new TollgateError('EVIDENCE_INVALID', `${source}: ${path} needs a "bundle" object`);
      }
      const entry: ListEntry = { path: `${path}.bundle`, value: item.bundle };
      if (typeof item.predicateType === 'string') entry.declaredType = item.predicateType;
      return entry;
    });
  }
  const summary = isObject(value) ? value.provenance_summary : undefined;
  const provenance = isObject(summary) ? summary.provenance : undefined;
  if (provenance !== undefined && !Array.isArray(provenance)) {
    throw new TollgateError(
      'EVIDENCE_INVALID',
      `${source}: provenance_summary.provenance must be a list of {"envelope": …}, found ${provenance === null ? 'null' : typeof provenance === 'object' ? 'an object' : JSON.stringify(provenance)}`,
    );
  }
  const list = provenance ?? [];
  return list.map((item, index) => {
    const path = `provenance_summary.provenance[${index}]`;
    if (!isObject(item) || !isObject(item.envelope)) {
      throw new TollgateError('EVIDENCE_INVALID', `${source}: ${path} needs an "envelope" object`);
    }
    return { path: `${path}.envelope`, value: item.envelope };
  });
}

/**
 * The statement an entry carries, read without checking its signature: only to choose which
 * entries to read properly. Every chosen entry is then read and verified from the start.
 */
function peekStatement(entry: ListEntry, source: string): Statement {
  const where = `${source}: ${entry.path}`;
  let payloadType: string;
  let payload: Buffer;
  if (looksLikeBundle(entry.value)) {
    const bundle = parseBundle(entry.value, where);
    if (bundle.content.$case !== 'dsseEnvelope') {
      throw new TollgateError(
        'EVIDENCE_INVALID',
        `${where}: a message-signature bundle carries no statement`,
      );
    }
    ({ payloadType, payload } = bundle.content.dsseEnvelope);
  } else if (looksLikeEnvelope(entry.value)) {
    ({ payloadType, payload } = parseEnvelope(entry.value, where));
  } else {
    throw new TollgateError(
      'EVIDENCE_INVALID',
      `${where}: expected a Sigstore bundle or a DSSE envelope ("mediaType" or "payloadType")`,
    );
  }
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw new TollgateError(
      'EVIDENCE_INVALID',
      `${where}: DSSE payload type is ${JSON.stringify(payloadType)}, expected ${IN_TOTO_PAYLOAD_TYPE}`,
    );
  }
  return parseStatementBytes(payload, `${where}: DSSE payload`);
}

export interface ReadAttestationListOptions extends ReadSignedInputOptions {
  /** True for the predicate types the caller reads (`attest provenance`: SLSA provenance). */
  wants: (predicateType: string) => boolean;
  /** What `wants` accepts, for the refusal when no entry is of it ("SLSA provenance"). */
  wanted: string;
}

/**
 * Reads the wanted attestations about the artifact from an attestation list. Entries of other
 * predicate types (npm's publish attestation) are left alone; every wanted entry about the
 * artifact must then read and verify as a file of its own would, or the whole file is refused.
 * @throws TollgateError EVIDENCE_INVALID (no wanted entry, an entry whose declared predicate type
 * is not its statement's), EVIDENCE_SUBJECT_MISMATCH (none about the artifact), SIGNATURE_INVALID
 */
export function readAttestationList(
  value: unknown,
  source: string,
  sourceDigest: string,
  options: ReadAttestationListOptions,
): SignedInput[] {
  const entries = entriesOf(value, source);
  if (entries.length === 0) {
    throw new TollgateError(
      'EVIDENCE_INVALID',
      `${source}: this list holds no attestation, so there is no ${options.wanted} to record (an npm package version published without provenance; an image with no build provenance, or gcloud run without --show-provenance)`,
    );
  }
  // A type the list declares is trusted only to skip an entry; a chosen entry's statement must agree.
  const candidates = entries.filter(
    (entry) => entry.declaredType === undefined || options.wants(entry.declaredType),
  );
  const peeked = candidates.map((entry) => ({ entry, statement: peekStatement(entry, source) }));
  const wanted = peeked.filter(({ statement }) => options.wants(statement.predicateType));
  if (wanted.length === 0) {
    const found = [
      ...new Set([
        ...entries.filter((e) => !candidates.includes(e)).map((e) => e.declaredType as string),
        ...peeked.map(({ statement }) => statement.predicateType),
      ]),
    ];
    throw new TollgateError(
      'EVIDENCE_INVALID',
      `${source}: none of the ${entries.length} attestation(s) in this list is ${options.wanted}; predicate types found: ${found.length === 0 ? 'none' : found.join(', ')}`,
    );
  }
  for (const { entry, statement } of peeked) {
    if (entry.declaredType !== undefined && entry.declaredType !== statement.predicateType) {
      throw new TollgateError(
        'EVIDENCE_INVALID',
        `${source}: ${entry.path}: the list says its predicate type is ${entry.declaredType}, but its statement's is ${statement.predicateType}`,
      );
    }
  }
  const known = knownDigestsOf(options.artifactDigest, options.otherDigests);
  const about = wanted.filter(({ statement }) => statementCovers(statement, known));
  if (about.length === 0) {
    const first = wanted[0] as { entry: ListEntry; statement: Statement };
    assertSubjectMatches(first.statement, known, `${source}: ${first.entry.path}`);
  }
  return about.map(({ entry }) =>
    readSignedInputValue(entry.value, `${source}: ${entry.path}`, sourceDigest, options),
  );
}
