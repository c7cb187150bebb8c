/**
 * A real OCI registry for tests: Debian's `docker-registry` (distribution 2.8) started on a free
 * loopback port with a throwaway storage directory, optionally behind htpasswd basic auth or a
 * bearer-token flow whose token server runs here (the registry validates the tokens it signs
 * against the certificate bundle it is configured with). Images are put in the registry with
 * Debian's `skopeo` from OCI layouts written here, so what Tollgate reads back was written by an
 * independent client. Every process is stopped by its own PID.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, createPrivateKey, randomBytes, sign } from 'node:crypto';
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { startOnFreePort } from './ports.js';
import { serviceAvailable } from './services.js';

function findBinary(name: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin']) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

export const REGISTRY_BIN = findBinary('docker-registry');
export const SKOPEO_BIN = findBinary('skopeo');
export const HTPASSWD_BIN = findBinary('htpasswd');

/** True when the registry tools are installed; otherwise skips (or fails under TOLLGATE_REQUIRE_SERVICES=1). */
export function registryAvailable(): boolean {
  const missing = [
    ['docker-registry', REGISTRY_BIN],
    ['skopeo', SKOPEO_BIN],
    ['htpasswd', HTPASSWD_BIN],
  ]
    .filter(([, bin]) => bin === undefined)
    .map(([name]) => name);
  return serviceAvailable(
    'OCI registry (docker-registry, skopeo, htpasswd)',
    missing.length === 0,
    `${missing.join(', ')} not installed (scripts/ci/install-registry.sh installs them)`,
  );
}

export interface TestRegistryOptions {
  /** `basic`: htpasswd users; `token`: a bearer-token server started beside the registry. */
  auth?: 'basic' | 'token';
  users?: Record<string, string>;
  /** For `token`: OAuth2 refresh tokens the token server accepts (token → user), as identity tokens. */
  refreshTokens?: Record<string, string>;
  /**
   * Serve HTTPS with a self-signed certificate for 127.0.0.1 (`certificate` in the result, for a
   * client to trust); the token server too, unless `tokenRealm` is `http`.
   */
  tls?: boolean;
  /** With `tls` and `auth: token`: `http` keeps the token realm on plain HTTP. */
  tokenRealm?: 'https' | 'http';
}

/** How a token request authenticated: no credentials, Basic, or an OAuth2 refresh token (POST). */
export type TokenGrant = 'anonymous' | 'basic' | 'refresh_token';

export interface TestRegistry {
  /** `127.0.0.1:PORT` */
  host: string;
  dir: string;
  /** The token server's request log (scopes asked for, user, how), for `auth: token`. */
  tokenRequests: Array<{ user: string | undefined; scopes: string[]; grant: TokenGrant }>;
  /** With `tls`: the PEM certificate the registry (and an https token server) presents. */
  certificate?: Buffer;
  stop(): Promise<void>;
}

/** base64url without padding. */
function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/**
 * Writes a self-signed P-256 certificate and its key (`NAME.crt`, `NAME.key` in `dir`), valid two
 * days, for `commonName` and, when given, the IP address `ip` (for a TLS server a client reaches
 * by that address). With openssl, so the certificate is not made by the code it tests.
 */
