/**
 * OIDC ID tokens from CI (GitHub Actions, GitLab CI, any issuer) as bearer credentials: the token's
 * `iss` picks a configured issuer, its signature is checked against that issuer's JWKS (fetched
 * and cached by `jose`), then its audience, expiry, not-before and issue time at the server's clock, and the
 * issuer's claim rules turn it into a principal and a grant. Only asymmetric algorithms are
 * accepted, so neither `alg: none` nor an HMAC "signed" with the public key gets through.
 */
import { createRemoteJWKSet, decodeJwt, errors, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { TollgateError } from '../errors.js';
import { formatDuration, parseExactDuration } from '../policy/duration.js';
import { normaliseName } from '../policy/names.js';
import { mapClaims } from './claim-rules.js';
import { ASYMMETRIC_ALGORITHMS, type CiIssuerConfig } from './config.js';
import type { Authenticator } from './identity.js';

/** Seconds of clock difference allowed between an issuer and this server. */
const CLOCK_TOLERANCE_S = 30;

const unauthenticated = (why: string, cause?: unknown) =>
  new TollgateError('UNAUTHENTICATED', why, cause === undefined ? {} : { cause });

/** Where an issuer's keys are: configured, or its discovery document's `jwks_uri`. */
async function jwksUriOf(config: CiIssuerConfig): Promise<URL> {
  if (config.jwksUri) return new URL(config.jwksUri);
  const discovery = new URL(`${config.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
  const response = await fetch(discovery, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`${discovery} answered ${response.status}`);
  const document = (await response.json()) as { jwks_uri?: unknown; issuer?: unknown };
  if (document.issuer !== config.issuer)
    throw new Error(`${discovery} names the issuer ${String(document.issuer)}`);
  if (typeof document.jwks_uri !== 'string') throw new Error(`${discovery} has no jwks_uri`);
  return new URL(document.jwks_uri);
}

/** GitHub Actions' issuer, whose tokens name the triggering person in `actor`. */
const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com';

/** The claims naming who triggered a job: configured, else the issuer's usual ones. */
export function personClaimsOf(config: CiIssuerConfig): string[] {
  if (config.personClaim !== undefined)
    return typeof config.personClaim === 'string' ? [config.personClaim] : [...config.personClaim];
  // GitHub's enterprise issuers sit under its address (`…/ENTERPRISE`); GitLab (gitlab.com and
  // self-hosted, whatever its address) names the person `user_login`.
  const issuer = config.issuer.replace(/\/$/, '');
  // On GitHub whoever re-runs a workflow (`triggering_actor`) sets it going as much as whoever
  // first started it (`actor`): both count.
  return issuer === GITHUB_ACTIONS_ISSUER || issuer.startsWith(`${GITHUB_ACTIONS_ISSUER}/`)
    ? ['actor', 'triggering_actor']
    : ['user_login'];
}

/**
 * The people a verified token's job acts for, normalised and distinct, or undefined when the token
 * names none. A name that cannot be compared is refused rather than dropped: dropped, the person's
 * own approval would count beside their job's promotion.
 * @throws TollgateError UNAUTHENTICATED naming the claim and what is wrong with it
 */
function peopleOf(config: CiIssuerConfig, claims: Readonly<Record<string, unknown>>): string[] | undefined {
  const people: string[] = [];
  for (const claim of personClaimsOf(config)) {
    if (!Object.hasOwn(claims, claim)) continue;
    const value = claims[claim];
    if (typeof value !== 'string')
      throw unauthenticated(
        `the ID token's ${claim} claim, which names a person who triggered the job (ciIssuers[].personClaim), is not a string`,
      );
    const checked = normaliseName(value);
    if (!checked.ok)
      throw unauthenticated(
        `the ID token's ${claim} claim ${JSON.stringify(value)}, which names a person who triggered the job (ciIssuers[].personClaim), ${checked.problem}`,
      );
    if (!people.includes(checked.name)) people.push(checked.name);
  }
  return people.length > 0 ? people : undefined;
}

/** Looks like a JWT (three base64url parts). */
export function looksLikeJwt(text: string): boolean {
  return /^[\w-]+\.[\w-]*\.[\w-]*$/.test(text);
}

function reason(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the ID token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return 'the ID token is for another audience';
    if (error.claim === 'iss') return 'the ID token is from another issuer';
    if (error.claim === 'nbf') return 'the ID token is not valid yet';
    return `the ID token's ${error.claim} claim is not acceptable (${error.reason})`;
  }
  if (error instanceof errors.JWKSNoMatchingKey)
    return "no key of the issuer's JWKS matches the ID token's key id";
  if (error instanceof errors.JOSEAlgNotAllowed)
    return "the ID token's algorithm is not accepted (asymmetric signatures only)";
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return "the ID token's signature does not verify";
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JOSEError)
    return `the ID token cannot be verified (${(error as Error).message})`;
  return `the ID token cannot be verified: ${(error as Error).message}`;
}

