/**
 * Operations: Prometheus metrics (`GET /metrics`), one JSON log line per request (with its request
 * id and principal — never a credential), and per-principal rate limits (429 with Retry-After).
 */

import { isIPv4, isIPv6 } from 'node:net';
import type { Context, MiddlewareHandler } from 'hono';
import ipaddr from 'ipaddr.js';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { TollgateError } from '../errors.js';
import type { ServerEnv } from './env.js';
import { type Identity, principalKey } from './identity.js';

/** The server's metrics, on a registry of its own (several apps in one process do not collide). */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests = new Histogram({
    name: 'tollgate_http_request_duration_seconds',
    help: 'HTTP requests by method, route and status, in seconds',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly decisions = new Counter({
    name: 'tollgate_decisions_total',
    help: 'Decisions made (check and promote) by pipeline, stage and verdict',
    labelNames: ['pipeline', 'stage', 'verdict'] as const,
    registers: [this.registry],
  });
  readonly promotions = new Counter({
    name: 'tollgate_promotions_total',
    help: 'Promotions recorded in the ledger, by pipeline and stage',
    labelNames: ['pipeline', 'stage'] as const,
    registers: [this.registry],
  });
  readonly evidenceBytes = new Counter({
    name: 'tollgate_evidence_bytes_total',
    help: 'Bytes of evidence uploaded, by pipeline and route (tests, evidence, statements)',
    labelNames: ['pipeline', 'kind'] as const,
    registers: [this.registry],
  });
  readonly keptAnswers = new Counter({
    name: 'tollgate_http_kept_answers_total',
    help: 'GET requests answered at once from reads kept while the database was unchanged (also counted in tollgate_http_request_duration_seconds)',
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: 'tollgate_rate_limited_total',
    help: 'Requests refused with 429',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'tollgate_' });
  }
}

/** Where log lines go (stdout by default): one JSON object a line. */
export type LogSink = (line: string) => void;

/**
 * Lines waiting for the end of this turn of the event loop. Writing to stdout is a system call
 * each time (synchronous for files and pipes), one per request; gathered, a busy server makes
 * one per turn. They are written before the process exits, and a crash loses at most one turn's.
 */
let pendingLines: string[] = [];
let flushScheduled = false;
let flushOnExit = false;

function flushLines(): void {
  flushScheduled = false;
  if (pendingLines.length === 0) return;
  const text = pendingLines.join('');
  pendingLines = [];
  process.stdout.write(text);
}

export const stdoutLog: LogSink = (line) => {
  pendingLines.push(`${line}\n`);
  if (pendingLines.length >= 512) return flushLines();
  if (flushScheduled) return;
  flushScheduled = true;
  setImmediate(flushLines);
  if (!flushOnExit) {
    flushOnExit = true;
    process.once('exit', flushLines);
  }
};

/**
 * Logs each request once answered and observes its latency. The route is the table's template
 * (`/api/v1/pipelines/{pipeline}/status`), so metrics have few labels and logs no query strings.
 */
export function observeRequests(record: ReturnType<typeof requestRecorder>): MiddlewareHandler<ServerEnv> {
  return async (c, next) => {
    const start = process.hrtime.bigint();
    try {
      await next();
    } finally {
      record(
        c.req.method,
        c.req.routePath,
        c.res.status,
        start,
        c.get('requestId'),
        c.get('identity'),
        c.res.status >= 400 ? c.get('errorCode') : undefined,
      );
    }
  };
}

/**
 * Observes one answered request's latency and writes its log line: the one way a request is
 * recorded, whether hono answered it or a kept read did (src/server/kept-reads.ts). `path` is
 * hono's route path (`/api/v1/pipelines/:pipeline/status`) or the table's (`{pipeline}`).
 */
