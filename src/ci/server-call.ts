/**
 * The CI shells' path to a Tollgate server (the server itself is issue 15's): the verb is sent as
 * `POST {server}/api/v1/cli` with `{"argv": [...]}` and the CI job's OIDC ID token as
 * `Authorization: Bearer`; the server answers `{"exitCode": n, "stdout": "...", "stderr": "..."}`.
 * The server, never the job, decides who acts (from the token's claims) and what time it is.
 */
import { TollgateError } from '../errors.js';
import { maskUrl } from '../text/secret-detector.js';
import type { VerbRun } from './run-verb.js';

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

/** Runs the verb on the server. */
export async function runOnServer(server: string, token: string, argv: string[]): Promise<VerbRun> {
  let url: URL;
  try {
    url = new URL('api/v1/cli', server.endsWith('/') ? server : `${server}/`);
  } catch {
    throw new TollgateError('USAGE', `server-url "${maskUrl(server)}" is not a URL`);
  }
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify({ argv }),
      signal: AbortSignal.timeout(120_000),
    });
  } catch (cause) {
    throw new TollgateError('STORE_UNAVAILABLE', `the Tollgate server at ${url.origin} did not answer`, {
      cause,
    });
  }
  const body = (await response.json().catch(() => undefined)) as
    | { exitCode?: unknown; stdout?: unknown; stderr?: unknown; error?: { message?: unknown } }
    | undefined;
  if (!response.ok || typeof body?.exitCode !== 'number') {
    const message = typeof body?.error?.message === 'string' ? body.error.message : `HTTP ${response.status}`;
    throw new TollgateError(
      response.status === 401 || response.status === 403 ? 'NOT_ALLOWED' : 'STORE_UNAVAILABLE',
      `the Tollgate server refused the request: ${message}`,
    );
  }
  const run: VerbRun = {
    argv,
    exitCode: body.exitCode,
    stdout: String(body.stdout ?? ''),
    stderr: String(body.stderr ?? ''),
  };
  try {
    run.json = JSON.parse(run.stdout);
    if (
      (argv[0] === 'check' || argv[0] === 'promote') &&
      typeof run.json === 'object' &&
      run.json &&
      'verdict' in run.json
    ) {
      run.decision = run.json as VerbRun['decision'];
    }
  } catch {
    // not JSON
  }
  return run;
}
