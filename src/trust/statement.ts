/**
 * in-toto Statement v1: https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md
 */
import { getHashes } from 'node:crypto';
import { TollgateError } from '../errors.js';
import { sarifLogAt } from '../evidence/detect-format.js';
import { parseJsonHoldingSarif } from '../evidence/sarif-parser.js';
import { isJsonObject as isObject, type MergedDuplicate } from '../text/json-text.js';

export const STATEMENT_TYPE_V1 = 'https://in-toto.io/Statement/v1';
/** The pre-1.0 type still written by many tools (cosign attest, older SLSA generators); same layout. */
export const STATEMENT_TYPE_V01 = 'https://in-toto.io/Statement/v0.1';

/**
 * The DigestSet algorithms whose values the in-toto spec defines as hex (spec/v1/digest_set.md),
 * lower-cased. Values of any other algorithm are identifier-specific (`{"arn": "arn:aws:…"}`) and
 * must be accepted, and ignored when they are not understood.
 */
const HEX_ALGORITHMS: ReadonlySet<string> = new Set([
  'sha256',
  'sha224',
  'sha384',
  'sha512',
  'sha512_224',
  'sha512_256',
  'sha3_224',
  'sha3_256',
  'sha3_384',
  'sha3_512',
  'shake128',
  'shake256',
  'blake2b',
  'blake2s',
  'ripemd160',
  'sm3',
  'gost',
  'sha1',
  'md5',
  'dirhash',
  'dirhash1',
  'gitcommit',
  'gittree',
  'gitblob',
  'gittag',
]);

export interface ResourceDescriptor {
  name?: string;
  uri?: string;
  /** Algorithm (lower-cased) → digest, e.g. `{ sha256: "…" }`; hex values lower-cased. */
  digest: Record<string, string>;
}

export interface Statement {
  _type: string;
  subject: ResourceDescriptor[];
  predicateType: string;
  predicate: unknown;
  /**
   * The repeated `security-severity` keys of the SARIF log its cosign vuln predicate holds, as
   * dependency-check 12+ writes them, read as their worst (src/evidence/sarif-parser.ts
   * `parseJsonHoldingSarif`); paths from the log. Absent when the text repeats none.
   */
  merged?: MergedDuplicate[];
}

/** True when a JSON value claims to be an in-toto statement (has `_type`, `subject` or `predicateType`). */
export function looksLikeStatement(value: unknown): boolean {
  return isObject(value) && ('_type' in value || ('subject' in value && 'predicateType' in value));
}

/**
 * Validates a JSON value as an in-toto Statement (v1, or the identical v0.1 layout). Digest values
 * are lower-cased so they compare with artifact digests.
 * @param source names the input (file, "DSSE payload of F") in errors
 */
export function parseStatement(value: unknown, source: string): Statement {
  if (!isObject(value))
    throw new TollgateError('EVIDENCE_INVALID', `${source}: an in-toto statement must be a JSON object`);
  const type = value._type;
  if (type !== STATEMENT_TYPE_V1 && type !== STATEMENT_TYPE_V01) {
    throw new TollgateError(
      'EVIDENCE_INVALID',
      `${source}: wrong _type: expected "${STATEMENT_TYPE_V1}", found ${type === undefined ? 'no _type' : JSON.stringify(type)}`,
    );
  }
  if (typeof value.predicateType !== 'string' || value.predicateType === '') {
    throw new TollgateError('EVIDENCE_INVALID', `${source}: statement needs a string "predicateType"`);
  }
  if (!Array.isArray(value.subject) || value.subject.length === 0) {
    throw new TollgateError('EVIDENCE_INVALID', `${source}: statement needs a non-empty "subject" list`);
  }
  const subject = value.subject.map((entry, index): ResourceDescriptor => {
    const where = `${source}: subject[${index}]`;
    if (!isObject(entry) || !isObject(entry.digest) || Object.keys(entry.digest).length === 0) {
      throw new TollgateError('EVIDENCE_INVALID', `${where} needs a "digest" object such as {"sha256": "…"}`);
    }
    const digest: Record<string, string> = {};
    for (const [algorithm, value] of Object.entries(entry.digest)) {
      const hexAlgorithm = HEX_ALGORITHMS.has(algorithm.toLowerCase());
      if (typeof value !== 'string' || value === '' || (hexAlgorithm && !/^[0-9a-fA-F]+$/.test(value))) {
        throw new TollgateError(
          'EVIDENCE_INVALID',
          `${where}.digest.${algorithm} must be a ${hexAlgorithm ? 'hex ' : ''}string, found ${JSON.stringify(value)}`,
        );
      }
      // `sha256` and `SHA256` are one algorithm here; a reader that compares names exactly sees
      // two. Two values of it make the subject mean one thing to Tollgate and another to cosign.
      const key = algorithm.toLowerCase();
      if (Object.hasOwn(digest, key)) {
        throw new TollgateError(
          'EVIDENCE_INVALID',
          `${where}.digest names algorithm ${key} twice (as ${JSON.stringify(Object.keys(entry.digest).filter((name) => name.toLowerCase() === key))}): each algorithm may appear once`,
        );
      }
      // Other algorithms (an AWS ARN for a VM image) are kept as written; they match no artifact.
      digest[key] = hexAlgorithm ? value.toLowerCase() : value;
    }
    const descriptor: ResourceDescriptor = { digest };
    if (typeof entry.name === 'string') descriptor.name = entry.name;
    if (typeof entry.uri === 'string') descriptor.uri = entry.uri;
    return descriptor;
  });
  if ('predicate' in value && value.predicate !== undefined && !isObject(value.predicate)) {
    throw new TollgateError('EVIDENCE_INVALID', `${source}: "predicate" must be a JSON object`);
  }
  return { _type: type, subject, predicateType: value.predicateType, predicate: value.predicate ?? {} };
}

