/**
 * `tollgate publish` (and `promote --publish`): the signed VSA of a promotion, and a signed
 * statement of the evidence it was decided on, put next to the image in its registry, as an OCI
 * 1.1 referrer (referrers API, or the `sha256-<hex>` fallback tag) and in cosign's
 * `sha256-<hex>.att` layout; and `verify --image`, which reads them back and checks them.
 */

import { shortHash } from '../artifact/digest.js';
import {
  type Descriptor,
  type FetchedManifest,
  MEDIA_TYPE,
  type RegistryClient,
  type Repository,
} from '../artifact/oci-client.js';
import { formatImageReference, parseImageReference, repositoryName } from '../artifact/oci-reference.js';
import {
  attachCosignAttestations,
  COSIGN_PREDICATE_ANNOTATION,
  cosignAttestationLayers,
  digestTag,
  listReferrers,
  PREDICATE_ANNOTATION,
  pushReferrer,
} from '../artifact/oci-referrers.js';
import { TollgateError } from '../errors.js';
import type { EvidenceRecord } from '../evidence/evidence.js';
import type { ChainedEntry } from '../ledger/entry.js';
import { ENTRY } from '../ledger/entry.js';
import { verifyEvidence } from '../ledger/evidence-chain.js';
import { type Envelope, IN_TOTO_PAYLOAD_TYPE, signEnvelope } from '../trust/dsse.js';
import type { PublicKeyInfo } from '../trust/keys.js';
import { STATEMENT_TYPE_V1 } from '../trust/statement.js';
import { digestSet, VSA_PREDICATE_TYPE, type VsaVerification, verifyVsa } from '../trust/vsa.js';
import { assertTagNamesDigest, registeredImages, registryClient } from './image.js';
import { type AppRequest, assertRecordingClock, callerMarks, type Environment } from './services.js';
import { loadVsaSigner, storedVsa } from './vsa.js';

/** The predicate type of the evidence statement Tollgate publishes beside its VSA. */
export const EVIDENCE_PREDICATE_TYPE = 'https://tollgate.dev/attestation/evidence/v1';

export interface PublishOptions {
  stage: string;
  digest: string;
  /** Repository to publish to, `REGISTRY/REPO` (default: where the digest was registered from). */
  to?: string;
}

export interface PublishResult {
  repository: string;
  referrers: Array<{ digest: string; predicateType: string; via: 'referrers-api' | 'fallback-tag' }>;
  cosignTag: string;
  entry: ChainedEntry;
}

/**
 * An envelope's bytes as published: members in DSSE's order, whatever order a stored copy came
 * back in (the ledger keeps canonical JSON), so the same envelope is always the same blob.
 */
function envelopeBytes(envelope: Envelope): Buffer {
  return Buffer.from(
    JSON.stringify({
      payloadType: envelope.payloadType,
      payload: envelope.payload,
      signatures: envelope.signatures.map((s) => ({ keyid: s.keyid, sig: s.sig })),
    }),
  );
}

/** The evidence a promotion used, without the bulk an admission check never reads (SBOM component lists). */
function evidenceSummary(records: readonly EvidenceRecord[]) {
  return records.map((record) => {
    const { components: _omitted, ...data } = record.data as { components?: unknown };
    return {
      id: record.id,
      kind: record.data.kind,
      format: record.format,
      stage: record.stage,
      sourceDigest: record.sourceDigest,
      signer: record.signer?.name ?? null,
      recordedAt: record.recordedAt,
      data,
    };
  });
}

async function targetRepository(
  ctx: AppRequest,
  digest: string,
  to: string | undefined,
): Promise<Repository> {
  if (to !== undefined) {
    const ref = parseImageReference(to);
    if (ref.digest !== undefined && ref.digest !== digest)
      throw new TollgateError('USAGE', `--to ${to} names another digest than ${digest}`);
    return ref;
  }
  const [image] = await registeredImages(await ctx.services.store(), ctx.contract.pipeline, digest);
  if (!image) {
    throw new TollgateError(
      'USAGE',
      `${digest} was not registered from a registry: say where to publish with --to REGISTRY/REPO`,
    );
  }
  return image;
}

