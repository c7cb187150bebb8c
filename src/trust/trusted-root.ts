/**
 * Sigstore trusted roots (Fulcio CAs, Rekor and CT log keys, timestamp authorities). Tollgate never
 * fetches one: the public-good root ships as a snapshot, and a contract may name its own file.
 */
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { TollgateError } from '../errors.js';
import { isJsonObject as isObject, parseJsonText } from '../text/json-text.js';
import publicGoodRootJson from './public-good-trusted-root.json' with { type: 'json' };
import { readTrustFileText } from './read-input.js';

/**
 * Where the shipped snapshot came from (sigstore-python's embedded copy of the public-good TUF
 * target `trusted_root.json`). Replace the JSON file to refresh it; see docs/trust.md.
 */
export const PUBLIC_GOOD_ROOT_SOURCE =
  'sigstore/sigstore-python@27db13db157e sigstore/_store/https%3A%2F%2Ftuf-repo-cdn.sigstore.dev/trusted_root.json';

const MEDIA_TYPE_PREFIX = 'application/vnd.dev.sigstore.trustedroot';

/** Turns trusted-root JSON into the protobuf-specs object @sigstore/verify expects. */
export function toTrustedRoot(value: unknown, source: string): TrustedRoot {
  if (
    !isObject(value) ||
    typeof value.mediaType !== 'string' ||
    !value.mediaType.startsWith(MEDIA_TYPE_PREFIX)
  ) {
    throw new TollgateError(
      'CONFIG_INVALID',
      `${source}: not a Sigstore trusted root: expected "mediaType": "${MEDIA_TYPE_PREFIX}+json;version=0.1"`,
    );
  }
  checkValidityPeriods(value, source);
  try {
    return TrustedRoot.fromJSON(value);
  } catch (cause) {
    throw new TollgateError(
      'CONFIG_INVALID',
      `${source}: invalid Sigstore trusted root (${(cause as Error).message})`,
      {
        cause,
      },
    );
  }
}

/**
 * Every `validFor` in a trusted root must have a `start` (protobuf-specs TimeRange: start is
 * required, end optional). @sigstore/verify reads a missing start as the beginning of time, which
 * would make a key trusted for signatures older than the key itself: such a root is malformed.
 */
function checkValidityPeriods(root: Record<string, unknown>, source: string): void {
  const lists: Array<[string, string]> = [
    ['tlogs', 'publicKey'],
    ['ctlogs', 'publicKey'],
    ['certificateAuthorities', ''],
    ['timestampAuthorities', ''],
  ];
  for (const [list, inner] of lists) {
    const items = root[list];
    if (items === undefined) continue;
    if (!Array.isArray(items)) {
      throw new TollgateError(
        'CONFIG_INVALID',
        `${source}: malformed Sigstore trusted root: ${list} must be a list`,
      );
    }
    items.forEach((item, index) => {
      const holder = inner === '' ? item : isObject(item) ? item[inner] : undefined;
      const where = `${list}[${index}]${inner ? `.${inner}` : ''}.validFor`;
      if (!isObject(holder) || holder.validFor === undefined) return;
      const validFor = holder.validFor;
      if (!isObject(validFor) || typeof validFor.start !== 'string' || validFor.start === '') {
        throw new TollgateError(
          'CONFIG_INVALID',
          `${source}: malformed Sigstore trusted root: ${where} has no start (a validity period must say when the key became valid)`,
        );
      }
    });
  }
}

let publicGood: TrustedRoot | undefined;

/** The Sigstore public-good trusted root snapshot shipped with Tollgate. */
export function publicGoodTrustedRoot(): TrustedRoot {
  publicGood ??= toTrustedRoot(publicGoodRootJson, 'public-good trusted root snapshot');
  return publicGood;
}

/** Reads a trusted root file, or returns the shipped public-good snapshot when `path` is undefined. */
export function readTrustedRoot(path?: string): TrustedRoot {
  if (path === undefined) return publicGoodTrustedRoot();
  return toTrustedRoot(parseJsonText(readTrustFileText(path, 'trusted root'), path), path);
}
