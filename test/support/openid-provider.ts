/**
 * A real, certified OpenID provider run locally (`oidc-provider`, with its development login and
 * consent pages) for the tests of people signing in: one client, `tollgate`, authorization code +
 * PKCE, and accounts whose email and groups come from `people` (anyone else: `ID@example.com`, no
 * groups).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface OpenIdProvider {
  /** The provider's issuer URL (loopback, a free port). */
  issuer: string;
  close(): Promise<void>;
}

export async function startOpenIdProvider(
  redirectUri: string,
  people: Readonly<Record<string, { email: string; groups: string[]; email_verified?: boolean | string }>>,
): Promise<OpenIdProvider> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'tollgate',
        client_secret: 'tollgate-secret',
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['groups'] },
    conformIdTokenClaims: false,
    cookies: { keys: ['a test cookie key'] },
    findAccount: async (_ctx: unknown, id: string) => ({
      accountId: id,
      // The provider has verified every address unless the person says otherwise.
      claims: async () => ({
        sub: id,
        email_verified: true,
        ...(people[id] ?? { email: `${id}@example.com`, groups: [] }),
      }),
    }),
  });
  server.on('request', provider.callback());
  return {
    issuer,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
