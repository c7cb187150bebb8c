/**
 * `promote --publish`, `publish` and `verify --image` against a real registry (distribution 2.8,
 * which has no referrers API: the `sha256-<hex>` fallback tag is used), checked with skopeo.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEDIA_TYPE, RegistryClient } from '../../src/artifact/oci-client.js';
import {
  attachCosignAttestations,
  PREDICATE_ANNOTATION,
  pushReferrer,
} from '../../src/artifact/oci-referrers.js';
import { transportOptionsFromEnv } from '../../src/artifact/oci-transport.js';
import { loadPrivateKey } from '../../src/trust/keys.js';
import { buildVsa, OVERRIDDEN_LEVEL, overriddenGateLevel, signVsa } from '../../src/trust/vsa.js';
import { junit, makeWorkspace, runCli } from '../support/cli.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import {
  type LayoutImage,
  pushTestImage,
  registryAvailable,
  SKOPEO_BIN,
  startRegistry,
  type TestRegistry,
} from '../support/registry.js';
import { pemKeyPair } from '../trust/helpers.js';

const CONTRACT = `version: 1
pipeline: shop
artifact: { type: oci, repository: registry.example.com/shop }
trust:
  verifier: { id: https://tollgate.example.com/shop, key: keys/verifier.key }
stages:
  dev:
    purpose: fast feedback
    requires:
      tests: [{ suite: unit }]
  prod:
    purpose: live
    from: dev
    requires:
      tests: [{ suite: unit }]
`;

function skopeoRaw(ref: string): Record<string, unknown> {
  const raw = execFileSync(SKOPEO_BIN!, ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`], {
    env: { ...process.env, HOME: tmpdir() },
  });
  return JSON.parse(raw.toString('utf8'));
}

describe.runIf(registryAvailable())('publishing the verdict next to the image', () => {
  let registry: TestRegistry;
  let prod: TestRegistry;
  let image: LayoutImage;
  let ref: string;
  const verifier = pemKeyPair('p256');
  const other = pemKeyPair('p256');
  beforeAll(async () => {
    [registry, prod] = await Promise.all([startRegistry(), startRegistry()]);
    ref = `${registry.host}/shop/checkout:2.0.0`;
    image = await pushTestImage(ref, [
      { architecture: 'amd64', layers: [4096] },
      { architecture: 'arm64', layers: [4096] },
    ]);
  });
  afterAll(async () => {
    await Promise.all([registry?.stop(), prod?.stop()]);
  });

  async function promoted(extra: string[] = []) {
    const dir = makeWorkspace(CONTRACT, {
      'keys/verifier.key': verifier.privatePem,
      'keys/verifier.pub': verifier.publicPem,
      'keys/other.pub': other.publicPem,
      'unit.xml': junit(['pass', 'pass']),
    });
    expect((await runCli(['register', '--image', ref], { cwd: dir })).code).toBe(0);
    expect(
      (
        await runCli(['attest', 'tests', '--artifact', image.digest, '--suite', 'unit', 'unit.xml'], {
          cwd: dir,
        })
      ).code,
    ).toBe(0);
    const result = await runCli(['promote', 'dev', '--image', ref, '--publish', ...extra], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    return { dir, result };
  }

  /** `verify --image at --stage dev --key keys/verifier.pub` and `extra`, in `dir`. */
  const verifyImage = (dir: string, at: string, ...extra: string[]) =>
    runCli(['verify', '--image', at, '--stage', 'dev', '--key', 'keys/verifier.pub', ...extra], { cwd: dir });

  /** What a `verify --image --json` report found: each envelope's location and validity. */
  const found = (report: { found: Array<{ location: string; valid: boolean }> }) =>
    report.found.map((f) => [f.location, f.valid]);

  /** A VSA for `digest` at stage dev of pipeline shop, signed with `key` (the verifier's by default). */
  const vsaFor = (digest: string, key = loadPrivateKey(verifier.privatePem, 'verifier')) =>
    signVsa(
      buildVsa({
        artifactDigest: digest,
        verifierId: 'https://tollgate.example.com/shop',
        timeVerified: new Date(),
        pipeline: 'shop',
        stage: 'dev',
        contractDigest: `sha256:${'c'.repeat(64)}`,
        inputAttestations: [],
      }),
      key,
    );

  it('publishes the VSA and the evidence as referrers (fallback tag) and in cosign .att, and verify --image admits it', async () => {
    const { dir, result } = await promoted();
    expect(result.stderr).toContain(`published next to ${registry.host}/shop/checkout`);
    expect(result.stderr).toContain('via fallback-tag');
    const hex = image.digest.slice('sha256:'.length);

    // What another client sees: the fallback tag's index lists two DSSE referrers about the image.
    const index = skopeoRaw(`${registry.host}/shop/checkout:sha256-${hex}`) as {
      manifests: Array<Record<string, unknown>>;
    };
    expect(index.manifests).toHaveLength(2);
    for (const d of index.manifests) expect(d.artifactType).toBe('application/vnd.dsse.envelope.v1+json');
    const referrer = skopeoRaw(`${registry.host}/shop/checkout@${index.manifests[0]!.digest}`) as {
      subject: { digest: string };
    };
    expect(referrer.subject.digest).toBe(image.digest);
    // cosign's layout: DSSE layers annotated with their predicate types.
    const att = skopeoRaw(`${registry.host}/shop/checkout:sha256-${hex}.att`) as {
      layers: Array<{ mediaType: string; annotations: Record<string, string> }>;
    };
    expect(att.layers.map((l) => l.annotations.predicateType)).toEqual([
      'https://slsa.dev/verification_summary/v1',
      'https://tollgate.dev/attestation/evidence/v1',
    ]);
    expect(att.layers.every((l) => l.mediaType === 'application/vnd.dsse.envelope.v1+json')).toBe(true);

    const verify = await verifyImage(dir, `${registry.host}/shop/checkout@${image.digest}`, '--json');
    expect(verify.code, verify.stderr).toBe(0);
    const report = JSON.parse(verify.stdout);
    expect(report.valid).toBe(true);
    // Read next to the image, with no ledger: it says a later rollback was not looked for.
    expect(report.rollbackChecked).toBe(false);
    expect(found(report)).toEqual([
      ['fallback-tag', true],
      ['cosign', true],
    ]);

    // Publishing again adds nothing twice.
    const again = await runCli(['publish', 'dev', '--artifact', image.digest], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(
      (skopeoRaw(`${registry.host}/shop/checkout:sha256-${hex}`) as { manifests: unknown[] }).manifests,
    ).toHaveLength(2);
    expect(
      (skopeoRaw(`${registry.host}/shop/checkout:sha256-${hex}.att`) as { layers: unknown[] }).layers,
    ).toHaveLength(2);
  });

  it('does not admit with another key, for a stage never entered, or by tag', async () => {
    const { dir } = await promoted();
    const at = `${registry.host}/shop/checkout@${image.digest}`;
    const otherKey = await runCli(['verify', '--image', at, '--stage', 'dev', '--key', 'keys/other.pub'], {
      cwd: dir,
    });
    expect(otherKey.code).toBe(1);
    expect(otherKey.stdout).toContain('NOT admitted');
    const prodStage = await runCli(
      ['verify', '--image', at, '--stage', 'prod', '--key', 'keys/verifier.pub'],
      { cwd: dir },
    );
    expect(prodStage.code).toBe(1);
    expect(prodStage.stdout).toContain('does not admit stage prod');
    const byTag = await verifyImage(dir, ref);
    expect(byTag.code).toBe(3);
    expect(byTag.stderr).toContain('verify by digest');
  });

  it('is not fooled by a VSA for another digest, or by a forged one, planted next to an image', async () => {
    const victimRef = `${registry.host}/shop/victim:1.0`;
    const victim = await pushTestImage(victimRef, [{ architecture: 'amd64', layers: [2048] }]);
    const client = new RegistryClient(transportOptionsFromEnv({}));
    const forgedKey = loadPrivateKey(other.privatePem, 'attacker');
    const predicateType = 'https://slsa.dev/verification_summary/v1';
    // A genuine VSA about another image, and a VSA about this one signed by another key.
    await attachCosignAttestations(
      client,
      { registry: registry.host, repository: 'shop/victim' },
      victim.digest,
      [
        { bytes: Buffer.from(JSON.stringify(vsaFor(image.digest))), predicateType },
        { bytes: Buffer.from(JSON.stringify(vsaFor(victim.digest, forgedKey))), predicateType },
      ],
    );
    const dir = makeWorkspace(CONTRACT, { 'keys/verifier.pub': verifier.publicPem });
    const verify = await verifyImage(dir, `${registry.host}/shop/victim@${victim.digest}`, '--json');
    expect(verify.code).toBe(1);
    const report = JSON.parse(verify.stdout);
    expect(report.found).toHaveLength(2);
    expect(report.found[0].reason).toContain(`not about ${victim.digest}`);
    expect(report.found[1].reason).toContain('none of the 1 DSSE signature');
  });

  it('verify --image passes on --refuse-overridden and --max-age at the set clock, not dropping them', async () => {
    const target = await pushTestImage(`${registry.host}/shop/waived:1.0`, [
      { architecture: 'amd64', layers: [1024] },
    ]);
    const client = new RegistryClient(transportOptionsFromEnv({}));
    const waived = signVsa(
      buildVsa({
        artifactDigest: target.digest,
        verifierId: 'https://tollgate.example.com/shop',
        timeVerified: new Date('2026-11-01T10:00:00Z'),
        pipeline: 'shop',
        stage: 'dev',
        contractDigest: `sha256:${'c'.repeat(64)}`,
        inputAttestations: [],
        verifiedLevels: [OVERRIDDEN_LEVEL, overriddenGateLevel('tests')],
      }),
      loadPrivateKey(verifier.privatePem, 'verifier'),
    );
    await attachCosignAttestations(
      client,
      { registry: registry.host, repository: 'shop/waived' },
      target.digest,
      [
        {
          bytes: Buffer.from(JSON.stringify(waived)),
          predicateType: 'https://slsa.dev/verification_summary/v1',
        },
      ],
    );
    const dir = makeWorkspace(CONTRACT, { 'keys/verifier.pub': verifier.publicPem });
    const at = `${registry.host}/shop/waived@${target.digest}`;
    const now = ['--now', '2026-11-02T10:00:00Z'];
    expect((await verifyImage(dir, at, ...now)).code).toBe(0);
    const refused = await verifyImage(dir, at, ...now, '--refuse-overridden');
    expect(refused.code, refused.stdout).toBe(1);
    expect(refused.stdout).toContain('--refuse-overridden admits only promotions that passed every gate');
    const old = await verifyImage(dir, at, ...now, '--max-age', '12h');
    expect(old.code, old.stdout).toBe(1);
    expect(old.stdout).toContain('timeVerified 2026-11-01T10:00:00.000Z is 1d before');
    expect(old.stdout).toContain('older than --max-age 12h');
  });

  it('verify --image: an envelope planted next to the image that cannot be read does not hide the valid VSA', async () => {
    const planted = `${registry.host}/shop/planted:1.0`;
    const target = await pushTestImage(planted, [{ architecture: 'amd64', layers: [1024] }]);
    const repo = { registry: registry.host, repository: 'shop/planted' };
    const client = new RegistryClient(transportOptionsFromEnv({}));
    const predicateType = 'https://slsa.dev/verification_summary/v1';
    await attachCosignAttestations(client, repo, target.digest, [
      { bytes: Buffer.from(JSON.stringify(vsaFor(target.digest))), predicateType },
    ]);
    // Someone with push access plants a referrer whose envelope the registry path serves damaged.
    const junk = Buffer.from('{"payloadType":"junk"}');
    const manifest = await client.getManifest(repo, target.digest);
    const pushed = await pushReferrer(
      client,
      repo,
      { mediaType: manifest.mediaType, digest: target.digest, size: manifest.bytes.length },
      MEDIA_TYPE.dsse,
      [{ bytes: junk, mediaType: MEDIA_TYPE.dsse, annotations: { [PREDICATE_ANNOTATION]: predicateType } }],
      { [PREDICATE_ANNOTATION]: predicateType },
    );
    const junkDigest = `sha256:${createHash('sha256').update(junk).digest('hex')}`;
    const proxy = await startFaultProxy(registry.host);
    try {
      const dir = makeWorkspace(CONTRACT, { 'keys/verifier.pub': verifier.publicPem });
      // First the envelope blob is served damaged, then (as well) the referrer's own manifest.
      for (const [path, reason] of [
        [`blobs/${junkDigest}`, `blob ${junkDigest} hashes to`],
        [`manifests/${pushed.digest}`, 'not the one asked for'],
      ] as const) {
        proxy.rules.unshift({ when: new RegExp(`^GET /v2/shop/planted/${path}$`), fault: 'corrupt' });
        const verify = await verifyImage(dir, `${proxy.host}/shop/planted@${target.digest}`, '--json');
        expect(verify.code, verify.stderr).toBe(0);
        const report = JSON.parse(verify.stdout);
        expect(found(report)).toEqual([
          ['fallback-tag', false],
          ['cosign', true],
        ]);
        expect(report.found[0].reason).toContain(reason);
      }
    } finally {
      await proxy.close();
    }
  });

  it('verify --image: a manifest planted under the fallback tag that is not an index does not hide the cosign VSA', async () => {
    const planted = `${registry.host}/shop/squatted:1.0`;
    const target = await pushTestImage(planted, [{ architecture: 'amd64', layers: [1024] }]);
    const repo = { registry: registry.host, repository: 'shop/squatted' };
    const client = new RegistryClient(transportOptionsFromEnv({}));
    await attachCosignAttestations(client, repo, target.digest, [
      {
        bytes: Buffer.from(JSON.stringify(vsaFor(target.digest))),
        predicateType: 'https://slsa.dev/verification_summary/v1',
      },
    ]);
    // Someone with push access puts an image manifest, not an index, under the sha256-<hex> tag.
    const tag = `sha256-${target.digest.slice('sha256:'.length)}`;
    const config = await client.pushBlob(repo, Buffer.from('{}'), MEDIA_TYPE.ociConfig);
    await client.putManifest(
      repo,
      tag,
      Buffer.from(
        JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE.ociManifest, config, layers: [] }),
      ),
      MEDIA_TYPE.ociManifest,
    );
    const dir = makeWorkspace(CONTRACT, { 'keys/verifier.pub': verifier.publicPem });
    const verify = await verifyImage(dir, `${planted.replace(':1.0', '')}@${target.digest}`, '--json');
    expect(verify.code, verify.stderr).toBe(0);
    const report = JSON.parse(verify.stdout);
    expect(found(report)).toEqual([
      ['fallback-tag', false],
      ['cosign', true],
    ]);
    expect(report.found[0].reason).toContain(`${tag} is not an OCI index`);
    const text = await verifyImage(dir, `${planted.replace(':1.0', '')}@${target.digest}`);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`✗ fallback-tag ${tag}:`);
  });

  it('verify --image: a manifest planted under the cosign .att tag that cannot be read does not hide the referrer VSA', async () => {
    const planted = `${registry.host}/shop/squatted-att`;
    const target = await pushTestImage(`${planted}:1.0`, [{ architecture: 'amd64', layers: [1024] }]);
    const repo = { registry: registry.host, repository: 'shop/squatted-att' };
    const client = new RegistryClient(transportOptionsFromEnv({}));
    const predicateType = 'https://slsa.dev/verification_summary/v1';
    const manifest = await client.getManifest(repo, target.digest);
    await pushReferrer(
      client,
      repo,
      { mediaType: manifest.mediaType, digest: target.digest, size: manifest.bytes.length },
      MEDIA_TYPE.dsse,
      [
        {
          bytes: Buffer.from(JSON.stringify(vsaFor(target.digest))),
          mediaType: MEDIA_TYPE.dsse,
          annotations: { [PREDICATE_ANNOTATION]: predicateType },
        },
      ],
      { [PREDICATE_ANNOTATION]: predicateType },
    );
    // Someone with push access puts, under sha256-<hex>.att, a manifest Tollgate does not read (a
    // descriptor whose size is no byte count; the registry only looks for the blob's digest).
    const tag = `sha256-${target.digest.slice('sha256:'.length)}.att`;
    const config = await client.pushBlob(repo, Buffer.from('{}'), MEDIA_TYPE.ociConfig);
    await client.putManifest(
      repo,
      tag,
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MEDIA_TYPE.ociManifest,
          config: { ...config, size: -1 },
          layers: [],
        }),
      ),
      MEDIA_TYPE.ociManifest,
      { confirm: false },
    );
    const dir = makeWorkspace(CONTRACT, { 'keys/verifier.pub': verifier.publicPem });
    const verify = await verifyImage(dir, `${planted}@${target.digest}`, '--json');
    expect(verify.code, verify.stderr).toBe(0);
    const report = JSON.parse(verify.stdout);
    expect(found(report)).toEqual([
      ['cosign', false],
      ['fallback-tag', true],
    ]);
    expect(report.found[0].blob).toBe(tag);
    expect(report.found[0].reason).toContain('expected a sha256:… digest and a size in bytes');
  });

  it('verify --image reads an envelope listed many times in one place once', async () => {
    const planted = `${registry.host}/shop/repeated`;
    const target = await pushTestImage(`${planted}:1.0`, [{ architecture: 'amd64', layers: [1024] }]);
    const repo = { registry: registry.host, repository: 'shop/repeated' };
    const client = new RegistryClient(transportOptionsFromEnv({}));
    const tag = await attachCosignAttestations(client, repo, target.digest, [
      {
        bytes: Buffer.from(JSON.stringify(vsaFor(target.digest))),
        predicateType: 'https://slsa.dev/verification_summary/v1',
      },
    ]);
    // Someone with push access rewrites .att to list the one envelope 300 times: each read is up
    // to 16 MiB, so a listing costs the pusher bytes and the verifier 300 times as many.
    const att = await client.getManifest(repo, tag);
    const layer = att.json.layers![0]!;
    await client.putManifest(
      repo,
      tag,
      Buffer.from(JSON.stringify({ ...att.json, layers: Array.from({ length: 300 }, () => layer) })),
      MEDIA_TYPE.ociManifest,
    );
    // And the fallback tag's index lists one referrer 300 times.
    const manifest = await client.getManifest(repo, target.digest);
    const pushed = await pushReferrer(
      client,
      repo,
      { mediaType: manifest.mediaType, digest: target.digest, size: manifest.bytes.length },
      MEDIA_TYPE.dsse,
      [{ bytes: Buffer.from('{"payloadType":"junk"}'), mediaType: MEDIA_TYPE.dsse }],
    );
    const fallback = `sha256-${target.digest.slice('sha256:'.length)}`;
    const index = await client.getManifest(repo, fallback);
    await client.putManifest(
      repo,
      fallback,
      Buffer.from(
        JSON.stringify({
          ...index.json,
          manifests: Array.from({ length: 300 }, () => index.json.manifests![0]),
        }),
      ),
      MEDIA_TYPE.ociIndex,
    );
    const proxy = await startFaultProxy(registry.host);
    try {
      const dir = makeWorkspace(CONTRACT, { 'keys/verifier.pub': verifier.publicPem });
      const verify = await verifyImage(dir, `${proxy.host}/shop/repeated@${target.digest}`, '--json');
      expect(verify.code, verify.stderr).toBe(0);
      expect(found(JSON.parse(verify.stdout))).toEqual([['cosign', true]]);
      expect(proxy.seen.filter((line) => line.includes(`/blobs/${layer.digest}`))).toHaveLength(1);
      expect(proxy.seen.filter((line) => line.includes(`/manifests/${pushed.digest}`))).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });

  it('verify --image REPO:TAG@DIGEST admits only while the tag points at the digest, as check does', async () => {
    const named = `${registry.host}/shop/verify-tag:1.0`;
    const first = await pushTestImage(named, [{ architecture: 'amd64', layers: [1024] }]);
    const repo = { registry: registry.host, repository: 'shop/verify-tag' };
    const client = new RegistryClient(transportOptionsFromEnv({}));
    await attachCosignAttestations(client, repo, first.digest, [
      {
        bytes: Buffer.from(JSON.stringify(vsaFor(first.digest))),
        predicateType: 'https://slsa.dev/verification_summary/v1',
      },
    ]);
    const dir = makeWorkspace(CONTRACT, { 'keys/verifier.pub': verifier.publicPem });
    const agreeing = await verifyImage(dir, `${named}@${first.digest}`);
    expect(agreeing.code, agreeing.stderr).toBe(0);
    expect(agreeing.stdout).toContain(`admitted: ${named}@${first.digest}`);
    const second = await pushTestImage(named, [{ architecture: 'amd64', layers: [1024] }]);
    const moved = await verifyImage(dir, `${named}@${first.digest}`);
    expect(moved.code, moved.stdout).toBe(3);
    expect(moved.stderr).toContain(`the tag 1.0 points at ${second.digest}, not at ${first.digest}`);
    expect(moved.stdout).not.toContain('admitted');
  });

  it('verify --image --require-ledger refuses a VSA without its ledger proof, and --since is refused, not ignored', async () => {
    const oldRef = `${registry.host}/shop/old:1.0`;
    const old = await pushTestImage(oldRef, [{ architecture: 'amd64', layers: [1024] }]);
    const client = new RegistryClient(transportOptionsFromEnv({}));
    // A genuine VSA, signed by the verifier key, from before checkpoints: no tollgateLedger.
    const bytes = Buffer.from(JSON.stringify(vsaFor(old.digest)));
    await attachCosignAttestations(client, { registry: registry.host, repository: 'shop/old' }, old.digest, [
      { bytes, predicateType: 'https://slsa.dev/verification_summary/v1' },
    ]);
    const dir = makeWorkspace(CONTRACT, {
      'keys/verifier.pub': verifier.publicPem,
      'kept.checkpoint': 'x\n',
    });
    const at = `${registry.host}/shop/old@${old.digest}`;
    const plain = await verifyImage(dir, at);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('  a later rollback was not checked (no ledger at hand');
    const strict = await verifyImage(dir, at, '--require-ledger');
    expect(strict.code, strict.stdout).toBe(1);
    expect(strict.stdout).toContain('NOT admitted');
    expect(strict.stdout).toContain('carries no tollgateLedger');
    const since = await verifyImage(dir, at, '--since', 'kept.checkpoint');
    expect(since.code).toBe(3);
    expect(since.stderr).toContain('does not take --since');
  });

  it('promote --copy-to --publish leaves the verdict next to the copy in the production registry', async () => {
    const dest = `${prod.host}/prod/checkout:2.0.0`;
    const { dir } = await promoted(['--copy-to', dest]);
    const verify = await runCli(
      [
        'verify',
        '--image',
        `${prod.host}/prod/checkout@${image.digest}`,
        '--stage',
        'dev',
        '--key',
        join(dir, 'keys/verifier.pub'),
      ],
      { cwd: dir },
    );
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });
});
