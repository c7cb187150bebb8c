import { TollgateError } from '../errors.js';

const STANDARD = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_SAFE = /^[A-Za-z0-9_-]*={0,2}$/;

/**
 * Decodes standard or URL-safe base64 (padded or not) strictly. Node's own decoder skips bad
 * characters and ignores a truncated tail; a signature check must not run on bytes that differ
 * from what was sent, so anything that does not re-encode to the same text is refused.
 * @example decodeBase64Strict('aGk=', 'payload') // <Buffer 68 69>
 */
export function decodeBase64Strict(text: string, what: string): Buffer {
  const urlSafe = !STANDARD.test(text);
  if (urlSafe && !URL_SAFE.test(text)) {
    throw new TollgateError(
      'EVIDENCE_INVALID',
      `${what} is not base64: it contains characters outside the base64 alphabet`,
    );
  }
  const body = text.replace(/=+$/, '');
  const padded = text.length !== body.length;
  if (body.length % 4 === 1 || (padded && text.length % 4 !== 0)) {
    throw new TollgateError(
      'EVIDENCE_INVALID',
      `${what} is truncated base64: ${text.length} characters cannot encode whole bytes`,
    );
  }
  const bytes = Buffer.from(body, urlSafe ? 'base64url' : 'base64');
  const again = bytes.toString(urlSafe ? 'base64url' : 'base64').replace(/=+$/, '');
  if (again !== body) {
    throw new TollgateError(
      'EVIDENCE_INVALID',
      `${what} is truncated or corrupted base64: its last characters carry bits that do not form a byte`,
    );
  }
  return bytes;
}
