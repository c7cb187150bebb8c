import { assertDigest } from '../artifact/digest.js';
import { assertImageDigest } from '../artifact/oci-reference.js';
import type { Artifact } from '../contract/types.js';
import { field, msg, TollgateError } from '../errors.js';
import { type ChainedEntry, ENTRY } from '../ledger/entry.js';
import type { LedgerTransaction } from '../ledger/ledger-store.js';
import { normaliseName } from '../policy/names.js';
import { emptyRecord, hasOwnKey } from '../records.js';
import { artifactNotRegistered } from './artifact-facts.js';
import { artifactByAnyDigest } from './artifact-identity.js';
import type { ImageRecord } from './image.js';
import { type AppRequest, assertRecordingClock, callerMarks } from './services.js';

export interface RegisterOptions {
  /** A file or directory to digest. */
  file?: string;
  /** A digest given directly (`sha256:…`). */
  digest?: string;
  /**
   * With a sha256 `digest` only: the sha512 (128 lower-case hex digits) of the same bytes, hashed
   * in the same read by whoever holds them (a remote `register --file`); recorded as `file` records it,
   * marked `claimed: ['sha512']` in the register entry (Tollgate did not read the bytes). It may not
   * attach a digest to an artifact already registered (ARTIFACT_DIGEST_CONFLICT); the same pair
   * again is the idempotent re-register.
   */
  sha512?: string;
  /** An image in a registry (`REGISTRY/REPO:TAG` or `REGISTRY/REPO@sha256:…`), resolved to its digest. */
  image?: string;
  labels?: Record<string, string>;
}

const LABEL_KEY = /^[a-z0-9]([a-z0-9._/-]{0,62}[a-z0-9])?$/;
const AUTHOR_LABEL = 'author';

/** Parses `key=value` pairs; keys are lower-case, values non-empty, an `author` a valid name. */
export function parseLabels(pairs: readonly string[]): Record<string, string> {
  const labels = emptyRecord<string>();
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    if (!LABEL_KEY.test(key)) {
      throw new TollgateError(
        'USAGE',
        `label "${pair}": the key must be lower-case letters, digits, ".", "_", "/" or "-" (e.g. version=1.4.2)`,
      );
    }
    if (value === '' || value.length > 1024)
      throw new TollgateError(
        'USAGE',
        `label "${pair}": expected key=value with a value of 1 to 1024 characters`,
      );
    // The author label is compared with approvers as a name (notBy: author): one that is no name
    // ("Dana Smith", a hidden character, a look-alike letter) would match nobody, and the author's
    // own approval would count.
    if (key === AUTHOR_LABEL) {
      const checked = normaliseName(value);
      if (!checked.ok)
        throw new TollgateError(
          'NAME_INVALID',
          `label "${pair}": the author is compared with approvers as a name, and ${JSON.stringify(value)} ${checked.problem}; give the author's login, one word (author=dana)`,
        );
    }
    if (hasOwnKey(labels, key) && labels[key] !== value)
      throw new TollgateError('USAGE', `label "${key}" is given twice with different values`);
    labels[key] = value;
  }
  return labels;
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const ak = Object.keys(a).sort();
  const bk = Object.keys(b).sort();
  return ak.length === bk.length && ak.every((k, i) => k === bk[i] && a[k] === b[k]);
}

/** A registered artifact's labels may not change, under any digest of its bytes. */
function labelConflict(existing: Artifact, labels: Record<string, string>, given: string): TollgateError {
  const show = (l: Record<string, string>) =>
    Object.entries(l)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ') || '(none)';
  const named = given === existing.digest ? '' : ` (the same bytes as ${given})`;
  return new TollgateError(
    'ARTIFACT_LABEL_CONFLICT',
    `${existing.digest}${named} is already registered with labels ${show(existing.labels)}; refusing to change them to ${show(labels)} (a digest's labels never change: a rebuilt artifact is a new digest)`,
  );
}

/**
 * Appends a register entry of `digest` by the caller, at the caller's time: the artifact's labels
 * and source, with what this registration adds (the digests of its bytes, those of them the caller
 * claimed, the image tag it came by), and the caller's marks.
 */