export function selfSignedCertificate(
  dir: string,
  name: string,
  commonName: string,
  ip?: string,
): { keyFile: string; certFile: string } {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.crt`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      `/CN=${commonName}`,
      ...(ip ? ['-addext', `subjectAltName=IP:${ip}`] : []),
    ],
    { stdio: 'ignore' },
  );
  return { keyFile, certFile };
}

/**
 * A token server in distribution's format: JWTs (ES256, x5c header) granting what a user asks for.
 * GET is the token flow (docs/spec/auth/token.md: Basic credentials, `scope` and `service` in the
 * query, `{token}` back); POST is the OAuth2 flow (docs/spec/auth/oauth.md: a form with
 * `grant_type=refresh_token`, `refresh_token`, `client_id`, `service` and space-separated `scope`,
 * `{access_token}` back), which is how clients spend an identity token.
 */
async function startTokenServer(
  dir: string,
  users: Record<string, string>,
  refreshTokens: Record<string, string>,
  issuer: string,
  service: string,
  tls?: { key: Buffer; cert: Buffer },
) {
  const { keyFile, certFile } = selfSignedCertificate(dir, 'token', 'tollgate-test-token-issuer');
  const key = createPrivateKey(readFileSync(keyFile));
  const der = Buffer.from(
    readFileSync(certFile, 'utf8')
      .replace(/-----[^-]+-----/g, '')
      .replace(/\s+/g, ''),
    'base64',
  );
  const requests: TestRegistry['tokenRequests'] = [];
  const refuse = (response: http.ServerResponse, status: number, error: string) => {
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error }));
  };
  const answer = async (request: http.IncomingMessage, response: http.ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://token');
    let user: string | undefined;
    let scopes: string[];
    let grant: TokenGrant = 'anonymous';
    if (request.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      if (!String(request.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
        refuse(response, 400, 'invalid_request');
        return;
      }
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      if (
        form.get('grant_type') !== 'refresh_token' ||
        !form.get('client_id') ||
        form.get('service') !== service
      ) {
        refuse(response, 400, 'invalid_request');
        return;
      }
      user = refreshTokens[form.get('refresh_token') ?? ''];
      if (user === undefined) {
        refuse(response, 401, 'invalid_grant');
        return;
      }
      grant = 'refresh_token';
      scopes = (form.get('scope') ?? '').split(' ').filter((scope) => scope !== '');
    } else {
      const header = request.headers.authorization ?? '';
      if (header.startsWith('Basic ')) {
        const [name, password] = Buffer.from(header.slice(6), 'base64').toString().split(':');
        if (name === undefined || users[name] !== password) {
          response
            .writeHead(401, { 'content-type': 'application/json' })
            .end('{"details":"bad credentials"}');
          return;
        }
        user = name;
        grant = 'basic';
      }
      scopes = url.searchParams.getAll('scope');
    }
    requests.push({ user, scopes, grant });
    // Anonymous users get nothing; known users get every action they ask for.
    const access = user
      ? scopes.flatMap((scope) => {
          const [type, ...rest] = scope.split(':');
          const actions = rest.pop() ?? '';
          return [{ type, name: rest.join(':'), actions: actions.split(',') }];
        })
      : [];
    const now = Math.floor(Date.now() / 1000);
    const head = b64url(JSON.stringify({ alg: 'ES256', typ: 'JWT', x5c: [der.toString('base64')] }));
    const claims = b64url(
      JSON.stringify({
        iss: issuer,
        sub: user ?? '',
        aud: service,
        exp: now + 300,
        nbf: now - 10,
        iat: now,
        jti: randomBytes(8).toString('hex'),
        access,
      }),
    );
    const signature = sign('sha256', Buffer.from(`${head}.${claims}`), { key, dsaEncoding: 'ieee-p1363' });
    const token = `${head}.${claims}.${b64url(signature)}`;
    const answer =
      grant === 'refresh_token'
        ? {
            access_token: token,
            scope: scopes.join(' '),
            expires_in: 300,
            issued_at: new Date(now * 1000).toISOString(),
          }
        : { token, expires_in: 300 };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  };
  const server = tls ? https.createServer(tls, answer) : http.createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { server, port, certFile, requests };
}

/** The status a GET of `url` answers with, trusting `ca` for HTTPS. */
function statusOf(url: string, ca?: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = (url.startsWith('https:') ? https : http).get(url, { ca }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
  });
}

/** Starts a registry; `stop()` ends it (by PID) and removes its directory. */
export async function startRegistry(options: TestRegistryOptions = {}): Promise<TestRegistry> {
  if (!REGISTRY_BIN) throw new Error('docker-registry is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-registry-'));
  const users = options.users ?? { ci: 'ci-secret-password' };
  let auth = '';
  let token: Awaited<ReturnType<typeof startTokenServer>> | undefined;
  let tls: { key: Buffer; cert: Buffer; files: string } | undefined;
  if (options.tls) {
    const { keyFile, certFile } = selfSignedCertificate(
      dir,
      'registry',
      'tollgate-test-registry',
      '127.0.0.1',
    );
    tls = {
      key: readFileSync(keyFile),
      cert: readFileSync(certFile),
      files: `  tls:\n    certificate: ${certFile}\n    key: ${keyFile}\n`,
    };
  }
  if (options.auth === 'basic') {
    const file = join(dir, 'htpasswd');
    writeFileSync(file, '');
    for (const [user, password] of Object.entries(users)) {
      execFileSync(HTPASSWD_BIN!, ['-B', '-b', file, user, password], { stdio: 'ignore' });
    }
    auth = `auth:\n  htpasswd:\n    realm: tollgate-test\n    path: ${file}\n`;
  } else if (options.auth === 'token') {
    token = await startTokenServer(
      dir,
      users,
      options.refreshTokens ?? {},
      'tollgate-test-issuer',
      'tollgate-test-registry',
      tls && options.tokenRealm !== 'http' ? tls : undefined,
    );
    const scheme = tls && options.tokenRealm !== 'http' ? 'https' : 'http';
    auth = `auth:\n  token:\n    realm: ${scheme}://127.0.0.1:${token.port}/token\n    service: tollgate-test-registry\n    issuer: tollgate-test-issuer\n    rootcertbundle: ${token.certFile}\n`;
  }
  mkdirSync(join(dir, 'storage'));
  const config = join(dir, 'config.yml');
  const log = join(dir, 'registry.log');
  let child: ChildProcess | undefined;
  const stop = async () => {
    if (child && child.exitCode === null && child.pid !== undefined) {
      const running = child;
      process.kill(running.pid!, 'SIGTERM');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          if (running.pid !== undefined && running.exitCode === null) process.kill(running.pid, 'SIGKILL');
          resolve();
        }, 3000);
        running.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (token) await new Promise<void>((resolve) => token!.server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  };
  // A free port is only free until somebody takes it (another test's server, this registry's own
  // token server listening on port 0): a registry that finds its port taken starts again on another.
  let host = '';
  let stderr = '';
  try {
    return await startOnFreePort((port) => {
      host = `127.0.0.1:${port}`;
      const at = host;
      writeFileSync(
        config,
        `version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'storage')}\n  delete:\n    enabled: true\nhttp:\n  addr: ${at}\n${tls?.files ?? ''}${auth}`,
      );
      const started: ChildProcess = spawn(REGISTRY_BIN, ['serve', config], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      child = started;
      stderr = '';
      started.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.length > 20000) stderr = stderr.slice(-10000);
      });
      const ready = async (): Promise<TestRegistry> => {
        for (let i = 0; i < 100; i++) {
          try {
            const status = await statusOf(`${tls ? 'https' : 'http'}://${at}/v2/`, tls?.cert);
            if (status === 200 || status === 401)
              return { host: at, dir, tokenRequests: token?.requests ?? [], certificate: tls?.cert, stop };
          } catch {
            // not listening yet
          }
          if (started.exitCode !== null) break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        throw new Error('no answer');
      };
      return { child: started, ready: ready() };
    });
  } catch (error) {
    writeFileSync(log, stderr);
    await stop();
    throw new Error(`docker-registry did not start on ${host}: ${stderr.slice(-2000)}`, { cause: error });
  }
}

