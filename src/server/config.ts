/**
 * The server's own configuration (`tollgate serve --config FILE`): who may call it. OIDC issuers
 * whose ID tokens CI jobs present (GitHub Actions, GitLab CI, any issuer), with rules that map a
 * token's claims to a principal and a grant; the OpenID provider people sign in with; rate limits.
 * Read once at start; an invalid file stops the start with its file, line and what was expected.
 */
import { readFileSync } from 'node:fs';
import ipaddr from 'ipaddr.js';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { ROLES } from '../app/authorise.js';
import { NAME_PATTERN, NAME_RULE } from '../contract/schema.js';
import { inputError, unreadableFile } from '../errors.js';
import { parseExactDuration } from '../policy/duration.js';
import { unboundRuleProblem } from './shared-issuers.js';

const scope = z
  .array(
    z
      .string()
      .refine(
        (name) => name === '*' || NAME_PATTERN.test(name),
        `a pipeline name (${NAME_RULE}), or * for every pipeline`,
      ),
  )
  .min(1);

/**
 * A rule: when every claim named in `match` has a value matching its pattern (`*` matches any run
 * of characters; a list matches any of its patterns), the caller is `principal` (a template whose
 * `{claim}` parts are filled from the token) with `role` on `pipelines` (and `stages`).
 */
export const claimRuleSchema = z.strictObject({
  match: z.record(z.string(), z.union([z.string(), z.array(z.string()).min(1)])),
  principal: z.string().min(1).max(200),
  role: z.enum(ROLES),
  pipelines: scope,
  stages: z.array(z.string().regex(NAME_PATTERN, `a stage name: ${NAME_RULE}`)).optional(),
});
export type ClaimRule = z.infer<typeof claimRuleSchema>;

/** Signature algorithms accepted by default: asymmetric only (never `none`, never an HMAC). */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

const claimName = z.string().regex(/^[A-Za-z_][\w.-]*$/, 'a claim name such as actor or user_login');

const duration = z
  .string()
  .refine((text) => parseExactDuration(text) !== undefined, 'a duration such as 8h or 30m');

export const ciIssuerSchema = z
  .strictObject({
    issuer: z.url(),
    /** The `aud` the ID token must carry (what the CI job asks its issuer for). */
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    /** Where the keys are; default: the issuer's discovery document's `jwks_uri`. */
    jwksUri: z.url().optional(),
    algorithms: z.array(z.enum(ASYMMETRIC_ALGORITHMS)).min(1).optional(),
    /**
     * The longest a token may live, `exp` minus `iat` (default 1h): a token stolen from a job's log
     * is then worth an hour at most. GitHub Actions tokens live 5–10 minutes; GitLab's `id_tokens`
     * live the job's timeout (1h unless the project sets another), so a longer one needs this raised.
     */
    maxTokenLifetime: duration.default('1h'),
    /**
     * The claims naming the people who triggered the job (default: `actor` and `triggering_actor`
     * on GitHub Actions, `user_login` elsewhere, as GitLab names it): separation of duties takes
     * the job's principal for each of them too (src/gates/approvals-gate.ts).
     */
    personClaim: z.union([claimName, z.array(claimName).min(1)]).optional(),
    rules: z.array(claimRuleSchema).min(1),
  })
  // On an issuer that mints for anybody (github.com, gitlab.com), a rule must fix the owner.
  .superRefine((config, context) => {
    config.rules.forEach((rule, index) => {
      const problem = unboundRuleProblem(config.issuer, rule.match);
      if (problem !== undefined)
        context.addIssue({ code: 'custom', path: ['rules', index, 'match'], message: problem, input: rule });
    });
  });
export type CiIssuerConfig = z.infer<typeof ciIssuerSchema>;