export function requestRecorder(metrics: ServerMetrics, log: LogSink | undefined) {
  // The route table's paths in OpenAPI form, made once per path, not once per request, with their
  // JSON text for the log line.
  const routes = new Map<string, { route: string; json: string }>();
  const unmatched = { route: 'unmatched', json: '"unmatched"' };
  const routeOf = (path: string | undefined) => {
    if (!path || path === '/*') return unmatched;
    let known = routes.get(path);
    if (known === undefined) {
      const route = path.replace(/:(\w+)/g, '{$1}');
      known = { route, json: JSON.stringify(route) };
      routes.set(path, known);
    }
    return known;
  };
  return (
    method: string,
    path: string | undefined,
    status: number,
    start: bigint,
    requestId: string | undefined,
    identity: Identity | undefined,
    error: string | undefined,
  ): void => {
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const { route, json } = routeOf(path);
    metrics.requests.observe({ method, route, status: String(status) }, seconds);
    if (log) {
      // What JSON.stringify makes of { level, time, requestId, method, route, status, ms,
      // principal?, via?, error? }, written out: the object, its two spreads and the walk over
      // its keys cost more than the line (test/server/operations.test.ts parses it back). Every
      // string a caller may have chosen goes through JSON.stringify.
      log(
        `{"level":${status >= 500 ? '"error"' : status >= 400 ? '"warn"' : '"info"'},"time":"${isoNow()}"${requestId === undefined ? '' : `,"requestId":${JSON.stringify(requestId)}`},"method":${JSON.stringify(method)},"route":${json},"status":${status},"ms":${Math.round(seconds * 1e5) / 100}${identity ? `,"principal":${JSON.stringify(identity.principal)},"via":${JSON.stringify(identity.via)}` : ''}${error ? `,"error":${JSON.stringify(error)}` : ''}}`,
      );
    }
  };
}

let isoSecond = Number.NaN;
let isoPrefix = '';
/**
 * `new Date().toISOString()` (`YYYY-MM-DDTHH:MM:SS.mmmZ`), the date and time made once per second:
 * toISOString costs ~1.5 µs on this machine, and a busy server's lines rarely share a millisecond.
 */
export function isoNow(ms = Date.now()): string {
  const second = Math.floor(ms / 1000);
  if (second !== isoSecond) {
    isoSecond = second;
    isoPrefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  const fraction = ms - second * 1000;
  return `${isoPrefix}${fraction < 10 ? '00' : fraction < 100 ? '0' : ''}${fraction}Z`;
}

export interface RateLimitOptions {
  /** Requests per minute a principal may make on this replica. */
  perMinute: number;
  /** How many may come at once. */
  burst: number;
  /** Event streams a principal may hold open at once on this replica (default 64). */
  streams?: number;
  /** Sign-ins one client address may start per minute on this replica (default 30, bursts of as many). */
  logins?: number;
  /** Sign-ins under way this replica keeps at most; the next is answered 503 (default 10000). */
  pendingLogins?: number;
  /** The prefix length an IPv6 client is counted by in per-client limits (default 64: one host's /64). */
  ipv6Prefix?: number;
  /** Sign-ins under way one network may hold on this replica (default 500). */
  pendingLoginsPerNetwork?: number;
  /** The prefix length an IPv6 network is counted by for `pendingLoginsPerNetwork` (default 48; IPv4: its /24). */
  networkIpv6Prefix?: number;
  /** Failed authentications one client may make per minute on this replica (default 30, bursts of as many). */
  authFailures?: number;
}

/**
 * The address of the client: the socket's peer, unless that is a trusted proxy (see
 * {@link forwardedClient}), whose `X-Forwarded-For` then names it. Nobody's `X-Forwarded-For` is
 * read otherwise (anybody can write it). Called as a function (tests, `app.request`), the socket
 * is `env.incoming`'s when given.
 */
export function clientAddress(c: Context): string {
  const forwarded = (c as Context<ServerEnv>).get('forwardedFor');
  if (forwarded !== undefined) return forwarded;
  return peerAddress(c);
}

/** The socket's peer (`unknown` without a socket). */
export function peerAddress(c: Context): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'unknown';
}