/** The authenticator for the configured CI issuers. */
export function ciTokenAuthenticator(issuers: readonly CiIssuerConfig[]): Authenticator {
  const keys = new Map<string, Promise<JWTVerifyGetKey>>();
  const keysOf = (config: CiIssuerConfig) => {
    let found = keys.get(config.issuer);
    if (!found) {
      found = jwksUriOf(config).then((uri) => createRemoteJWKSet(uri, { timeoutDuration: 10_000 }));
      // A failed discovery is retried on the next token rather than remembered.
      found.catch(() => keys.delete(config.issuer));
      keys.set(config.issuer, found);
    }
    return found;
  };
  return async (credentials, at) => {
    const token = credentials.bearer;
    if (token === undefined || !looksLikeJwt(token) || issuers.length === 0) return undefined;
    let issuer: unknown;
    try {
      issuer = decodeJwt(token).iss;
    } catch (cause) {
      throw unauthenticated('the bearer token is not a readable JWT', cause);
    }
    const config = issuers.find((candidate) => candidate.issuer === issuer);
    if (!config) throw unauthenticated(`ID tokens from ${String(issuer)} are not accepted by this server`);
    let claims: Record<string, unknown>;
    let typ: string | undefined;
    try {
      const verified = await jwtVerify(token, await keysOf(config), {
        issuer: config.issuer,
        audience: config.audience,
        algorithms: config.algorithms ?? [...ASYMMETRIC_ALGORITHMS],
        currentDate: at,
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ['exp', 'iat', 'sub'],
      });
      claims = verified.payload as Record<string, unknown>;
      typ = verified.protectedHeader.typ;
    } catch (cause) {
      throw unauthenticated(reason(cause), cause);
    }
    // An ID token is typed JWT, or not typed at all. Another type is another kind of token signed by
    // the same issuer's key for the same audience: an OAuth access token (`at+jwt`, RFC 9068), a
    // logout or security event token; none of them says who signed in (RFC 8725 3.11).
    if (typ !== undefined && !/^(application\/)?jwt$/i.test(typ))
      throw unauthenticated(
        `the token is typed ${JSON.stringify(typ)}, not an ID token (typed JWT or untyped): ${/at\+jwt$/i.test(typ) ? 'an OAuth access token does not say who signed in; ' : ''}ask the issuer for an ID token`,
      );
    // jose checks `iat` only against a maximum age: a token issued after now (minted for later
    // use, or by an issuer whose clock runs ahead) would pass as long as it had not expired.
    const issuedAt = claims.iat as number;
    if (issuedAt > at.getTime() / 1000 + CLOCK_TOLERANCE_S)
      throw unauthenticated(
        `the ID token was issued in the future (iat ${new Date(issuedAt * 1000).toISOString()}, the server's time ${at.toISOString()}): a token of now is needed`,
      );
    // jose bounds a token's age only when asked (maxTokenAge) and then from `iat` to now: a token
    // minted to live a week would be refused only after the bound, and accepted until then.
    // Its whole lifetime is what a leak of it is worth, so that is what is bounded.
    const maxLifetimeS = (parseExactDuration(config.maxTokenLifetime) ?? 3_600_000) / 1000;
    const lifetimeS = (claims.exp as number) - issuedAt;
    if (lifetimeS > maxLifetimeS)
      throw unauthenticated(
        `the ID token lives ${formatDuration(lifetimeS * 1000)} (exp - iat), over the ${config.maxTokenLifetime} this server accepts from ${config.issuer} (ciIssuers[].maxTokenLifetime): ask the issuer for a shorter-lived token`,
      );
    // Several audiences: the token was also made for other parties, each able to replay it here.
    // OpenID Connect Core 3.1.3.7 (steps 4 and 5): then `azp` must be present and name us, the
    // party the token was issued to. A single audience is checked by jose; its `azp` is left alone
    // (Google names the requesting service account there).
    const audiences = claims.aud;
    if (Array.isArray(audiences) && audiences.length > 1) {
      const ours = typeof config.audience === 'string' ? [config.audience] : config.audience;
      if (claims.azp === undefined)
        throw unauthenticated(
          `the ID token is for several audiences (${audiences.map(String).join(', ')}) and has no azp claim naming the one it was issued to: ask the issuer for a token with the single audience ${ours[0]}`,
        );
      if (typeof claims.azp !== 'string' || !ours.includes(claims.azp))
        throw unauthenticated(
          `the ID token was issued to ${JSON.stringify(claims.azp)} (azp), not to this server (${ours.join(', ')}): it is another party's token`,
        );
    }
    const { principal, grant } = mapClaims(config.rules, claims, config.issuer);
    const actingFor = peopleOf(config, claims);
    return {
      principal,
      grant,
      via: `oidc:${config.issuer}`,
      ...(actingFor === undefined ? {} : { actingFor }),
      expiresAt: (claims.exp as number) * 1000,
    };
  };
}
