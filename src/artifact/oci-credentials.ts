/**
 * Registry credentials from the files `docker login` and `podman login` write, in Podman's order:
 * REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json, $XDG_CONFIG_HOME/containers/auth.json
 * (~/.config), then Docker's $DOCKER_CONFIG/config.json (~/.docker). The first file with an entry
 * for the registry wins. In each file a credential helper comes first, as in Docker: the one
 * `credHelpers` names for the registry, else the `credsStore`, run as `docker-credential-<name> get`
 * (the docker-credential-helpers protocol: the server on stdin, `{ServerURL, Username, Secret}` on
 * stdout, `Username` `<token>` for an identity token); then the `auths` entry, which may hold `auth`
 * (base64 user:password), `username`/`password` or an `identitytoken`. Credentials are only ever
 * handed to the transport: never printed, never stored.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { TollgateError } from '../errors.js';

/** Environment variables by name (the process's, passed in; never read globally). */
export type Environment = Readonly<Record<string, string | undefined>>;

export interface RegistryCredentials {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (`identitytoken`), exchanged at the token endpoint. */
  identityToken?: string;
  /** The file the credentials came from, for messages (never the credentials themselves). */
  from: string;
}

interface AuthEntry {
  auth?: unknown;
  username?: unknown;
  password?: unknown;
  identitytoken?: unknown;
}

interface AuthFile {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** The auth files to look in, most specific first. */
export function authFiles(env: Environment): string[] {
  const home = env.HOME || homedir();
  const files: string[] = [];
  if (env.REGISTRY_AUTH_FILE) files.push(env.REGISTRY_AUTH_FILE);
  if (env.XDG_RUNTIME_DIR) files.push(join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  files.push(join(env.XDG_CONFIG_HOME || join(home, '.config'), 'containers', 'auth.json'));
  files.push(join(env.DOCKER_CONFIG || join(home, '.docker'), 'config.json'));
  return files;
}

function readAuthFile(path: string): AuthFile | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as AuthFile) : undefined;
  } catch (cause) {
    throw new TollgateError(
      'CONFIG_INVALID',
      `${path}: not valid JSON, so its registry credentials cannot be read`,
      {
        cause,
      },
    );
  }
}

/** The keys under which an auth file may name `registry` for `repository`, most specific first. */
function candidateKeys(registry: string, repository: string): string[] {
  const keys: string[] = [];
  // Podman allows entries scoped to a namespace or repository: registry/ns/repo, registry/ns.
  const parts = repository.split('/');
  for (let i = parts.length; i > 0; i--) keys.push(`${registry}/${parts.slice(0, i).join('/')}`);
  keys.push(
    registry,
    `https://${registry}`,
    `http://${registry}`,
    `${registry}/v1/`,
    `https://${registry}/v1/`,
    `https://${registry}/v2/`,
  );
  if (registry === 'docker.io')
    keys.push('https://index.docker.io/v1/', 'index.docker.io', 'registry-1.docker.io');
  return keys;
}

function fromEntry(entry: AuthEntry, file: string, key: string): RegistryCredentials | undefined {
  const where = `${file} (entry "${key}")`;
  if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') {
    return {
      identityToken: entry.identitytoken,
      ...(typeof entry.username === 'string' ? { username: entry.username } : {}),
      from: where,
    };
  }
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) {
      throw new TollgateError('CONFIG_INVALID', `${where}: "auth" must be base64 of user:password`);
    }
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), from: where };
  }
  if (typeof entry.username === 'string' && typeof entry.password === 'string') {
    return { username: entry.username, password: entry.password, from: where };
  }
  return undefined;
}

/** Runs `docker-credential-<helper> get` for the registry, as Docker does. */
function fromHelper(helper: string, registry: string, file: string): RegistryCredentials | undefined {
  // The name becomes part of a program name looked up on PATH: a path in it would run anything.
  if (!/^[A-Za-z0-9][\w.-]*$/.test(helper)) {
    throw new TollgateError(
      'CONFIG_INVALID',
      `${file}: credential helper "${helper}" is not a helper name (expected letters, digits, ".", "_" or "-"; it is run as docker-credential-NAME)`,
    );
  }
  const program = `docker-credential-${helper}`;
  const server = registry === 'docker.io' ? 'https://index.docker.io/v1/' : registry;
  let output: string;
  try {
    output = execFileSync(program, ['get'], {
      input: server,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: 30_000,
    });
  } catch (cause) {
    const stdout = String((cause as { stdout?: unknown }).stdout ?? '');
    // Helpers answer "credentials not found in native keychain" when they have nothing: anonymous access.
    if (/not found/i.test(stdout)) return undefined;
    throw new TollgateError(
      'CONFIG_INVALID',
      `${file}: credential helper ${program} failed for ${registry}: ${(cause as Error).message.split('\n')[0]}`,
      { cause },
    );
  }
  let parsed: { Username?: unknown; Secret?: unknown };
  try {
    parsed = JSON.parse(output) as typeof parsed;
  } catch (cause) {
    throw new TollgateError('CONFIG_INVALID', `${file}: credential helper ${program} did not answer JSON`, {
      cause,
    });
  }
  if (typeof parsed.Secret !== 'string' || parsed.Secret === '') return undefined;
  const where = `${file} (credential helper ${program})`;
  if (parsed.Username === '<token>') return { identityToken: parsed.Secret, from: where };
  return { username: String(parsed.Username ?? ''), password: parsed.Secret, from: where };
}

/**
 * The credentials for `registry` (and `repository`, for Podman's scoped entries), or undefined for
 * anonymous access.
 */
export function findCredentials(
  registry: string,
  repository: string,
  env: Environment,
): RegistryCredentials | undefined {
  const keys = candidateKeys(registry, repository);
  const helperKeys = registry === 'docker.io' ? HUB_KEYS : [registry];
  for (const file of authFiles(env)) {
    const config = readAuthFile(file);
    if (!config) continue;
    // Docker's order: the registry's own helper (credHelpers), else the default store (credsStore),
    // which Docker asks for every registry. A helper with nothing for it ("credentials not found")
    // leaves the file's own entry, then the next file, to answer.
    const named = helperKeys
      .map((key) => config.credHelpers?.[key])
      .find((name) => typeof name === 'string' && name !== '');
    const helper =
      named ??
      (typeof config.credsStore === 'string' && config.credsStore !== '' ? config.credsStore : undefined);
    if (helper !== undefined) {
      const found = fromHelper(helper, registry, file);
      if (found) return found;
    }
    const auths = config.auths ?? {};
    for (const key of keys) {
      const entry = auths[key];
      if (entry && typeof entry === 'object') {
        const found = fromEntry(entry, file, key);
        if (found) return found;
      }
    }
  }
  return undefined;
}

/** The names Docker Hub goes by in auth files and helper maps. */
const HUB_KEYS = ['docker.io', 'index.docker.io', 'https://index.docker.io/v1/', 'registry-1.docker.io'];
