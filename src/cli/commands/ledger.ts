import type { Command } from 'commander';
import { EXIT } from '../../errors.js';
import { flagsOf, withContext, write } from '../run.js';

export function defineLedger(program: Command): void {
  const ledger = program.command('ledger').description('the tamper-evident ledger');
  ledger
    .command('verify')
    .description('recompute the hash chain; exit 0 intact, 4 when an entry does not match')
    .option('--json', 'print as JSON')
    .action(async (_options, command: Command) => {
      await withContext(command, async (ctx) => {
        const { verifyLedger } = await import('../../app/status.js');
        const verdict = await verifyLedger(ctx);
        if (flagsOf(command).json) write(JSON.stringify(verdict, null, 2));
        else if (verdict.ok)
          write(
            `ledger of ${verdict.pipeline} intact: ${verdict.entries} entries, head ${verdict.head} (${verdict.location})`,
          );
        else
          write(
            `ledger of ${verdict.pipeline} BROKEN at ${verdict.evidence === undefined ? `entry #${verdict.seq}` : `evidence ${verdict.evidence}`}: ${verdict.reason} (${verdict.location})`,
          );
        if (!verdict.ok) process.exitCode = EXIT.infrastructure;
      });
    });
}
