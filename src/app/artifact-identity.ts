import { assertDigest, type Digest } from '../artifact/digest.js';
import type { Artifact } from '../contract/types.js';
import { type FieldRef, field } from '../errors.js';
import { type ChainedEntry, ENTRY } from '../ledger/entry.js';
import type { LedgerReader } from '../ledger/ledger-store.js';
import { type ArtifactFacts, readArtifactFacts } from './artifact-facts.js';
import type { AppRequest } from './services.js';

/**
 * One set of bytes is one artifact, whichever digest names it. An artifact is keyed by the digest
 * it was registered under (`register --file` registers the sha256 and records the sha512 of the
 * same read beside it, in its register entry's `digests`). A digest that is not a registered key
 * is looked up among those recorded digests: `sha512:X` of an artifact registered as `sha256:Y`
 * is that artifact, so its rejections, rollbacks, failed verifications and revoked approvals are
 * its own, never left behind by naming the same bytes another way.
 *
 * The recorded digests are read from the hash-chained register entries (verified as every read for
 * a decision is), both stores alike; the scan runs only when the direct, indexed read found nothing.
 */
export async function artifactByAnyDigest(
  reader: LedgerReader,
  pipeline: string,
  digest: string,
): Promise<Artifact | undefined> {
  const direct = await reader.getArtifact(pipeline, digest);
  if (direct) return direct;
  const key = await registeredKeyOf(reader, pipeline, digest);
  return key === undefined ? undefined : reader.getArtifact(pipeline, key);
}

/**
 * The registered key of the bytes `digest` names when it is not a key itself but recorded beside
 * one (see {@link artifactByAnyDigest}); undefined when no register entry records it. Only the
 * scan: the caller has already read `digest` directly and found nothing.
 */
async function registeredKeyOf(
  reader: LedgerReader,
  pipeline: string,
  digest: string,
): Promise<string | undefined> {
  const colon = digest.indexOf(':');
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  for (const entry of await aliasCandidates(reader, pipeline, algorithm)) {
    const { digests } = entry.payload;
    if (
      entry.artifact &&
      entry.artifact !== digest &&
      typeof digests === 'object' &&
      digests !== null &&
      !Array.isArray(digests) &&
      Object.hasOwn(digests, algorithm) &&
      (digests as Record<string, unknown>)[algorithm] === hex
    ) {
      return entry.artifact;
    }
  }
  return undefined;
}

/**
 * The register entries that may record `algorithm`'s digest of an artifact keyed by another one.
 * A sha256 is recorded only beside a sha512 key (bytes registered by their sha512 first, the file
 * later): the register entries of sha512-keyed artifacts, one index range read that is empty on
 * almost every ledger, so registering a new sha256 (every build) does not read the whole ledger.
 * Any other digest (a sha512, recorded beside every `register --file`) is looked for in every
 * register entry: rare, and read only when the direct read found nothing.
 */
async function aliasCandidates(
  reader: LedgerReader,
  pipeline: string,
  algorithm: string,
): Promise<ChainedEntry[]> {
  if (algorithm !== 'sha256') return reader.unstagedEntries(pipeline, ENTRY.register);
  const keyed = await reader.lookalikes(pipeline, 'sha512:');
  const entries: ChainedEntry[] = [];
  for (const { digest } of keyed) {
    for (const entry of await reader.entriesForArtifact(pipeline, digest))
      if (entry.kind === ENTRY.register) entries.push(entry);
  }
  return entries;
}

/**
 * The digest an artifact is known by, for a digest a caller gave (`--artifact`, the API's
 * `artifact`): checked for form (lower-case hex of the right length, a supported algorithm), then
 * the registered key of the same bytes when the caller named them by another recorded digest.
 * A digest nobody registered is returned as given, for the caller's own "not registered" answer.
 */
export async function resolveArtifactDigest(
  ctx: AppRequest,
  digest: string,
  what: string | FieldRef = field('artifact'),
): Promise<Digest> {
  const checked = assertDigest(digest, what);
  const store = await ctx.services.store();
  // A ledger that does not hold together is for the caller's own read to name (the gap, the row
  // without its entry), as it did before digests were resolved: the digest is passed on as given.
  const found = await artifactByAnyDigest(store, ctx.contract.pipeline, checked).catch(() => undefined);
  return (found?.digest ?? checked) as Digest;
}

/**
 * What the ledger holds about the artifact `digest` names, by any digest recorded for its bytes
 * (see {@link artifactByAnyDigest}): the read of `digest` itself is the artifact's one read, and
 * only when it finds no artifact are the recorded digests looked through and the registered key
 * read instead. Undefined when neither names a registered artifact. A ledger that does not hold
 * together is named by the read of `digest` as given; the scan's own faults leave it unregistered,
 * as {@link resolveArtifactDigest} does.
 */
export async function readArtifactFactsByAnyDigest(
  reader: LedgerReader,
  pipeline: string,
  digest: string,
): Promise<ArtifactFacts | undefined> {
  const read = await readArtifactFacts(reader, pipeline, digest);
  if (read) return read;
  const key = await registeredKeyOf(reader, pipeline, digest).catch(() => undefined);
  return key === undefined ? undefined : readArtifactFacts(reader, pipeline, key);
}

/** One digest that register entries tie to more than one artifact (see {@link digestConflictsOf}). */
export interface DigestConflict {
  /** The digest, `algorithm:hex`. */
  digest: string;
  /** Each artifact it names, with the first register entry that ties it there, in ledger order. */
  artifacts: Array<{ artifact: string; seq: number }>;
}

/**
 * The digests that name more than one artifact in `registers` (the pipeline's register entries,
 * oldest first): as the key an artifact is registered under, or recorded in a register entry's
 * `digests` beside another key. One set of bytes is one artifact, so a digest of two artifacts is
 * a claim that was wrong: possible in ledgers written before a sha512 the caller gave was refused
 * when it named a known artifact (ARTIFACT_DIGEST_CONFLICT). A lookup by that digest answers with
 * one of them; the ledger cannot be repaired, so `ledger verify` names them for a person to judge.
 */
export function digestConflictsOf(registers: readonly ChainedEntry[]): DigestConflict[] {
  const named = new Map<string, Map<string, number>>();
  const note = (digest: string, artifact: string, seq: number) => {
    const artifacts = named.get(digest) ?? new Map<string, number>();
    named.set(digest, artifacts);
    if (!artifacts.has(artifact)) artifacts.set(artifact, seq);
  };
  for (const entry of registers) {
    if (entry.kind !== ENTRY.register || !entry.artifact) continue;
    note(entry.artifact, entry.artifact, entry.seq);
    const { digests } = entry.payload;
    if (typeof digests !== 'object' || digests === null || Array.isArray(digests)) continue;
    for (const [algorithm, hex] of Object.entries(digests))
      if (typeof hex === 'string') note(`${algorithm}:${hex}`, entry.artifact, entry.seq);
  }
  const conflicts: DigestConflict[] = [];
  for (const [digest, artifacts] of named)
    if (artifacts.size > 1)
      conflicts.push({ digest, artifacts: [...artifacts].map(([artifact, seq]) => ({ artifact, seq })) });
  return conflicts;
}