/** True when `address` is in one of the networks `[address, prefix]`. */
function within(address: string, networks: readonly [ipaddr.IPv4 | ipaddr.IPv6, number][]): boolean {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.process(address.replace(/%.*$/, ''));
  } catch {
    return false;
  }
  return networks.some(([network, bits]) => parsed.kind() === network.kind() && parsed.match(network, bits));
}

/**
 * Parses trusted proxies (`192.0.2.10`, `10.0.0.0/8`, `2001:db8::/32`) into networks. An IPv4
 * peer on a dual-stack socket is matched as IPv4: write IPv4 networks as such.
 * @throws Error naming the one that is neither an address nor a network
 */
export function proxyNetworks(proxies: readonly string[]): [ipaddr.IPv4 | ipaddr.IPv6, number][] {
  return proxies.map((text) =>
    text.includes('/')
      ? ipaddr.parseCIDR(text)
      : [ipaddr.parse(text), ipaddr.parse(text).kind() === 'ipv4' ? 32 : 128],
  );
}

/**
 * The client a chain of trusted proxies names: when the socket's peer is one of `trusted`, the
 * rightmost `X-Forwarded-For` entry that is not (each proxy appends the address it was called
 * from, so entries left of the first untrusted one are whatever the client wrote). Undefined when
 * the peer is not trusted (its header is nobody's word), or when no entry is usable: then the
 * nearest proxy is the client.
 */
export function forwardedClient(
  peer: string,
  header: string | undefined,
  trusted: readonly [ipaddr.IPv4 | ipaddr.IPv6, number][],
): string | undefined {
  if (trusted.length === 0 || header === undefined || !within(peer, trusted)) return undefined;
  const hops = header.split(',').map((hop) => hop.trim());
  let client: string | undefined;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (!ipaddr.isValid(hop.replace(/%.*$/, ''))) return client;
    client = hop;
    if (!within(hop, trusted)) return hop;
  }
  return client;
}

/** The IPv6 prefix length a client is counted by when the configuration names none (one host's /64). */
export const DEFAULT_IPV6_PREFIX = 64;

/**
 * Who a per-client limit counts: an IPv4 client by its address, an IPv6 client by its prefix
 * (`ipv6Prefix` bits, default 64). One IPv6 host is given a whole /64 and picks any address in it
 * (privacy addresses change by the hour; a tool picks a fresh one per request), so an allowance per
 * address would be an allowance per request. An IPv4-mapped IPv6 address (`::ffff:192.0.2.7`, what
 * a dual-stack socket reports for an IPv4 peer) is that IPv4 address. Anything else (no socket, an
 * unparsable address) is counted as it is spelled.
 * @example clientKey('2001:db8:1:2:aaaa::1') // '2001:db8:1:2::/64'
 */
export function clientKey(
  address: string,
  ipv6Prefix: number = DEFAULT_IPV6_PREFIX,
  ipv4Prefix = 32,
): string {
  if (isIPv4(address)) return ipv4Network(address, ipv4Prefix);
  // A zone id (`fe80::1%eth0`) names the interface, not the host: node:net refuses it, ipaddr.js keeps it.
  if (!isIPv6(address.replace(/%.*$/, ''))) return address;
  // ::ffff:a.b.c.d (and the same written in hex) is an IPv4 peer on a dual-stack socket.
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return ipv4Network(parsed.toString(), ipv4Prefix);
  const bits = Math.max(0, Math.min(128, Math.trunc(ipv6Prefix)));
  return `${ipaddr.IPv6.networkAddressFromCIDR(`${parsed.toString().replace(/%.*$/, '')}/${bits}`).toString()}/${bits}`;
}

/** An IPv4 address itself (`bits` 32), or its network: `192.0.2.0/24`. */
function ipv4Network(address: string, bits: number): string {
  if (bits >= 32) return address;
  return `${ipaddr.IPv4.networkAddressFromCIDR(`${address}/${bits}`).toString()}/${bits}`;
}