/**
 * Parses statement bytes (JSON): the bytes a DSSE signature covers, or that `tollgate sign` is
 * about to sign. Bytes starting with a UTF-8 byte-order mark are refused: JSON text exchanged
 * between systems carries none (RFC 8259 §8.1), and readers differ on it (Go's encoding/json,
 * and so cosign and slsa-verifier, refuse it where a lenient reader skips it), so one signed
 * payload would be a statement to one verifier and garbage to another.
 * @throws TollgateError EVIDENCE_INVALID
 */
export function parseStatementBytes(bytes: Buffer | string, source: string): Statement {
  const bom =
    typeof bytes === 'string'
      ? bytes.charCodeAt(0) === 0xfeff
      : bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  if (bom) {
    throw new TollgateError(
      'EVIDENCE_INVALID',
      `${source}: starts with a UTF-8 byte-order mark (EF BB BF); a signed in-toto statement must be JSON without one (RFC 8259 §8.1), as other verifiers refuse it: sign the statement saved without the mark`,
    );
  }
  const text = typeof bytes === 'string' ? bytes : bytes.toString('utf8');
  const { value, merged } = parseJsonHoldingSarif(text, source, sarifLogAt);
  const statement = parseStatement(value, source);
  return merged.length > 0 ? { ...statement, merged } : statement;
}

/** The subject digests of a statement as `alg:hex` strings. */
export function subjectDigests(statement: Statement): string[] {
  return statement.subject.flatMap((subject) =>
    Object.entries(subject.digest).map(([algorithm, hex]) => `${algorithm}:${hex}`),
  );
}

/**
 * What Tollgate knows of an artifact's digests: DigestSet algorithm (lower-case) → lower-case hex.
 * The registered digest is always one of them; with the artifact's bytes at hand, others computed
 * from them may be too (`{ sha256: "…", sha512: "…" }`).
 */
export type KnownDigests = Readonly<Record<string, string>>;

/** DigestSet algorithms Tollgate can compute from an artifact's bytes, with node:crypto's name for each. */
const COMPUTABLE: Readonly<Record<string, string>> = {
  sha224: 'sha224',
  sha256: 'sha256',
  sha384: 'sha384',
  sha512: 'sha512',
  sha512_224: 'sha512-224',
  sha512_256: 'sha512-256',
  sha3_224: 'sha3-224',
  sha3_256: 'sha3-256',
  sha3_384: 'sha3-384',
  sha3_512: 'sha3-512',
  sha1: 'sha1',
  md5: 'md5',
};

/**
 * The algorithms a statement's subjects name that Tollgate can compute from the artifact's bytes
 * and this Node.js offers: DigestSet name → node:crypto name.
 */
export function computableAlgorithms(statement: Statement): Map<string, string> {
  const offered = new Set(getHashes());
  const out = new Map<string, string>();
  for (const subject of statement.subject) {
    for (const algorithm of Object.keys(subject.digest)) {
      const node = Object.hasOwn(COMPUTABLE, algorithm) ? COMPUTABLE[algorithm] : undefined;
      if (node !== undefined && offered.has(node)) out.set(algorithm, node);
    }
  }
  return out;
}

