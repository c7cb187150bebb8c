/** API tokens (`tg_…`) as bearer credentials (src/app/tokens.ts keeps and checks them). */
import type { AppServices } from '../app/services.js';
import { looksLikeApiToken, type TokenIdentity, verifyKeptToken, verifyToken } from '../app/tokens.js';
import type { LedgerStore } from '../ledger/ledger-store.js';
import type { Authenticator, Identity } from './identity.js';

export function apiTokenAuthenticator(services: AppServices): Authenticator {
  // The store, once it has opened (it is the same store from then on: createServices).
  let atHand: LedgerStore | undefined;
  const authenticate: Authenticator = async (credentials, at) => {
    if (credentials.bearer === undefined || !looksLikeApiToken(credentials.bearer)) return undefined;
    const identity = identityOf(await verifyToken(services, credentials.bearer, at));
    if (atHand === undefined) atHand = await services.store();
    return identity;
  };
  authenticate.known = (credentials, at) => {
    if (atHand === undefined || credentials.bearer === undefined || !looksLikeApiToken(credentials.bearer))
      return undefined;
    const verified = verifyKeptToken(atHand, credentials.bearer, at);
    return verified && identityOf(verified);
  };
  return authenticate;
}

function identityOf({ principal, grant, tokenId, madeBy }: TokenIdentity): Identity {
  return { principal, grant, via: `token:${tokenId}`, ...(madeBy === undefined ? {} : { madeBy }) };
}
