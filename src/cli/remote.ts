/**
 * The CLI talking to a Tollgate server (`--server URL` or TOLLGATE_SERVER, the credential in
 * TOLLGATE_TOKEN): each verb calls its route under /api/v1 and prints the document the server
 * answers, which is byte for byte what the same verb prints locally with `--json`, so the text,
 * `--json` and `--markdown` output and the exit codes are the local ones. The server decides who
 * acts and what time it is; `--as` and `--now` are only passed on (Tollgate-As, Tollgate-Now),
 * and the server refuses them unless the pipeline is a demo.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import type { Decision } from '../decision.js';
import { type ErrorCode, TollgateError } from '../errors.js';
import { maskUrl as maskText } from '../text/secret-detector.js';

const maskUrl = (url: string | URL) => maskText(String(url));
const VERDICTS: ReadonlySet<string> = new Set(['allowed', 'blocked', 'pending']);

/** The command paths that have a route; every other ledger verb is refused with --server. */
export const REMOTE_VERBS: ReadonlySet<string> = new Set([
  'check',
  'promote',
  'register',
  'attest tests',
  'attest sbom',
  'attest scan',
  'attest provenance',
  'attest evidence',
  'attest statement',
  'attest cdevent',
  'attest verification',
  'approve',
  'reject',
  'status',
  'history',
  'explain',
  'windows',
  'drift',
  'rollback',
  'rollback check',
  'vsa',
  'ledger verify',
  'contract push',
  'contract versions',
  'watch',
]);

/**
 * Commands that never touch a ledger (or talk to the server their own way): they run as they do
 * without a server, so a CI job with TOLLGATE_SERVER in its environment can still validate a contract.
 */
export const LOCAL_VERBS: ReadonlySet<string> = new Set([
  'init',
  'validate',
  'schema',
  'sign',
  'verify',
  'verify-bundle',
  'serve',
  'token create',
  'token list',
  'token revoke',
  'demo',
  'ci github',
  'ci gitlab',
]);

/** `attest tests` as a path: the names of the command and its parents below the program. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** The server URL of this run, if any: `--server`, else TOLLGATE_SERVER. */
export function serverOf(command: Command, env: NodeJS.ProcessEnv): string | undefined {
  const flag = (command.optsWithGlobals() as { server?: string }).server;
  const value = (flag ?? env.TOLLGATE_SERVER ?? '').trim();
  return value === '' ? undefined : value;
}

/**
 * Refuses, before anything runs, a ledger verb that has no route when a server is set: it must
 * never quietly run on a local ledger instead.
 */
export function assertRemoteVerb(command: Command, env: NodeJS.ProcessEnv): void {
  const path = commandPath(command);
  if (serverOf(command, env) === undefined || LOCAL_VERBS.has(path) || REMOTE_VERBS.has(path)) return;
  throw new TollgateError(
    'USAGE',
    `tollgate ${path} has no route on a Tollgate server: run it without --server (and without TOLLGATE_SERVER), on a ledger you can reach`,
  );
}

/** The headers of an answer, by name (any case); null when absent. */
export interface AnswerHeaders {
  get(name: string): string | null;
}

export interface RemoteAnswer<T = unknown> {
  status: number;
  headers: AnswerHeaders;
  document: T;
}

/** What the server answered: its status and headers, and the body still to be read. */
interface RemoteResponse {
  status: number;
  statusText: string;
  ok: boolean;
  headers: AnswerHeaders;
  text(): Promise<string>;
}

/**
 * One keep-alive connection pool for the run. Requests go through node:http rather than `fetch`:
 * a CLI run makes one or two requests, and the first `fetch` of a process loads and compiles
 * Node's bundled undici, measured at 100–200 ms on the shared CI machine against 25–80 ms for
 * the whole first node:http request (idle kept connections do not hold the process open).
 */
const agents: { http?: import('node:http').Agent; https?: import('node:http').Agent } = {};
/** Built-ins loaded on demand (`await import()` has no callback in the CLI bundle's vm.Script). */
const lazyRequire = createRequire(import.meta.url);

export interface RemoteRequest {
  query?: Record<string, string | undefined>;
  /** A JSON body. */
  json?: unknown;
  /** A file streamed as the body (evidence uploads). */
  file?: string;
  /**
   * Several files streamed as the file parts of one `multipart/form-data` body, each named by
   * the path given (the server quotes it in messages and documents, as the CLI does locally).
   */
  files?: readonly string[];
  /** The body's media type (`file`), or each part's (`files`). */
  contentType?: string;
}

/** A file name as a quoted-string of a Content-Disposition header. */
function quoted(name: string): string {
  return `"${name.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\u0000-\u001f\u007f]/g, ' ')}"`;
}

