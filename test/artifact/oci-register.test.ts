/**
 * `register --image`, `check|promote --image` against a real registry (Debian's docker-registry),
 * anonymous, behind htpasswd basic auth and behind a bearer-token flow; and the network faults a
 * registry gives (5xx, 429 Retry-After, no answer), through a fault-injecting proxy in front of it.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/ledger/sqlite-store.js';
import { makeWorkspace, runCli, THREE_STAGES } from '../support/cli.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import {
  credentialHelper,
  dockerConfigDir,
  type LayoutImage,
  pushTestImage,
  registryAvailable,
  skopeoPush,
  startRegistry,
  type TestRegistry,
  writeOciLayout,
} from '../support/registry.js';

const PASSWORD = 'ci-secret-password';
const CREDS = { user: 'ci', password: PASSWORD };
const TWO_PLATFORMS = [
  { architecture: 'amd64', layers: [2048, 4096] },
  { architecture: 'arm64', layers: [3072] },
];

/** Every byte of a workspace's ledger files, to look for what must never be stored. */
function ledgerBytes(dir: string): string {
  const data = join(dir, '.tollgate');
  return readdirSync(data)
    .map((file) => readFileSync(join(data, file)).toString('latin1'))
    .join('');
}

/** A DOCKER_CONFIG directory holding `config` as its config.json. */
function dockerConfig(config: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-docker-config-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

/** Asserts that none of `texts` holds `secret` (nor its base64 in a user:secret pair). */
function expectNoSecret(texts: string[], secret: string) {
  for (const text of texts) {
    expect(text).not.toContain(secret);
    expect(text).not.toContain(Buffer.from(`ci:${secret}`).toString('base64'));
  }
}

describe.runIf(registryAvailable())('register --image against a real registry', () => {
  let registry: TestRegistry;
  let image: LayoutImage;
  beforeAll(async () => {
    registry = await startRegistry();
    image = await pushTestImage(`${registry.host}/shop/checkout:1.4.2`, TWO_PLATFORMS);
  });
  afterAll(() => registry?.stop());

  it('resolves a tag to the digest of the index (not a platform) and records registry, repository, tag and media type', async () => {
    const dir = makeWorkspace(THREE_STAGES);
    const ref = `${registry.host}/shop/checkout:1.4.2`;
    const result = await runCli(['register', '--image', ref, '--label', 'version=1.4.2', '--json'], {
      cwd: dir,
    });
    expect(result.code, result.stderr).toBe(0);
    const artifact = JSON.parse(result.stdout);
    expect(artifact.digest).toBe(image.digest);
    expect(image.manifests).not.toContain(artifact.digest);
    expect(artifact.source).toBe(`oci:${registry.host}/shop/checkout:1.4.2`);
    const explain = await runCli(['explain', image.digest, '--json'], { cwd: dir });
    expect(explain.code, explain.stderr).toBe(0);
    const ledger = ledgerBytes(dir);
    expect(ledger).toContain(
      `"image":{"mediaType":"application/vnd.oci.image.index.v1+json","registry":"${registry.host}","repository":"shop/checkout","tag":"1.4.2"}`,
    );
  });

  it('checks that REPO@DIGEST exists, and refuses one the registry does not hold (exit 3)', async () => {
    const dir = makeWorkspace(THREE_STAGES);
    const platform = image.manifests[1]!;
    const ok = await runCli(['register', '--image', `${registry.host}/shop/checkout@${platform}`, '--json'], {
      cwd: dir,
    });
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).digest).toBe(platform);
    const missing = `sha256:${'0'.repeat(63)}1`;
    const bad = await runCli(['register', '--image', `${registry.host}/shop/checkout@${missing}`], {
      cwd: dir,
    });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain(`${registry.host}/shop/checkout@${missing} does not exist on the registry`);
    const noTag = await runCli(['register', '--image', `${registry.host}/shop/checkout`], { cwd: dir });
    expect(noTag.code).toBe(3);
    expect(noTag.stderr).toContain('does not assume "latest"');
  });

  it('refuses check and promote --image when the tag has moved, naming both digests, and records nothing', async () => {
    const dir = makeWorkspace(THREE_STAGES, {
      'unit.xml': '<testsuite><testcase name="a"/><testcase name="b"/></testsuite>',
    });
    const ref = `${registry.host}/shop/moving:1.0`;
    const first = await pushTestImage(ref, [{ architecture: 'amd64', layers: [1024] }]);
    expect((await runCli(['register', '--image', ref], { cwd: dir })).code).toBe(0);
    expect(
      (
        await runCli(['attest', 'tests', '--artifact', first.digest, '--suite', 'unit', 'unit.xml'], {
          cwd: dir,
        })
      ).code,
    ).toBe(0);
    const same = await runCli(['check', 'dev', '--image', ref, '--json'], { cwd: dir });
    expect(same.code, same.stderr).toBe(0);
    expect(JSON.parse(same.stdout).artifact.digest).toBe(first.digest);

    const second = await pushTestImage(ref, [{ architecture: 'amd64', layers: [1024] }]);
    expect(second.digest).not.toBe(first.digest);
    for (const verb of ['check', 'promote']) {
      const moved = await runCli([verb, 'dev', '--image', ref], { cwd: dir });
      expect(moved.code, verb).toBe(3);
      expect(moved.stderr).toContain(`${ref} now points at ${second.digest}, not at ${first.digest}`);
      expect(moved.stderr).toContain('a moved tag is never promoted');
    }
    const history = await runCli(['history', 'dev', '--json'], { cwd: dir });
    expect(history.stdout).not.toContain('promotion');
    // By digest, the registered image still promotes.
    const byDigest = await runCli(
      ['promote', 'dev', '--image', `${registry.host}/shop/moving@${first.digest}`],
      { cwd: dir },
    );
    expect(byDigest.code, byDigest.stderr).toBe(0);
    // Registering the tag again records its new digest; then the tag is accepted again.
    expect((await runCli(['register', '--image', ref], { cwd: dir })).code).toBe(0);
    const after = await runCli(['check', 'dev', '--image', ref, '--json'], { cwd: dir });
    expect(JSON.parse(after.stdout).artifact.digest).toBe(second.digest);
  });

  it('records a registered image under a second tag, so check --image reads that tag as well', async () => {
    const dir = makeWorkspace(THREE_STAGES);
    const layout = mkdtempSync(join(tmpdir(), 'tollgate-layout-'));
    const image = writeOciLayout(layout, [{ architecture: 'amd64', layers: [1024] }]);
    const [first, second] = [`${registry.host}/shop/tagged:1.0`, `${registry.host}/shop/tagged:stable`];
    await skopeoPush(layout, first);
    await skopeoPush(layout, second);
    rmSync(layout, { recursive: true, force: true });
    expect((await runCli(['register', '--image', first], { cwd: dir })).code).toBe(0);
    const unknown = await runCli(['check', 'dev', '--image', second], { cwd: dir });
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain(`run \`tollgate register --image ${second}\` first`);

    const again = await runCli(['register', '--image', second, '--json'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ digest: image.digest, created: false });
    const checked = await runCli(['check', 'dev', '--image', second, '--json'], { cwd: dir });
    // Decided on the registered image (blocked: dev wants test results it has not got).
    expect(checked.code, checked.stderr).toBe(1);
    expect(JSON.parse(checked.stdout)).toMatchObject({
      verdict: 'blocked',
      artifact: { digest: image.digest },
    });
    // One artifact, registered under each tag once: registering the tag again records nothing.
    expect((await runCli(['register', '--image', second], { cwd: dir })).code).toBe(0);
    const store = await openSqliteStore(join(dir, '.tollgate', 'ledger.db'));
    try {
      const entries = await store.entriesForArtifact('shop', image.digest);
      expect(entries.map((e) => [e.kind, (e.payload.image as { tag?: string } | undefined)?.tag])).toEqual([
        ['register', '1.0'],
        ['register', 'stable'],
      ]);
    } finally {
      await store.close();
    }
  });

  it('says how to register a tag that was never registered', async () => {
    const dir = makeWorkspace(THREE_STAGES);
    const result = await runCli(['check', 'dev', '--image', `${registry.host}/shop/checkout:1.4.2`], {
      cwd: dir,
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      `run \`tollgate register --image ${registry.host}/shop/checkout:1.4.2\` first`,
    );
  });

  it('refuses check and promote --image REPO:TAG@DIGEST when the tag points at another digest, as register does', async () => {
    const dir = makeWorkspace(THREE_STAGES, {
      'unit.xml': '<testsuite><testcase name="a"/><testcase name="b"/></testsuite>',
    });
    const ref = `${registry.host}/shop/pinned:2.0`;
    const first = await pushTestImage(ref, [{ architecture: 'amd64', layers: [1536] }]);
    expect((await runCli(['register', '--image', ref], { cwd: dir })).code).toBe(0);
    const attest = await runCli(
      ['attest', 'tests', '--artifact', first.digest, '--suite', 'unit', 'unit.xml'],
      {
        cwd: dir,
      },
    );
    expect(attest.code, attest.stderr).toBe(0);
    // While the tag still names the digest, both together are accepted.
    const agreeing = await runCli(['check', 'dev', '--image', `${ref}@${first.digest}`, '--json'], {
      cwd: dir,
    });
    expect(agreeing.code, agreeing.stderr).toBe(0);

    const second = await pushTestImage(ref, [{ architecture: 'amd64', layers: [1536] }]);
    expect(second.digest).not.toBe(first.digest);
    for (const verb of ['check', 'promote']) {
      const moved = await runCli([verb, 'dev', '--image', `${ref}@${first.digest}`], { cwd: dir });
      expect(moved.code, `${verb}: ${moved.stderr}`).toBe(3);
      expect(moved.stderr).toContain(`the tag 2.0 points at ${second.digest}, not at ${first.digest}`);
    }
    const history = await runCli(['history', 'dev', '--json'], { cwd: dir });
    expect(history.stdout).not.toContain('promotion');
    // The digest alone still names what was validated.
    const byDigest = await runCli(
      ['promote', 'dev', '--image', `${registry.host}/shop/pinned@${first.digest}`],
      { cwd: dir },
    );
    expect(byDigest.code, byDigest.stderr).toBe(0);
  });
});

