/**
 * CDEvents as evidence, so a pipeline that already speaks CDEvents needs no other adapter:
 * - `testsuiterun.finished` → the results of a suite: `success` passes it, `failure` and `error`
 *   fail it (one unnamed failure with the event's reason), `cancel` is an error. The event carries
 *   no test counts, so a passing suite reads as holding no test cases (shown as remaining risk, and
 *   never enough for `minTests`).
 * - `artifact.signed` → opaque evidence that the artifact was signed, after checking that the
 *   event's subject (a package URL) names the digest. The signature string is not verified: the spec
 *   does not say what it signs or with which key, so `signedBy` never counts it.
 * Accepted as the CDEvent itself or as a CloudEvent 1.0 in structured JSON whose `data` is one.
 */
import { TollgateError } from '../errors.js';
import type { EvidenceData, TestSummary } from '../evidence/evidence.js';
import { statedTime } from '../evidence/stated-time.js';
import { isJsonObject, parseJsonText } from '../text/json-text.js';

export interface CdEventEvidence {
  format: 'cdevents';
  data: EvidenceData;
  /** The stage the event names as its environment, when it names one. */
  environment?: string;
  /** The test suite a testsuiterun event names (`testSuite.name`, else its `id`), when it names one. */
  namedSuite?: string;
  type: string;
}

const TYPE = /^dev\.cdevents\.([a-z]+)\.([a-z]+)\.(\d+\.\d+\.\d+)(?:-[\w.]+)?$/;

/** The CDEvent in a parsed JSON value (a CDEvent, or a structured CloudEvent holding one). */
function unwrap(value: unknown, file: string): Record<string, unknown> {
  if (isJsonObject(value) && value.specversion === '1.0' && 'data' in value) {
    const data =
      typeof value.data === 'string'
        ? parseJsonText(value.data, `${file}: the CloudEvent's data`)
        : value.data;
    return unwrap(data, file);
  }
  if (!isJsonObject(value) || !isJsonObject(value.context) || !isJsonObject(value.subject)) {
    throw new TollgateError(
      'EVIDENCE_INVALID',
      `${file}: expected a CDEvent (an object with "context" and "subject"), or a CloudEvent whose data is one`,
    );
  }
  return value;
}

/**
 * The version of a package URL, percent-decoded (`pkg:oci/app@sha256%3A…?repository_url=…` →
 * `sha256:…`), as purl-spec parses it: the subpath cut at `#` and the qualifiers at `?`, then the
 * version is what follows the last `@`. An `@sha256:…` inside a qualifier or the subpath is not the
 * version: `pkg:oci/app@latest?x=@sha256:…` is about whatever `latest` is, not that digest.
 */
function purlVersion(id: string): string | undefined {
  if (!id.startsWith('pkg:')) return undefined;
  const path = id.split('#')[0]!.split('?')[0]!;
  const at = path.lastIndexOf('@');
  if (at < 0) return undefined;
  try {
    return decodeURIComponent(path.slice(at + 1));
  } catch {
    return undefined;
  }
}

/** True when a JSON value looks like a CDEvent or a CloudEvent carrying one. */
export function isCdEvent(value: unknown): boolean {
  if (!isJsonObject(value)) return false;
  if (value.specversion === '1.0' && typeof value.type === 'string')
    return value.type.startsWith('dev.cdevents.');
  return (
    isJsonObject(value.context) &&
    typeof value.context.type === 'string' &&
    value.context.type.startsWith('dev.cdevents.')
  );
}

/**
 * Reads a CDEvent as evidence about `digest` for suite `suite` (testsuiterun events; default the
 * event's test suite name or id).
 * @throws TollgateError EVIDENCE_INVALID for another event type or a malformed event,
 * EVIDENCE_SUBJECT_MISMATCH for an artifact.signed event about another digest
 */