export const loginSchema = z
  .strictObject({
    issuer: z.url(),
    clientId: z.string().min(1),
    /** The client secret; default TOLLGATE_OIDC_CLIENT_SECRET (public clients with PKCE need none). */
    clientSecret: z.string().min(1).optional(),
    /** This server's callback URL as registered with the provider (`…/auth/callback`). */
    redirectUri: z.url(),
    scopes: z.array(z.string()).default(['openid', 'email', 'profile']),
    /** The ID token claim that names a person in the ledger (it must match the contract's people). */
    principalClaim: z.string().default('email'),
    /** Rules as for CI issuers, without `principal`: a person is named by `principalClaim`. */
    rules: z.array(claimRuleSchema.omit({ principal: true })).min(1),
    sessionTtl: duration.default('8h'),
  })
  // On a provider anybody can sign in with (Google), a rule must fix the organisation.
  .superRefine((config, context) => {
    config.rules.forEach((rule, index) => {
      const problem = unboundRuleProblem(config.issuer, rule.match);
      if (problem !== undefined)
        context.addIssue({ code: 'custom', path: ['rules', index, 'match'], message: problem, input: rule });
    });
  });
export type LoginConfig = z.infer<typeof loginSchema>;

const DEFAULT_CONNECTIONS = {
  max: 4096,
  perClient: 256,
  headersTimeout: '10s',
  requestTimeout: '5m',
  keepAliveTimeout: '5s',
};

/**
 * What one replica's socket accepts (Node's own defaults set no cap and give headers a minute):
 * connections open at once, in all and per client (see clientKey), and how long a client may take.
 */
export const connectionsSchema = z
  .strictObject({
    /** Connections open at once on this replica; one more is closed as it arrives (default 4096). */
    max: z.number().int().min(1).default(DEFAULT_CONNECTIONS.max),
    /** Of them, from one client (an IPv4 address, an IPv6 prefix of `rateLimit.ipv6Prefix` bits; default 256). */
    perClient: z.number().int().min(1).default(DEFAULT_CONNECTIONS.perClient),
    /** A request's headers must have arrived this long after it began, or the connection is cut (default 10s). */
    headersTimeout: duration.default(DEFAULT_CONNECTIONS.headersTimeout),
    /** The whole request, body included (uploads), must have arrived this long after it began (default 5m). */
    requestTimeout: duration.default(DEFAULT_CONNECTIONS.requestTimeout),
    /** A kept-alive connection with no request is closed after this long (default 5s). */
    keepAliveTimeout: duration.default(DEFAULT_CONNECTIONS.keepAliveTimeout),
  })
  .superRefine((config, context) => {
    if (parseExactDuration(config.headersTimeout)! > parseExactDuration(config.requestTimeout)!)
      context.addIssue({
        code: 'custom',
        path: ['headersTimeout'],
        message: `at most requestTimeout (${config.requestTimeout}): the headers are part of the request`,
        input: config.headersTimeout,
      });
    if (parseExactDuration(config.headersTimeout)! < 1000)
      context.addIssue({
        code: 'custom',
        path: ['headersTimeout'],
        message: 'at least 1s',
        input: config.headersTimeout,
      });
  });
export type ConnectionsConfig = z.infer<typeof connectionsSchema>;

/** An address (`192.0.2.10`) or a network (`10.0.0.0/8`, `2001:db8::/32`). */
const addressOrNetwork = z
  .string()
  .refine(
    (text) => (text.includes('/') ? ipaddr.isValidCIDR(text) : ipaddr.isValid(text)),
    'an IP address or a network such as 10.0.0.0/8 or 2001:db8::/32',
  );

