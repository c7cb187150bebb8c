/**
 * The CI shells' path to a Tollgate server: the verb runs as the CLI runs it with `--server`
 * (TOLLGATE_SERVER, src/cli/remote.ts), with the CI job's OIDC ID token as TOLLGATE_TOKEN. The
 * server, never the job, decides who acts (from the token's claims) and what time it is.
 */
import { TollgateError } from '../errors.js';
import { maskUrl } from '../text/secret-detector.js';

/**
 * The environment of the child `tollgate` for a server: its URL and the job's ID token as the
 * credential. A TOLLGATE_DATABASE_URL is dropped: the verb must run on the server, not on a ledger.
 */
export function serverEnv(env: NodeJS.ProcessEnv, server: string, idToken: string): NodeJS.ProcessEnv {
  try {
    new URL(server);
  } catch {
    throw new TollgateError('USAGE', `server-url "${maskUrl(server)}" is not a URL`);
  }
  const { TOLLGATE_DATABASE_URL: _ledger, ...rest } = env;
  return { ...rest, TOLLGATE_SERVER: server, TOLLGATE_TOKEN: idToken };
}

/**
 * The job's ID token from GitHub Actions (ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN, present when the
 * workflow grants `id-token: write`), for `audience`.
 */
export async function githubIdToken(env: NodeJS.ProcessEnv, audience: string): Promise<string> {
  const url = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!url || !bearer) {
    throw new TollgateError(
      'USAGE',
      "server-url needs the job's OIDC token: give the workflow `permissions: id-token: write`",
    );
  }
  const request = new URL(url);
  request.searchParams.set('audience', audience);
  const response = await fetch(request, {
    headers: { authorization: `Bearer ${bearer}`, accept: 'application/json' },
    signal: AbortSignal.timeout(30_000),
  });
  if (!response.ok)
    throw new TollgateError('STORE_UNAVAILABLE', `the OIDC token request answered ${response.status}`);
  const body = (await response.json()) as { value?: unknown };
  if (typeof body.value !== 'string' || body.value === '')
    throw new TollgateError('STORE_UNAVAILABLE', 'the OIDC token request answered no token');
  return body.value;
}