/** Publishes the VSA (and the evidence statement) of the latest promotion of `digest` into `stage`. */
export async function publishVerdict(
  ctx: AppRequest,
  options: PublishOptions,
  client: RegistryClient = registryClient(ctx.services.env),
): Promise<PublishResult> {
  assertRecordingClock(ctx, 'publish');
  const found = await storedVsa(ctx, options.stage, options.digest);
  if (!found) {
    throw new TollgateError(
      'NOT_ALLOWED',
      `no signed VSA for ${options.digest} in ${options.stage}: it was never promoted there, or no verifier key was configured then (trust.verifier.key or TOLLGATE_VSA_KEY)`,
    );
  }
  const signer = loadVsaSigner(ctx.contract, ctx.services.env);
  if (!signer) {
    throw new TollgateError(
      'USAGE',
      'publishing signs the evidence statement with the verifier key: set trust.verifier.key in the contract or TOLLGATE_VSA_KEY',
    );
  }
  const store = await ctx.services.store();
  const pipeline = ctx.contract.pipeline;
  const repo = await targetRepository(ctx, options.digest, options.to);
  const image = await client.getManifest(repo, options.digest);
  const subject: Descriptor = { mediaType: image.mediaType, digest: image.digest, size: image.bytes.length };

  const entries = await store.entriesForArtifact(pipeline, options.digest);
  const promotion = entries.find((entry) => entry.seq === found.seq);
  const used = new Set(
    Array.isArray(promotion?.payload.evidence) ? (promotion.payload.evidence as string[]) : [],
  );
  const evidence = verifyEvidence(
    pipeline,
    await store.listEvidence(pipeline, options.digest),
    entries,
  ).filter((record) => used.has(record.id));
  const statement = {
    _type: STATEMENT_TYPE_V1,
    subject: [{ name: `oci://${repositoryName(repo)}`, digest: digestSet(image.digest, 'the image') }],
    predicateType: EVIDENCE_PREDICATE_TYPE,
    predicate: {
      pipeline,
      stage: options.stage,
      promotion: { seq: found.seq, at: found.at },
      evidence: evidenceSummary(evidence),
    },
  };
  // Signed once per promotion and kept in the ledger: publishing again (to this or another
  // repository) puts the very same bytes next to the image, so nothing is listed twice.
  const earlier = entries.find(
    (entry) =>
      entry.kind === ENTRY.publish && entry.payload.promotion === found.seq && entry.payload.evidenceEnvelope,
  );
  const evidenceEnvelope =
    (earlier?.payload.evidenceEnvelope as Envelope | undefined) ??
    signEnvelope(Buffer.from(JSON.stringify(statement)), IN_TOTO_PAYLOAD_TYPE, signer.key);
  const envelopes: Array<{ envelope: Envelope; predicateType: string }> = [
    { envelope: found.envelope, predicateType: VSA_PREDICATE_TYPE },
    { envelope: evidenceEnvelope, predicateType: EVIDENCE_PREDICATE_TYPE },
  ];
  const referrers: PublishResult['referrers'] = [];
  for (const { envelope, predicateType } of envelopes) {
    const annotations = { [PREDICATE_ANNOTATION]: predicateType, 'dev.tollgate.stage': options.stage };
    const pushed = await pushReferrer(
      client,
      repo,
      subject,
      MEDIA_TYPE.dsse,
      [{ bytes: envelopeBytes(envelope), mediaType: MEDIA_TYPE.dsse, annotations }],
      annotations,
    );
    referrers.push({ ...pushed, predicateType });
  }
  const cosignTag = await attachCosignAttestations(
    client,
    repo,
    options.digest,
    envelopes.map(({ envelope, predicateType }) => ({
      bytes: envelopeBytes(envelope),
      predicateType,
    })),
  );
  const entry = await store.write(pipeline, (tx) =>
    tx.append(pipeline, {
      kind: ENTRY.publish,
      stage: options.stage,
      artifact: options.digest,
      actor: ctx.caller.principal,
      at: ctx.caller.at.toISOString(),
      payload: {
        promotion: found.seq,
        repository: { registry: repo.registry, repository: repo.repository },
        referrers,
        cosignTag,
        evidenceEnvelope,
        ...callerMarks(ctx),
      },
    }),
  );
  return { repository: repositoryName(repo), referrers, cosignTag, entry };
}

export interface ImageVsaCheck {
  /** Where the envelope was found: `referrers-api`, `fallback-tag` or `cosign`. */
  location: 'referrers-api' | 'fallback-tag' | 'cosign';
  /** The blob holding the envelope; the tag (`sha256-<hex>`, `sha256-<hex>.att`) when that tag could not be read. */
  blob: string;
  result: VsaVerification;
}

export interface VerifyImageResult {
  image: string;
  admitted: boolean;
  checks: ImageVsaCheck[];
}

/**
 * Anyone who can push next to an image can plant a referrer or an envelope that cannot be read
 * (other bytes than its digest, too large, missing): it is reported and ignored like any other
 * invalid VSA, so it cannot hide the valid one. An unreachable or refusing registry still fails.
 */
function plantedUnreadable(error: unknown): VsaVerification {
  if (
    !(error instanceof TollgateError) ||
    error.code === 'REGISTRY_UNAVAILABLE' ||
    error.code === 'REGISTRY_DENIED'
  )
    throw error;
  return { valid: false, reason: error.message };
}

/**
 * Reads every VSA published next to an image (referrers and cosign's `.att` tag) and verifies each
 * as an admission controller would; admitted when at least one is valid for the stage.
 */