export function cdEventEvidence(
  value: unknown,
  file: string,
  digest: string,
  suite?: string,
): CdEventEvidence {
  const event = unwrap(value, file);
  const context = event.context as Record<string, unknown>;
  const subject = event.subject as Record<string, unknown>;
  const type = typeof context.type === 'string' ? context.type : '';
  const match = TYPE.exec(type);
  if (!match)
    throw new TollgateError(
      'EVIDENCE_INVALID',
      `${file}: context.type "${type}" is not a CDEvents type (dev.cdevents.<subject>.<predicate>.<version>)`,
    );
  const [, noun, verb, version] = match;
  // The event types' versions are SemVer: a new major version may change what a field means (an
  // outcome, the subject), so only the 0.x versions this reader follows are taken.
  const major = version!.split('.')[0];
  if (
    major !== '0' &&
    ((noun === 'testsuiterun' && verb === 'finished') || (noun === 'artifact' && verb === 'signed'))
  )
    throw new TollgateError(
      'EVIDENCE_INVALID',
      `${file}: ${type} is of major version ${major}; Tollgate reads versions 0.x of ${noun}.${verb}`,
    );
  const content = isJsonObject(subject.content) ? subject.content : {};
  if (noun === 'testsuiterun' && verb === 'finished') {
    const outcome = content.outcome;
    if (outcome !== 'success' && outcome !== 'failure' && outcome !== 'error' && outcome !== 'cancel') {
      throw new TollgateError(
        'EVIDENCE_INVALID',
        `${file}: testsuiterun.finished needs subject.content.outcome success, failure, error or cancel; found ${JSON.stringify(outcome)}`,
      );
    }
    const testSuite = isJsonObject(content.testSuite) ? content.testSuite : {};
    const named =
      typeof testSuite.name === 'string' && testSuite.name !== ''
        ? testSuite.name
        : typeof testSuite.id === 'string' && testSuite.id !== ''
          ? testSuite.id
          : undefined;
    const name = suite ?? named;
    if (!name) throw new TollgateError('USAGE', `${file}: the event names no test suite: give --suite NAME`);
    const reason = typeof content.reason === 'string' && content.reason !== '' ? `: ${content.reason}` : '';
    const failedName = `(test suite run ${typeof subject.id === 'string' ? subject.id : ''} reported ${outcome}${reason})`;
    const failed = outcome === 'failure' || outcome === 'error' ? 1 : 0;
    const errored = outcome === 'cancel' ? 1 : 0;
    // The event's own time of the run, so an old run's event attested over a newer one's is seen
    // as the replay it is (docs/evidence.md "Which report counts"), as a JUnit timestamp is.
    const ranAt = statedTime(context.timestamp);
    const data: TestSummary = {
      kind: 'tests',
      suite: name,
      tests: failed + errored,
      passed: 0,
      failed: outcome === 'failure' ? 1 : 0,
      errored: outcome === 'error' || outcome === 'cancel' ? 1 : 0,
      skipped: 0,
      failures:
        failed + errored > 0 ? [{ name: failedName, kind: outcome === 'failure' ? 'failure' : 'error' }] : [],
      failuresOmitted: 0,
      ...(ranAt === undefined ? {} : { ranAt }),
    };
    const environment =
      isJsonObject(content.environment) && typeof content.environment.id === 'string'
        ? content.environment.id
        : undefined;
    return {
      format: 'cdevents',
      data,
      type,
      ...(environment ? { environment } : {}),
      ...(named === undefined ? {} : { namedSuite: named }),
    };
  }
  if (noun === 'artifact' && verb === 'signed') {
    const id = typeof subject.id === 'string' ? subject.id : '';
    if (purlVersion(id) !== digest) {
      throw new TollgateError(
        'EVIDENCE_SUBJECT_MISMATCH',
        `${file}: artifact.signed is about ${id || '(no subject.id)'}, not ${digest}`,
      );
    }
    if (typeof content.signature !== 'string' || content.signature === '') {
      throw new TollgateError('EVIDENCE_INVALID', `${file}: artifact.signed needs subject.content.signature`);
    }
    return {
      format: 'cdevents',
      data: { kind: 'opaque', predicateType: 'https://cdevents.dev/artifact.signed' },
      type,
    };
  }
  throw new TollgateError(
    'EVIDENCE_INVALID',
    `${file}: ${type} carries no evidence Tollgate reads (it reads testsuiterun.finished and artifact.signed)`,
  );
}
