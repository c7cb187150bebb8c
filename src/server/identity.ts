/**
 * Who is calling: the server, never the client, decides. Each authenticator looks at the request's
 * credential (a bearer API token, an OIDC ID token from CI, a signed-in person's session cookie)
 * and either vouches for a principal with a grant, refuses it (401), or passes it on to the next.
 */
import type { Grant } from '../app/authorise.js';
import type { PresentedToken } from '../app/tokens.js';
import { foldName, normaliseName } from '../policy/names.js';

/** A caller the server vouched for. */
export interface Identity {
  /** The name recorded in the ledger for every write the caller makes. */
  principal: string;
  grant: Grant;
  /** How the caller authenticated: `token:<id>`, `oidc:<issuer>`, `session`. */
  via: string;
  /**
   * For a CI job: the people who triggered it (one, or two when one re-ran another's workflow), as
   * its issuer signed them (ciIssuers[].personClaim), normalised. Separation of duties takes the
   * job for each of them too.
   */
  actingFor?: readonly string[];
  /** For an API token made over the API by someone else: its maker (see assertTokenActsForItsName). */
  madeBy?: string;
  /**
   * When the credential ends (ms since the epoch): an API token's expiry, an ID token's `exp`.
   * A token it makes over the API ends no later (see CreateTokenOptions.notAfter).
   */
  expiresAt?: number;
}

/** What a request presents. */
export interface Credentials {
  /** The `Authorization: Bearer …` value. */
  bearer?: string;
  /**
   * The bearer read as an API token, when the server read it already (see presentedCredential in
   * src/server/token-auth.ts): its token authenticator checks it without digesting it again. One
   * read from another bearer is ignored.
   */
  token?: PresentedToken;
  /** Cookies by name. */
  cookies: Readonly<Record<string, string>>;
}

/**
 * One way of authenticating. Returns undefined when the credential is not its kind (the next one
 * is asked); throws TollgateError UNAUTHENTICATED when it is its kind and not valid.
 */
export type Authenticator = ((credentials: Credentials, at: Date) => Promise<Identity | undefined>) & {
  /**
   * The identity, when it can be told at once from what is kept and current (a token whose record
   * the store keeps while the database is unchanged); undefined when the authenticator itself
   * must be asked. Throws as the authenticator would. Without it, every request asks.
   */
  known?: (credentials: Credentials, at: Date) => Identity | undefined;
};

/**
 * The one key a principal is counted and scoped by (the per-principal rate limit, open event
 * streams, Idempotency-Key scopes): its normalised name, as the ledger records it, so `Deployer`,
 * `deployer` and full-width `ＤＥＰＬＯＹＥＲ` from an issuer's claims are one caller with one budget
 * and one set of keys. A name that cannot be normalised (every route refuses it) is keyed by its
 * folded form. Kept per name, bounded: every request of a caller presents the same one.
 */
export function principalKey(principal: string): string {
  let key = principalKeys.get(principal);
  if (key === undefined) {
    const checked = normaliseName(principal);
    key = checked.ok ? checked.name : foldName(principal);
    if (principalKeys.size >= 1000) principalKeys.clear();
    principalKeys.set(principal, key);
  }
  return key;
}
const principalKeys = new Map<string, string>();
