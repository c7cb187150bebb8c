/**
 * `tollgate token create|list|revoke`: a server's API tokens. Run by the operator against the
 * server's database directly (TOLLGATE_DATABASE_URL, or the SQLite ledger in --data-dir), or over
 * the API with `--server URL` and an admin token in TOLLGATE_TOKEN.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { TokenRecord } from '../../ledger/token-store.js';
import { flagsOf, write } from '../run.js';

interface TokenFlags {
  server?: string;
  dataDir?: string;
  as?: string;
  json?: boolean;
}

/** The services of a token command run on the database: the store only, no contract. */
async function withTokenServices<T>(
  flags: TokenFlags,
  work: (services: import('../../app/services.js').AppServices, by: string) => Promise<T>,
): Promise<T> {
  const { contractSource } = await import('../../app/services.js');
  const { createServices } = await import('../../app/create-services.js');
  const { resolveActor } = await import('../../app/context.js');
  const { openStore, pgUserOf } = await import('../../app/open-ledger.js');
  const env = process.env;
  const dataDir = resolve(flags.dataDir ?? env.TOLLGATE_DATA_DIR ?? '.tollgate');
  const services = createServices({
    contracts: contractSource([]),
    store: () => openStore(env.TOLLGATE_DATABASE_URL, dataDir, pgUserOf(env)),
    env,
  });
  try {
    return await work(services, resolveActor(flags.as === undefined ? {} : { as: flags.as }, env));
  } finally {
    await services.close();
  }
}

