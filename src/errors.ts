/**
 * One error family for bad input and broken infrastructure. A blocked promotion is never an
 * error: it is a Decision. Each error carries a stable code; the CLI maps codes to exit codes in
 * one place (src/cli/main.ts) and the server maps them to `{ error: { code, message } }`.
 */
export type ErrorCode =
  | 'USAGE'
  | 'CONTRACT_INVALID'
  | 'CONTRACT_NOT_FOUND'
  | 'DIGEST_INVALID'
  | 'ARTIFACT_NOT_FOUND'
  | 'ARTIFACT_LABEL_CONFLICT'
  | 'EVIDENCE_INVALID'
  | 'EVIDENCE_SUBJECT_MISMATCH'
  | 'EVIDENCE_TOO_LARGE'
  | 'FILE_UNREADABLE'
  | 'SIGNATURE_INVALID'
  | 'KEY_UNSUPPORTED'
  | 'CONFIG_INVALID'
  | 'STAGE_UNKNOWN'
  | 'NOT_ALLOWED'
  | 'PROMOTION_BLOCKED'
  | 'ROLLBACK_NO_TARGET'
  | 'METRICS_UNAVAILABLE'
  | 'METRICS_INVALID'
  | 'LEDGER_CORRUPT'
  | 'STORE_UNAVAILABLE'
  | 'INTERNAL';

/** Exit codes, documented in docs/cli.md: 0 allowed, 1 blocked, 2 pending, 3 usage or input, 4 infrastructure. */
export const EXIT = { allowed: 0, blocked: 1, pending: 2, input: 3, infrastructure: 4 } as const;

const INFRASTRUCTURE: ReadonlySet<ErrorCode> = new Set([
  'STORE_UNAVAILABLE',
  'METRICS_UNAVAILABLE',
  'LEDGER_CORRUPT',
  'INTERNAL',
]);

export interface SourcePosition {
  file: string;
  line?: number;
  column?: number;
}

export class TollgateError extends Error {
  readonly code: ErrorCode;
  readonly position: SourcePosition | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; position?: SourcePosition } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TollgateError';
    this.code = code;
    this.position = options.position;
  }

  /** The process exit code for this error: 4 for infrastructure, 3 for everything the user can fix. */
  get exitCode(): number {
    return INFRASTRUCTURE.has(this.code) ? EXIT.infrastructure : EXIT.input;
  }
}

/** Formats `file:line:column` for messages; parts that are unknown are left out. */
export function formatPosition(position: SourcePosition): string {
  let text = position.file;
  if (position.line !== undefined) text += `:${position.line}`;
  if (position.line !== undefined && position.column !== undefined) text += `:${position.column}`;
  return text;
}

/** Builds an input error located in a file: "file:line:col: message". */
export function inputError(code: ErrorCode, position: SourcePosition, message: string, cause?: unknown) {
  return new TollgateError(code, `${formatPosition(position)}: ${message}`, { position, cause });
}
