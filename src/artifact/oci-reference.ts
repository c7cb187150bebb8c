/**
 * Image references as Docker and Podman read them (distribution's reference grammar):
 * `[REGISTRY/]REPOSITORY[:TAG][@DIGEST]`. The first component is a registry when it holds a "."
 * or a ":" or is `localhost`; otherwise the image is on Docker Hub (`docker.io`, `library/` for a
 * one-word name).
 */
import { type FieldRef, msg, TollgateError } from '../errors.js';
import { assertDigest, type Digest, isDigest } from './digest.js';

export interface ImageReference {
  /** The registry as written (`docker.io` for Docker Hub), lower-cased. */
  registry: string;
  /** The repository path inside the registry, e.g. `shop/checkout` or `library/alpine`. */
  repository: string;
  tag?: string;
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const HOST =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::\d{1,5})?$/;

/** `text` with any `user:password@` before the registry shown as `***@`: a message never repeats a password. */
function withoutUserinfo(text: string): string {
  return text.replace(/^((?:[a-z][a-z0-9+.-]*:\/\/)?)[^/@]+@(?=[^@]*\/)/i, '$1***@');
}

function refuse(text: string, what: string): never {
  throw new TollgateError(
    'USAGE',
    `image "${withoutUserinfo(text)}": ${what} (expected REGISTRY/REPOSITORY:TAG or REGISTRY/REPOSITORY@sha256:…, e.g. registry.example.com/shop/checkout:1.4.2)`,
  );
}

/**
 * Checks that `value` is a digest an OCI image can be known by here: `sha256:<64 hex>`. The
 * registry's manifest digest is sha256, and Tollgate checks every manifest it reads by its sha256,
 * copies and publishes by it, and names referrer tags after it; a `sha512:` digest of an image
 * would be a second name for the same image that none of those parts can check, so it is refused
 * here, at the first step, instead of failing later with a misleading message.
 * @throws TollgateError DIGEST_INVALID naming `what`
 */
export function assertImageDigest(value: string, what: string | FieldRef): Digest {
  const digest = assertDigest(value, what);
  if (!digest.startsWith('sha256:'))
    throw new TollgateError(
      'DIGEST_INVALID',
      msg`${what} "${value}" is not a sha256 digest: an OCI image is known by its sha256 manifest digest, the one its registry computes, and Tollgate checks, copies and publishes images by it`,
    );
  return digest;
}

/**
 * Parses an image reference. A tag and a digest may both be given (`repo:tag@sha256:…`); then the
 * digest is what is meant and the tag is kept only as a name.
 * @example parseImageReference('registry.example.com/shop/checkout:1.4.2')
 */
export function parseImageReference(text: string): ImageReference {
  const input = text.trim();
  if (input === '') refuse(text, 'empty reference');
  if (/^[a-z]+:\/\//i.test(input)) refuse(text, 'a reference has no URL scheme');
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  // A digest never holds a "/": an "@" followed by a path is `user:password@registry/…`.
  if (at !== -1 && rest.slice(at + 1).includes('/'))
    refuse(
      text,
      'a reference carries no credentials (user:password@registry): log in with `docker login` or `podman login` instead',
    );
  if (at !== -1) {
    digest = assertImageDigest(rest.slice(at + 1), `image ${text}: digest`);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) refuse(text, `tag "${tag}" is not a valid tag`);
  }
  const parts = rest.split('/');
  let registry = 'docker.io';
  const first = parts[0] ?? '';
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    if (!HOST.test(first)) refuse(text, `"${first}" is not a registry host[:port]`);
    registry = first.toLowerCase();
    parts.shift();
  }
  if (parts.length === 0 || parts.some((part) => !COMPONENT.test(part))) {
    refuse(text, 'repository path components must be lower-case letters, digits and separators');
  }
  // Docker Hub's other names first, then its `library/` rule (distribution's normalisation order):
  // `index.docker.io/nginx` is `docker.io/library/nginx`, the image `nginx` names, not a second name.
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = 'docker.io';
  if (registry === 'docker.io' && parts.length === 1) parts.unshift('library');
  const repository = parts.join('/');
  if (repository.length > 255) refuse(text, 'repository name longer than 255 characters');
  return {
    registry,
    repository,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  };
}

/**
 * Checks a repository and a tag (or digest) before they go into a request path and a token scope:
 * a repository or tag read from anywhere but parseImageReference (a ledger entry, a caller of the
 * library) could otherwise hold `?`, `/..`, `:` or a space and ask for another path or scope.
 * @throws TollgateError REGISTRY_INVALID naming what is wrong
 */
export function assertRepositoryPath(repository: string, reference?: string): void {
  const parts = repository.split('/');
  if (repository.length > 255 || parts.some((part) => !COMPONENT.test(part))) {
    throw new TollgateError(
      'REGISTRY_INVALID',
      `repository name ${JSON.stringify(repository)} is not one (expected lower-case path components such as shop/checkout)`,
    );
  }
  if (reference !== undefined && !TAG.test(reference) && !isDigest(reference)) {
    throw new TollgateError(
      'REGISTRY_INVALID',
      `${repository}: ${JSON.stringify(reference)} is neither a tag nor a digest`,
    );
  }
}

/** `registry/repository`, the name without tag or digest. */
export function repositoryName(ref: Pick<ImageReference, 'registry' | 'repository'>): string {
  return `${ref.registry}/${ref.repository}`;
}

/** The reference written back: `registry/repository[:tag][@digest]`. */
export function formatImageReference(ref: ImageReference): string {
  return `${repositoryName(ref)}${ref.tag === undefined ? '' : `:${ref.tag}`}${ref.digest === undefined ? '' : `@${ref.digest}`}`;
}

/** The host the registry API answers on: Docker Hub's API is not at docker.io. */
export function registryApiHost(registry: string): string {
  return registry === 'docker.io' ? 'registry-1.docker.io' : registry;
}

/** True for registries on the loopback interface (localhost, 127.0.0.0/8, ::1), with or without a port. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = hostOf(registry);
  return host === 'localhost' || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/** The host part of `host[:port]` (brackets of an IPv6 literal removed). */
export function hostOf(registry: string): string {
  if (registry.startsWith('[')) return registry.slice(1, registry.indexOf(']'));
  const colon = registry.lastIndexOf(':');
  return colon === -1 ? registry : registry.slice(0, colon);
}
