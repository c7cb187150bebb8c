/**
 * Shared input handling for the JSON evidence parsers: size limit and shape errors that name the
 * file and the JSON path of the offending value (JSON syntax errors with line and column are
 * src/text/json-text.ts's).
 */
import { inputError, TollgateError } from '../errors.js';
import { isJsonObject } from '../text/json-text.js';
import { formatBytes } from '../text/size.js';

/** Default largest evidence file accepted: 256 MiB (`--max-evidence-bytes` / config may change it). */
export const DEFAULT_MAX_EVIDENCE_BYTES = 256 * 1024 * 1024;

/** Options shared by every evidence reader. */
export interface EvidenceInputOptions {
  /** Largest input accepted, in bytes. Default {@link DEFAULT_MAX_EVIDENCE_BYTES}. */
  maxBytes?: number;
}

/**
 * Refuses an input larger than the limit before it is parsed, so a huge file never reaches memory
 * twice. @example assertEvidenceSize(stat.size, 'bom.json')
 */
export function assertEvidenceSize(size: number, file: string, maxBytes = DEFAULT_MAX_EVIDENCE_BYTES): void {
  if (size > maxBytes) {
    throw new TollgateError(
      'EVIDENCE_TOO_LARGE',
      `${file}: evidence file is ${formatBytes(size)}, over the limit of ${formatBytes(maxBytes)}; raise the limit (--max-evidence-bytes, where the command has it) or split the file`,
      { position: { file } },
    );
  }
}

export type JsonObject = Record<string, unknown>;

/** What a value is, in words, for "expected X, found Y" messages. */
export function describeJson(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

/** A wrong-shape error: "file: at components[3].name: expected a string, found number 3". */
export function shapeError(
  file: string,
  path: string,
  expected: string,
  found: unknown,
  what?: string,
): TollgateError {
  const where = path === '' ? '' : `at ${path}: `;
  const prefix = what ? `not a valid ${what}: ` : '';
  return inputError(
    'EVIDENCE_INVALID',
    { file },
    `${prefix}${where}expected ${expected}, found ${describeJson(found)}`,
  );
}

/**
 * Small typed readers over parsed JSON, each naming the path of a wrong value. They are lenient
 * about absent optional fields and strict about present fields of the wrong type.
 */
export class JsonReader {
  constructor(
    readonly file: string,
    readonly what: string,
  ) {}

  object(value: unknown, path: string): JsonObject {
    if (!isJsonObject(value)) throw shapeError(this.file, path, 'an object', value, this.what);
    return value;
  }

  array(value: unknown, path: string): unknown[] {
    if (!Array.isArray(value)) throw shapeError(this.file, path, 'an array', value, this.what);
    return value;
  }

  /** An optional array: absent or null gives []. */
  optArray(value: unknown, path: string): unknown[] {
    if (value === undefined || value === null) return [];
    return this.array(value, path);
  }

  string(value: unknown, path: string): string {
    if (typeof value !== 'string') throw shapeError(this.file, path, 'a string', value, this.what);
    return value;
  }

  /** An optional string: absent, null or empty gives undefined. */
  optString(value: unknown, path: string): string | undefined {
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value === 'number') return String(value);
    return this.string(value, path);
  }

  optObject(value: unknown, path: string): JsonObject | undefined {
    if (value === undefined || value === null) return undefined;
    return this.object(value, path);
  }
}

/** What a vulnerability scan looks like, for the message that refuses something else. */
export const SCAN_SHAPES =
  'a scan is CycloneDX with a "vulnerabilities" array (VEX/VDR, `grype -o cyclonedx-json`), SARIF 2.1.0 ' +
  'with at least one run of a tool and its "results" array, Grype JSON with "matches", or Trivy JSON ' +
  'with "Results" from its vulnerability scanner';

/**
 * Refuses a document that has the right format but records no vulnerability scan (a plain SBOM, a
 * SARIF log with no run, a Trivy report of secrets only): read as a scan it would say "0 critical"
 * about something nobody scanned.
 * @example throw notAScan('bom.json', 'this CycloneDX document has no "vulnerabilities" key')
 */
export function notAScan(file: string, why: string): TollgateError {
  return inputError('EVIDENCE_INVALID', { file }, `not a vulnerability scan: ${why}; ${SCAN_SHAPES}`);
}
