/** API tokens (`tg_…`) as bearer credentials (src/app/tokens.ts keeps and checks them). */
import type { AppServices } from '../app/services.js';
import {
  looksLikeApiToken,
  type PresentedToken,
  readToken,
  type TokenIdentity,
  verifyKeptToken,
  verifyToken,
} from '../app/tokens.js';
import { sha256 } from '../ledger/hash-chain.js';
import type { LedgerStore } from '../ledger/ledger-store.js';
import type { Authenticator, Credentials, Identity } from './identity.js';

export function apiTokenAuthenticator(services: AppServices): Authenticator {
  // The store, once it has opened (it is the same store from then on: createServices).
  let atHand: LedgerStore | undefined;
  const authenticate: Authenticator = async (credentials, at) => {
    if (credentials.bearer === undefined || !looksLikeApiToken(credentials.bearer)) return undefined;
    const identity = identityOf(await verifyToken(services, tokenOf(credentials, credentials.bearer), at));
    if (atHand === undefined) atHand = await services.store();
    return identity;
  };
  authenticate.known = (credentials, at) => {
    if (atHand === undefined || credentials.bearer === undefined || !looksLikeApiToken(credentials.bearer))
      return undefined;
    const verified = verifyKeptToken(atHand, tokenOf(credentials, credentials.bearer), at);
    return verified && identityOf(verified);
  };
  return authenticate;
}

function identityOf({ principal, grant, tokenId, madeBy, expiresAt }: TokenIdentity): Identity {
  return {
    principal,
    grant,
    via: `token:${tokenId}`,
    ...(madeBy === undefined ? {} : { madeBy }),
    expiresAt,
  };
}

/** The bearer as an API token: as the server read it already, or read now. */
function tokenOf(credentials: Credentials, bearer: string): PresentedToken | string {
  const read = credentials.token;
  return read !== undefined && read.text === bearer ? read : bearer;
}

/**
 * How the failed-authentication limit (src/server/observe.ts, failedAuthLimit) knows a presented
 * credential, with the one SHA-256 a request's credential costs: a well-formed API token by its id
 * and its secret's digest, which its check then compares (`token`, for Credentials); anything else
 * (an ID token, a session cookie, a malformed header) by the digest of the text presented.
 * `bearer` is the Authorization header's bearer credential when `presented` is that header and
 * well formed.
 */
export function presentedCredential(
  presented: string,
  bearer: string | undefined,
): { key: string; token?: PresentedToken } {
  // A malformed one is known by its text; its authenticator refuses it.
  const token = bearer !== undefined && looksLikeApiToken(bearer) ? readToken(bearer) : undefined;
  if (token !== undefined) return { key: `token:${token.id}:${token.secretDigest}`, token };
  return { key: sha256(presented) };
}