describe.runIf(registryAvailable())('registry credentials', () => {
  for (const auth of ['basic', 'token'] as const) {
    describe(`${auth} auth`, () => {
      let registry: TestRegistry;
      let image: LayoutImage;
      beforeAll(async () => {
        registry = await startRegistry({ auth });
        image = await pushTestImage(`${registry.host}/team/api:2.0`, TWO_PLATFORMS, CREDS);
      });
      afterAll(() => registry?.stop());

      it('uses the Docker config, never prints the password nor stores it', async () => {
        const dir = makeWorkspace(THREE_STAGES);
        const env = { DOCKER_CONFIG: dockerConfigDir(registry.host, 'ci', PASSWORD), HOME: dir };
        const result = await runCli(['register', '--image', `${registry.host}/team/api:2.0`], {
          cwd: dir,
          env,
        });
        expect(result.code, result.stderr).toBe(0);
        expect(result.stdout).toContain(image.digest);
        const encoded = Buffer.from(`ci:${PASSWORD}`).toString('base64');
        for (const text of [result.stdout, result.stderr, ledgerBytes(dir)]) {
          expect(text).not.toContain(PASSWORD);
          expect(text).not.toContain(encoded);
        }
        if (auth === 'token') {
          expect(registry.tokenRequests.at(-1)).toEqual({
            user: 'ci',
            scopes: ['repository:team/api:pull'],
            grant: 'basic',
          });
        }
      });

      it('reads REGISTRY_AUTH_FILE (Podman) before the Docker config', async () => {
        const dir = makeWorkspace(THREE_STAGES);
        const podman = dockerConfigDir(registry.host, 'ci', PASSWORD);
        const docker = dockerConfigDir(registry.host, 'ci', 'wrong-password');
        const env = { REGISTRY_AUTH_FILE: join(podman, 'config.json'), DOCKER_CONFIG: docker, HOME: dir };
        const result = await runCli(['register', '--image', `${registry.host}/team/api:2.0`], {
          cwd: dir,
          env,
        });
        expect(result.code, result.stderr).toBe(0);
      });

      it('asks the credential helper credHelpers names (docker-credential-NAME get), never printing nor storing the secret', async () => {
        const dir = makeWorkspace(THREE_STAGES);
        const helper = credentialHelper('tollgate-test', {
          [registry.host]: { username: 'ci', secret: PASSWORD },
        });
        // The file's own entry is wrong: the helper comes first, as in Docker.
        const config = dockerConfig({
          auths: { [registry.host]: { auth: Buffer.from('ci:wrong-password').toString('base64') } },
          credHelpers: { [registry.host]: 'tollgate-test' },
        });
        const env = {
          DOCKER_CONFIG: config,
          HOME: dir,
          PATH: `${helper.dir}${delimiter}${process.env.PATH}`,
        };
        const result = await runCli(['register', '--image', `${registry.host}/team/api:2.0`], {
          cwd: dir,
          env,
        });
        expect(result.code, result.stderr).toBe(0);
        expect(result.stdout).toContain(image.digest);
        expect(readFileSync(helper.log, 'utf8')).toBe(`get ${registry.host}\n`);
        expectNoSecret([result.stdout, result.stderr, ledgerBytes(dir)], PASSWORD);
      });

      it('asks the credsStore for any registry; a helper with nothing for it leaves the file entry to answer', async () => {
        const dir = makeWorkspace(THREE_STAGES);
        const helper = credentialHelper('tollgate-store', {
          [registry.host]: { username: 'ci', secret: PASSWORD },
        });
        const path = `${helper.dir}${delimiter}${process.env.PATH}`;
        // `docker login` with a credsStore writes no entry in auths: the store is asked anyway.
        const stored = await runCli(['register', '--image', `${registry.host}/team/api:2.0`], {
          cwd: dir,
          env: { DOCKER_CONFIG: dockerConfig({ credsStore: 'tollgate-store' }), HOME: dir, PATH: path },
        });
        expect(stored.code, stored.stderr).toBe(0);
        expectNoSecret([stored.stdout, stored.stderr], PASSWORD);

        const empty = credentialHelper('tollgate-empty', {});
        const fallback = await runCli(['register', '--image', `${registry.host}/team/api:2.0`], {
          cwd: dir,
          env: {
            DOCKER_CONFIG: dockerConfigDir(registry.host, 'ci', PASSWORD),
            REGISTRY_AUTH_FILE: join(dockerConfig({ credsStore: 'tollgate-empty' }), 'config.json'),
            HOME: dir,
            PATH: `${empty.dir}${delimiter}${process.env.PATH}`,
          },
        });
        expect(fallback.code, fallback.stderr).toBe(0);
        expect(readFileSync(empty.log, 'utf8')).toBe(`get ${registry.host}\n`);
      });

      it('refuses a credential helper that fails or is named with a path (exit 3), naming the config file', async () => {
        const dir = makeWorkspace(THREE_STAGES);
        const missing = dockerConfig({ credHelpers: { [registry.host]: 'not-installed-anywhere' } });
        const failed = await runCli(['register', '--image', `${registry.host}/team/api:2.0`], {
          cwd: dir,
          env: { DOCKER_CONFIG: missing, HOME: dir },
        });
        expect(failed.code).toBe(3);
        expect(failed.stderr).toContain(
          `${join(missing, 'config.json')}: credential helper docker-credential-not-installed-anywhere failed for ${registry.host}`,
        );
        const pathy = dockerConfig({ credsStore: '../../bin/sh' });
        const refused = await runCli(['register', '--image', `${registry.host}/team/api:2.0`], {
          cwd: dir,
          env: { DOCKER_CONFIG: pathy, HOME: dir },
        });
        expect(refused.code).toBe(3);
        expect(refused.stderr).toContain('credential helper "../../bin/sh" is not a helper name');
        const status = await runCli(['status', '--json'], { cwd: dir });
        expect(status.stdout).not.toContain('sha256:');
      });

      it('refuses without credentials or with wrong ones (exit 3), saying how to log in, and records nothing', async () => {
        const dir = makeWorkspace(THREE_STAGES);
        const anonymous = await runCli(['register', '--image', `${registry.host}/team/api:2.0`], {
          cwd: dir,
          env: {
            HOME: dir,
            DOCKER_CONFIG: join(dir, 'none'),
            REGISTRY_AUTH_FILE: undefined,
            XDG_RUNTIME_DIR: undefined,
          },
        });
        expect(anonymous.code).toBe(3);
        expect(anonymous.stderr).toMatch(/docker login|podman login/);
        const wrong = await runCli(['register', '--image', `${registry.host}/team/api:2.0`], {
          cwd: dir,
          env: { HOME: dir, DOCKER_CONFIG: dockerConfigDir(registry.host, 'ci', 'wrong-password') },
        });
        expect(wrong.code).toBe(3);
        expect(wrong.stderr).not.toContain('wrong-password');
        const status = await runCli(['status', '--json'], { cwd: dir });
        expect(status.stdout).not.toContain('sha256:');
      });
    });
  }

  describe('identity tokens (OAuth2 refresh tokens)', () => {
    const REFRESH = 'refresh-9f8e7d6c5b4a';
    let registry: TestRegistry;
    let image: LayoutImage;
    beforeAll(async () => {
      registry = await startRegistry({ auth: 'token', refreshTokens: { [REFRESH]: 'ci' } });
      image = await pushTestImage(`${registry.host}/team/api:2.0`, TWO_PLATFORMS, CREDS);
    });
    afterAll(() => registry?.stop());

    it('spends an identitytoken with a POST grant_type=refresh_token and uses the access token it gets', async () => {
      const dir = makeWorkspace(THREE_STAGES);
      const env = {
        DOCKER_CONFIG: dockerConfig({ auths: { [registry.host]: { identitytoken: REFRESH } } }),
        HOME: dir,
      };
      const result = await runCli(['register', '--image', `${registry.host}/team/api:2.0`], {
        cwd: dir,
        env,
      });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(image.digest);
      expect(registry.tokenRequests.at(-1)).toEqual({
        user: 'ci',
        scopes: ['repository:team/api:pull'],
        grant: 'refresh_token',
      });
      expectNoSecret([result.stdout, result.stderr, ledgerBytes(dir)], REFRESH);
    });

    it('takes an identity token from a credential helper (Username "<token>")', async () => {
      const dir = makeWorkspace(THREE_STAGES);
      const helper = credentialHelper('tollgate-oauth', {
        [registry.host]: { username: '<token>', secret: REFRESH },
      });
      const before = registry.tokenRequests.length;
      const result = await runCli(['register', '--image', `${registry.host}/team/api:2.0`], {
        cwd: dir,
        env: {
          DOCKER_CONFIG: dockerConfig({ credHelpers: { [registry.host]: 'tollgate-oauth' } }),
          HOME: dir,
          PATH: `${helper.dir}${delimiter}${process.env.PATH}`,
        },
      });
      expect(result.code, result.stderr).toBe(0);
      expect(registry.tokenRequests.slice(before).map((r) => r.grant)).toEqual(['refresh_token']);
      expectNoSecret([result.stdout, result.stderr, ledgerBytes(dir)], REFRESH);
    });

    it('refuses a refresh token the token server does not know (exit 3), naming the file but not the token', async () => {
      const dir = makeWorkspace(THREE_STAGES);
      const config = dockerConfig({ auths: { [registry.host]: { identitytoken: 'refresh-revoked-0000' } } });
      const result = await runCli(['register', '--image', `${registry.host}/team/api:2.0`], {
        cwd: dir,
        env: { DOCKER_CONFIG: config, HOME: dir },
      });
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(`refused the credentials from ${join(config, 'config.json')}`);
      expect(result.stderr).not.toContain('refresh-revoked-0000');
      const status = await runCli(['status', '--json'], { cwd: dir });
      expect(status.stdout).not.toContain('sha256:');
    });
  });

  it('the token flow is real: the registry refuses a token signed by another key', async () => {
    const registry = await startRegistry({ auth: 'token' });
    try {
      const forged = `${Buffer.from('{"alg":"ES256","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"iss":"tollgate-test-issuer","aud":"tollgate-test-registry","access":[{"type":"repository","name":"team/api","actions":["pull"]}]}').toString('base64url')}.AAAA`;
      const response = await fetch(`http://${registry.host}/v2/team/api/tags/list`, {
        headers: { authorization: `Bearer ${forged}` },
      });
      expect(response.status).toBe(401);
    } finally {
      await registry.stop();
    }
  });
});

