/**
 * One error family for bad input and broken infrastructure. A blocked promotion is never an
 * error: it is a Decision. Each error carries a stable code; the CLI maps codes to exit codes in
 * one place (src/cli/main.ts) and the server maps them to `{ error: { code, message } }`.
 */
import { maskSecretsInText } from './text/secret-detector.js';

export type ErrorCode =
  | 'USAGE'
  | 'CONTRACT_INVALID'
  | 'CONTRACT_NOT_FOUND'
  | 'DIGEST_INVALID'
  | 'ARTIFACT_NOT_FOUND'
  | 'ARTIFACT_LABEL_CONFLICT'
  | 'ARTIFACT_DIGEST_CONFLICT'
  | 'LOOKALIKE_UNCONFIRMED'
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
  | 'CLOCK_SET'
  | 'CLOCK_BACKWARDS'
  | 'CONTRACT_CHANGED'
  | 'NAME_INVALID'
  | 'ROLLBACK_NO_TARGET'
  | 'METRICS_UNAVAILABLE'
  | 'METRICS_INVALID'
  | 'LEDGER_CORRUPT'
  | 'CHECKPOINT_INVALID'
  | 'STORE_UNAVAILABLE'
  | 'IMAGE_NOT_FOUND'
  | 'TAG_MOVED'
  | 'REGISTRY_DENIED'
  | 'REGISTRY_UNAVAILABLE'
  | 'REGISTRY_INVALID'
  | 'UNAUTHENTICATED'
  | 'NOT_FOUND'
  | 'MEDIA_TYPE_UNSUPPORTED'
  | 'BODY_TOO_LARGE'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'RATE_LIMITED'
  | 'INTERNAL';

/** Exit codes, documented in docs/cli.md: 0 allowed, 1 blocked, 2 pending, 3 usage or input, 4 infrastructure. */
export const EXIT = { allowed: 0, blocked: 1, pending: 2, input: 3, infrastructure: 4 } as const;

const INFRASTRUCTURE: ReadonlySet<ErrorCode> = new Set([
  'STORE_UNAVAILABLE',
  'RATE_LIMITED',
  'METRICS_UNAVAILABLE',
  'LEDGER_CORRUPT',
  'REGISTRY_UNAVAILABLE',
  'REGISTRY_INVALID',
  'INTERNAL',
]);

export interface SourcePosition {
  file: string;
  line?: number;
  column?: number;
}

/**
 * A field of a use case's request (`artifact`, `reason`, …) named inside an error message. The
 * application layer words its errors in the domain; each shell names the field its own way (the
 * CLI as the flag that fills it, src/cli/flags.ts), so no use case speaks in CLI flags.
 */
export interface FieldRef {
  readonly field: string;
}

/**
 * A file a user named (`--key key`, a report, a config file), named inside an error message. It is
 * printed as given (masked on its own, should a path hold a token), and never read together with
 * the text around it as a secret: a file named `key` or `token` at the start of a message is not a
 * `key: …` header line whose value is a secret, so its reason stays readable.
 */
export interface FileRef {
  readonly file: string;
}

/** A message made of text, field references and file names. */
export type MessageParts = ReadonlyArray<string | FieldRef | FileRef>;

/** How fields read in the domain wording (`error.message`), where it differs from the field's name. */
const FIELD_WORDS: Readonly<Record<string, string>> = {
  artifact: 'the artifact digest',
  digest: 'the digest',
  override: 'an override',
  reason: 'a reason',
  result: 'the result',
  days: 'the number of days',
  comment: 'the comment',
  withdraw: 'a withdrawal',
  file: 'a file',
  details: 'the details file',
  suite: 'a suite name',
  now: 'a set clock',
  pipelines: 'pipeline',
  expiresIn: 'token lifetime',
};

/** Names the user's file `path` in a message built with {@link msg}. */
export function fileRef(path: string): FileRef {
  return { file: path };
}

/** References the request field `name` in a message built with {@link msg}. */
export function field(name: string): FieldRef {
  return { field: name };
}

/**
 * Builds a message with field references: interpolated strings and numbers stay text (so a value a
 * user typed can never be mistaken for a field), `field()` values stay references.
 * @example msg`${field('result')} "${value}": expected passed or failed`
 */
export function msg(
  strings: TemplateStringsArray,
  ...values: Array<string | number | FieldRef | FileRef>
): MessageParts {
  const parts: Array<string | FieldRef | FileRef> = [];
  strings.forEach((text, i) => {
    if (text !== '') parts.push(text);
    if (i < values.length) {
      const value = values[i]!;
      parts.push(typeof value === 'object' ? value : String(value));
    }
  });
  return parts;
}

