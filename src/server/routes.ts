/**
 * The route table: every route of the API, one definition each. A route names the act it is
 * (checked against the caller's grant in the application layer, src/app/authorise.ts), its
 * request schemas (which validate requests and make `/openapi.json`) and a handler that calls one
 * use case of src/app and answers the document the CLI prints with `--json` for the same verb.
 */
import { createRoute, type OpenAPIHono, type RouteConfig, type z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { type Action, authorise, authoriseTokenScope, withinTokenScope } from '../app/authorise.js';
import { type CompiledContracts, contractInForce, keptContractInForce } from '../app/contract-pin.js';
import {
  approvalDocument,
  cdEventDocument,
  documentText,
  evidenceDocument,
  promotionDocument,
  registerDocument,
  rollbackDocument,
  statementsDocument,
  testsDocument,
  verificationDocument,
} from '../app/documents.js';
import {
  type AppRequest,
  type AppServices,
  heldContract,
  principalOf,
  withoutActingFor,
} from '../app/services.js';
import { type Contract, upstreamOf } from '../contract/types.js';
import { TollgateError } from '../errors.js';
import type { LedgerStore } from '../ledger/ledger-store.js';
import { jsonSyntaxError, lineColumnAt } from '../text/json-text.js';
import { didYouMean } from '../text/nearest.js';
import type { ServerContext, ServerEnv } from './env.js';
import { streamEntries } from './events.js';
import { requestInvalid } from './http-errors.js';
import { idempotency, withWrite } from './idempotency.js';
import { type Identity, principalKey } from './identity.js';
import type { ServerMetrics } from './observe.js';
import * as s from './schemas.js';
import {
  assertMediaType,
  isMultipart,
  mediaTypeOf,
  uploadBytes,
  uploadPartBytes,
  uploadParts,
  uploadStream,
} from './uploads.js';

/** What every handler has: the process's services and the server's settings. */
export interface RouteDeps {
  services: AppServices;
  /** Pipelines whose callers may say who acts and when (Tollgate-As, Tollgate-Now): demos only. */
  demoPipelines: ReadonlySet<string>;
  /** Largest evidence upload, in bytes. */
  maxEvidenceBytes: number;
  /** Largest JSON request body (register, promote, approve…), in bytes. */
  maxJsonBytes: number;
  /** The most event streams one principal may hold open on this replica at once. */
  maxEventStreams: number;
  metrics: ServerMetrics;
  /** Aborted when the server stops: live event streams end. */
  stopping: AbortSignal;
  /** How often event streams look for new entries (default 500 ms). */
  eventPollMs?: number;
  /** Contract versions compiled from the ledger, by digest (src/app/contract-pin.ts). */
  compiledContracts: CompiledContracts;
  /** The folder an uploaded contract's relative paths resolve against when its pipeline had no start-up file. */
  contractsRoot: string;
  /** Where the routes that can answer from kept reads are listed (src/server/kept-reads.ts). */
  keptReads?: KeptReadRoute[];
}

/**
 * A read route that can answer at once from what the store keeps while the database is unchanged
 * (a dashboard or a script polling status), on a socket, without going through hono: the same
 * authorisation and path validation as the route's middleware, then the route's own kept answer.
 */
export interface KeptReadRoute {
  route: ApiRoute;
  /**
   * The answer's text, or undefined when something must be read or waited for (then the app
   * answers, as for any request). Throws what the app would refuse the request with; the caller
   * then lets the app answer it, so errors have one shape and one source.
   */
  answer(
    identity: Identity,
    params: Record<string, string>,
    header: (name: string) => string | undefined,
    store: LedgerStore,
  ): string | undefined;
}

/** One route of the table. */
export interface ApiRoute {
  /** The OpenAPI operationId. */
  id: string;
  method: 'get' | 'post' | 'put' | 'delete';
  /** The path in OpenAPI form (`/api/v1/pipelines/{pipeline}/status`). */
  path: string;
  /** What the caller's grant must allow. */
  action: Action;
  /** True for routes that change something (all but token creation accept an Idempotency-Key). */
  write: boolean;
}

export const API = '/api/v1';

const JSON_TYPE = 'application/json; charset=utf-8';
/** A JSON media type, as hono's validator recognises one (parameters removed). */
const JSON_MEDIA = /^application\/([\w.-]+\+)?json$/;
/** Deepest nesting a JSON request body may have: none of them nests beyond three levels. */
const MAX_BODY_DEPTH = 32;

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A JSON body's text. JSON is UTF-8 (RFC 8259): bytes that are not would be read with U+FFFD in
 * their place, so two different bodies (an idempotent retry's fingerprint, a comment recorded in
 * the ledger) would become one text that nobody sent. The strict decoder costs what the lenient
 * one did on valid text.
 * @throws TollgateError USAGE at the line and column of the first byte that is not UTF-8
 */
function jsonBodyText(bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    // The longest prefix that streams as UTF-8 (a character cut at its end may still complete)
    // ends where the first byte that is not UTF-8 is: found by halving, on this error path only.
    const streams = (end: number) => {
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end), { stream: true });
        return true;
      } catch {
        return false;
      }
    };
    let [good, bad] = [0, bytes.length];
    while (bad - good > 1) {
      const middle = (good + bad) >>> 1;
      if (streams(middle)) good = middle;
      else bad = middle;
    }
    const before = new TextDecoder('utf-8').decode(bytes.subarray(0, good), { stream: true });
    const { line, column } = lineColumnAt(before, before.length);
    throw new TollgateError(
      'USAGE',
      `the request body is not UTF-8 at line ${line}, column ${column}: send JSON encoded as UTF-8 (RFC 8259)`,
    );
  }
}

/**
 * A use-case module the hottest routes import on first use (status, check): imported once, then
 * reached without another dynamic import per request (each is a couple of promise turns).
 */
function importedOnce<T>(load: () => Promise<T>): () => T | Promise<T> {
  let loaded: T | undefined;
  return () => loaded ?? load().then((module) => (loaded = module));
}
const statusModule = importedOnce(() => import('../app/status.js'));
const checkModule = importedOnce(() => import('../app/check.js'));

/** Answers a document exactly as the CLI prints it with `--json`. */
export function answer(
  c: Context,
  document: unknown,
  status: 200 | 201 = 200,
  headers: Record<string, string> = {},
): Response {
  return answerText(c, documentText(document), status, headers);
}

/** Answers a document already made into its `--json` text (see {@link answer}). */
function answerText(
  c: Context,
  text: string,
  status: 200 | 201 = 200,
  headers: Record<string, string> = {},
): Response {
  return c.body(text, status, { 'content-type': JSON_TYPE, ...headers });
}

/**
 * Validates a request's query, then its path (the order @hono/zod-openapi validates them in),
 * with the route's schemas and zod's synchronous parse (which uses the JIT the schemas are built
 * with, src/server/schemas.ts), and refuses a bad one as the app's `defaultHook` refuses a bad
 * body. @hono/zod-openapi's validators did the same with an async parse (never the JIT's) and an
 * async hook for each part, and looked for a Content-Type a GET never has.
 */
function pathAndQuery(query: z.ZodType | undefined, params: ParamsValidator | undefined) {
  const accepted = query ? Object.keys((query as z.ZodObject).shape) : [];
  return (c: Context): void => {
    // Only a request with a query string pays for reading it.
    if (query || c.req.url.includes('?')) {
      const values = queryValues(c.req.url);
      refuseUnknownQuery(values, accepted);
      if (query) c.req.addValidatedData('query', parsed(query, 'query', values));
    }
    if (params) c.req.addValidatedData('param', params(c.req.param() as Record<string, string>));
  };
}

/**
 * Refuses a query parameter the route does not read. Dropped, a misspelt filter (`?stauts=failed`
 * on the overview, `?artifcat=` on a check) was answered as if absent: the whole list, or an
 * answer about something else, read as the filtered one.
 */
function refuseUnknownQuery(values: Record<string, unknown>, accepted: readonly string[]): void {
  for (const name of Object.keys(values)) {
    if (accepted.includes(name)) continue;
    throw new TollgateError(
      'USAGE',
      `the query parameter ${JSON.stringify(name)} is not read by this route${didYouMean(name, accepted)}: ${
        accepted.length === 0 ? 'it reads no query parameters' : `it reads ${accepted.join(', ')}`
      }`,
    );
  }
}

function parsed(schema: z.ZodType, target: 'query' | 'param', value: unknown): object {
  const result = schema.safeParse(value);
  if (!result.success) throw requestInvalid(target, result.error);
  return result.data as object;
}

/** A route's path parameters as its schema makes them. @throws TollgateError as the app refuses a bad path */
type ParamsValidator = (raw: Record<string, string>) => object;

