import type { Command } from 'commander';
import { flagsOf, remoteOfCommand, withContext, write } from '../run.js';

type UpdateResult = Awaited<ReturnType<typeof import('../../app/contract-pin.js').updateContract>>;
type Versions = Awaited<ReturnType<typeof import('../../app/contract-pin.js').contractVersions>>;

async function printUpdate(json: boolean | undefined, result: UpdateResult): Promise<void> {
  if (json) {
    write(JSON.stringify(result, null, 2));
    return;
  }
  const { describeChanges } = await import('../../contract/contract-diff.js');
  write(result.recorded ? `${result.message} (ledger entry #${result.entry.seq})` : result.message);
  if (result.changes) for (const line of describeChanges(result.changes)) write(`  ${line}`);
}

async function printVersions(json: boolean | undefined, versions: Versions): Promise<void> {
  if (json) {
    write(JSON.stringify(versions, null, 2));
    return;
  }
  const { describeChanges } = await import('../../contract/contract-diff.js');
  if (versions.versions.length === 0) write(`no contract pinned for ${versions.pipeline} yet`);
  for (const v of versions.versions) {
    const mark = v.inForce ? '  (in force)' : '';
    const clock = v.clockSet ? '  [clock set]' : '';
    write(`#${v.seq}  ${v.at}  ${v.digest}  by ${v.actor}  ${v.via}${mark}${clock}`);
    if (v.reason) write(`  reason: ${v.reason}`);
    if (v.changes) for (const line of describeChanges(v.changes)) write(`  ${line}`);
  }
}

export function defineContract(program: Command): void {
  const contract = program.command('contract').description('the contract in force for the pipeline (pinned)');
  contract
    .command('update')
    .description(
      'record the contract (--contract, default tollgate.yaml) as the one in force: needed after any change to a pinned contract; only the admins of the contract in force may',
    )
    .option('--reason <text>', 'why the contract changes, for the ledger')
    .option('--json', 'print the result as one JSON object')
    .action(async (_options, command: Command) => {
      const flags = flagsOf<{ reason?: string; json?: boolean }>(command);
      await withContext(command, async (ctx) => {
        const { updateContract } = await import('../../app/contract-pin.js');
        await printUpdate(
          flags.json,
          await updateContract(ctx, flags.reason === undefined ? {} : { reason: flags.reason }),
        );
      });
    });
  contract
    .command('push')
    .description(
      'upload a contract (to the server with --server, else the local ledger): recorded as the contract in force of its pipeline, by an admin of the one in force',
    )
    .argument('<file>', 'the contract file')
    .option('--json', 'print the result as one JSON object')
    .action(async (file: string, _options, command: Command) => {
      const flags = flagsOf<{ json?: boolean }>(command);
      const { readContract } = await import('../../contract/load-contract.js');
      // Checked here first: a contract error names this file's line and column.
      const local = readContract(file);
      const remote = await remoteOfCommand(command, local.pipeline);
      if (!remote) {
        // On a local ledger, a push is the update of that file: the same recorded change.
        await withContext(
          command,
          async (ctx) => {
            const { updateContract } = await import('../../app/contract-pin.js');
            await printUpdate(flags.json, await updateContract(ctx));
          },
          file,
        );
        return;
      }
      const { document } = await remote.request<UpdateResult>('PUT', remote.pipelinePath('/contract'), {
        file,
        contentType: 'application/yaml',
      });
      await printUpdate(flags.json, document);
    });
  contract
    .command('versions')
    .description('every recorded version of the contract, newest first: who, when, what changed')
    .option('--json', 'print as JSON')
    .action(async (_options, command: Command) => {
      const flags = flagsOf<{ json?: boolean }>(command);
      const remote = await remoteOfCommand(command);
      if (remote) {
        const { document } = await remote.request<Versions>('GET', remote.pipelinePath('/contract/versions'));
        await printVersions(flags.json, document);
        return;
      }
      await withContext(command, async (ctx) => {
        const { contractVersions } = await import('../../app/contract-pin.js');
        await printVersions(flags.json, await contractVersions(ctx));
      });
    });
}