export interface LayoutImage {
  /** Digest of what the layout's index.json names: an index when there are several platforms. */
  digest: string;
  mediaType: string;
  /** Digests of the platform manifests. */
  manifests: string[];
  /** Digests of every layer blob. */
  layers: string[];
  bytes: number;
}

function digestOf(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/**
 * Writes an OCI image layout with one platform manifest per entry of `platforms` (each with layers
 * of the given sizes, random bytes, as uncompressed tar-typed layers) and, for two or more
 * platforms, an index over them. `seed` makes different images different.
 */
export function writeOciLayout(
  dir: string,
  platforms: Array<{ os?: string; architecture: string; layers: number[] }>,
  seed = randomBytes(8).toString('hex'),
): LayoutImage {
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const put = (data: Buffer) => {
    const digest = digestOf(data);
    writeFileSync(join(blobs, digest.slice(7)), data);
    return { digest, size: data.length };
  };
  const manifests: LayoutImage['manifests'] = [];
  const layers: string[] = [];
  const descriptors = [];
  let bytes = 0;
  for (const [i, platform] of platforms.entries()) {
    const layerDescriptors = platform.layers.map((size) => {
      const data = randomBytes(size);
      const blob = put(data);
      layers.push(blob.digest);
      bytes += size;
      return { mediaType: 'application/vnd.oci.image.layer.v1.tar', ...blob };
    });
    const config = put(
      Buffer.from(
        JSON.stringify({
          architecture: platform.architecture,
          os: platform.os ?? 'linux',
          config: { Labels: { seed, platform: String(i) } },
          rootfs: { type: 'layers', diff_ids: layerDescriptors.map((l) => l.digest) },
        }),
      ),
    );
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: layerDescriptors,
      }),
    );
    const m = put(manifest);
    manifests.push(m.digest);
    descriptors.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      ...m,
      platform: { architecture: platform.architecture, os: platform.os ?? 'linux' },
    });
  }
  let top = descriptors[0]!;
  if (descriptors.length > 1) {
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: descriptors,
      }),
    );
    const ix = put(index);
    top = { mediaType: 'application/vnd.oci.image.index.v1+json', ...ix } as typeof top;
  }
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ ...top, annotations: { 'org.opencontainers.image.ref.name': 'image' } }],
    }),
  );
  return { digest: top.digest, mediaType: top.mediaType, manifests, layers, bytes };
}