describe.runIf(registryAvailable())('registry faults', () => {
  let registry: TestRegistry;
  let image: LayoutImage;
  beforeAll(async () => {
    registry = await startRegistry();
    image = await pushTestImage(`${registry.host}/shop/faulty:1.0`, [
      { architecture: 'amd64', layers: [1024] },
    ]);
  });
  afterAll(() => registry?.stop());

  it('retries 5xx and a 429 with Retry-After, then succeeds', async () => {
    const proxy = await startFaultProxy(registry.host);
    try {
      proxy.plan.push(503, 500, { status: 429, retryAfter: '1' }, 'reset');
      const dir = makeWorkspace(THREE_STAGES);
      const result = await runCli(['register', '--image', `${proxy.host}/shop/faulty:1.0`, '--json'], {
        cwd: dir,
      });
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout).digest).toBe(image.digest);
      expect(proxy.seen.filter((line) => line.includes('/manifests/1.0'))).toHaveLength(5);
    } finally {
      await proxy.close();
    }
  });

  for (const [name, fault, env] of [
    ['answers 503 every time', 503, {}],
    ['asks to retry after longer than the budget', { status: 429, retryAfter: '3600' }, {}],
    ['never answers', 'hang', { TOLLGATE_REGISTRY_ATTEMPT_TIMEOUT: '500ms' }],
  ] as const) {
    it(`gives up with exit 4 and records nothing when the registry ${name}`, async () => {
      const proxy = await startFaultProxy(registry.host);
      try {
        proxy.always = fault;
        const dir = makeWorkspace(THREE_STAGES);
        const result = await runCli(['register', '--image', `${proxy.host}/shop/faulty:1.0`], {
          cwd: dir,
          env: { TOLLGATE_REGISTRY_TIMEOUT: '3s', ...env },
        });
        expect(result.code, result.stderr).toBe(4);
        expect(result.stderr).toContain(
          `registry ${proxy.host} did not answer GET /v2/shop/faulty/manifests/1.0`,
        );
        expect(result.stderr).toContain('nothing was recorded');
        const status = await runCli(['status', '--json'], { cwd: dir });
        expect(status.stdout).not.toContain('sha256:');
      } finally {
        await proxy.close();
      }
    });
  }
});
