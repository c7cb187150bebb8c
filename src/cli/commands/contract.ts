import type { Command } from 'commander';
import { flagsOf, withContext, write } from '../run.js';

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
        const { describeChanges } = await import('../../contract/contract-diff.js');
        const result = await updateContract(ctx, flags.reason === undefined ? {} : { reason: flags.reason });
        if (flags.json) {
          write(JSON.stringify(result, null, 2));
          return;
        }
        write(result.recorded ? `${result.message} (ledger entry #${result.entry.seq})` : result.message);
        if (result.changes) for (const line of describeChanges(result.changes)) write(`  ${line}`);
      });
    });
}