function appendRegistration(
  ctx: AppRequest,
  tx: LedgerTransaction,
  digest: string,
  payload: {
    labels: Record<string, string>;
    source: string;
    digests?: Record<string, string>;
    claimed?: string[];
    image?: ImageRecord;
  },
): Promise<ChainedEntry> {
  return tx.append(ctx.contract.pipeline, {
    kind: ENTRY.register,
    stage: null,
    artifact: digest,
    actor: ctx.caller.principal,
    at: ctx.caller.at.toISOString(),
    payload: { ...payload, ...callerMarks(ctx) },
  });
}

/**
 * The register entry's `claimed`: the algorithms of its `digests` the caller gave and Tollgate did
 * not compute from bytes it read (a sha512 sent beside a sha256 over the API).
 */
const CLAIMED_SHA512 = 'sha512';

/**
 * A sha512 the caller gave (Tollgate did not read the bytes) that would attach a digest to an
 * artifact already known by the other one, or tie together two known artifacts: refused, because
 * the rebuild registered as `sha256:X` beside a passed build's sha512 would become that build and
 * inherit its evidence, approvals and promotions.
 */
function unreadLink(
  sha256: string,
  sha512: string,
  bySha256: Artifact | undefined,
  bySha512: Artifact | undefined,
): TollgateError {
  const named = (given: string, found: Artifact) =>
    found.digest === given ? given : `${given} (${found.digest})`;
  const known = bySha512
    ? bySha256
      ? `${named(sha512, bySha512)} and ${named(sha256, bySha256)} are two registered artifacts`
      : `${named(sha512, bySha512)} is registered without ${sha256}`
    : `${named(sha256, bySha256!)} is registered ${bySha256!.digests?.sha512 || bySha256!.digest.startsWith('sha512:') ? 'with another sha512' : 'without a sha512'}`;
  return new TollgateError(
    'ARTIFACT_DIGEST_CONFLICT',
    `${known}. Tollgate did not read these bytes, so it cannot vouch that they are the artifact already known as ${(bySha512 ?? bySha256)!.digest}; nothing was recorded. To link the two digests, run \`tollgate register --file\` where the ledger reads the bytes (a local ledger), or register by one digest only`,
  );
}

/**
 * Registers an artifact by digest. Registering the same digest again is idempotent; registering it
 * with different labels is refused, because labels (version, commit, author) are part of what was
 * validated and must not change under a digest.
 */
