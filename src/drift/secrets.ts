/**
 * Secret-looking values are never printed. A value is secret when any name on its path (the
 * Kubernetes kind included, resource names excluded) or any key inside it has a word such as
 * password, secret, token, credential or key, or when it is a URL with a password in it. Reports
 * show such a value as a short hash: enough to see that it changed, not to read it. A short hash of
 * a weak password can still be guessed offline, so keep secrets out of config files anyway.
 */
import { createHash } from 'node:crypto';
import { namePath, wordsOf } from './names.js';
import type { ConfigValue } from './types.js';

const SECRET_WORDS = new Set([
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'secret',
  'secrets',
  'token',
  'tokens',
  'credential',
  'credentials',
  'creds',
  'key',
  'keys',
  'apikey',
  'privatekey',
  'cookie',
  'salt',
  'signature',
]);

const URL_WITH_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i;

/** True when a segment's words include a secret-looking word. */
export function isSecretName(segment: string): boolean {
  return wordsOf(segment).some((word) => SECRET_WORDS.has(word));
}

/** True when the value at `path` must not be printed. */
export function isSecretPath(path: string): boolean {
  const named = namePath(path);
  if (named.kind !== undefined && isSecretName(named.kind)) return true;
  // For an identity segment `name=DB_PASSWORD` only the identity says what the value is.
  return named.segments.some((segment) => {
    const equals = segment.indexOf('=');
    return isSecretName(equals > 0 ? segment.slice(equals + 1) : segment);
  });
}

/** True when the value itself holds a secret-looking key or a URL with a password. */
export function holdsSecret(value: ConfigValue | undefined, depth = 0): boolean {
  if (value === undefined || value === null || depth > 64) return false;
  if (typeof value === 'string') return URL_WITH_PASSWORD.test(value);
  if (typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((item) => holdsSecret(item, depth + 1));
  for (const [key, item] of Object.entries(value)) {
    if (isSecretName(key) || holdsSecret(item, depth + 1)) return true;
  }
  return false;
}

/** `sha256:` and the first 12 hex digits of the value's JSON: what reports show instead of a secret. */
export function shortHash(value: ConfigValue): string {
  return `sha256:${createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 12)}`;
}