/** Runs a program without blocking the event loop (the token server answers from this process). */
function run(program: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${program} ${args.join(' ')} exited ${code}: ${stderr}`)),
    );
  });
}

/** Pushes the layout's image to `ref` (REGISTRY/REPO:TAG) with skopeo, every platform included. */
export function skopeoPush(
  layoutDir: string,
  ref: string,
  credentials?: { user: string; password: string },
): Promise<void> {
  return run(
    SKOPEO_BIN!,
    [
      'copy',
      '--all',
      '--quiet',
      '--preserve-digests',
      '--dest-tls-verify=false',
      ...(credentials ? ['--dest-creds', `${credentials.user}:${credentials.password}`] : []),
      `oci:${layoutDir}:image`,
      `docker://${ref}`,
    ],
    { ...process.env, HOME: tmpdir() },
  );
}

/** Builds an image with `platforms` in a temporary layout and pushes it to `ref`. */
export async function pushTestImage(
  ref: string,
  platforms: Array<{ os?: string; architecture: string; layers: number[] }>,
  credentials?: { user: string; password: string },
): Promise<LayoutImage> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-layout-'));
  try {
    const image = writeOciLayout(dir, platforms);
    await skopeoPush(dir, ref, credentials);
    return image;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A Docker config.json granting `user:password` on `registry`, in a fresh directory (DOCKER_CONFIG). */
export function dockerConfigDir(registry: string, user: string, password: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-docker-config-'));
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      auths: { [registry]: { auth: Buffer.from(`${user}:${password}`).toString('base64') } },
    }),
  );
  return dir;
}

/**
 * Writes an executable `docker-credential-NAME` into a fresh directory (put it first on PATH): a
 * helper speaking the docker-credential-helpers protocol. `get` reads the server on stdin and
 * prints `{ServerURL, Username, Secret}` for a server it knows, or "credentials not found in native
 * keychain" with exit 1, as the real helpers do; anything else fails. Each call is logged to
 * `log` as `ACTION SERVER`.
 */
export function credentialHelper(
  name: string,
  known: Record<string, { username: string; secret: string }>,
): { dir: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-cred-helper-'));
  const log = join(dir, 'calls.log');
  const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
  const cases = Object.entries(known)
    .map(
      ([server, creds]) =>
        `  ${quote(server)}) printf '%s' ${quote(JSON.stringify({ ServerURL: server, Username: creds.username, Secret: creds.secret }))} ;;`,
    )
    .join('\n');
  const script = `#!/bin/sh
action="$1"
server=""
IFS= read -r server || true
printf '%s %s\\n' "$action" "$server" >> ${quote(log)}
if [ "$action" != get ]; then echo "unsupported action $action" >&2; exit 1; fi
case "$server" in
${cases}
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`;
  const file = join(dir, `docker-credential-${name}`);
  writeFileSync(file, script, { mode: 0o755 });
  writeFileSync(log, '');
  return { dir, log };
}
