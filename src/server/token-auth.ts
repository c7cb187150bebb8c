/** API tokens (`tg_…`) as bearer credentials (src/app/tokens.ts keeps and checks them). */
import type { AppServices } from '../app/services.js';
import { looksLikeApiToken, verifyToken } from '../app/tokens.js';
import type { Authenticator } from './identity.js';

export function apiTokenAuthenticator(services: AppServices): Authenticator {
  return async (credentials, at) => {
    if (credentials.bearer === undefined || !looksLikeApiToken(credentials.bearer)) return undefined;
    const { principal, grant, tokenId, madeBy } = await verifyToken(services, credentials.bearer, at);
    return { principal, grant, via: `token:${tokenId}`, ...(madeBy === undefined ? {} : { madeBy }) };
  };
}
