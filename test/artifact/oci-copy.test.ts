/**
 * `tollgate copy` and `promote --copy-to` between real registries (Debian's docker-registry), the
 * result checked with skopeo, an independent client.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
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

  /** A workspace with the image registered through `host` (a proxy in front of a registry). */
  async function registeredThrough(host: string, repo: string, env: Record<string, string> = {}) {
    const dir = makeWorkspace(THREE_STAGES);
    const reg = await runCli(['register', '--image', `${host}/${repo}`], {
      cwd: dir,
      env: { HOME: dir, ...env },
    });
    expect(reg.code, reg.stderr).toBe(0);
    return dir;
  }

  for (const [fault, expected] of [
    ['corrupt', /blob sha256:[0-9a-f]{64} hashes to sha256:[0-9a-f]{64}, not to its digest/],
    ['truncate', /reading blob sha256:[0-9a-f]{64} was cut off|ended after \d+ of the \d+ bytes/],
  ] as const) {
    it(`refuses a source blob that is ${fault === 'corrupt' ? 'not its digest' : 'cut off'}: exit 4, no manifest at the destination, nothing recorded`, async () => {
      const proxy = await startFaultProxy(source.host);
      try {
        const dir = await registeredThrough(proxy.host, 'shop/checkout:1.4.2');
        // Only the largest layer is damaged: the manifests and the other blobs are what they say.
        proxy.rules.push({ when: new RegExp(`^GET /v2/shop/checkout/blobs/${image.layers[0]}$`), fault });
        const dest = `${source.host}/damaged-${fault}/checkout:1.4.2`;
        const result = await runCli(['copy', '--artifact', image.digest, '--to', dest], {
          cwd: dir,
          env: { HOME: dir },
        });
        expect(result.code, result.stderr).toBe(4);
        expect(result.stderr).toMatch(expected);
        expect(result.stderr).toContain(`${proxy.host}/shop/checkout`);
        expect(proxy.seen).toContain(`GET /v2/shop/checkout/blobs/${image.layers[0]}`);
        expect(skopeoDigest(dest)).toBeUndefined();
        const blob = await fetch(
          `http://${source.host}/v2/damaged-${fault}/checkout/blobs/${image.layers[0]}`,
          {
            method: 'HEAD',
          },
        );
        expect(blob.status).toBe(404);
        expect(ledgerText(dir)).not.toContain('"kind":"copy"');
      } finally {
        await proxy.close();
      }
    });
  }

  it('follows a blob read redirected to storage on another host without sending it the credentials', async () => {
    // The image on the authenticated registry; blob reads are redirected to a "storage" origin that
    // signs its own way to the registry (as S3 or a CDN URL does), and records what the client sent.
    const vault = `${target.host}/vault/checkout:1.0`;
    const pushed = await pushTestImage(vault, PLATFORMS, { user: 'ci', password: 'ci-secret-password' });
    const storage = await startFaultProxy(target.host, {
      upstreamHeaders: { authorization: `Basic ${Buffer.from('ci:ci-secret-password').toString('base64')}` },
    });
    const front = await startFaultProxy(target.host);
    try {
      front.rules.push({ when: /^GET \/v2\/vault\/checkout\/blobs\//, fault: { redirect: storage.host } });
      const env = { DOCKER_CONFIG: dockerConfigDir(front.host, 'ci', 'ci-secret-password') };
      const dir = await registeredThrough(front.host, 'vault/checkout:1.0', env);
      const dest = `${source.host}/mirror/checkout:1.0`;
      const result = await runCli(['copy', '--artifact', pushed.digest, '--to', dest, '--json'], {
        cwd: dir,
        env: { HOME: dir, ...env },
      });
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout).blobs.uploaded).toBe(7);
      expect(skopeoDigest(dest)).toBe(pushed.digest);
      // The registry itself was sent the credentials; the storage origin never was.
      expect(front.headers.some((h) => h.authorization?.startsWith('Basic '))).toBe(true);
      expect(storage.seen.filter((line) => line.includes('/blobs/'))).toHaveLength(7);
      expect(storage.headers.filter((h) => h.authorization !== undefined)).toEqual([]);
    } finally {
      await Promise.all([front.close(), storage.close()]);
    }
  });

  it('never answers a 401 challenge from the storage a blob read is redirected to: the credentials stay with the registry', async () => {
    // The storage origin is hostile: it answers every read 401 with a Bearer realm of its own and
    // records what it is sent. The real registry cannot be made to answer that (its 401s name its
    // own realm), hence this small server; the registry and the redirect in front of it are real.
    const vault = `${target.host}/vault/stolen:1.0`;
    const pushed = await pushTestImage(vault, PLATFORMS.slice(1), {
      user: 'ci',
      password: 'ci-secret-password',
    });
    const sent: string[] = [];
    const storage = http.createServer((req, res) => {
      sent.push(`${req.method} ${req.url} ${req.headers.authorization ?? '(none)'}`);
      if (req.url?.startsWith('/token'))
        return void res
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"token":"storage-token"}');
      const realm = `http://${req.headers.host}/token`;
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${realm}",service="storage"` }).end();
    });
    await new Promise<void>((resolve) => storage.listen(0, '127.0.0.1', resolve));
    const storageHost = `127.0.0.1:${(storage.address() as AddressInfo).port}`;
    const front = await startFaultProxy(target.host);
    try {
      front.rules.push({ when: /^GET \/v2\/vault\/stolen\/blobs\//, fault: { redirect: storageHost } });
      const env = { DOCKER_CONFIG: dockerConfigDir(front.host, 'ci', 'ci-secret-password') };
      const dir = await registeredThrough(front.host, 'vault/stolen:1.0', env);
      const result = await runCli(
        ['copy', '--artifact', pushed.digest, '--to', `${source.host}/mirror/stolen:1.0`],
        { cwd: dir, env: { HOME: dir, TOLLGATE_REGISTRY_TIMEOUT: '5s', ...env } },
      );
      expect(sent.some((line) => line.includes('/blobs/'))).toBe(true);
      expect(sent.filter((line) => !line.endsWith('(none)'))).toEqual([]);
      expect(result.code, result.stderr).toBe(3);
      expect(result.stderr).toContain(`to ${storageHost}, which refused it (401)`);
      expect(ledgerText(dir)).not.toContain('"kind":"copy"');
    } finally {
      await front.close();
      await new Promise<void>((resolve) => storage.close(() => resolve()));
    }
  });

  it('refuses --from naming another digest than the one copied, as --to does, and copies nothing', async () => {
    const dir = await registered();
    const other = `sha256:${'e'.repeat(64)}`;
    const dest = `${source.host}/from-other/checkout:1.4.2`;
    const result = await runCli(
      ['copy', '--artifact', image.digest, '--from', `${source.host}/shop/checkout@${other}`, '--to', dest],
      { cwd: dir },
    );
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toContain(
      `--from ${source.host}/shop/checkout@${other} names another digest than ${image.digest}`,
    );
    expect(ledgerText(dir)).not.toContain('"kind":"copy"');
    // Naming the digest copied is accepted.
    const same = await runCli(
      [
        'copy',
        '--artifact',
        image.digest,
        '--from',
        `${source.host}/shop/checkout@${image.digest}`,
        '--to',
        dest,
      ],
      { cwd: dir },
    );
    expect(same.code, same.stderr).toBe(0);
  });

  it('says and records which image a copy replaced under the destination tag', async () => {
    const dir = await registered();
    const dest = `${source.host}/overwritten/checkout:1.4.2`;
    const earlier = await pushTestImage(dest, [{ architecture: 'amd64', layers: [512] }]);
    expect(earlier.digest).not.toBe(image.digest);
    const result = await runCli(['copy', '--artifact', image.digest, '--to', dest], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`replaced ${earlier.digest}, which ${dest} named before`);
    expect(skopeoDigest(dest)).toBe(image.digest);
    expect(ledgerText(dir)).toContain(`"replaced":"${earlier.digest}"`);
    // Copied again, the tag already names the digest: nothing is said to be replaced.
    const again = await runCli(['copy', '--artifact', image.digest, '--to', dest, '--json'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).replaced).toBeUndefined();
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
