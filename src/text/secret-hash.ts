/**
 * How a secret value is shown: `hmac:` and the first 12 hex digits of HMAC-SHA256 over the value's
 * JSON, keyed per run. Two equal values in one report (or one decision, or one stored promotion)
 * show the same mark, so "changed" and "unchanged" stay visible; a plain hash of a short password
 * could be looked up in a dictionary, a keyed one cannot without the key.
 *
 * The key is 32 random bytes made for each run and never written anywhere, unless
 * `TOLLGATE_SECRET_HASH_KEY` is set (keep it in the CI's secret store, not beside the ledger): then
 * marks are stable across runs and stored promotions, and "did the prod password change since the
 * last promotion" can be answered by comparing them.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { TollgateError } from '../errors.js';

/** Turns a secret value into the mark reports show instead of it. */
export type SecretHasher = (value: unknown) => string;

/** The environment variable holding a stable key (at least 16 characters). */
export const SECRET_HASH_KEY_ENV = 'TOLLGATE_SECRET_HASH_KEY';

/**
 * A hasher keyed with `key`, or with fresh random bytes when `key` is undefined.
 * @throws TollgateError USAGE when `key` is shorter than 16 characters
 * @example createSecretHasher()('hunter2') // 'hmac:3f0c…' (differs every run)
 */
export function createSecretHasher(key?: string): SecretHasher {
  if (key !== undefined && key.length < 16) {
    throw new TollgateError(
      'USAGE',
      `${SECRET_HASH_KEY_ENV} must be at least 16 characters (it keys the marks shown for secret values); it has ${key.length}`,
    );
  }
  const material = key === undefined ? randomBytes(32) : Buffer.from(key, 'utf8');
  return (value) =>
    `hmac:${createHmac('sha256', material)
      .update(JSON.stringify(value) ?? 'undefined')
      .digest('hex')
      .slice(0, 12)}`;
}

/** The hasher an environment asks for: keyed by `TOLLGATE_SECRET_HASH_KEY` when set and not empty. */
export function secretHasherFrom(env: Readonly<Record<string, string | undefined>>): SecretHasher {
  const key = env[SECRET_HASH_KEY_ENV];
  return createSecretHasher(key === undefined || key === '' ? undefined : key);
}
