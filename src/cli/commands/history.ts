import type { Command } from 'commander';
import { describeLookalikes, readableDigest } from '../../artifact/digest.js';
import { toOneLineText as oneLine } from '../../text/terminal-text.js';
import { flagsOf, remoteOfCommand, withContext, write } from '../run.js';

type HistoryRow = import('../../app/status.js').HistoryRow;

export function defineHistory(program: Command): void {
  program
    .command('history')
    .description('list the promotions into a stage, newest first, with their status now')
    .argument('<stage>', 'the stage')
    .option('--json', 'print as JSON')
    .action(async (stage: string, _options, command: Command) => {
      const remote = await remoteOfCommand(command);
      const rows: HistoryRow[] = remote
        ? (await remote.request<HistoryRow[]>('GET', remote.stagePath(stage, '/promotions'))).document
        : await withContext(command, async (ctx) => {
            const { stageHistory } = await import('../../app/status.js');
            return stageHistory(ctx, stage);
          });
      if (flagsOf(command).json) {
        write(JSON.stringify(rows, null, 2));
        return;
      }
      if (rows.length === 0) write(`no promotions into ${stage} yet`);
      for (const [i, row] of rows.entries()) {
        const version = row.labels.version ? ` version=${oneLine(row.labels.version)}` : '';
        const reason = row.statusReason ? ` — ${oneLine(row.statusReason)}` : '';
        const clock = row.clockSet ? '  [clock set]' : '';
        write(
          `#${row.seq}  ${row.at}  ${readableDigest(row.artifact, row.lookalikes)}${version}  by ${oneLine(row.actor)}  ${row.status}${reason}${clock}`,
        );
        if (row.lookalikes?.length)
          write(`    WARNING ${describeLookalikes(row.lookalikes)}: compare the full digest`);
        for (const o of row.overrides ?? [])
          write(`    override: ${o.gate} by ${oneLine(o.actor)} ("${oneLine(o.reason)}")`);
        // Rows are newest first: say where the contract they were decided under changed.
        const older = rows[i + 1];
        if (older && older.contractDigest !== row.contractDigest)
          write(
            `    contract changed before this: ${older.contractDigest || 'none'} → ${row.contractDigest}`,
          );
      }
    });
}