const FILE_MARK = '\uE000';
const FILE_MARK_END = '\uE001';
const FILE_MARKS = /\uE000(\d+)\uE001/g;

/**
 * Renders message parts, naming each field with `name` (default: its domain wording). Secrets a
 * message quotes (a URL's password, a token, `Password=` in a connection string) are masked by the
 * one secret detector, whatever code built the message.
 */
export function renderMessage(
  parts: MessageParts,
  name: (field: string) => string | undefined = () => undefined,
): string {
  // File names stand aside while the text is masked (a private-use mark holds each one's place),
  // then each is put back masked on its own. Text that holds the mark itself is read whole.
  const aside = !parts.some((part) => typeof part === 'string' && part.includes(FILE_MARK));
  const files: string[] = [];
  const masked = maskSecretsInText(
    parts
      .map((part) => {
        if (typeof part === 'string') return part;
        if ('file' in part)
          return aside ? `${FILE_MARK}${files.push(part.file) - 1}${FILE_MARK_END}` : part.file;
        return name(part.field) ?? FIELD_WORDS[part.field] ?? part.field;
      })
      .join(''),
  );
  if (files.length === 0) return masked;
  return masked.replace(FILE_MARKS, (_, index: string) => maskSecretsInText(files[Number(index)] ?? ''));
}

/** Marks every TollgateError, whichever copy of this module made it (see `Symbol.hasInstance` below). */
const TOLLGATE_ERROR = Symbol.for('tollgate.TollgateError');

export class TollgateError extends Error {
  /**
   * `instanceof TollgateError` holds for an error made by any copy of this class: the CLI's bundles
   * (the shell and the core it loads on demand, the server's) and the library's ESM and CommonJS
   * builds each carry one, and an error crossing from one to another must keep its code and exit code.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // A subclass (RateLimited, …) is matched by its own prototype chain, as usual.
    // biome-ignore lint/complexity/noThisInStatic: the class instanceof was asked about, which may be a subclass
    if (this !== TollgateError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && TOLLGATE_ERROR in value;
  }

  readonly [TOLLGATE_ERROR] = true;
  readonly code: ErrorCode;
  readonly position: SourcePosition | undefined;
  /** The message with its field references, for shells that name fields their own way. */
  readonly parts: MessageParts;

  constructor(
    code: ErrorCode,
    message: string | MessageParts,
    options: { cause?: unknown; position?: SourcePosition } = {},
  ) {
    const parts = typeof message === 'string' ? withFileNamed(message, options.position) : message;
    super(renderMessage(parts), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TollgateError';
    this.code = code;
    this.position = options.position;
    this.parts = parts;
  }

  /** The message with each field named by `name` (the CLI passes its flag names). */
  describe(name: (field: string) => string | undefined): string {
    return renderMessage(this.parts, name);
  }

  /** The process exit code for this error: 4 for infrastructure, 3 for everything the user can fix. */
  get exitCode(): number {
    return INFRASTRUCTURE.has(this.code) ? EXIT.infrastructure : EXIT.input;
  }
}

/**
 * A message that starts with the file it is located in (`key: cannot read …`, `key:3: …`), with
 * that file name marked as one: the usual shape of an error about a file.
 */
function withFileNamed(message: string, position: SourcePosition | undefined): MessageParts {
  const file = position?.file;
  if (!file || !message.startsWith(file) || !/^[:\s]/.test(message.slice(file.length))) return [message];
  return [fileRef(file), message.slice(file.length)];
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

/** Why a file could not be read, in words, for the errno codes a user can act on. */
const READ_FAILURES: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'too many symbolic links',
};

/**
 * The one error for a file the user named that cannot be read (opened, stat'ed or read):
 * `PATH: cannot read WHAT: REASON`, the reason in words (`no such file or directory`,
 * `permission denied`…), located in the file.
 * @param what what the file is for, in the message (default `the file`: `the key file`, `the contract`)
 * @param hint what to do, after the reason
 * @example unreadableFile('key', enoent, { what: 'the key file' }).message // 'key: cannot read the key file: no such file or directory'
 */
export function unreadableFile(
  path: string,
  cause: unknown,
  options: { code?: ErrorCode; what?: string; hint?: string } = {},
): TollgateError {
  const errno = (cause as NodeJS.ErrnoException | undefined)?.code;
  const reason =
    (errno !== undefined ? READ_FAILURES[errno] : undefined) ??
    String((cause as Error | undefined)?.message ?? cause);
  return new TollgateError(
    options.code ?? 'FILE_UNREADABLE',
    msg`${fileRef(path)}: cannot read ${options.what ?? 'the file'}: ${reason}${options.hint ? `; ${options.hint}` : ''}`,
    { cause, position: { file: path } },
  );
}