export async function verifyImage(
  env: Environment,
  text: string,
  options: {
    key: PublicKeyInfo;
    stage: string;
    pipeline?: string;
    verifierId?: string;
    allowDemo?: boolean;
    /** Refuse a VSA whose promotion had gates overridden (`--refuse-overridden`). */
    refuseOverridden?: boolean;
    /** Refuse a VSA without its ledger entry, inclusion proof and checkpoint (`--require-ledger`). */
    requireLedger?: boolean;
    /** The verifier's clock (`--now`, TOLLGATE_NOW); default now. */
    now?: Date;
    /** Refuse a VSA older than this (`--max-age`). */
    maxAge?: { ms: number; text: string };
  },
): Promise<VerifyImageResult> {
  const ref = parseImageReference(text);
  if (ref.digest === undefined) {
    throw new TollgateError(
      'USAGE',
      `--image ${text}: verify by digest (REGISTRY/REPO@sha256:…): a tag can move after it was verified`,
    );
  }
  const digest = ref.digest;
  const client = registryClient(env);
  await client.getManifest(ref, digest);
  // `REPO:TAG@DIGEST` says the tag is that image: "admitted" is not printed under a tag naming another.
  await assertTagNamesDigest(text, ref, client);
  const found: Array<{ location: ImageVsaCheck['location']; layer: Descriptor }> = [];
  const checks: ImageVsaCheck[] = [];
  const { referrers, via, unreadable } = await listReferrers(client, ref, digest);
  // A fallback tag that holds no readable index was planted or damaged: reported like a planted
  // envelope, and the cosign tag below is still read (it must not hide a valid VSA there).
  if (unreadable !== undefined)
    checks.push({ location: via, blob: digestTag(digest), result: { valid: false, reason: unreadable } });
  const readReferrers = new Set<string>();
  for (const referrer of referrers) {
    const type = referrer.annotations?.[PREDICATE_ANNOTATION];
    if (referrer.artifactType !== MEDIA_TYPE.dsse || (type !== undefined && type !== VSA_PREDICATE_TYPE))
      continue;
    // A referrer listed again is read once (each is a manifest of up to 4 MiB).
    if (readReferrers.has(referrer.digest)) continue;
    readReferrers.add(referrer.digest);
    let manifest: FetchedManifest;
    try {
      manifest = await client.getManifest(ref, referrer.digest);
    } catch (error) {
      checks.push({ location: via, blob: referrer.digest, result: plantedUnreadable(error) });
      continue;
    }
    if (manifest.json.subject?.digest !== digest) continue;
    for (const layer of manifest.json.layers ?? []) {
      if (
        layer.mediaType === MEDIA_TYPE.dsse &&
        layer.annotations?.[PREDICATE_ANNOTATION] === VSA_PREDICATE_TYPE
      )
        found.push({ location: via, layer });
    }
  }
  // The .att tag is anyone's with push access too: one that cannot be read is reported, not thrown,
  // so it does not hide a valid VSA among the referrers.
  let cosignLayers: Descriptor[] = [];
  try {
    cosignLayers = await cosignAttestationLayers(client, ref, digest);
  } catch (error) {
    checks.push({ location: 'cosign', blob: digestTag(digest, '.att'), result: plantedUnreadable(error) });
  }
  for (const layer of cosignLayers) {
    if (layer.annotations?.[COSIGN_PREDICATE_ANNOTATION] === VSA_PREDICATE_TYPE)
      found.push({ location: 'cosign', layer });
  }
  // An envelope listed again in the same place (a manifest repeating one layer, referrers repeating
  // one manifest) is read once: each read is up to 16 MiB, and a listing is cheap to repeat.
  const seen = new Set<string>();
  for (const { location, layer } of found) {
    if (seen.has(`${location} ${layer.digest}`)) continue;
    seen.add(`${location} ${layer.digest}`);
    let bytes: Buffer;
    try {
      bytes = await client.readBlob(ref, layer.digest, 16 * 1024 * 1024);
    } catch (error) {
      checks.push({ location, blob: layer.digest, result: plantedUnreadable(error) });
      continue;
    }
    const result = verifyVsa(
      bytes.toString('utf8'),
      {
        key: options.key,
        digest,
        stage: options.stage,
        ...(options.pipeline === undefined ? {} : { pipeline: options.pipeline }),
        ...(options.verifierId === undefined ? {} : { verifierId: options.verifierId }),
        ...(options.allowDemo ? { allowDemo: true } : {}),
        ...(options.refuseOverridden ? { refuseOverridden: true } : {}),
        ...(options.requireLedger ? { requireLedger: true } : {}),
        ...(options.now === undefined ? {} : { now: options.now }),
        ...(options.maxAge === undefined ? {} : { maxAge: options.maxAge }),
      },
      `${repositoryName(ref)}@${digest} (${location} ${shortHash(layer.digest)})`,
    );
    checks.push({ location, blob: layer.digest, result });
  }
  return { image: formatImageReference(ref), admitted: checks.some((c) => c.result.valid), checks };
}