export const serverConfigSchema = z.strictObject({
  /**
   * The reverse proxies in front of this server (addresses or networks; default none). A request
   * whose socket peer is one of them has its client taken from `X-Forwarded-For` (the rightmost
   * entry that is not a trusted proxy) for per-client limits; nobody else's header is read.
   */
  trustedProxies: z.array(addressOrNetwork).default([]),
  /** The socket: connections open at once, and how long a client may take to send a request. */
  connections: connectionsSchema.default(DEFAULT_CONNECTIONS),
  ciIssuers: z.array(ciIssuerSchema).default([]),
  login: loginSchema.optional(),
  /**
   * `GET /metrics`: `credential` (default) needs a bearer credential (or session) granted every
   * pipeline, since the series name pipelines and stages and how their decisions go; `public`
   * answers anybody, as a scrape without credentials expects (keep it on an internal network then).
   */
  metrics: z
    .strictObject({ access: z.enum(['credential', 'public']).default('credential') })
    .default({ access: 'credential' }),
  rateLimit: z
    .strictObject({
      /** Requests a principal may make per minute on one replica (default 3000). */
      perMinute: z.number().int().min(1).default(3000),
      /** How many of them may come at once (default 600). */
      burst: z.number().int().min(1).default(600),
      /** Event streams a principal may hold open at once on one replica (default 64). */
      streams: z.number().int().min(1).default(64),
      /** Sign-ins (`GET /auth/login`) one client address may start per minute on one replica (default 30). */
      logins: z.number().int().min(1).default(30),
      /** Sign-ins under way (started, not finished, under 10 minutes old) one replica keeps at most (default 10000). */
      pendingLogins: z.number().int().min(1).default(10_000),
      /**
       * Per-client limits count an IPv6 client by this many leading bits of its address (default 64:
       * one host owns a /64 and may use any address in it); an IPv4 client by its address.
       */
      ipv6Prefix: z.number().int().min(16).max(128).default(64),
      /**
       * Of `pendingLogins`, how many one network may hold (default 500): an IPv6 network of
       * `networkIpv6Prefix` bits (default 48, a site's allocation), an IPv4 network its /24. One
       * owner of a /48 has 65,536 /64s, each allowed `logins` a minute: without this it could fill
       * the table and lock everybody out of signing in.
       */
      pendingLoginsPerNetwork: z.number().int().min(1).default(500),
      networkIpv6Prefix: z.number().int().min(16).max(128).default(48),
      /**
       * Failed authentications (a credential refused: unknown, forged, expired, revoked) one client may
       * make per minute on one replica (default 30); past them, credentials it has not seen work are refused 429.
       */
      authFailures: z.number().int().min(1).default(30),
    })
    .default({
      perMinute: 3000,
      burst: 600,
      streams: 64,
      logins: 30,
      pendingLogins: 10_000,
      ipv6Prefix: 64,
      pendingLoginsPerNetwork: 500,
      networkIpv6Prefix: 48,
      authFailures: 30,
    }),
});
export type ServerConfig = z.infer<typeof serverConfigSchema>;

export const DEFAULT_SERVER_CONFIG: ServerConfig = serverConfigSchema.parse({});

/**
 * Validates server configuration text.
 * @throws TollgateError CONFIG_INVALID at file:line:column, naming the key and what was expected
 */
export function parseServerConfig(text: string, file: string): ServerConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const { line, col } = lines.linePos(first.pos[0]);
    throw inputError(
      'CONFIG_INVALID',
      { file, line, column: col },
      `invalid YAML: ${first.message.split('\n')[0]}`,
    );
  }
  const result = serverConfigSchema.safeParse(doc.toJS() ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.map(String);
  // The deepest node that exists along the path gives the line.
  let node: unknown;
  for (let depth = path.length; depth >= 0 && !node; depth--) node = doc.getIn(path.slice(0, depth), true);
  const offset = (node as { range?: [number] } | undefined)?.range?.[0] ?? 0;
  const { line, col } = lines.linePos(offset);
  const where = path.length > 0 ? path.join('.') : 'the file';
  throw inputError('CONFIG_INVALID', { file, line, column: col }, `${where}: ${issue.message}`);
}

/** Reads the server configuration file. */
export function readServerConfig(file: string): ServerConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw unreadableFile(file, cause, { code: 'USAGE', what: 'the --config file' });
  }
  return parseServerConfig(text, file);
}
