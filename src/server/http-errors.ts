/**
 * One JSON error shape for every failure the server answers: `{ error: { code, message } }`, with
 * the stable codes of src/errors.ts and the HTTP status each code means. The CLI's one catch maps
 * the same codes to exit codes (src/cli/main.ts); a remote CLI maps them back.
 */
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { type ErrorCode, TollgateError } from '../errors.js';

/** The HTTP status of each error code. */
export const STATUS_OF: Readonly<Record<ErrorCode, ContentfulStatusCode>> = {
  USAGE: 400,
  NAME_INVALID: 400,
  DIGEST_INVALID: 400,
  FILE_UNREADABLE: 400,
  UNAUTHENTICATED: 401,
  NOT_ALLOWED: 403,
  CLOCK_SET: 403,
  NOT_FOUND: 404,
  CONTRACT_NOT_FOUND: 404,
  ARTIFACT_NOT_FOUND: 404,
  IMAGE_NOT_FOUND: 404,
  STAGE_UNKNOWN: 404,
  ARTIFACT_LABEL_CONFLICT: 409,
  // A sha512 the caller gave (not read by Tollgate) that would attach a digest to a known artifact.
  ARTIFACT_DIGEST_CONFLICT: 409,
  // An approval of a digest with look-alikes the approver has not confirmed by their full digests.
  LOOKALIKE_UNCONFIRMED: 409,
  PROMOTION_BLOCKED: 409,
  CONTRACT_CHANGED: 409,
  CLOCK_BACKWARDS: 409,
  ROLLBACK_NO_TARGET: 409,
  TAG_MOVED: 409,
  EVIDENCE_TOO_LARGE: 413,
  BODY_TOO_LARGE: 413,
  MEDIA_TYPE_UNSUPPORTED: 415,
  CONTRACT_INVALID: 422,
  // A pipeline's config files, metrics source or keys: its own to fix, not a fault of the server.
  CONFIG_INVALID: 422,
  EVIDENCE_INVALID: 422,
  CHECKPOINT_INVALID: 422,
  EVIDENCE_SUBJECT_MISMATCH: 422,
  SIGNATURE_INVALID: 422,
  KEY_UNSUPPORTED: 422,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  LEDGER_CORRUPT: 500,
  INTERNAL: 500,
  METRICS_INVALID: 502,
  REGISTRY_DENIED: 502,
  REGISTRY_INVALID: 502,
  REGISTRY_UNAVAILABLE: 503,
  METRICS_UNAVAILABLE: 503,
  STORE_UNAVAILABLE: 503,
};

/** The body of every error answer. */
export interface ErrorBody {
  /** `line` and `column` locate the problem in a contract or config file (CONTRACT_INVALID, CONFIG_INVALID), when known. */
  error: { code: ErrorCode; message: string; line?: number; column?: number };
}

/** USAGE for a request a route's schema refuses: which field, and what was expected (five at most). */
export function requestInvalid(
  target: string,
  error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> },
): TollgateError {
  const issues = error.issues.slice(0, 5).map((issue) => {
    const where = [target, ...issue.path.map(String)].join('.');
    return `${where}: ${issue.message}`;
  });
  return new TollgateError('USAGE', `the request is not valid: ${issues.join('; ')}`);
}

/** Codes hono's own middleware raises (body limits, malformed JSON, media types), as ours. */
function codeOfHttpStatus(status: number): ErrorCode {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'NOT_ALLOWED';
  if (status === 404) return 'NOT_FOUND';
  if (status === 413) return 'BODY_TOO_LARGE';
  if (status === 415) return 'MEDIA_TYPE_UNSUPPORTED';
  if (status === 429) return 'RATE_LIMITED';
  if (status >= 500) return 'INTERNAL';
  return 'USAGE';
}

/**
 * USAGE for a request body that ended before it was whole (the client closed the connection short
 * of its Content-Length, or mid-chunk): the caller's doing, not a fault of the server to report.
 * Nothing was stored: every write reads its body whole before it stores.
 */
export function cutShortBody(declaredLength: string | undefined, cause?: unknown): TollgateError {
  const expected =
    declaredLength === undefined ? 'its end' : `the ${declaredLength} bytes its Content-Length declares`;
  return new TollgateError(
    'USAGE',
    `the request body ended early: the connection closed before ${expected} came; nothing was stored, send the whole body again`,
    cause === undefined ? undefined : { cause },
  );
}

/** {@link cutShortBody} for Node's `aborted` error (what reading a body cut short throws); anything else as it was. */
export function asCutShortBody(error: unknown, declaredLength: string | undefined): unknown {
  if (!(error instanceof Error) || error.message !== 'aborted') return error;
  if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') return error;
  return cutShortBody(declaredLength, error);
}

/**
 * True when `error`'s message is not for this caller: an outage of the database or the OpenID
 * provider names where they are (host, port, user, database, the driver's own words), which a
 * caller the server has not authenticated has no business learning. The server logs it instead.
 */
export function withheldFrom(error: unknown, authenticated: boolean): boolean {
  return !authenticated && error instanceof TollgateError && error.code === 'STORE_UNAVAILABLE';
}

/**
 * The status and body for anything thrown while answering. Unexpected errors answer INTERNAL
 * without their message (it may name server paths or SQL); the caller logs them in full. So do
 * outages answered to a caller the server has not authenticated (see `withheldFrom`).
 */
export function toErrorAnswer(
  error: unknown,
  authenticated = true,
): { status: ContentfulStatusCode; body: ErrorBody } {
  if (withheldFrom(error, authenticated)) {
    const message = 'a service this server needs is unavailable; the server logged why with this request id';
    return { status: 503, body: { error: { code: 'STORE_UNAVAILABLE', message } } };
  }
  if (error instanceof TollgateError) {
    // A contract's or config file's problem is located for the caller (its message names the place too).
    const located = error.code === 'CONTRACT_INVALID' || error.code === 'CONFIG_INVALID';
    const { line, column } = located ? (error.position ?? {}) : {};
    const where = { ...(line === undefined ? {} : { line }), ...(column === undefined ? {} : { column }) };
    return {
      status: STATUS_OF[error.code],
      body: { error: { code: error.code, message: error.message, ...where } },
    };
  }
  if (error instanceof HTTPException) {
    const code = codeOfHttpStatus(error.status);
    // The route's validator refuses a body of another media type; every such route takes JSON.
    const message =
      error.message === 'Malformed JSON in request body'
        ? 'the request body is not valid JSON'
        : error.status === 415
          ? 'this route takes a JSON body: send it with Content-Type: application/json'
          : error.message || `HTTP ${error.status}`;
    return { status: STATUS_OF[code], body: { error: { code, message } } };
  }
  return {
    status: 500,
    body: {
      error: { code: 'INTERNAL', message: 'internal error; the server logged it with this request id' },
    },
  };
}
