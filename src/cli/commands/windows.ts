import type { Command } from 'commander';
import type { StageWindows } from '../../app/windows.js';
import { TollgateError } from '../../errors.js';
import type { WindowPeriod } from '../../policy/window-timeline.js';
import { flagsOf, remoteOfCommand, withContext, write } from '../run.js';

export function defineWindows(program: Command): void {
  program
    .command('windows')
    .description("show a stage's promotion windows: open now or not, and the next open and closed periods")
    .argument('<stage>', 'the stage')
    .option('--days <n>', 'how far ahead to list periods, in days (at most 366)', '14')
    .option('--json', 'print as one JSON object')
    .action(async (stage: string, _options, command: Command) => {
      const flags = flagsOf<{ days: string }>(command);
      // Number('abc') is NaN and Number('1e1') is 10: say what was typed, and take digits only.
      if (!/^[0-9]+$/.test(flags.days))
        throw new TollgateError(
          'USAGE',
          `--days "${flags.days}": expected a whole number of days from 1 to 366`,
        );
      const { formatDuration } = await import('../../policy/duration.js');
      const remote = await remoteOfCommand(command);
      const view: StageWindows = remote
        ? reviveWindows(
            (
              await remote.request<WindowsDocument>('GET', remote.stagePath(stage, '/windows'), {
                query: { days: flags.days },
              })
            ).document,
          )
        : await withContext(command, async (ctx) => {
            const { stageWindows } = await import('../../app/windows.js');
            return stageWindows(ctx, stage, Number(flags.days));
          });
      {
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
      }
    });
}

/** The windows view as JSON carries its times as ISO strings; the text prints them from Dates. */
type WindowsDocument = Omit<StageWindows, 'now' | 'opensAt' | 'closesAt' | 'periods'> & {
  now: string;
  opensAt?: string;
  closesAt?: string;
  periods: Array<Omit<WindowPeriod, 'from' | 'until'> & { from: string; until?: string | null }>;
};

function reviveWindows(document: WindowsDocument): StageWindows {
  // Key order kept: `--json` prints the revived view, as the local one is printed.
  const dated = (value: Record<string, unknown>, keys: readonly string[]) =>
    Object.fromEntries(
      Object.entries(value).map(([key, v]) => [
        key,
        keys.includes(key) && typeof v === 'string' ? new Date(v) : v,
      ]),
    );
  const view = dated(document, ['now', 'opensAt', 'closesAt']) as unknown as StageWindows;
  view.periods = document.periods.map((period) =>
    dated(period, ['from', 'until']),
  ) as unknown as WindowPeriod[];
  return view;
}
