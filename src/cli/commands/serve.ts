import type { Command } from 'commander';
import { flagsOf } from '../run.js';

export function defineServe(program: Command): void {
  program
    .command('serve')
    .description(
      'serve the API for a team: many pipelines, authenticated callers, the server clock (docs/server.md)',
    )
    .option('--listen <address>', 'HOST:PORT to listen on (default 127.0.0.1:8080, or TOLLGATE_LISTEN)')
    .option(
      '--contracts <dir>',
      'serve every contract in this folder (*.yaml, */tollgate.yaml; default: --contract, or TOLLGATE_CONTRACTS_DIR)',
    )
    .option(
      '--demo <pipeline>',
      'let callers of this pipeline set --as and --now (demos only; repeatable)',
      (value: string, all: string[]) => [...all, value],
      [] as string[],
    )
    .option('--max-evidence-bytes <size>', 'largest evidence upload: bytes, or with K, M, G (default 256M)')
    .option(
      '--config <file>',
      'server configuration: OIDC issuers for CI, sign-in for people (or TOLLGATE_SERVER_CONFIG)',
    )
    .action(async (_options, command: Command) => {
      const flags = flagsOf<{
        listen?: string;
        contracts?: string;
        demo: string[];
        maxEvidenceBytes?: string;
        config?: string;
      }>(command);
      const { loadServerModule, adoptServerError } = await import('../server-module.js');
      const server = await loadServerModule();
      try {
        await server.runServe(
          {
            demo: flags.demo,
            ...(flags.listen === undefined ? {} : { listen: flags.listen }),
            ...(flags.contracts === undefined ? {} : { contracts: flags.contracts }),
            ...(flags.contract === undefined ? {} : { contract: flags.contract }),
            ...(flags.dataDir === undefined ? {} : { dataDir: flags.dataDir }),
            ...(flags.maxEvidenceBytes === undefined ? {} : { maxEvidenceBytes: flags.maxEvidenceBytes }),
            ...(flags.config === undefined ? {} : { config: flags.config }),
          },
          process.env,
        );
      } catch (error) {
        throw adoptServerError(error);
      }
    });
}