/** The multipart body of `files`, produced as it is sent: one file open at a time. */
async function* multipartBody(
  boundary: string,
  files: readonly string[],
  contentType: string,
): AsyncGenerator<Buffer> {
  for (const file of files) {
    yield Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename=${quoted(file)}\r\nContent-Type: ${contentType}\r\n\r\n`,
    );
    for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) yield chunk as Buffer;
    yield Buffer.from('\r\n');
  }
  yield Buffer.from(`--${boundary}--\r\n`);
}

/** An answer's body as a JSON document; undefined when it is empty or not JSON. */
async function parseBody(response: Pick<RemoteResponse, 'text'>): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A server, a credential and the pipeline the verbs are about. */
export class Remote {
  constructor(
    readonly base: URL,
    private readonly token: string,
    readonly pipeline: string,
    private readonly extraHeaders: Record<string, string>,
  ) {}

  /** `/api/v1/pipelines/{pipeline}` + rest. */
  pipelinePath(rest: string): string {
    return `pipelines/${encodeURIComponent(this.pipeline)}${rest}`;
  }

  stagePath(stage: string, rest: string): string {
    return this.pipelinePath(`/stages/${encodeURIComponent(stage)}${rest}`);
  }

  artifactPath(digest: string, rest = ''): string {
    return this.pipelinePath(`/artifacts/${encodeURIComponent(digest)}${rest}`);
  }

  /** The URL of an API path with its query. */
  private urlOf(path: string, query: RemoteRequest['query']): URL {
    const url = new URL(`api/v1/${path}`, this.base);
    for (const [key, value] of Object.entries(query ?? {}))
      if (value !== undefined) url.searchParams.set(key, value);
    return url;
  }

  /** Sends a request; a server that does not answer is STORE_UNAVAILABLE (exit 4). */
  private async send(
    method: string,
    path: string,
    options: RemoteRequest & { accept?: string },
  ): Promise<RemoteResponse> {
    const url = this.urlOf(path, options.query);
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.token}`,
      accept: options.accept ?? 'application/json',
      ...this.extraHeaders,
    };
    // Streamed bodies go chunked: a large report is never read whole into this process's memory.
    let body: Buffer | Readable | undefined;
    if (options.json !== undefined) {
      body = Buffer.from(JSON.stringify(options.json));
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(body.length);
    } else if (options.file !== undefined) {
      headers['content-type'] = options.contentType ?? 'application/octet-stream';
      body = createReadStream(options.file);
    } else if (options.files !== undefined) {
      const boundary = `tollgate-${randomUUID()}`;
      headers['content-type'] = `multipart/form-data; boundary=${boundary}`;
      body = Readable.from(
        multipartBody(boundary, options.files, options.contentType ?? 'application/octet-stream'),
      );
    }
    const scheme = url.protocol === 'https:' ? 'https' : 'http';
    const client = lazyRequire(`node:${scheme}`) as typeof import('node:http');
    agents[scheme] ??= new client.Agent({ keepAlive: true });
    const agent = agents[scheme];
    try {
      return await new Promise<RemoteResponse>((resolve, reject) => {
        const req = client.request(url, { method, headers, agent }, (res) => {
          const status = res.statusCode ?? 0;
          resolve({
            status,
            statusText: res.statusMessage ?? '',
            ok: status >= 200 && status < 300,
            headers: {
              get(name) {
                const value = res.headers[name.toLowerCase()];
                return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
              },
            },
            async text() {
              const chunks: Buffer[] = [];
              for await (const chunk of res) chunks.push(chunk as Buffer);
              return Buffer.concat(chunks).toString('utf8');
            },
          });
        });
        req.on('error', reject);
        if (body instanceof Readable) {
          // A file that cannot be read ends the request with that error, not a hung upload.
          body.on('error', (error) => req.destroy(error));
          body.pipe(req);
        } else req.end(body);
      });
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : '';
      throw new TollgateError(
        'STORE_UNAVAILABLE',
        `the Tollgate server at ${maskUrl(this.base)} did not answer${reason ? `: ${reason}` : ''}`,
        { cause },
      );
    }
  }

  /** The error a refused request stands for: the server's code and message, or its status. */
  private async refusal(response: RemoteResponse | Response): Promise<TollgateError> {
    const document = await parseBody(response);
    const error = (document as { error?: { code?: string; message?: string } } | undefined)?.error;
    if (typeof error?.code === 'string' && typeof error.message === 'string')
      return new TollgateError(error.code as ErrorCode, `${error.message} (server ${maskUrl(this.base)})`);
    return new TollgateError(
      response.status >= 500 ? 'STORE_UNAVAILABLE' : 'USAGE',
      `the Tollgate server at ${maskUrl(this.base)} answered ${response.status} ${response.statusText} without an error document`,
    );
  }

  /**
   * The decision a check or promotion answered, once it is one about what was asked: its exit code
   * gates a CI job, so a document that is no decision (a server URL pointing at another service, a
   * proxy's own JSON) or another request's decision fails the job instead of letting it through.
   * @throws TollgateError STORE_UNAVAILABLE (exit 4) saying what the answer lacks
   */
  decisionOf<T extends Decision>(document: unknown, stage: string, digest: string): T {
    const found = (document ?? {}) as Record<string, unknown>;
    const artifact = (found.artifact ?? {}) as { digest?: unknown };
    const problem =
      typeof found.verdict !== 'string' || !VERDICTS.has(found.verdict)
        ? `its verdict is ${JSON.stringify(found.verdict) ?? 'missing'}`
        : !['gates', 'validated', 'risks', 'required'].every((list) => Array.isArray(found[list]))
          ? 'it lacks its gates and lists'
          : (this.aboutOther(artifact.digest, digest, 'artifact') ??
            this.aboutOther(found.stage, stage, 'stage') ??
            this.aboutOther(found.pipeline, this.pipeline, 'pipeline'));
    return this.answerOf<T>(document, `a decision about ${digest} entering ${stage}`, problem);
  }

  /**
   * `decisionOf` for a decision asked by `digest`, which may be the sha512 of an artifact the
   * server keeps under its sha256 (docs/trust.md, "The identity of an artifact"): the server then
   * answers about that sha256. Such an answer is about what was asked once the server's passport
   * of the artifact it names records that sha512; any other answer is judged as by `decisionOf`.
   * @throws TollgateError STORE_UNAVAILABLE (exit 4) saying what the answer lacks
   */
  async decisionAbout<T extends Decision>(document: unknown, stage: string, digest: string): Promise<T> {
    const asked = digest.toLowerCase();
    const found = ((document ?? {}) as { artifact?: { digest?: unknown } }).artifact?.digest;
    if (asked.startsWith('sha512:') && typeof found === 'string' && /^sha256:[0-9a-f]{64}$/.test(found)) {
      const { document: passport } = await this.request<{
        artifact?: { digest?: unknown; digests?: { sha512?: unknown } };
      }>('GET', this.artifactPath(found));
      const artifact = passport?.artifact;
      if (artifact?.digest === found && `sha512:${String(artifact.digests?.sha512)}` === asked)
        return this.decisionOf<T>(document, stage, found);
    }
    return this.decisionOf<T>(document, stage, digest);
  }

  /** The drift report answered, once it is one between the stages asked (see decisionOf). */
  driftOf<T>(document: unknown, upstream: string, stage: string): T {
    const found = (document ?? {}) as Record<string, unknown>;
    const from = (found.upstream ?? {}) as { stage?: unknown };
    const to = (found.downstream ?? {}) as { stage?: unknown };
    const problem =
      typeof found.over !== 'boolean' || !Array.isArray(found.differences)
        ? 'it says neither its differences nor whether a budget is over'
        : (this.aboutOther(from.stage, upstream, 'stage') ?? this.aboutOther(to.stage, stage, 'stage'));
    return this.answerOf<T>(document, `a drift report from ${upstream} to ${stage}`, problem);
  }

  /** The rollback check answered, once it is one of the stage asked (see decisionOf). */
  rollbackCheckOf<T>(document: unknown, stage: string, digest: string | undefined): T {
    const found = (document ?? {}) as Record<string, unknown>;
    const problem =
      !Number.isInteger(found.exitCode) || (found.exitCode as number) < 0 || (found.exitCode as number) > 4
        ? `its exit code is ${JSON.stringify(found.exitCode) ?? 'missing'}`
        : !Array.isArray(found.conditions)
          ? 'it lacks its conditions'
          : (this.aboutOther(found.stage, stage, 'stage') ??
            this.aboutOther(found.pipeline, this.pipeline, 'pipeline') ??
            (digest === undefined ? undefined : this.aboutOther(found.digest, digest, 'artifact')));
    return this.answerOf<T>(document, `a rollback check of ${stage}`, problem);
  }

  /** Undefined when `found` is `asked` (digests compare case-insensitively), else what differs. */
  private aboutOther(found: unknown, asked: string, what: string): string | undefined {
    const same =
      typeof found === 'string' &&
      (what === 'artifact' ? found.toLowerCase() === asked.toLowerCase() : found === asked);
    return same ? undefined : `it is about ${what} ${String(found)}, not ${asked}`;
  }

  private answerOf<T>(document: unknown, expected: string, problem: string | undefined): T {
    if (problem !== undefined)
      throw new TollgateError(
        'STORE_UNAVAILABLE',
        `the answer of ${maskUrl(this.base)} is not ${expected} (${problem}): is TOLLGATE_SERVER a Tollgate server?`,
      );
    return document as T;
  }

  async request<T = unknown>(
    method: string,
    path: string,
    options: RemoteRequest = {},
  ): Promise<RemoteAnswer<T>> {
    const response = await this.send(method, path, options);
    if (!response.ok) throw await this.refusal(response);
    const document = await parseBody(response);
    if (document === undefined)
      throw new TollgateError(
        'STORE_UNAVAILABLE',
        `the Tollgate server at ${maskUrl(this.base)} answered ${response.status} without a JSON document`,
      );
    return { status: response.status, headers: response.headers, document: document as T };
  }

  /**
   * Opens a Server-Sent Events stream (GET), resuming after `lastEventId` when given. A refusal
   * (401, 403, 404…) throws its error; the open stream is the answer's body.
   */
  async openEvents(
    path: string,
    options: { lastEventId?: string; signal?: AbortSignal } = {},
  ): Promise<ReadableStream<Uint8Array>> {
    // A live stream, read as a web stream by the caller: fetch, whose start-up cost does not
    // matter to a command that follows a pipeline for as long as it runs.
    let response: Response;
    try {
      response = await fetch(this.urlOf(path, {}), {
        headers: {
          authorization: `Bearer ${this.token}`,
          accept: 'text/event-stream',
          ...this.extraHeaders,
          ...(options.lastEventId === undefined ? {} : { 'last-event-id': options.lastEventId }),
        },
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (cause) {
      const reason =
        cause instanceof Error ? ((cause.cause as Error | undefined)?.message ?? cause.message) : '';
      throw new TollgateError(
        'STORE_UNAVAILABLE',
        `the Tollgate server at ${maskUrl(this.base)} did not answer${reason ? `: ${reason}` : ''}`,
        { cause },
      );
    }
    if (!response.ok) throw await this.refusal(response);
    if (!response.body || !(response.headers.get('content-type') ?? '').startsWith('text/event-stream'))
      throw new TollgateError(
        'STORE_UNAVAILABLE',
        `the Tollgate server at ${maskUrl(this.base)} answered ${path} without an event stream`,
      );
    return response.body;
  }
}

/**
 * The base URL of a server given with `--server` (or TOLLGATE_SERVER): an http(s) URL ending in `/`,
 * without the user name and password it may carry.
 * @throws TollgateError USAGE when it is not an http(s) URL
 */
export function serverBase(server: string): URL {
  let base: URL;
  try {
    base = new URL(server.endsWith('/') ? server : `${server}/`);
  } catch {
    throw new TollgateError('USAGE', `--server "${maskUrl(server)}": expected an http(s) URL`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new TollgateError('USAGE', `--server ${maskUrl(base)}: expected an http(s) URL`);
  // The credential is TOLLGATE_TOKEN; a user name or password in the URL is never sent (nor printed).
  base.username = '';
  base.password = '';
  return base;
}

/**
 * The remote of this run, or undefined when no server is set. The pipeline is TOLLGATE_PIPELINE, else the `pipeline:` of the local contract file when there is one, else the
 * one pipeline the caller may see on the server.
 */
export async function remoteOf(
  command: Command,
  env: NodeJS.ProcessEnv,
  /** The pipeline, when the verb already knows it (`contract push FILE`: the file's). */
  known?: string,
): Promise<Remote | undefined> {
  const server = serverOf(command, env);
  if (server === undefined) return undefined;
  const base = serverBase(server);
  const token = (env.TOLLGATE_TOKEN ?? '').trim();
  if (token === '')
    throw new TollgateError(
      'USAGE',
      `--server ${maskUrl(base)} needs a credential in TOLLGATE_TOKEN (an API token or a CI OIDC ID token)`,
    );
  const flags = command.optsWithGlobals() as {
    as?: string;
    now?: string;
    pipeline?: string;
    contract?: string;
  };
  const headers: Record<string, string> = {};
  if (flags.as !== undefined) headers['tollgate-as'] = flags.as;
  if (flags.now !== undefined) headers['tollgate-now'] = flags.now;
  let pipeline = known ?? (flags.pipeline?.trim() || env.TOLLGATE_PIPELINE?.trim() || undefined);
  if (pipeline === undefined) {
    const file = flags.contract ?? env.TOLLGATE_CONTRACT ?? 'tollgate.yaml';
    if (existsSync(file)) {
      const { readContract } = await import('../contract/load-contract.js');
      pipeline = readContract(file).pipeline;
    }
  }
  if (pipeline === undefined) {
    const probe = new Remote(base, token, '', headers);
    const { document } = await probe.request<Array<{ pipeline: string }>>('GET', 'pipelines');
    if (document.length !== 1)
      throw new TollgateError(
        'USAGE',
        `--server ${maskUrl(base)}: name the pipeline in TOLLGATE_PIPELINE (or give the contract with --contract) (you may see ${document.map((p) => p.pipeline).join(', ') || 'none'})`,
      );
    pipeline = document[0]!.pipeline;
  }
  return new Remote(base, token, pipeline, headers);
}
