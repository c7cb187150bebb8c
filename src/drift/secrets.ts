/**
 * Which drift values are never printed, decided by the one secret detector
 * (`src/text/secret-detector.ts`). A value is secret when:
 * - the Kubernetes kind or a map above it names secrets all the way down (`Secret`, `secrets:`,
 *   `credentials:`, `apiKeys:`);
 * - its own name is a secret key (`db_pass`, `PASSWORDS`, `jwt`, `auth_header`, `id_rsa`…), unless
 *   the name only describes a secret (`password_min_length`, `token_ttl`, `secret_name`);
 * - it holds a secret whatever its key (a token format, a PEM private key, a JWT, a URL with a
 *   password, a secret query parameter, `Password=` in a connection string), or a map inside it has
 *   a secret key;
 * - it follows an option named like a secret in a list (`args: [--password, hunter2]`), or the list
 *   read as one command line holds a password (`[mysql, -uroot, -phunter2]`, `[sshpass, -p, pw]`);
 * - it looks random (key material) under a suspicious name (`/auth/client`, `webhook`, `nonce`).
 * Booleans and null are never secret: they carry no credential, and `password_required: true` reads
 * better shown. Reports show a secret value as a keyed hash (`src/text/secret-hash.ts`).
 */
import {
  isSecretContainer,
  isSecretKey,
  isSuspiciousKey,
  looksRandom,
  maskSecretsInText,
  secretInValue,
  secretKeyVerdict,
  secretListItems,
  secretOptionName,
} from '../text/secret-detector.js';
import { namePath } from './names.js';
import { escapeSegment, unescapeSegment } from './pointer.js';
import type { ConfigValue } from './types.js';

/** What a path's names say about the value there. */
export type PathSecrecy = 'secret' | 'suspicious' | 'plain';

/** The names on `path` (the Kubernetes kind, maps above, the value's own name), judged. */
export function pathSecrecy(path: string): PathSecrecy {
  const named = namePath(path);
  if (named.kind !== undefined && isSecretContainer(named.kind)) return 'secret';
  if (named.ancestors.some(isSecretContainer)) return 'secret';
  if (isSecretKey(named.leaf)) return 'secret';
  if (isSuspiciousKey(named.leaf) || named.ancestors.some(isSuspiciousKey)) return 'suspicious';
  return 'plain';
}

/** True when the value at `path` must not be printed because of its names alone. */
export function isSecretPath(path: string): boolean {
  return pathSecrecy(path) === 'secret';
}

/**
 * True when `value` at a path of `secrecy` must not be printed: a string holding a secret, a random
 * string under a suspicious name, a non-boolean under a secret name, or a map or list holding any
 * of these (its keys judged as names).
 */
export function holdsSecret(
  value: ConfigValue | undefined,
  secrecy: PathSecrecy = 'plain',
  depth = 0,
): boolean {
  if (value === undefined || value === null || typeof value === 'boolean') return false;
  if (depth > 64) return true;
  if (typeof value === 'number') return secrecy === 'secret';
  if (typeof value === 'string') {
    if (secrecy === 'secret') return true;
    if (secretInValue(value) !== undefined) return true;
    return secrecy === 'suspicious' && looksRandom(value);
  }
  // `[--password, hunter2]`: an option named like a secret makes the next item its value.
  // `[mysql, -uroot, -phunter2]`: the list read as one command line holds a password.
  if (Array.isArray(value))
    return (
      secretListItems(value).size > 0 ||
      value.some(
        (item, index) =>
          holdsSecret(item, secrecy, depth + 1) ||
          (secretOptionName(value[index - 1]) !== undefined && holdsSecret(item, 'secret', depth + 1)),
      )
    );
  // A name/value pair (`{name: DB_PASSWORD, value: …}`, `{key: API_TOKEN, value: …}`): the value is
  // named by its sibling, as in a Kubernetes `env` list compared by position.
  const named = pairName(value);
  for (const [key, item] of Object.entries(value)) {
    let below = secrecyBelow(secrecy, key);
    if (named !== undefined && key === 'value') below = stricter(below, secrecyBelow(below, named));
    if (holdsSecret(item, below, depth + 1)) return true;
  }
  return false;
}

/** The `name` (else `key`) text of a map, which names its `value` in a name/value list. */
export function pairName(value: ConfigValue | undefined): string | undefined {
  if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value))
    return undefined;
  if (typeof value.name === 'string') return value.name;
  return typeof value.key === 'string' ? value.key : undefined;
}

const RANK: Record<PathSecrecy, number> = { plain: 0, suspicious: 1, secret: 2 };

function stricter(a: PathSecrecy, b: PathSecrecy): PathSecrecy {
  return RANK[a] >= RANK[b] ? a : b;
}

function secrecyBelow(above: PathSecrecy, key: string): PathSecrecy {
  if (above === 'secret' || isSecretContainer(key)) return 'secret';
  const verdict = secretKeyVerdict(key);
  if (verdict === 'secret') return 'secret';
  if (above === 'suspicious' || verdict === 'describes-secret' || isSuspiciousKey(key)) return 'suspicious';
  return 'plain';
}

/**
 * `path` with any segment that holds a secret masked (`/tokens/ghp_…` → `/tokens/***`): a map keyed
 * by a token or a URL with a password would otherwise print the secret in the path itself.
 */
export function maskPathSecrets(path: string): string {
  const start = path.startsWith('flagd:') ? 6 : path.startsWith('k8s:') ? 4 : 0;
  let changed = false;
  const segments = path
    .slice(start)
    .split('/')
    .map((segment) => {
      const plain = unescapeSegment(segment);
      const masked = maskSecretsInText(plain);
      if (masked === plain) return segment;
      changed = true;
      return escapeSegment(masked);
    });
  return changed ? path.slice(0, start) + segments.join('/') : path;
}

/**
 * True when the difference at `path` between `before` and `after` must be shown as hashes only.
 * `siblingNames`: the `name`/`key` beside a `value` whose path does not carry them (`/env/3/value`,
 * in a list compared by position), or the secret option an item follows (`--password` before
 * `/args/4`).
 */
export function isSecretDifference(
  path: string,
  before: ConfigValue | undefined,
  after: ConfigValue | undefined,
  siblingNames: readonly string[] = [],
): boolean {
  let secrecy = pathSecrecy(path);
  for (const name of siblingNames) secrecy = stricter(secrecy, secrecyBelow('plain', name));
  return holdsSecret(before, secrecy) || holdsSecret(after, secrecy);
}
