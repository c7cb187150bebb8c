import type { Command } from 'commander';
import { shortDigest } from '../../artifact/digest.js';
import { flagsOf, remoteOfCommand, withContext, write } from '../run.js';

type HistoryRow = Awaited<ReturnType<typeof import('../../app/status.js').stageHistory>>[number];

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
      for (const row of rows) {
        const version = row.labels.version ? ` version=${row.labels.version}` : '';
        const reason = row.statusReason ? ` — ${row.statusReason}` : '';
        write(
          `#${row.seq}  ${row.at}  ${shortDigest(row.artifact)}${version}  by ${row.actor}  ${row.status}${reason}`,
        );
      }
    });
}