/** How many entries a bucket table may track before new keys share one bucket (see TokenBuckets). */
export const MAX_TRACKED = 10_000;
/** Entries a bucket table looks at, per use, for ones that refilled (see TokenBuckets). */
const SWEEP_PER_USE = 4;
/** The key of the bucket new keys share while a table is at its cap. */
const OVERFLOW = '\u0000overflow';

/**
 * Token buckets by key (a principal, a client): `capacity` tokens, refilled at `perMs`. A full
 * bucket is what a new one would be, so it is forgotten; what is forgotten is found by a sweep of
 * a few entries per use, in turn (amortised O(1): no use ever walks the whole table, however many
 * keys an attacker with many addresses brings). At most `maxEntries` keys have a bucket of their
 * own; while the table is at that cap a key it does not know shares one overflow bucket with every
 * other such key. A bucket that is not full is never dropped to make room: a client that spent its
 * allowance keeps owing it, however many other clients arrive.
 */
export class TokenBuckets {
  private readonly table = new Map<string, { tokens: number; at: number }>();
  private cursor: Iterator<[string, { tokens: number; at: number }]> | undefined;

  constructor(
    readonly capacity: number,
    readonly perMs: number,
    readonly maxEntries: number = MAX_TRACKED,
  ) {}

  /** Keys tracked now, the overflow bucket included. */
  get size(): number {
    return this.table.size;
  }

  /**
   * The key whose bucket counts `key` at `t`: itself, or the shared overflow bucket's while the
   * table is full of buckets still refilling. Sweeps a few entries first.
   */
  slot(key: string, t: number): string {
    this.sweep(t);
    return this.table.has(key) || this.table.size < this.maxEntries ? key : OVERFLOW;
  }

  /** The tokens the bucket of `slot` holds at `t` (`capacity` for one not tracked). */
  level(slot: string, t: number): number {
    const bucket = this.table.get(slot);
    return bucket === undefined
      ? this.capacity
      : Math.min(this.capacity, bucket.tokens + (t - bucket.at) * this.perMs);
  }

  /** Sets the bucket of `slot` (from {@link slot}) to `tokens` at `t`. */
  set(slot: string, tokens: number, t: number): void {
    const bucket = this.table.get(slot);
    if (bucket === undefined) this.table.set(slot, { tokens, at: t });
    else {
      bucket.tokens = tokens;
      bucket.at = t;
    }
  }

  /** Looks at the next few entries in turn and forgets those that refilled. */
  private sweep(t: number): void {
    let restarted = false;
    for (let looked = 0; looked < SWEEP_PER_USE; ) {
      this.cursor ??= this.table.entries();
      const next = this.cursor.next();
      if (next.done) {
        this.cursor = undefined;
        // Once round per use at most: a small table is not looked at twice.
        if (restarted || this.table.size === 0) return;
        restarted = true;
        continue;
      }
      looked++;
      const [key, bucket] = next.value;
      if (bucket.tokens + (t - bucket.at) * this.perMs >= this.capacity) this.table.delete(key);
    }
  }
}

/**
 * A token bucket per principal, in this process: each replica enforces the limit for what it
 * serves (so N replicas allow up to N times it; set the limit per replica). Answers 429 with
 * Retry-After, the whole seconds until a token is back. `tracked()` is how many buckets it holds.
 */