/**
 * A path's parameters are a few names that the same callers send again and again (a dashboard
 * polling one pipeline's status): what the schema made of the same strings is kept, frozen, and
 * handed out again. Path schemas are strings checked against patterns, so the same strings
 * always give the same answer; only accepted ones are kept, anything refused is parsed (and
 * refused) every time. Bounded like the store's memo: full, it is emptied.
 */
function paramsValidator(schema: z.ZodType): ParamsValidator {
  const accepted = new Map<string, object>();
  return (raw) => {
    let key = '';
    for (const name in raw) key += `${name.length}:${name}${raw[name]?.length}:${raw[name]}`;
    let data = accepted.get(key);
    if (data === undefined) {
      data = Object.freeze(parsed(schema, 'param', raw));
      if (accepted.size >= PARAMS_KEPT) accepted.clear();
      accepted.set(key, data);
    }
    return data;
  };
}

/** Accepted path parameters kept per route, at most (a bound on memory). */
const PARAMS_KEPT = 1024;

/**
 * A request's query as its schema reads it: each key's value, a repeated key as an array of them
 * (as hono's validator reads a query, so a second `artifact=` is refused, never silently dropped).
 * Decoded as HTML forms are (URLSearchParams: `+` is a space, `%XX` bytes as UTF-8).
 */
export function queryValues(url: string): Record<string, string | string[]> {
  const values = new Map<string, string | string[]>();
  const start = url.indexOf('?');
  if (start !== -1) {
    for (const [key, value] of new URLSearchParams(url.slice(start + 1))) {
      const seen = values.get(key);
      if (seen === undefined) values.set(key, value);
      // Appended in place: a query repeating one key thousands of times costs linear time.
      else if (Array.isArray(seen)) seen.push(value);
      else values.set(key, [seen, value]);
    }
  }
  // Own properties, whatever the keys (`__proto__` too).
  return Object.fromEntries(values);
}

/**
 * A middleware that runs `check` (which throws to refuse) and goes on. Not an async function:
 * hono's compose awaits what it returns and catches what it throws alike, and one async layer
 * less is one promise and one turn of the microtask queue less on every request.
 */
function step(check: (c: ServerContext) => void) {
  return (c: ServerContext, next: () => Promise<void>): Promise<void> => {
    check(c);
    return next();
  };
}

/**
 * Refuses `as` or `now` in the query string: who acts and what time it is are set by the
 * Tollgate-As and Tollgate-Now headers alone (and only in a demo pipeline). Ignored, `?now=2030-…`
 * would be answered at the server's time and read as an answer at the caller's.
 */
function refuseSetInQuery(c: Context): void {
  const url = c.req.url;
  const start = url.indexOf('?');
  if (start === -1) return;
  const query = new URLSearchParams(url.slice(start + 1));
  for (const name of ['as', 'now'] as const) {
    if (!query.has(name)) continue;
    throw new TollgateError(
      'USAGE',
      `the query parameter ${name} is not read: who acts and what time it is are set with the Tollgate-As and Tollgate-Now headers (--as, --now), and only in a pipeline in demo mode`,
    );
  }
}

function valid<T>(c: Context, target: 'json' | 'query' | 'param'): T {
  return (c.req.valid as (t: string) => unknown)(target) as T;
}

const errorResponses = {
  400: 'The request is malformed (a bad name, digest, query or body)',
  401: 'No credential, or one that is expired, revoked, forged or meant for someone else',
  403: "The caller's role or scope does not allow this",
  404: 'No such pipeline, stage, artifact or route',
  413: 'The body is over the limit; nothing was stored',
  415: 'The body has the wrong Content-Type',
  422: 'The input was read but is not valid evidence, contract or request',
  429: 'Too many requests from this principal; retry after the Retry-After seconds',
} as const;

function responsesOf(ok: { status: 200 | 201; schema: z.ZodType; description: string }) {
  const out: Record<number, unknown> = {
    [ok.status]: { description: ok.description, content: { 'application/json': { schema: ok.schema } } },
  };
  for (const [status, description] of Object.entries(errorResponses)) {
    out[Number(status)] = { description, content: { 'application/json': { schema: s.errorSchema } } };
  }
  return out as RouteConfig['responses'];
}

/**
 * The acting caller of a request on `pipeline`: the principal the server authenticated, at the
 * server's clock. `Tollgate-As` and `Tollgate-Now` (the CLI's --as and --now) are refused unless
 * the pipeline is in demo mode, so nobody can approve as someone else or move time past a soak.
 */
export async function requestFor(
  c: ServerContext,
  deps: RouteDeps,
  pipeline: string,
  /** The contract the request is about; default: the pipeline's contract in force. */
  given?: Contract,
): Promise<AppRequest> {
  const identity = c.get('identity');
  const as = c.req.header('tollgate-as');
  const now = c.req.header('tollgate-now');
  refuseSetClock(deps, pipeline, as, now);
  const services = c.get('services') ?? deps.services;
  // The contract in force is the ledger's (every replica reads the same), not this process's file.
  const contract =
    given ?? (await contractInForce(services, pipeline, deps.compiledContracts, deps.contractsRoot));
  const request = requestOf(deps, services, identity, contract, as, now);
  await assertActsForItsName(identity, [contract]);
  return request;
}

/** Refuses who acts and what time it is set by the caller (`Tollgate-As`, `Tollgate-Now`) outside a demo pipeline. */
function refuseSetClock(
  deps: RouteDeps,
  pipeline: string,
  as: string | undefined,
  now: string | undefined,
): void {
  if ((as !== undefined || now !== undefined) && !deps.demoPipelines.has(pipeline)) {
    throw new TollgateError(
      'NOT_ALLOWED',
      `the server decides who acts and what time it is: --as and --now (Tollgate-As, Tollgate-Now) are refused unless pipeline ${pipeline} is in demo mode (an operator starts the server with \`--demo ${pipeline}\`, and its contract declares \`demo: true\`)`,
    );
  }
}

/** The request of `identity` under `contract` (see {@link requestFor}, which also refuses a token acting for a name it may not). */
function requestOf(
  deps: RouteDeps,
  services: AppServices,
  identity: Identity,
  contract: Contract,
  as: string | undefined,
  now: string | undefined,
): AppRequest {
  let at = services.clock.now();
  if (now !== undefined) {
    at = new Date(now);
    if (Number.isNaN(at.getTime()) || !/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2}))?$/i.test(now))
      throw new TollgateError('USAGE', `Tollgate-Now "${now}": expected an ISO 8601 time with a zone`);
  }
  const asItself = as === undefined || as.trim() === '';
  const who = asItself ? principalOfIdentity(identity.principal) : principalOf(as, 'Tollgate-As');
  return {
    services,
    contract,
    caller: {
      ...who,
      grant: identity.grant,
      // The person behind a CI job, unless the demo's --as names someone else acting.
      ...(identity.actingFor !== undefined && asItself ? { actingFor: identity.actingFor } : {}),
      at,
      ...(now !== undefined || deps.services.clock.fixed ? { timeSet: true } : {}),
    },
  };
}

/**
 * Refuses a token someone else made in a name one of `contracts` has come to give a standing to
 * (src/app/tokens.ts, assertTokenActsForItsName): it acts for nobody, so it neither records, nor
 * replaces a contract, nor makes or revokes tokens. Other credentials pass.
 * @throws TollgateError NOT_ALLOWED naming the token's name and its maker
 */
async function assertActsForItsName(identity: Identity, contracts: readonly Contract[]): Promise<void> {
  if (identity.madeBy === undefined) return;
  const { assertTokenActsForItsName } = await import('../app/tokens.js');
  const principal = principalOfIdentity(identity.principal).principal;
  for (const contract of contracts) assertTokenActsForItsName(principal, identity.madeBy, contract);
}

/**
 * The authenticated principal's name, normalised once per name: every request of a caller
 * presents the same one, and normalising (Unicode folding, a script check per character) is a
 * pure function of it. Bounded: a server with more callers than this forgets and starts again.
 */
const normalisedPrincipals = new Map<string, ReturnType<typeof principalOf>>();
function principalOfIdentity(name: string): ReturnType<typeof principalOf> {
  let who = normalisedPrincipals.get(name);
  if (who === undefined) {
    who = principalOf(name, 'the principal');
    if (normalisedPrincipals.size >= 1000) normalisedPrincipals.clear();
    normalisedPrincipals.set(name, Object.freeze(who));
  }
  return who;
}

/**
 * Registers every route on `app` and returns the table. `authorise` runs before a route's body is
 * read or validated: a caller without the grant learns nothing about the body's problems.
 */
