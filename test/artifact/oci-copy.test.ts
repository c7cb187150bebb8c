/**
 * `tollgate copy` and `promote --copy-to` between real registries (Debian's docker-registry), the
 * result checked with skopeo, an independent client.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorkspace, runCli, THREE_STAGES } from '../support/cli.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import {
  dockerConfigDir,
  type LayoutImage,
  pushTestImage,
  registryAvailable,
  SKOPEO_BIN,
  startRegistry,
  type TestRegistry,
} from '../support/registry.js';

/** The digest of what `ref` names, read by skopeo (raw manifest bytes hashed here). */
function skopeoDigest(ref: string, creds?: string): string | undefined {
  try {
    const raw = execFileSync(
      SKOPEO_BIN!,
      ['inspect', '--raw', '--tls-verify=false', ...(creds ? ['--creds', creds] : []), `docker://${ref}`],
      { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, HOME: tmpdir() } },
    );
    return `sha256:${createHash('sha256').update(raw).digest('hex')}`;
  } catch {
    return undefined;
  }
}

function ledgerText(dir: string): string {
  const data = join(dir, '.tollgate');
  return readdirSync(data)
    .map((file) => readFileSync(join(data, file)).toString('latin1'))
    .join('');
}

const PLATFORMS = [
  { architecture: 'amd64', layers: [300_000, 120_000, 5_000] },
  { architecture: 'arm64', layers: [250_000, 7_000] },
];

describe.runIf(registryAvailable())('tollgate copy', () => {
  let source: TestRegistry;
  let target: TestRegistry;
  let image: LayoutImage;
  let ref: string;
  beforeAll(async () => {
    [source, target] = await Promise.all([startRegistry(), startRegistry({ auth: 'basic' })]);
    ref = `${source.host}/shop/checkout:1.4.2`;
    image = await pushTestImage(ref, PLATFORMS);
  });
  afterAll(async () => {
    await Promise.all([source?.stop(), target?.stop()]);
  });

  async function registered() {
    const dir = makeWorkspace(THREE_STAGES, {
      'unit.xml': '<testsuite><testcase name="a"/><testcase name="b"/></testsuite>',
    });
    const reg = await runCli(['register', '--image', ref], { cwd: dir });
    expect(reg.code, reg.stderr).toBe(0);
    return dir;
  }

  it('copies every platform and blob to another registry (with credentials), checks the digest, and records the copy', async () => {
    const dir = await registered();
    const env = { DOCKER_CONFIG: dockerConfigDir(target.host, 'ci', 'ci-secret-password'), HOME: dir };
    const dest = `${target.host}/prod/checkout:1.4.2`;
    const result = await runCli(['copy', '--artifact', image.digest, '--to', dest, '--json'], {
      cwd: dir,
      env,
    });
    expect(result.code, result.stderr).toBe(0);
    const copy = JSON.parse(result.stdout);
    expect(copy).toMatchObject({
      digest: image.digest,
      from: `${source.host}/shop/checkout`,
      to: dest,
      manifests: 3,
      blobs: { total: 5 + 2, uploaded: 7, mounted: 0, skipped: 0 },
    });
    expect(copy.bytes).toBeGreaterThan(680_000);
    // skopeo reads the same index, by tag and every platform by digest.
    expect(skopeoDigest(dest, 'ci:ci-secret-password')).toBe(image.digest);
    for (const manifest of image.manifests) {
      expect(skopeoDigest(`${target.host}/prod/checkout@${manifest}`, 'ci:ci-secret-password')).toBe(
        manifest,
      );
    }
    expect(ledgerText(dir)).toContain(`"kind":"copy"`);
    expect(ledgerText(dir)).not.toContain('ci-secret-password');
    const verify = await runCli(['ledger', 'verify'], { cwd: dir });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);

    // Again: everything is already there.
    const again = await runCli(['copy', '--artifact', image.digest, '--to', dest, '--json'], {
      cwd: dir,
      env,
    });
    expect(JSON.parse(again.stdout).blobs).toEqual({ total: 7, uploaded: 0, mounted: 0, skipped: 7 });
  });

  it('mounts blobs within one registry instead of uploading them', async () => {
    const dir = await registered();
    const result = await runCli(
      ['copy', '--image', ref, '--to', `${source.host}/release/checkout`, '--json'],
      { cwd: dir },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).blobs).toEqual({ total: 7, uploaded: 0, mounted: 7, skipped: 0 });
    expect(skopeoDigest(`${source.host}/release/checkout@${image.digest}`)).toBe(image.digest);
  });

  it('copies with --stage only a digest promoted there, and promote --copy-to copies after recording', async () => {
    const dir = await registered();
    const dest = `${source.host}/gated/checkout:1.4.2`;
    const refused = await runCli(['copy', '--artifact', image.digest, '--to', dest, '--stage', 'dev'], {
      cwd: dir,
    });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('was never promoted into dev');
    expect(skopeoDigest(dest)).toBeUndefined();

    expect(
      (
        await runCli(['attest', 'tests', '--artifact', image.digest, '--suite', 'unit', 'unit.xml'], {
          cwd: dir,
        })
      ).code,
    ).toBe(0);
    const promoted = await runCli(['promote', 'dev', '--image', ref, '--copy-to', dest], { cwd: dir });
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(promoted.stderr).toContain(`copied ${image.digest} from ${source.host}/shop/checkout to ${dest}`);
    expect(skopeoDigest(dest)).toBe(image.digest);
  });

  it('records nothing when the destination fails (exit 4)', async () => {
    const dir = await registered();
    const proxy = await startFaultProxy(target.host);
    try {
      proxy.always = 503;
      const result = await runCli(
        ['copy', '--artifact', image.digest, '--to', `${proxy.host}/prod/broken:1`],
        {
          cwd: dir,
          env: { TOLLGATE_REGISTRY_TIMEOUT: '2s' },
        },
      );
      expect(result.code, result.stderr).toBe(4);
      expect(ledgerText(dir)).not.toContain('"kind":"copy"');
    } finally {
      await proxy.close();
    }
  });
});
