import type { Command } from 'commander';
import { flagsOf, withContext, write } from '../run.js';

export function defineWindows(program: Command): void {
  program
    .command('windows')
    .description("show a stage's promotion windows: open now or not, and the next open and closed periods")
    .argument('<stage>', 'the stage')
    .option('--days <n>', 'how far ahead to list periods (default 14, at most 366)', '14')
    .option('--json', 'print as one JSON object')
    .action(async (stage: string, _options, command: Command) => {
      const flags = flagsOf<{ days: string }>(command);
      await withContext(command, async (ctx) => {
        const { stageWindows } = await import('../../app/windows.js');
        const { formatDuration } = await import('../../policy/duration.js');
        const view = stageWindows(ctx, stage, Number(flags.days));
        if (flags.json) {
          write(JSON.stringify(view, null, 2));
          return;
        }
        if (!view.configured) {
          write(`${stage} has no promotion windows: promotion is possible at any time`);
          return;
        }
        const next = view.open ? view.closesAt : view.opensAt;
        const change = next
          ? `; ${view.open ? 'closes' : 'opens'} ${next.toISOString()} (in ${formatDuration(next.getTime() - view.now.getTime())})`
          : view.open
            ? ''
            : '; no opening within a year';
        write(`${stage} at ${view.now.toISOString()}: ${view.open ? 'OPEN' : 'CLOSED'}${change}`);
        for (const period of view.periods) {
          const until = period.until ? period.until.toISOString() : '…';
          write(
            `  ${period.open ? 'open  ' : 'closed'} ${period.from.toISOString()} → ${until}  ${period.reasons.join('; ')}`,
          );
        }
      });
    });
}
