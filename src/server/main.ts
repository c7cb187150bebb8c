/**
 * The server's wiring, in one place: flags and the environment become the process's services
 * (contracts, store, clock), its authenticators and its socket. The CLI's `serve` command loads
 * this module (as dist/server.cjs, a bundle of its own, so no other command pays for the server's
 * code) and calls {@link runServe}.
 */
import { resolve } from 'node:path';
import { contractLimits } from '../app/context.js';
import { readContractDir } from '../app/contract-dir.js';
import { createServices } from '../app/create-services.js';
import { dashboardDir } from '../app/dashboard-files.js';
import { withEventSinks } from '../app/event-sinks.js';
import { openStore, pgUserOf } from '../app/open-ledger.js';
import { type AppServices, contractSource, type Environment } from '../app/services.js';
import { readContract } from '../contract/load-contract.js';
import type { Contract } from '../contract/types.js';
import { maskSecretsInText } from '../text/secret-detector.js';
import { parseSize } from '../text/size.js';
import { assertDemoPipelines, DEFAULT_MAX_EVIDENCE_BYTES } from './app.js';
import { DEFAULT_SERVER_CONFIG, readServerConfig } from './config.js';
import { stdoutLog } from './observe.js';
import { ciTokenAuthenticator } from './oidc-ci.js';
import { connectionLimits, DEFAULT_LISTEN, parseListen, type RunningServer, startServer } from './serve.js';
import { apiTokenAuthenticator } from './token-auth.js';

export interface ServeFlags {
  listen?: string;
  /** A folder of contracts (`--contracts DIR`). */
  contracts?: string;
  /** One contract file (the global `--contract`), when no folder is given. */
  contract?: string;
  dataDir?: string;
  /** Pipelines in demo mode (`--demo NAME`, repeatable): their callers may set --as and --now. */
  demo?: string[];
  maxEvidenceBytes?: string;
  /** The server's configuration file (`--config`): OIDC issuers, sign-in, rate limits. */
  config?: string;
}

/** The contracts a server starts with: the folder's, else the one contract file, else none. */
function startContracts(flags: ServeFlags, env: Environment): Contract[] {
  const limits = contractLimits({}, env);
  const dir = flags.contracts ?? env.TOLLGATE_CONTRACTS_DIR;
  if (dir) return readContractDir(dir, limits);
  const file = flags.contract ?? env.TOLLGATE_CONTRACT;
  if (file) return [readContract(file, limits)];
  return [];
}

/** The services of a server process: its contracts, the store (PostgreSQL or the SQLite ledger), the real clock. */
export function createServerServices(flags: ServeFlags, env: Environment): AppServices {
  const contracts = startContracts(flags, env);
  const databaseUrl = env.TOLLGATE_DATABASE_URL;
  const dataDir = resolve(flags.dataDir ?? env.TOLLGATE_DATA_DIR ?? '.tollgate');
  const source = contractSource(contracts);
  return createServices({
    contracts: source,
    // What the server records is announced as the CLI's is (docs/events.md): ignored, a server
    // given TOLLGATE_EVENT_SINKS recorded every promotion and sent nothing, without a word.
    store: async () =>
      withEventSinks(await openStore(databaseUrl, dataDir, pgUserOf(env)), env, dataDir, (pipeline) => {
        try {
          return source.get(pipeline);
        } catch {
          // A pipeline the source does not hold: its events name the artifact generically.
          return undefined;
        }
      }),
    env,
  });
}

/**
 * Starts the server and keeps it running until SIGTERM or SIGINT, then shuts down gracefully.
 * Resolves once listening, with the running server.
 */
export async function runServe(flags: ServeFlags, env: Environment): Promise<RunningServer> {
  const listen = parseListen(flags.listen ?? env.TOLLGATE_LISTEN ?? DEFAULT_LISTEN);
  const services = createServerServices(flags, env);
  const demo = flags.demo ?? [];
  assertDemoPipelines(services.contracts, demo);
  // Open the store now: a wrong URL or an unwritable folder stops the start, not the first request.
  await services.store();
  const maxEvidence = flags.maxEvidenceBytes ?? env.TOLLGATE_MAX_EVIDENCE_BYTES;
  const configFile = flags.config ?? env.TOLLGATE_SERVER_CONFIG;
  const config = configFile ? readServerConfig(configFile) : DEFAULT_SERVER_CONFIG;
  const clientSecret = config.login?.clientSecret ?? env.TOLLGATE_OIDC_CLIENT_SECRET;
  const server = await startServer({
    listen,
    services,
    authenticators: [apiTokenAuthenticator(services), ciTokenAuthenticator(config.ciIssuers)],
    ...(config.login ? { login: { config: config.login, ...(clientSecret ? { clientSecret } : {}) } } : {}),
    demoPipelines: demo,
    dashboardDir: dashboardDir(),
    rateLimit: config.rateLimit,
    trustedProxies: config.trustedProxies,
    connections: connectionLimits(config.connections),
    metricsAccess: config.metrics.access,
    log: stdoutLog,
    maxEvidenceBytes: maxEvidence
      ? parseSize(maxEvidence, 'a size for --max-evidence-bytes')
      : DEFAULT_MAX_EVIDENCE_BYTES,
    onInternalError: (error, requestId) =>
      process.stderr.write(
        `${JSON.stringify({ level: 'error', requestId, error: maskSecretsInText(error instanceof Error ? (error.stack ?? error.message) : String(error)) })}\n`,
      ),
  });
  const store = await services.store();
  const pipelines = services.contracts.pipelines();
  // A start-up file changed after its pipeline was pinned is not in force: say so once, at start.
  const { pinnedContract } = await import('../app/contract-pin.js');
  for (const name of pipelines) {
    const file = services.contracts.get(name);
    const pin = await pinnedContract(store, name);
    if (pin && pin.digest !== file.digest)
      process.stderr.write(
        `tollgate serve: ${file.file} is ${file.digest}, but pipeline ${name} is pinned to ${pin.digest} (ledger entry #${pin.seq}): the pinned contract stays in force until an admin runs \`tollgate contract push ${file.file}\`\n`,
      );
  }
  process.stderr.write(
    `tollgate serve: listening on ${server.url} (${store.backend} ledger ${store.location}; pipelines: ${pipelines.join(', ') || 'none'}${demo.length ? `; demo mode: ${demo.join(', ')}` : ''})\n`,
  );
  const shutdown = (signal: string) => {
    process.stderr.write(`tollgate serve: ${signal}: finishing requests in flight, then stopping\n`);
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`tollgate serve: shutdown failed: ${maskSecretsInText(String(error))}\n`);
        process.exit(4);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  return server;
}