function knownOf(digest: string | KnownDigests): KnownDigests {
  if (typeof digest !== 'string') return digest;
  const [algorithm, hex] = digest.toLowerCase().split(':');
  return algorithm === undefined || hex === undefined ? {} : { [algorithm]: hex };
}

/**
 * The artifact's known digests: its registered `alg:hex` digest and the other digests of the same
 * bytes its registration recorded (`{ sha512: "…" }` for a file registered with `--file`).
 * @example knownDigestsOf('sha256:9f86…', { sha512: 'ee26…' }) // { sha256: '9f86…', sha512: 'ee26…' }
 */
export function knownDigestsOf(digest: string, others: KnownDigests = {}): KnownDigests {
  return { ...others, ...knownOf(digest) };
}

/**
 * The algorithms a statement's subjects name beside one of the artifact's known digests that
 * Tollgate holds no value for, so cannot check (a sha512 beside the sha256 of an artifact
 * registered by `--digest`, or before registrations recorded the sha512).
 */
export function uncheckedAlgorithms(statement: Statement, digest: string | KnownDigests): string[] {
  const known = knownOf(digest);
  const out = new Set<string>();
  for (const subject of statement.subject) {
    if (!subjectIs(subject, known)) continue;
    for (const algorithm of Object.keys(subject.digest))
      if (!Object.hasOwn(known, algorithm)) out.add(algorithm);
  }
  return [...out].sort();
}

/** True when the subject names the artifact by some known algorithm and contradicts it by none. */
function subjectIs(subject: ResourceDescriptor, known: KnownDigests): boolean {
  let named = false;
  for (const [algorithm, hex] of Object.entries(known)) {
    if (!Object.hasOwn(subject.digest, algorithm)) continue;
    if (subject.digest[algorithm] !== hex) return false;
    named = true;
  }
  return named;
}

/**
 * True when some subject of the statement is the artifact: it carries one of the artifact's known
 * digests (`sha256:<hex>`, or each of a {@link KnownDigests}) and no other known algorithm of it
 * disagrees. sha256 and sha512 of the same bytes name one artifact only if both are its digests.
 */
export function statementCovers(statement: Statement, digest: string | KnownDigests): boolean {
  const known = knownOf(digest);
  return statement.subject.some((subject) => subjectIs(subject, known));
}

/**
 * Words for the first subject that names the artifact by one known digest and contradicts it by
 * another (`sha256` agrees, `sha512` does not): such a statement describes other bytes, or none.
 * Undefined when no subject does.
 */
export function subjectContradiction(
  statement: Statement,
  digest: string | KnownDigests,
): string | undefined {
  const known = knownOf(digest);
  for (const [index, subject] of statement.subject.entries()) {
    const agree: string[] = [];
    const disagree: string[] = [];
    for (const [algorithm, hex] of Object.entries(known)) {
      if (!Object.hasOwn(subject.digest, algorithm)) continue;
      (subject.digest[algorithm] === hex ? agree : disagree).push(algorithm);
    }
    if (agree.length > 0 && disagree.length > 0) {
      const wrong = disagree[0]!;
      return `subject[${index}] names the artifact by ${agree.join(', ')}, but its ${wrong} is ${subject.digest[wrong]} and the artifact's ${wrong} is ${known[wrong]}: every digest a subject lists must be the artifact's`;
    }
  }
  return undefined;
}

/**
 * Refuses a statement none of whose subjects is the artifact, naming both digests.
 * @throws TollgateError EVIDENCE_SUBJECT_MISMATCH
 */
export function assertSubjectMatches(
  statement: Statement,
  digest: string | KnownDigests,
  source: string,
): void {
  const contradiction = subjectContradiction(statement, digest);
  if (contradiction !== undefined)
    throw new TollgateError('EVIDENCE_SUBJECT_MISMATCH', `${source}: ${contradiction}`);
  if (statementCovers(statement, digest)) return;
  const named = statement.subject
    .flatMap((subject) =>
      Object.entries(subject.digest).map(
        ([algorithm, hex]) => `${algorithm}:${hex}${subject.name === undefined ? '' : ` (${subject.name})`}`,
      ),
    )
    .join(', ');
  throw new TollgateError(
    'EVIDENCE_SUBJECT_MISMATCH',
    `${source}: the statement is about ${named}, not about the artifact ${
      typeof digest === 'string'
        ? digest
        : Object.entries(digest)
            .map(([a, h]) => `${a}:${h}`)
            .join(', ')
    }`,
  );
}