export function defineRoutes(app: OpenAPIHono<ServerEnv>, deps: RouteDeps): ApiRoute[] {
  const table: ApiRoute[] = [];
  /** Event streams open on this replica, by principal (at most `deps.maxEventStreams` each). */
  const openStreams = new Map<string, number>();
  const tooLarge = () => {
    throw new TollgateError(
      'BODY_TOO_LARGE',
      `the request body is over ${deps.maxJsonBytes} bytes; evidence goes to the upload routes`,
    );
  };
  const streamedLimit = bodyLimit({ maxSize: deps.maxJsonBytes, onError: tooLarge });
  // A body with a Content-Length is refused or let through on that number alone (Node's HTTP
  // parser never reads past it), without touching `c.req.raw.body`: on @hono/node-server that
  // would build a whole Fetch Request and a web stream over the socket (measured: about a tenth
  // of a promotion's time over HTTP), where the validator's `json()` reads the bytes straight from
  // the socket instead. A chunked body is counted as it is read, as before.
  const jsonLimit = async (c: Context, next: () => Promise<void>) => {
    const length = c.req.header('content-length');
    if (length === undefined || c.req.header('transfer-encoding') !== undefined)
      return streamedLimit(c, next);
    if (Number.parseInt(length, 10) > deps.maxJsonBytes) tooLarge();
    await next();
  };
  /**
   * A JSON body is refused when it names a key twice in one object: JSON.parse keeps the last one
   * silently, so `{"decision": "reject", "decision": "approve"}` would mean what a proxy, a log or
   * a reviewer reading the first one did not see (src/text/json-text.ts refuses it in evidence and
   * configuration for the same reason). Read as text, which hono keeps for the validator's parse.
   */
  const strictJson = async (c: Context, next: () => Promise<void>) => {
    if (JSON_MEDIA.test(mediaTypeOf(c))) {
      // JSON is UTF-8 (RFC 8259) and is read as such: a body in another charset would be recorded
      // as other text than was sent (a Latin-1 "é" as U+FFFD), so it is refused, not misread.
      const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(c.req.header('content-type') ?? '')?.[1];
      if (charset !== undefined && !/^utf-?8$/i.test(charset))
        throw new TollgateError(
          'MEDIA_TYPE_UNSUPPORTED',
          `the JSON body is declared as charset=${charset.slice(0, 40)}: send it in UTF-8 (Content-Type: application/json)`,
        );
      const text = jsonBodyText(new Uint8Array(await c.req.arrayBuffer()));
      // Kept in hono's public cache (typed as the value, holding its promise) for what reads the
      // body next: the text for an Idempotency-Key's fingerprint, and below, once it is checked,
      // its value for the validator. With only the bytes cached, hono's `json()` made a whole
      // Fetch Response of them and decoded them again (about a tenth of a promotion's server time).
      const cache = c.req.bodyCache as { text?: Promise<string>; json?: Promise<unknown> };
      cache.text = Promise.resolve(text);
      if (text.trim() === '')
        throw new TollgateError('USAGE', 'the request body is empty: send a JSON object');
      const problem = jsonSyntaxError(text, { refuseDuplicateKeys: true, maxDepth: MAX_BODY_DEPTH });
      if (problem) {
        const { line, column } = lineColumnAt(text, problem.offset);
        const why = problem.message.startsWith('duplicate key') ? '; each key may appear once' : '';
        throw new TollgateError(
          'USAGE',
          `the request body is not valid JSON at line ${line}, column ${column}: ${problem.message}${why}`,
        );
      }
      // The text checked here, parsed once (JSON.parse accepts what the check accepted).
      cache.json = Promise.resolve(JSON.parse(text));
    }
    await next();
  };
  /**
   * Bodies are read as sent: a compressed one would be parsed (or kept as evidence, digested) as
   * its compressed bytes, and decoding it would open the server to decompression bombs.
   */
  const refuseEncoded = (c: ServerContext) => {
    const encoding = c.req.header('content-encoding');
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity')
      throw new TollgateError(
        'MEDIA_TYPE_UNSUPPORTED',
        `the body came with Content-Encoding: ${encoding.slice(0, 40)}, which this server does not decode: send it uncompressed`,
      );
  };
  const refuseKey = (c: ServerContext) => {
    if (c.req.header('idempotency-key') !== undefined)
      throw new TollgateError(
        'USAGE',
        'this write takes no Idempotency-Key: its answer holds a secret shown once and never kept, so it cannot be replayed; after a timeout, list the tokens and revoke one made twice',
      );
  };
  /**
   * An upload streams for as long as its sender takes: its credential is asked again just before
   * its write, so a token revoked or expired (a session ended) while the body arrived records
   * nothing, where it would otherwise record evidence at the time the request began.
   */
  const stillAuthenticated = (action: Action) => async (c: ServerContext, next: () => Promise<void>) => {
    const services = c.get('services') ?? deps.services;
    const store = await services.store();
    const first = c.get('identity');
    const write: LedgerStore['write'] = async (pipeline, work) => {
      const now = await c.get('reauthenticate')();
      if (!now || now.principal !== first.principal)
        throw new TollgateError(
          'UNAUTHENTICATED',
          'the credential was revoked or ended while the upload was being sent; nothing was stored',
        );
      authorise(now.grant, action, c.req.param('pipeline'), c.req.param('stage'));
      return store.write(pipeline, work);
    };
    c.set('services', { ...services, store: () => Promise.resolve(withWrite(store, write)) });
    await next();
  };
  const define = (
    spec: Omit<ApiRoute, 'write'> & {
      summary: string;
      request?: RouteConfig['request'];
      ok: { status?: 200 | 201; schema: z.ZodType; description: string };
      tag: string;
      /** The body is evidence, streamed and limited by the handler (not a JSON request). */
      upload?: boolean;
      /**
       * False for a write whose answer must never be kept (it holds a secret shown once): an
       * Idempotency-Key is refused rather than silently ignored.
       */
      keyed?: false;
      /**
       * A read's answer from what is kept, without waiting (see {@link KeptReadRoute}): called
       * after the route's authorisation and path validation, with the parameters as sent.
       */
      kept?: (
        identity: Identity,
        params: Record<string, string>,
        header: (name: string) => string | undefined,
        store: LedgerStore,
      ) => string | undefined;
    },
    handler: (c: ServerContext) => Promise<Response>,
  ) => {
    const write = spec.method !== 'get';
    const entry: ApiRoute = { id: spec.id, method: spec.method, path: spec.path, action: spec.action, write };
    table.push(entry);
    // The whole request is documented; the path and query are validated here (see
    // pathAndQuery), the body by @hono/zod-openapi's validators as before.
    const { params, query, ...body } = spec.request ?? {};
    const route = createRoute({
      operationId: spec.id,
      method: spec.method,
      path: spec.path,
      summary: spec.summary,
      tags: [spec.tag],
      security: [{ bearer: [] }, { session: [] }],
      ...(spec.request ? { request: spec.request } : {}),
      ...(write && spec.keyed !== false
        ? {
            parameters: [
              {
                name: 'Idempotency-Key',
                in: 'header' as const,
                required: false,
                description: 'Retry-safe writes: the first answer is replayed for the same key and body.',
                schema: { type: 'string' as const, maxLength: 200 },
              },
            ],
          }
        : {}),
      responses: responsesOf({ status: spec.ok.status ?? 200, ...spec.ok }),
    });
    app.openAPIRegistry.registerPath(route);
    const authorised = (c: ServerContext) =>
      authorise(c.get('identity').grant, spec.action, c.req.param('pipeline'), c.req.param('stage'));
    const validParams = params ? paramsValidator(params as z.ZodType) : undefined;
    // Every route validates its query, one without a query schema too: it refuses any parameter.
    const validate = pathAndQuery(query as z.ZodType | undefined, validParams);
    const { kept } = spec;
    if (kept && !write && !query)
      deps.keptReads?.push({
        route: entry,
        // In the order of the read's middleware step and handler below.
        answer: (identity, raw, header, store) => {
          authorise(identity.grant, spec.action, raw.pipeline, raw.stage);
          validParams?.(raw);
          // The raw parameters, as the handler reads them (c.req.param).
          return kept(identity, raw, header, store);
        },
      });
    // A JSON body is read once, checked for a key named twice, and kept for the validator.
    const jsonBody = !spec.upload && body.body?.content?.['application/json'] !== undefined;
    app.openapi(
      {
        ...route,
        // Documented above, with the path and query.
        hide: true,
        request: Object.keys(body).length > 0 ? body : undefined,
        middleware: write
          ? [
              step((c) => {
                authorised(c);
                refuseEncoded(c);
                refuseSetInQuery(c);
              }),
              ...(spec.upload ? [] : [jsonLimit]),
              ...(jsonBody ? [strictJson] : []),
              // Before the key's middleware, so its write (after the whole body was read) is asked last.
              ...(spec.upload ? [stillAuthenticated(spec.action)] : []),
              spec.keyed === false
                ? step(refuseKey)
                : idempotency(deps.services, {
                    upload: spec.upload === true,
                    maxUploadBytes: deps.maxEvidenceBytes,
                  }),
              // Where @hono/zod-openapi put its path and query validators: after the route's middleware.
              step(validate),
            ]
          : // A read has no body to limit (looking for one costs a whole Fetch Request per call)
            // and is not idempotent-keyed: authorised, then its path and query validated, in one step.
            [
              step((c) => {
                authorised(c);
                refuseSetInQuery(c);
                validate(c);
              }),
            ],
      } as never,
      handler as never,
    );
  };

  /** The start-up contracts' pipelines, and those whose contract was uploaded since. */
  const pipelineNames = async () => [
    ...new Set([
      ...deps.services.contracts.pipelines(),
      ...(await (await deps.services.store()).pipelines()),
    ]),
  ];
  /** The contract in force for a pipeline, or undefined when it has none. */
  const inForceOrNone = (name: string) =>
    contractInForce(deps.services, name, deps.compiledContracts, deps.contractsRoot).catch(
      (error: unknown) => {
        if (error instanceof TollgateError && error.code === 'CONTRACT_NOT_FOUND') return undefined;
        throw error;
      },
    );

  /** The contracts in force for a token's pipelines (every pipeline's for `*`). */
  const contractsCovering = async (pipelines: readonly string[] | '*') => {
    const covered = pipelines === '*' || pipelines.includes('*') ? await pipelineNames() : pipelines;
    const contracts: Contract[] = [];
    for (const name of covered) {
      const contract = await inForceOrNone(name);
      if (contract) contracts.push(contract);
    }
    return contracts;
  };

  const P = `${API}/pipelines/{pipeline}`;
  const S = `${P}/stages/{stage}`;
  const A = `${P}/artifacts/{digest}`;
  const pipelineOf = (c: Context) => c.req.param('pipeline') as string;

  // ── Pipelines and the ledger ────────────────────────────────────────────────────────────────
  define(
    {
      id: 'listPipelines',
      method: 'get',
      path: `${API}/pipelines`,
      action: 'read',
      tag: 'pipelines',
      summary: 'The pipelines the caller may see, each with its stages and contract digest',
      ok: { schema: s.pipelinesSchema, description: 'The pipelines' },
    },
    async (c) => {
      const grant = c.get('identity').grant;
      const names = (await pipelineNames()).filter(
        (name) => grant.pipelines === '*' || grant.pipelines.includes(name),
      );
      const rows = [];
      for (const name of names) {
        const contract = await inForceOrNone(name);
        if (contract === undefined) continue;
        rows.push({
          pipeline: name,
          contract: { digest: contract.digest },
          stages: Object.entries(contract.stages).map(([stage, definition]) => ({
            stage,
            purpose: definition.purpose,
            from: upstreamOf(definition),
          })),
        });
      }
      return answer(c, rows);
    },
  );

  define(
    {
      id: 'status',
      method: 'get',
      path: `${P}/status`,
      action: 'read',
      tag: 'pipelines',
      summary: 'What each stage runs now (tollgate status)',
      request: { params: s.pipelinePath },
      ok: { schema: s.statusSchema, description: 'One row per stage, in contract order' },
      // The handler below, from what is kept: the contract in force, the caller as requestFor
      // makes it, and the answer's text, each only while the database is unchanged.
      kept: (identity, { pipeline }, header, store) => {
        const as = header('tollgate-as');
        const now = header('tollgate-now');
        // A set clock or name, and a token made by someone else, are for the handler to judge.
        if (as !== undefined || now !== undefined || identity.madeBy !== undefined) return undefined;
        const contract = keptContractInForce(
          deps.services,
          store,
          pipeline as string,
          deps.compiledContracts,
          deps.contractsRoot,
        );
        if (contract === undefined) return undefined;
        requestOf(deps, deps.services, identity, contract, as, now);
        return store.keptNow?.<string>(['status answer', contract.pipeline, contract.digest])?.value;
      },
    },
    async (c) => {
      const { stageStatus } = await statusModule();
      const request = await requestFor(c, deps, pipelineOf(c));
      const { pipeline, digest } = request.contract;
      // The answer's text is kept beside the rows it is made of, under the same rule (while the
      // database is unchanged; the contract's digest in the key): a dashboard polling status gets
      // the same bytes without the rows being serialised again at every request.
      const store = await request.services.store();
      const text = await store.whileUnchanged(['status answer', pipeline, digest], async () =>
        documentText(await stageStatus(request)),
      );
      return answerText(c, text);
    },
  );

  define(
    {
      id: 'verifyLedger',
      method: 'get',
      path: `${P}/ledger/verify`,
      action: 'read',
      tag: 'pipelines',
      summary: "Recompute the pipeline's hash chain (tollgate ledger verify)",
      request: { params: s.pipelinePath },
      ok: { schema: s.ledgerVerdictSchema, description: 'The chain verdict' },
    },
    async (c) => {
      const { verifyLedger } = await import('../app/status.js');
      return answer(c, await verifyLedger(await requestFor(c, deps, pipelineOf(c))));
    },
  );

  define(
    {
      id: 'drift',
      method: 'get',
      path: `${P}/drift`,
      action: 'read',
      tag: 'pipelines',
      summary: "Two stages' config compared and held against the second's budget (tollgate drift A B)",
      request: { params: s.pipelinePath, query: s.driftQuery },
      ok: { schema: s.driftSchema, description: 'The drift report' },
    },
    async (c) => {
      const { driftBetween } = await import('../app/drift.js');
      const query = valid<z.infer<typeof s.driftQuery>>(c, 'query');
      return answer(c, await driftBetween(await requestFor(c, deps, pipelineOf(c)), query.from, query.to));
    },
  );

  // ── Artifacts and evidence ──────────────────────────────────────────────────────────────────
  define(
    {
      id: 'register',
      method: 'post',
      path: `${P}/artifacts`,
      action: 'register',
      tag: 'artifacts',
      summary: 'Register an artifact by digest with immutable labels (tollgate register)',
      request: {
        params: s.pipelinePath,
        body: { required: true, content: { 'application/json': { schema: s.registerBody } } },
      },
      ok: {
        status: 201,
        schema: s.artifactSchema,
        description: 'The artifact (created: false when it was already registered)',
      },
    },
    async (c) => {
      const { registerArtifact, parseLabels } = await import('../app/register.js');
      const body = valid<z.infer<typeof s.registerBody>>(c, 'json');
      const request = await requestFor(c, deps, pipelineOf(c));
      // The same label rules as the CLI's --label key=value.
      const labels = parseLabels(Object.entries(body.labels ?? {}).map(([k, v]) => `${k}=${v}`));
      const result = await registerArtifact(request, {
        digest: body.digest,
        labels,
        ...(body.sha512 === undefined ? {} : { sha512: body.sha512 }),
      });
      return answer(c, registerDocument(result), result.created ? 201 : 200);
    },
  );

  define(
    {
      id: 'explain',
      method: 'get',
      path: A,
      action: 'read',
      tag: 'artifacts',
      summary: "The artifact's passport: its evidence and its standing in every stage (tollgate explain)",
      request: { params: s.artifactPath },
      ok: { schema: s.passportSchema, description: 'The passport' },
    },
    async (c) => {
      const { explainArtifact } = await import('../app/explain.js');
      const { digest } = valid<z.infer<typeof s.artifactPath>>(c, 'param');
      return answer(c, await explainArtifact(await requestFor(c, deps, pipelineOf(c)), digest));
    },
  );

  /**
   * One evidence file: the body itself, or the one file part of a multipart body (which names it,
   * so messages name the caller's file as the CLI does locally).
   */
  const oneUpload = async (
    c: ServerContext,
    accepted: readonly string[],
    count: (bytes: number) => void,
  ): Promise<{ name: string; bytes: Buffer }> => {
    if (isMultipart(c)) {
      const parts = await uploadPartBytes(c, 'upload', deps.maxEvidenceBytes, accepted, count);
      if (parts.length !== 1)
        throw new TollgateError('USAGE', `upload: expected one file part, found ${parts.length}`);
      return parts[0]!;
    }
    assertMediaType(c, accepted);
    const bytes = await uploadBytes(c, 'upload', deps.maxEvidenceBytes);
    count(bytes.length);
    return { name: 'upload', bytes };
  };
  /** Several files in one request: the file parts of a form, each streamed in turn. */
  const multipartFiles = {
    type: 'object',
    properties: { file: { type: 'array', items: { type: 'string', format: 'binary' } } },
  } as never;
  const contractTypes = [
    'application/yaml',
    'application/x-yaml',
    'text/yaml',
    'text/x-yaml',
    'text/plain',
    '+yaml',
  ];
  const xmlTypes = ['application/xml', 'text/xml', '+xml', 'application/octet-stream'];
  const jsonTypes = ['application/json', '+json', 'application/octet-stream'];

  define(
    {
      id: 'attestTests',
      upload: true,
      method: 'post',
      path: `${A}/tests`,
      action: 'attest',
      tag: 'artifacts',
      summary: 'Record a JUnit XML report, streamed (tollgate attest tests)',
      request: {
        params: s.artifactPath,
        query: s.testsQuery,
        body: {
          required: true,
          description:
            'One JUnit XML report, or several as the file parts of multipart/form-data (each part named by its filename, summed as the CLI sums files); streamed. Over the limit (the whole body): 413 and nothing stored.',
          content: {
            'application/xml': { schema: { type: 'string', format: 'binary' } as never },
            'multipart/form-data': { schema: multipartFiles },
          },
        },
      },
      ok: { status: 201, schema: s.testsSchema, description: 'The totals recorded' },
    },
    async (c) => {
      const { attestTests } = await import('../app/attest.js');
      const { digest } = valid<z.infer<typeof s.artifactPath>>(c, 'param');
      const query = valid<z.infer<typeof s.testsQuery>>(c, 'query');
      const request = await requestFor(c, deps, pipelineOf(c));
      const count = (n: number) =>
        deps.metrics.evidenceBytes.inc({ pipeline: pipelineOf(c), kind: 'tests' }, n);
      // Several reports: multipart/form-data, each part streamed to the parser in turn.
      if (!isMultipart(c)) assertMediaType(c, xmlTypes);
      const reports = isMultipart(c)
        ? uploadParts(c, 'upload', deps.maxEvidenceBytes, xmlTypes, count)
        : [{ name: 'upload', stream: uploadStream(c, 'upload', deps.maxEvidenceBytes, count) }];
      const result = await attestTests(request, {
        artifact: digest,
        suite: query.suite,
        reports,
        ...(query.in === undefined ? {} : { stage: query.in }),
      });
      return answer(c, testsDocument(query.suite, result), result.stored ? 201 : 200);
    },
  );

  define(
    {
      id: 'attestEvidence',
      upload: true,
      method: 'post',
      path: `${A}/evidence`,
      action: 'attest',
      tag: 'artifacts',
      summary:
        'Record an SBOM, a scan, provenance or any evidence file (tollgate attest sbom|scan|provenance|evidence)',
      request: {
        params: s.artifactPath,
        query: s.evidenceQuery,
        body: {
          required: true,
          description:
            'The evidence file: raw, an in-toto statement, a DSSE envelope, a Sigstore bundle or a list of them (npm, GitHub, gcloud); or one file part of multipart/form-data, named by its filename.',
          content: {
            'application/json': { schema: { type: 'string', format: 'binary' } as never },
            'multipart/form-data': { schema: multipartFiles },
          },
        },
      },
      ok: { status: 201, schema: s.evidenceSchema, description: 'What was recorded' },
    },
    async (c) => {
      const { attestEvidence } = await import('../app/attest-evidence.js');
      const { digest } = valid<z.infer<typeof s.artifactPath>>(c, 'param');
      const query = valid<z.infer<typeof s.evidenceQuery>>(c, 'query');
      const request = await requestFor(c, deps, pipelineOf(c));
      const content = await oneUpload(c, jsonTypes, (n) =>
        deps.metrics.evidenceBytes.inc({ pipeline: pipelineOf(c), kind: 'evidence' }, n),
      );
      const result = await attestEvidence(request, {
        artifact: digest,
        content,
        maxBytes: deps.maxEvidenceBytes,
        ...(query.kind === undefined ? {} : { expected: query.kind }),
        ...(query.in === undefined ? {} : { stage: query.in }),
      });
      const stored = result.records.some((r) => r.stored);
      return answer(c, evidenceDocument(result, query.kind), stored ? 201 : 200);
    },
  );

  define(
    {
      id: 'attestStatement',
      upload: true,
      method: 'post',
      path: `${A}/statements`,
      action: 'attest',
      tag: 'artifacts',
      summary:
        "Record an in-toto statement, DSSE envelope or Sigstore bundle, verified against the contract's trust (tollgate attest statement)",
      request: {
        params: s.artifactPath,
        query: s.statementQuery,
        body: {
          required: true,
          content: {
            'application/json': { schema: { type: 'string', format: 'binary' } as never },
            'multipart/form-data': { schema: multipartFiles },
          },
        },
      },
      ok: { status: 201, schema: s.statementsSchema, description: 'What was recorded' },
    },
    async (c) => {
      const { attestStatements } = await import('../app/attest-statement.js');
      const { digest } = valid<z.infer<typeof s.artifactPath>>(c, 'param');
      const query = valid<z.infer<typeof s.statementQuery>>(c, 'query');
      const request = await requestFor(c, deps, pipelineOf(c));
      const count = (n: number) =>
        deps.metrics.evidenceBytes.inc({ pipeline: pipelineOf(c), kind: 'statements' }, n);
      // Several files: multipart/form-data, recorded all or nothing as the CLI does locally.
      let contents: Array<{ name: string; bytes: Buffer }>;
      if (isMultipart(c))
        contents = await uploadPartBytes(c, 'upload', deps.maxEvidenceBytes, jsonTypes, count);
      else {
        assertMediaType(c, jsonTypes);
        const bytes = await uploadBytes(c, 'upload', deps.maxEvidenceBytes);
        count(bytes.length);
        contents = [{ name: 'upload', bytes }];
      }
      const items = await attestStatements(request, {
        artifact: digest,
        contents,
        maxBytes: deps.maxEvidenceBytes,
        ...(query.in === undefined ? {} : { stage: query.in }),
        ...(query.suite === undefined ? {} : { suite: query.suite }),
      });
      return answer(c, statementsDocument(items), items.some((i) => i.stored) ? 201 : 200);
    },
  );

  define(
    {
      id: 'attestCdEvent',
      upload: true,
      method: 'post',
      path: `${A}/cdevents`,
      action: 'attest',
      tag: 'artifacts',
      summary:
        'Record a CDEvent, or a CloudEvent carrying one: testsuiterun.finished as test results, artifact.signed as opaque evidence (tollgate attest cdevent)',
      request: {
        params: s.artifactPath,
        query: s.statementQuery,
        body: {
          required: true,
          description: 'The event as JSON (a CDEvent, or a structured CloudEvent carrying one).',
          content: {
            'application/json': { schema: { type: 'string', format: 'binary' } as never },
            'application/cloudevents+json': { schema: { type: 'string', format: 'binary' } as never },
            'multipart/form-data': { schema: multipartFiles },
          },
        },
      },
      ok: { status: 201, schema: s.cdEventSchema, description: 'What was recorded' },
    },
    async (c) => {
      const { attestCdEvent } = await import('../app/attest-cdevent.js');
      const { digest } = valid<z.infer<typeof s.artifactPath>>(c, 'param');
      const query = valid<z.infer<typeof s.statementQuery>>(c, 'query');
      const request = await requestFor(c, deps, pipelineOf(c));
      const content = await oneUpload(c, jsonTypes, (n) =>
        deps.metrics.evidenceBytes.inc({ pipeline: pipelineOf(c), kind: 'cdevents' }, n),
      );
      const result = await attestCdEvent(request, {
        artifact: digest,
        content,
        maxBytes: deps.maxEvidenceBytes,
        ...(query.in === undefined ? {} : { stage: query.in }),
        ...(query.suite === undefined ? {} : { suite: query.suite }),
      });
      return answer(c, cdEventDocument(result), result.stored ? 201 : 200);
    },
  );

  define(
    {
      id: 'attestVerification',
      method: 'post',
      path: `${A}/verifications`,
      action: 'attest',
      tag: 'artifacts',
      summary: 'Record a post-deploy verification in a stage (tollgate attest verification)',
      request: {
        params: s.artifactPath,
        body: { required: true, content: { 'application/json': { schema: s.verificationBody } } },
      },
      ok: { status: 201, schema: s.verificationSchema, description: 'What was recorded' },
    },
    async (c) => {
      const { attestVerification } = await import('../app/verification.js');
      const { digest } = valid<z.infer<typeof s.artifactPath>>(c, 'param');
      const body = valid<z.infer<typeof s.verificationBody>>(c, 'json');
      const result = await attestVerification(await requestFor(c, deps, pipelineOf(c)), {
        artifact: digest,
        stage: body.stage,
        result: body.result,
        ...(body.details === undefined ? {} : { details: body.details }),
      });
      return answer(c, verificationDocument(result, body.result), 201);
    },
  );

  // ── Stages ─────────────────────────────────────────────────────────────────────────────────
  define(
    {
      id: 'check',
      method: 'get',
      path: `${S}/check`,
      action: 'read',
      tag: 'stages',
      summary: "Evaluate the stage's contract for an artifact; records nothing (tollgate check)",
      request: { params: s.stagePath, query: s.checkQuery },
      ok: { schema: s.decisionSchema, description: 'The decision (allowed, blocked or pending)' },
    },
    async (c) => {
      const { checkStage } = await checkModule();
      const { stage } = valid<z.infer<typeof s.stagePath>>(c, 'param');
      const { artifact, promoter } = valid<z.infer<typeof s.checkQuery>>(c, 'query');
      const request = await requestFor(c, deps, pipelineOf(c));
      // Read-only: who would promote changes only whom `notBy: promoter` excludes (the dashboard
      // asks as the stage's usual promoter, so an approver sees their own approval count).
      const asPromoter =
        promoter === undefined
          ? request
          : {
              ...request,
              // The promoter named acts as themselves: the caller's own job's person is not theirs.
              caller: { ...withoutActingFor(request.caller), ...principalOf(promoter, 'promoter') },
            };
      const decision = await checkStage(asPromoter, stage, artifact);
      deps.metrics.decisions.inc({ pipeline: decision.pipeline, stage, verdict: decision.verdict });
      return answer(c, decision);
    },
  );

  define(
    {
      id: 'promote',
      method: 'post',
      path: `${S}/promotions`,
      action: 'promote',
      tag: 'stages',
      summary:
        'Re-check and, only if allowed, record the promotion (tollgate promote); 201 when recorded, 200 with the decision when not',
      request: {
        params: s.stagePath,
        body: { required: true, content: { 'application/json': { schema: s.promoteBody } } },
      },
      ok: {
        status: 201,
        schema: s.promotionSchema,
        description:
          'The decision, with the ledger entry and checkpoint when recorded; Tollgate-Entry names the ledger entry too',
      },
    },
    async (c) => {
      const { promote } = await import('../app/promote.js');
      const { stage } = valid<z.infer<typeof s.stagePath>>(c, 'param');
      const body = valid<z.infer<typeof s.promoteBody>>(c, 'json');
      const result = await promote(await requestFor(c, deps, pipelineOf(c)), stage, body.artifact, {
        overrides: body.overrides ?? [],
        ...(body.reason === undefined ? {} : { reason: body.reason }),
        ...(body.again ? { again: true } : {}),
      });
      const { decision, entry, vsa, existing } = result;
      deps.metrics.decisions.inc({ pipeline: decision.pipeline, stage, verdict: decision.verdict });
      // The document `promote --json` prints: the decision, the ledger entry and its checkpoint.
      const document = promotionDocument(result);
      if (!entry) return answer(c, document);
      // A retry of a promotion already in place: 200 with the decision it was recorded under.
      if (existing)
        return answer(c, document, 200, {
          'tollgate-entry': `${entry.seq} ${entry.hash}`,
          'tollgate-promotion': 'existing',
        });
      deps.metrics.promotions.inc({ pipeline: decision.pipeline, stage });
      return answer(c, document, 201, {
        'tollgate-entry': `${entry.seq} ${entry.hash}`,
        'tollgate-vsa': vsa ? 'stored' : 'none',
      });
    },
  );

  define(
    {
      id: 'history',
      method: 'get',
      path: `${S}/promotions`,
      action: 'read',
      tag: 'stages',
      summary: 'Every promotion into the stage, newest first, with its status now (tollgate history)',
      request: { params: s.stagePath },
      ok: { schema: s.historySchema, description: 'The promotions' },
    },
    async (c) => {
      const { stageHistory } = await import('../app/status.js');
      const { stage } = valid<z.infer<typeof s.stagePath>>(c, 'param');
      return answer(c, await stageHistory(await requestFor(c, deps, pipelineOf(c)), stage));
    },
  );

  define(
    {
      id: 'approve',
      method: 'post',
      path: `${S}/approvals`,
      action: 'approve',
      tag: 'stages',
      summary:
        'Approve or reject an artifact for the stage, as the authenticated principal (tollgate approve|reject)',
      request: {
        params: s.stagePath,
        body: { required: true, content: { 'application/json': { schema: s.approvalBody } } },
      },
      ok: { status: 201, schema: s.approvalSchema, description: 'What was recorded, and whether it counts' },
    },
    async (c) => {
      const { recordApproval } = await import('../app/approve.js');
      const { stage } = valid<z.infer<typeof s.stagePath>>(c, 'param');
      const body = valid<z.infer<typeof s.approvalBody>>(c, 'json');
      const request = await requestFor(c, deps, pipelineOf(c));
      const result = await recordApproval(request, stage, {
        artifact: body.artifact,
        decision: body.decision,
        ...(body.comment === undefined ? {} : { comment: body.comment }),
        ...(body.withdraw ? { withdraw: true } : {}),
        // Always given: over HTTP nobody approves a look-alike without naming what they compared.
        lookalikesSeen: body.lookalikesSeen ?? [],
      });
      const document = approvalDocument(result, {
        actor: request.caller.principal,
        stage,
        decision: body.decision,
        withdraw: body.withdraw === true,
      });
      return answer(c, document, result.entry ? 201 : 200);
    },
  );

  define(
    {
      id: 'windows',
      method: 'get',
      path: `${S}/windows`,
      action: 'read',
      tag: 'stages',
      summary: "The stage's promotion windows: open now or not, and the next periods (tollgate windows)",
      request: { params: s.stagePath, query: s.windowsQuery },
      ok: { schema: s.windowsSchema, description: 'The windows view' },
    },
    async (c) => {
      const { stageWindows } = await import('../app/windows.js');
      const { stage } = valid<z.infer<typeof s.stagePath>>(c, 'param');
      const { days } = valid<z.infer<typeof s.windowsQuery>>(c, 'query');
      return answer(
        c,
        stageWindows(await requestFor(c, deps, pipelineOf(c)), stage, days === undefined ? 14 : Number(days)),
      );
    },
  );

  define(
    {
      id: 'rollbackCheck',
      method: 'get',
      path: `${S}/rollback-check`,
      action: 'read',
      tag: 'stages',
      summary: "Evaluate the stage's rollback conditions once (tollgate rollback check)",
      request: { params: s.stagePath, query: s.rollbackCheckQuery },
      ok: { schema: s.rollbackCheckSchema, description: 'The check; exitCode is what the CLI exits with' },
    },
    async (c) => {
      const { rollbackCheck } = await import('../app/rollback.js');
      const { stage } = valid<z.infer<typeof s.stagePath>>(c, 'param');
      const { artifact } = valid<z.infer<typeof s.rollbackCheckQuery>>(c, 'query');
      return answer(
        c,
        await rollbackCheck(
          await requestFor(c, deps, pipelineOf(c)),
          stage,
          artifact === undefined ? {} : { digest: artifact },
        ),
      );
    },
  );

  define(
    {
      id: 'rollback',
      method: 'post',
      path: `${S}/rollbacks`,
      action: 'rollback',
      tag: 'stages',
      summary:
        "Roll the stage back to the last known good digest and record it (tollgate rollback); the deploy is the caller's",
      request: {
        params: s.stagePath,
        body: { required: true, content: { 'application/json': { schema: s.rollbackBody } } },
      },
      ok: { status: 201, schema: s.rollbackSchema, description: 'The rollback recorded' },
    },
    async (c) => {
      const { rollbackStage } = await import('../app/rollback.js');
      const { stage } = valid<z.infer<typeof s.stagePath>>(c, 'param');
      const body = valid<z.infer<typeof s.rollbackBody>>(c, 'json');
      const result = await rollbackStage(
        await requestFor(c, deps, pipelineOf(c)),
        stage,
        body.reason === undefined ? {} : { reason: body.reason },
      );
      return answer(c, rollbackDocument(result, stage), 201);
    },
  );

  define(
    {
      id: 'vsa',
      method: 'get',
      path: `${S}/vsa`,
      action: 'read',
      tag: 'stages',
      summary: 'The signed VSA stored with the latest promotion of a digest into the stage (tollgate vsa)',
      request: { params: s.stagePath, query: s.artifactQuery },
      ok: { schema: s.envelopeSchema, description: 'The DSSE envelope' },
    },
    async (c) => {
      const { storedVsa } = await import('../app/vsa.js');
      const { stage } = valid<z.infer<typeof s.stagePath>>(c, 'param');
      const { artifact } = valid<z.infer<typeof s.artifactQuery>>(c, 'query');
      const found = await storedVsa(await requestFor(c, deps, pipelineOf(c)), stage, artifact);
      if (!found) {
        throw new TollgateError(
          'NOT_FOUND',
          `no signed VSA for ${artifact} in ${stage}: it was never promoted there, or no verifier key was configured then`,
        );
      }
      return answer(c, found.envelope);
    },
  );

  define(
    {
      id: 'vsaVerification',
      method: 'get',
      path: `${S}/vsa/verification`,
      action: 'read',
      tag: 'dashboard',
      summary:
        "The VSA stored with the digest's latest promotion into the stage, verified with the pipeline's verifier key (signature, digest, stage, ledger proof)",
      request: { params: s.stagePath, query: s.artifactQuery },
      ok: { schema: s.vsaVerificationSchema, description: 'The verification; valid: false says why' },
    },
    async (c) => {
      const { verifyStoredVsa } = await import('../app/vsa.js');
      const { stage } = valid<z.infer<typeof s.stagePath>>(c, 'param');
      const { artifact } = valid<z.infer<typeof s.artifactQuery>>(c, 'query');
      const found = await verifyStoredVsa(await requestFor(c, deps, pipelineOf(c)), stage, artifact);
      if (!found)
        throw new TollgateError(
          'NOT_FOUND',
          `no signed VSA for ${artifact} in ${stage}: it was never promoted there with a verifier key`,
        );
      return answer(c, found);
    },
  );

  define(
    {
      id: 'events',
      method: 'get',
      path: `${P}/events`,
      action: 'read',
      tag: 'pipelines',
      summary:
        "The pipeline's ledger entries as Server-Sent Events, live; resumable with Last-Event-ID (the entry's seq)",
      request: { params: s.pipelinePath, query: s.eventsQuery },
      ok: {
        schema: s.entryEventSchema,
        description: 'text/event-stream: one event per ledger entry (id: seq, event: kind)',
      },
    },
    async (c) => {
      const { after } = valid<z.infer<typeof s.eventsQuery>>(c, 'query');
      const request = await requestFor(c, deps, pipelineOf(c));
      const last = c.req.header('last-event-id') ?? after;
      if (last !== undefined && !/^\d{1,15}$/.test(last))
        throw new TollgateError(
          'USAGE',
          `Last-Event-ID "${last.slice(0, 40)}": expected the seq of an entry`,
        );
      const store = await request.services.store();
      const pipeline = request.contract.pipeline;
      // Seqs are per pipeline: an id past the head was never an entry of this ledger (one kept
      // from another pipeline's stream, another ledger's, made up). Followed, the stream would
      // skip every entry up to it without a word.
      if (last !== undefined) {
        const head = await store.head(pipeline);
        if (Number(last) > head)
          throw new TollgateError(
            'USAGE',
            `${c.req.header('last-event-id') === undefined ? 'after' : 'Last-Event-ID'} ${last} is past the last entry of pipeline ${pipeline} (seq ${head}): it is not an entry of this pipeline's ledger; reconnect without it (or with ?after=0 for every entry)`,
          );
      }
      const who = c.get('identity').principal;
      const principal = principalKey(who);
      // Each open stream asks the database every poll for as long as it stays open: without a
      // bound, one reader opening streams at the request rate would soon hold thousands of them.
      const open = openStreams.get(principal) ?? 0;
      if (open >= deps.maxEventStreams)
        throw new TollgateError(
          'RATE_LIMITED',
          `${principal} has ${open} event streams open on this server, the most one caller may: close one (one stream can serve many listeners)`,
        );
      openStreams.set(principal, open + 1);
      const reauthenticate = c.get('reauthenticate');
      return streamEntries(c, {
        onClose: () => {
          const left = (openStreams.get(principal) ?? 1) - 1;
          if (left > 0) openStreams.set(principal, left);
          else openStreams.delete(principal);
        },
        store,
        pipeline,
        // Only as long as the caller is still who they were and may still read the pipeline.
        stillAllowed: async () => {
          const now = await reauthenticate?.();
          // The name as the credential spells it: the normalised key (`Release-Bot` counted as
          // `release-bot`) never equals a name with a capital, and every such stream was ended.
          if (now?.principal !== who) return false;
          try {
            authorise(now.grant, 'read', request.contract.pipeline, undefined);
            return true;
          } catch {
            return false;
          }
        },
        ...(last === undefined ? {} : { after: Number(last) }),
        stopping: deps.stopping,
        ...(deps.eventPollMs === undefined ? {} : { pollMs: deps.eventPollMs }),
      });
    },
  );

  // ── The dashboard's read models ─────────────────────────────────────────────────────────────
  define(
    {
      id: 'overview',
      method: 'get',
      path: `${API}/overview`,
      action: 'read',
      tag: 'dashboard',
      summary:
        "A page of the pipelines the caller may read: each stage's current digest and status, and what waits at its door",
      request: { query: s.overviewQuery },
      ok: { schema: s.overviewSchema, description: 'The page' },
    },
    async (c) => {
      const { pipelinesOverview, pageNumber, MAX_PAGE_SIZE, serverCatalogue } = await import(
        '../app/dashboard.js'
      );
      const query = valid<z.infer<typeof s.overviewQuery>>(c, 'query');
      const identity = c.get('identity');
      const caller = {
        ...principalOf(identity.principal, 'the principal'),
        grant: identity.grant,
        at: deps.services.clock.now(),
      };
      return answer(
        c,
        await pipelinesOverview(
          deps.services,
          caller,
          {
            ...(query.q === undefined ? {} : { q: query.q }),
            ...(query.status === undefined ? {} : { status: query.status }),
            page: pageNumber(query.page, 'page', 1, 1_000_000),
            size: pageNumber(query.size, 'size', 20, MAX_PAGE_SIZE),
          },
          serverCatalogue(
            deps.services,
            (name) => contractInForce(deps.services, name, deps.compiledContracts, deps.contractsRoot),
            deps.compiledContracts,
          ),
        ),
      );
    },
  );

  define(
    {
      id: 'pipelineSummary',
      method: 'get',
      path: `${P}/summary`,
      action: 'read',
      tag: 'dashboard',
      summary:
        "One pipeline as the dashboard shows it: each stage's current digest, status and `from` edges, and what waits at its door",
      request: { params: s.pipelinePath },
      ok: { schema: s.overviewPipelineSchema, description: 'The pipeline' },
    },
    async (c) => {
      const { pipelineSummary } = await import('../app/dashboard.js');
      return answer(c, await pipelineSummary(await requestFor(c, deps, pipelineOf(c))));
    },
  );

  define(
    {
      id: 'timeline',
      method: 'get',
      path: `${P}/timeline`,
      action: 'read',
      tag: 'dashboard',
      summary: "A page of the pipeline's timeline: artifacts moving through the stages, newest first",
      request: { params: s.pipelinePath, query: s.timelineQuery },
      ok: { schema: s.timelineSchema, description: 'The page; `next` fetches the older one' },
    },
    async (c) => {
      const { pipelineTimeline, pageNumber } = await import('../app/dashboard.js');
      const query = valid<z.infer<typeof s.timelineQuery>>(c, 'query');
      return answer(
        c,
        await pipelineTimeline(await requestFor(c, deps, pipelineOf(c)), {
          ...(query.before === undefined
            ? {}
            : { before: pageNumber(query.before, 'before', 1, Number.MAX_SAFE_INTEGER) }),
          limit: pageNumber(query.limit, 'limit', 50, 200),
        }),
      );
    },
  );

  define(
    {
      id: 'inbox',
      method: 'get',
      path: `${API}/inbox`,
      action: 'read',
      tag: 'dashboard',
      summary:
        "Digests waiting for approvals, in the pipelines the caller may read, with whether the caller's approval would count; a page at a time",
      request: { query: s.inboxQuery },
      ok: { schema: s.inboxSchema, description: 'A page of the inbox; `next` fetches the following one' },
    },
    async (c) => {
      const { approvalsInbox, pageNumber, MAX_PAGE_SIZE, serverCatalogue } = await import(
        '../app/dashboard.js'
      );
      const query = valid<z.infer<typeof s.inboxQuery>>(c, 'query');
      const identity = c.get('identity');
      const caller = {
        ...principalOf(identity.principal, 'the principal'),
        grant: identity.grant,
        at: deps.services.clock.now(),
      };
      const mayApprove = (pipeline: string, stage: string) => {
        try {
          authorise(identity.grant, 'approve', pipeline, stage);
          return true;
        } catch {
          return false;
        }
      };
      return answer(
        c,
        await approvalsInbox(
          deps.services,
          caller,
          mayApprove,
          serverCatalogue(
            deps.services,
            (name) => contractInForce(deps.services, name, deps.compiledContracts, deps.contractsRoot),
            deps.compiledContracts,
          ),
          {
            after:
              query.after === undefined ? 0 : pageNumber(query.after, 'after', 1, Number.MAX_SAFE_INTEGER),
            size: pageNumber(query.size, 'size', 20, MAX_PAGE_SIZE),
          },
        ),
      );
    },
  );

  // ── Contracts (issue 15) ───────────────────────────────────────────────────────────────────
  define(
    {
      id: 'pushContract',
      method: 'put',
      path: `${P}/contract`,
      action: 'contract',
      tag: 'contracts',
      summary:
        "Upload the pipeline's contract (tollgate contract push): recorded as the contract in force, by an admin of the one in force",
      request: {
        params: s.pipelinePath,
        body: {
          required: true,
          description: 'The contract, as YAML text (at most 1 MiB).',
          content: { 'application/yaml': { schema: { type: 'string' } as never } },
        },
      },
      ok: {
        status: 201,
        schema: s.contractUpdateSchema,
        description: 'The change recorded (201), or the contract already in force (200, recorded: false)',
      },
    },
    async (c) => {
      const { assertFilesInside, updateContract } = await import('../app/contract-pin.js');
      const { contractTextOf, validateContract } = await import('../contract/load-contract.js');
      const pipeline = pipelineOf(c);
      assertMediaType(c, contractTypes);
      // Decoded strictly, as a contract file is: the digest recorded is that of the bytes sent.
      const text = contractTextOf(new Uint8Array(await c.req.arrayBuffer()), `${pipeline}.yaml (upload)`);
      if (text.trim() === '')
        throw new TollgateError('USAGE', 'the request body is empty: send the contract');
      const services = c.get('services') ?? deps.services;
      const started = heldContract(services.contracts, pipeline);
      const contract = validateContract(
        text,
        `${pipeline}.yaml (upload)`,
        started?.root ?? deps.contractsRoot,
      );
      if (contract.pipeline !== pipeline) {
        throw new TollgateError(
          'CONTRACT_INVALID',
          `the uploaded contract is for pipeline ${contract.pipeline}, not ${pipeline}: upload it to /api/v1/pipelines/${contract.pipeline}/contract`,
        );
      }
      assertFilesInside(contract);
      // The contract in force decides who may replace it: a token acting in a name it now gives a
      // standing to is judged against it too (requestFor judges it against the upload).
      const inForce = await inForceOrNone(pipeline);
      await assertActsForItsName(c.get('identity'), inForce ? [inForce] : []);
      const result = await updateContract(await requestFor(c, deps, pipeline, contract), { via: 'upload' });
      return answer(c, result, result.recorded ? 201 : 200);
    },
  );

  define(
    {
      id: 'contractVersions',
      method: 'get',
      path: `${P}/contract/versions`,
      action: 'read',
      tag: 'contracts',
      summary: "Every recorded version of the pipeline's contract, newest first: who, when, what changed",
      request: { params: s.pipelinePath },
      ok: { schema: s.contractVersionsSchema, description: 'The versions' },
    },
    async (c) => {
      const { contractVersions } = await import('../app/contract-pin.js');
      return answer(c, await contractVersions(await requestFor(c, deps, pipelineOf(c))));
    },
  );

  define(
    {
      id: 'contractVersion',
      method: 'get',
      path: `${P}/contract/versions/{digest}`,
      action: 'read',
      tag: 'contracts',
      summary: 'One recorded version of the contract, with its text',
      request: { params: s.contractVersionPath },
      ok: { schema: s.contractVersionSchema, description: 'The version and its text' },
    },
    async (c) => {
      const { contractVersion } = await import('../app/contract-pin.js');
      const { digest } = valid<z.infer<typeof s.contractVersionPath>>(c, 'param');
      return answer(c, await contractVersion(await requestFor(c, deps, pipelineOf(c)), digest));
    },
  );

  // ── Who am I ───────────────────────────────────────────────────────────────────────────────
  define(
    {
      id: 'whoami',
      method: 'get',
      path: `${API}/whoami`,
      action: 'read',
      tag: 'identity',
      summary: 'The principal the server authenticated, and its grant',
      ok: { schema: s.whoamiSchema, description: 'The caller' },
    },
    async (c) => {
      const identity = c.get('identity');
      return answer(c, {
        principal: identity.principal,
        role: identity.grant.role,
        pipelines: identity.grant.pipelines,
        ...(identity.grant.stages ? { stages: identity.grant.stages } : {}),
        via: identity.via,
        ...(identity.actingFor === undefined ? {} : { actingFor: identity.actingFor }),
      });
    },
  );

  // ── Tokens (admin) ─────────────────────────────────────────────────────────────────────────
  define(
    {
      id: 'createToken',
      keyed: false,
      method: 'post',
      path: `${API}/tokens`,
      action: 'tokens',
      tag: 'identity',
      summary: 'Make an API token (tollgate token create); the token is in this answer only',
      request: { body: { required: true, content: { 'application/json': { schema: s.tokenBody } } } },
      ok: { status: 201, schema: s.createdTokenSchema, description: 'The token, shown once' },
    },
    async (c) => {
      const { assertTokenName, createToken, tokenPrincipal } = await import('../app/tokens.js');
      const body = valid<z.infer<typeof s.tokenBody>>(c, 'json');
      const identity = c.get('identity');
      authoriseTokenScope(identity.grant, body);
      // Not in the name of someone the contracts of its pipelines name, unless the maker is them.
      const contracts = await contractsCovering(body.pipelines);
      await assertActsForItsName(identity, contracts);
      // A token made in another's name makes tokens as its maker's: were it recorded as their
      // maker, a token made "by erin" before any contract named erin would act for her forever.
      const maker = identity.madeBy ?? identity.principal;
      assertTokenName(maker, tokenPrincipal(body), contracts);
      const { token, record } = await createToken(
        deps.services,
        {
          role: body.role,
          pipelines: body.pipelines,
          ...(body.stages ? { stages: body.stages } : {}),
          ...(body.principal ? { principal: body.principal } : {}),
          ...(body.expiresIn ? { expiresIn: body.expiresIn } : {}),
          // Never past the end of the credential making it.
          ...(identity.expiresAt === undefined ? {} : { notAfter: new Date(identity.expiresAt) }),
          // Which credential made it: revoking that token revokes this one.
          madeWith: identity.via,
        },
        maker,
        deps.services.clock.now(),
        'api',
      );
      return answer(c, { token, ...record }, 201);
    },
  );

  define(
    {
      id: 'listTokens',
      method: 'get',
      path: `${API}/tokens`,
      action: 'tokens',
      tag: 'identity',
      summary: "The API tokens within the caller's grant, without secrets (tollgate token list)",
      ok: { schema: s.tokenRecordSchema.array(), description: 'The tokens' },
    },
    async (c) => {
      const { listTokens } = await import('../app/tokens.js');
      const grant = c.get('identity').grant;
      // Only tokens the caller may manage: within its pipelines and, for a stage-bound admin,
      // bound to its stages (a dev admin learns nothing of prod's tokens).
      const visible = (await listTokens(deps.services)).filter((t) => withinTokenScope(grant, t));
      return answer(c, visible);
    },
  );

  define(
    {
      id: 'revokeToken',
      method: 'delete',
      path: `${API}/tokens/{id}`,
      action: 'tokens',
      tag: 'identity',
      summary: 'Revoke an API token and every token it made (tollgate token revoke)',
      request: { params: s.tokenPath },
      ok: {
        schema: s.revokedTokenSchema,
        description: 'The token, revoked, and the ids of those revoked with it',
      },
    },
    async (c) => {
      const { revokeToken, findToken } = await import('../app/tokens.js');
      const { id } = valid<z.infer<typeof s.tokenPath>>(c, 'param');
      const identity = c.get('identity');
      const target = await findToken(deps.services, id);
      // A token beyond the caller's grant answers as one that does not exist, as the list hides
      // it: a 403 for a real id and a 404 for a made-up one would tell an admin of one pipeline
      // which ids name another's tokens.
      if (!target || !withinTokenScope(identity.grant, target))
        throw new TollgateError('NOT_FOUND', `there is no token ${id}`);
      await assertActsForItsName(identity, await contractsCovering(target.pipelines));
      return answer(c, await revokeToken(deps.services, id, identity.principal, deps.services.clock.now()));
    },
  );

  return table;
}