export async function registerArtifact(
  ctx: AppRequest,
  options: RegisterOptions,
): Promise<{ artifact: Artifact; created: boolean }> {
  // A registration is a fact decisions and history read (registeredAt, the entry's time): one clock.
  assertRecordingClock(ctx, 'register');
  const given = [options.file, options.digest, options.image].filter((v) => v !== undefined).length;
  if (given !== 1) {
    throw new TollgateError(
      'USAGE',
      msg`register needs exactly one of ${field('file')} PATH, ${field('digest')} sha256:… or ${field('image')} REGISTRY/REPO:TAG`,
    );
  }
  if (options.sha512 !== undefined && options.digest === undefined)
    throw new TollgateError('USAGE', msg`${field('sha512')} goes with ${field('digest')} only`);
  let digest: string;
  let source: string;
  let image: ImageRecord | undefined;
  let digests: Record<string, string> | undefined;
  if (options.image !== undefined) {
    // Resolved before the ledger is opened: a registry fault (exit 4) leaves nothing recorded.
    const { resolveImage, imageSource } = await import('./image.js');
    const resolved = await resolveImage(ctx.services.env, options.image);
    digest = resolved.digest;
    source = imageSource(resolved.ref, digest);
    image = resolved.record;
  } else if (options.file !== undefined) {
    // The sha512 of the same read is recorded too: a signed subject listing a sha512 beside the
    // sha256 is then checked whole at attest, not trusted for the half Tollgate knows.
    const { digestPathForRegister } = await import('../artifact/file-digest.js');
    const read = await digestPathForRegister(options.file);
    digest = read.digest;
    if (read.sha512 !== undefined) digests = { sha512: read.sha512 };
    source = `file:${options.file}`;
  } else {
    // An image is known by its sha256 manifest digest; sha512 is for other artifacts.
    digest =
      ctx.contract.artifact.type === 'oci'
        ? assertImageDigest(options.digest!.trim(), field('digest'))
        : assertDigest(options.digest!.trim(), field('digest'));
    source = 'digest';
    if (options.sha512 !== undefined) {
      if (!digest.startsWith('sha256:'))
        throw new TollgateError(
          'USAGE',
          msg`${field('sha512')} goes with a sha256 digest, the other digest of the same read; ${field('digest')} ${digest} is not one`,
        );
      if (!/^[0-9a-f]{128}$/.test(options.sha512))
        throw new TollgateError(
          'DIGEST_INVALID',
          msg`${field('sha512')} "${options.sha512}": expected 128 lower-case hex digits (the sha512 of the bytes, no "sha512:")`,
        );
      digests = { sha512: options.sha512 };
    }
  }
  const labels = options.labels ?? {};
  // A sha512 given beside the digest is the caller's word: Tollgate never read these bytes.
  const claimed = options.sha512 !== undefined;
  const store = await ctx.services.store();
  const pipeline = ctx.contract.pipeline;
  return store.write(pipeline, async (tx) => {
    // One set of bytes is one artifact, whichever digest names it (artifact-identity.ts): the
    // sha512 of an artifact registered by sha256 is that artifact, never a new one with a clean
    // history (a build rolled back out of prod must not walk the stages again under its sha512).
    const existing = await artifactByAnyDigest(tx, pipeline, digest);
    if (claimed && digests?.sha512 !== undefined) {
      const bySha512 = await artifactByAnyDigest(tx, pipeline, `sha512:${digests.sha512}`);
      if ((existing || bySha512) && existing?.digest !== bySha512?.digest)
        throw unreadLink(digest, `sha512:${digests.sha512}`, existing, bySha512);
    }
    if (!existing && digests?.sha512 !== undefined) {
      // Bytes registered before by their sha512 alone: the same artifact, known by that digest.
      // The sha256 this read adds is recorded on it, so `--digest sha256:…` finds it as well.
      const bySha512 = await tx.getArtifact(pipeline, `sha512:${digests.sha512}`);
      if (bySha512) {
        if (Object.keys(labels).length > 0 && !sameLabels(bySha512.labels, labels)) {
          throw labelConflict(bySha512, labels, digest);
        }
        await appendRegistration(ctx, tx, bySha512.digest, {
          labels: bySha512.labels,
          source,
          digests: { ...digests, sha256: digest.slice('sha256:'.length) },
        });
        return { artifact: bySha512, created: false };
      }
    }
    if (existing && image?.tag !== undefined) {
      // A known digest under another tag: the tag's registration is recorded (check --image reads it).
      const { registeredDigestOfTag } = await import('./image.js');
      const tagged = await registeredDigestOfTag(tx, pipeline, { ...image, tag: image.tag });
      if (
        tagged !== existing.digest &&
        (Object.keys(labels).length === 0 || sameLabels(existing.labels, labels))
      ) {
        await appendRegistration(ctx, tx, existing.digest, { labels: existing.labels, source, image });
        return { artifact: existing, created: false };
      }
    }
    if (existing) {
      if (Object.keys(labels).length > 0 && !sameLabels(existing.labels, labels)) {
        throw labelConflict(existing, labels, digest);
      }
      return { artifact: existing, created: false };
    }
    const at = ctx.caller.at.toISOString();
    const artifact: Artifact = { digest, labels, registeredAt: at, source, ...(digests ? { digests } : {}) };
    await tx.insertArtifact(pipeline, artifact, ctx.caller.principal);
    await appendRegistration(ctx, tx, digest, {
      labels,
      source,
      ...(digests ? { digests } : {}),
      ...(claimed ? { claimed: [CLAIMED_SHA512] } : {}),
      ...(image ? { image } : {}),
    });
    return { artifact, created: true };
  });
}

/** The registered artifact, or a clear error saying how to register it. */
export async function requireArtifact(ctx: AppRequest, digest: string): Promise<Artifact> {
  const checked = assertDigest(digest, field('artifact'));
  // By any digest recorded for its bytes (the sha512 of a file registered by sha256): one artifact.
  const artifact = await artifactByAnyDigest(await ctx.services.store(), ctx.contract.pipeline, checked);
  if (!artifact) throw artifactNotRegistered(ctx.contract.pipeline, checked);
  return artifact;
}