export function rateLimit(
  options: Pick<RateLimitOptions, 'perMinute' | 'burst'>,
  metrics: ServerMetrics,
  now: () => number = Date.now,
  maxEntries: number = MAX_TRACKED,
) {
  const perMs = options.perMinute / 60_000;
  const buckets = new TokenBuckets(options.burst, perMs, maxEntries);
  // Counted by the normalised name: two spellings of one principal are one budget.
  const limit = (principal: string): void => {
    const t = now();
    const slot = buckets.slot(principalKey(principal), t);
    const tokens = buckets.level(slot, t);
    if (tokens < 1) {
      metrics.rateLimited.inc();
      const seconds = Math.max(1, Math.ceil((1 - tokens) / perMs / 1000));
      throw new RateLimited(seconds, principal, options.perMinute);
    }
    buckets.set(slot, tokens - 1, t);
  };
  /** True when `principal` has a request left now (the limit would let it through), changing nothing but a sweep of refilled buckets. */
  const allows = (principal: string): boolean => {
    const t = now();
    return buckets.level(buckets.slot(principalKey(principal), t), t) >= 1;
  };
  return Object.assign(limit, { tracked: () => buckets.size, allows });
}

export class RateLimited extends TollgateError {
  constructor(
    readonly retryAfter: number,
    principal: string,
    perMinute: number,
    message = `${principal} is over ${perMinute} requests a minute on this server; retry after ${retryAfter} s`,
  ) {
    super('RATE_LIMITED', message);
  }
}

export type FailedAuthLimit = ReturnType<typeof failedAuthLimit>;

/** How long a credential that authenticated stays known to the failed-authentication limit (an hour). */
const KNOWN_GOOD_MS = 3_600_000;

/**
 * Failed authentications per client (an IPv4 address, an IPv6 prefix; see clientKey): a token
 * bucket of `perMinute` failures (bursts of as many) that only failures drain. A client out of
 * failures has every credential this replica has not seen authenticate in the last hour refused
 * with 429 before it is checked, so a guesser learns nothing more, however many it sends; a
 * credential that did authenticate lately (a person's session, a CI job's token behind the same
 * proxy or NAT as the guesser) is still checked and still works. Known credentials are kept by
 * their SHA-256, at most 10000, never the credential itself.
 */
export function failedAuthLimit(
  options: { perMinute: number },
  metrics: ServerMetrics,
  now: () => number = Date.now,
  maxEntries: number = MAX_TRACKED,
) {
  const perMs = options.perMinute / 60_000;
  const buckets = new TokenBuckets(options.perMinute, perMs, maxEntries);
  const known = new Map<string, number>();
  const tokensOf = (client: string, t: number): number => buckets.level(buckets.slot(client, t), t);
  const knownGood = (credentialHash: string, t: number): boolean => {
    const seen = known.get(credentialHash);
    return seen !== undefined && t - seen < KNOWN_GOOD_MS;
  };
  return {
    /** Clients whose failures this replica tracks now. */
    tracked: () => buckets.size,
    /** True when {@link check} would refuse, changing nothing (a sweep forgets only refilled buckets). */
    refuses(client: string, credentialHash: string): boolean {
      const t = now();
      return tokensOf(client, t) < 1 && !knownGood(credentialHash, t);
    },
    /** Throws RateLimited when `client` is out of failures and `credential` (its hash) is not known good. */
    check(client: string, credentialHash: string): void {
      const t = now();
      const tokens = tokensOf(client, t);
      if (tokens >= 1) return;
      if (knownGood(credentialHash, t)) return;
      metrics.rateLimited.inc();
      const seconds = Math.max(1, Math.ceil((1 - tokens) / perMs / 1000));
      throw new RateLimited(
        seconds,
        client,
        options.perMinute,
        `too many failed authentications from this client (${client}: over ${options.perMinute} a minute on this server); retry after ${seconds} s`,
      );
    },
    /** Counts one failed authentication against `client`. */
    failed(client: string): void {
      const t = now();
      const slot = buckets.slot(client, t);
      buckets.set(slot, Math.max(0, buckets.level(slot, t) - 1), t);
    },
    /** Remembers a credential that authenticated. */
    succeeded(credentialHash: string): void {
      const t = now();
      if (known.has(credentialHash)) known.delete(credentialHash);
      else if (known.size >= 10_000) {
        const [oldest] = known.keys();
        if (oldest !== undefined) known.delete(oldest);
      }
      known.set(credentialHash, t);
    },
  };
}