/** A call to the server's API with TOLLGATE_TOKEN; its error answer becomes a TollgateError. */
async function callServer(server: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const { TollgateError } = await import('../../errors.js');
  // As every other verb with --server: the URL's user name and password are neither sent nor shown.
  const { serverBase } = await import('../remote.js');
  const base = serverBase(server);
  const token = process.env.TOLLGATE_TOKEN;
  if (!token) throw new TollgateError('USAGE', '--server needs an admin token in TOLLGATE_TOKEN');
  let response: Response;
  try {
    response = await fetch(new URL(`api/v1${path}`, base), {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  } catch (cause) {
    throw new TollgateError(
      'STORE_UNAVAILABLE',
      `cannot reach the server ${base.href}: ${((cause as Error).cause as Error | undefined)?.message ?? (cause as Error).message}`,
      {
        cause,
      },
    );
  }
  const value = (await response.json().catch(() => undefined)) as
    | { error?: { code: import('../../errors.js').ErrorCode; message: string } }
    | undefined;
  if (!response.ok) {
    const error = value?.error;
    throw new TollgateError(
      error?.code ?? 'INTERNAL',
      `${error?.message ?? `the server answered ${response.status} without an error document`} (server ${base.href})`,
    );
  }
  return value;
}

function describe(record: TokenRecord): string {
  const pipelines = record.pipelines === '*' ? '*' : record.pipelines.join(',');
  const stages = record.stages ? ` stages ${record.stages.join(',')}` : '';
  const state = record.revokedAt ? `revoked ${record.revokedAt}` : `expires ${record.expiresAt}`;
  // Who made it over the API, and with what: the lineage a revocation follows (token:<id>), or a
  // CI job's or a session's, which the operator revokes one by one.
  const made = record.madeWith === undefined ? '' : `  made by ${record.createdBy} with ${record.madeWith}`;
  return `${record.id}  ${record.principal}  ${record.role}  pipelines ${pipelines}${stages}  ${state}${made}`;
}

const collect = (value: string, all: string[]) => [...all, value];

export function defineToken(program: Command): void {
  const token = program
    .command('token')
    .description("a server's API tokens: create (shown once, stored hashed), list, revoke");

  token
    .command('create')
    .description('make an API token for a role on some pipelines (and stages); it is printed once')
    .requiredOption('--role <role>', 'reader, ci, approver or admin')
    .requiredOption(
      '--pipeline <name>',
      'a pipeline it covers (repeatable; * for every pipeline)',
      collect,
      [],
    )
    .option('--stage <name>', 'only these stages for promote, approve, rollback (repeatable)', collect, [])
    .option('--name <principal>', 'the name the ledger records for its holder (default ROLE-PIPELINE)')
    .option('--expires <duration>', 'how long it lasts, e.g. 30d, 12h (default 90d, at most 366d)')
    .option('--server <url>', 'make it over the API (with an admin token in TOLLGATE_TOKEN)')
    .option('--json', 'print the token and its record as JSON')
    .action(async (_options, command: Command) => {
      const flags = flagsOf<
        TokenFlags & { role: string; pipeline: string[]; stage: string[]; name?: string; expires?: string }
      >(command);
      const request = {
        role: flags.role,
        pipelines: flags.pipeline,
        ...(flags.stage.length > 0 ? { stages: flags.stage } : {}),
        ...(flags.name === undefined ? {} : { principal: flags.name }),
        ...(flags.expires === undefined ? {} : { expiresIn: flags.expires }),
      };
      let document: { token: string } & TokenRecord;
      if (flags.server) {
        // The server names a bad role in its request schema's words: say it as the flag, before sending.
        const { checkRole } = await import('../../app/tokens.js');
        checkRole(flags.role);
        document = (await callServer(flags.server, 'POST', '/tokens', request)) as typeof document;
      } else {
        const { createToken } = await import('../../app/tokens.js');
        document = await withTokenServices(flags, async (services, by) => {
          const { token: secret, record } = await createToken(services, request, by, new Date());
          return { token: secret, ...record };
        });
      }
      if (flags.json) {
        write(JSON.stringify(document, null, 2));
        return;
      }
      write(document.token);
      process.stderr.write(
        `token ${document.id} for ${document.principal} (${document.role}) expires ${document.expiresAt}; it is shown only now: keep it in your CI's secrets\n`,
      );
    });

  token
    .command('list')
    .description('list the API tokens (never their secrets)')
    .option('--server <url>', 'list them over the API (with an admin token in TOLLGATE_TOKEN)')
    .option('--json', 'print as JSON')
    .action(async (_options, command: Command) => {
      const flags = flagsOf<TokenFlags>(command);
      let records: TokenRecord[];
      if (flags.server) records = (await callServer(flags.server, 'GET', '/tokens')) as TokenRecord[];
      else {
        const { listTokens } = await import('../../app/tokens.js');
        records = await withTokenServices(flags, (services) => listTokens(services));
      }
      if (flags.json) write(JSON.stringify(records, null, 2));
      else if (records.length === 0) write('no API tokens');
      else for (const record of records) write(describe(record));
    });

  token
    .command('revoke')
    .description(
      'revoke an API token by its id, and every token it made over the API (and those made by them); they stop working at once',
    )
    .argument('<id>', 'the token id (the part after tg_, or as `token list` shows it)')
    .option('--server <url>', 'revoke it over the API (with an admin token in TOLLGATE_TOKEN)')
    .option('--json', 'print the revoked token as JSON (revokedWith: the ids revoked with it)')
    .action(async (id: string, _options, command: Command) => {
      const flags = flagsOf<TokenFlags>(command);
      const tokenId = /^tg_([a-z0-9]{16})/.exec(id)?.[1] ?? id;
      let record: TokenRecord & { revokedWith?: string[] };
      if (flags.server)
        record = (await callServer(
          flags.server,
          'DELETE',
          `/tokens/${encodeURIComponent(tokenId)}`,
        )) as TokenRecord & { revokedWith?: string[] };
      else {
        const { revokeToken } = await import('../../app/tokens.js');
        record = await withTokenServices(flags, (services, by) =>
          revokeToken(services, tokenId, by, new Date()),
        );
      }
      if (flags.json) {
        write(JSON.stringify(record, null, 2));
        return;
      }
      write(`revoked ${describe(record)}`);
      // What it made over the API (and what those made) stops working with it: say how many.
      const others = record.revokedWith ?? [];
      write(
        others.length === 0
          ? 'revoked with it: no other token (it made none that still worked)'
          : `revoked with it: ${others.length} token${others.length === 1 ? '' : 's'} it made, or that those made: ${others.join(', ')}`,
      );
    });
}
