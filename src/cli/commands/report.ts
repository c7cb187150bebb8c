import { resolve } from 'node:path';
import type { Command } from 'commander';
import { TollgateError } from '../../errors.js';
import { flagsOf, withContext, write } from '../run.js';

export function defineReport(program: Command): void {
  program
    .command('report')
    .description(
      "write the dashboard's views of the pipeline as a static snapshot (open DIR/index.html with no server)",
    )
    .option('--html <dir>', 'the folder to write: index.html and assets/')
    .option('--timeline-pages <n>', 'timeline pages of 30 rows to keep (default 10)')
    .action(async (_options, command: Command) => {
      const flags = flagsOf<{ html?: string; timelinePages?: string }>(command);
      if (!flags.html)
        throw new TollgateError('USAGE', 'report needs --html DIR: the folder to write the snapshot to');
      const pages = flags.timelinePages === undefined ? 10 : Number(flags.timelinePages);
      if (!Number.isInteger(pages) || pages < 1 || pages > 1000)
        throw new TollgateError(
          'USAGE',
          `--timeline-pages "${flags.timelinePages}": expected a whole number from 1 to 1000`,
        );
      await withContext(command, async (ctx) => {
        const { writeHtmlReport } = await import('../../app/report-html.js');
        const report = await writeHtmlReport(ctx, { dir: resolve(flags.html!), timelinePages: pages });
        if (flagsOf(command).json) write(JSON.stringify(report, null, 2));
        else
          write(
            `wrote ${report.dir}/index.html: pipeline ${report.pipeline}, ${report.answers} answers (${Math.round(report.bytes / 1024)} KB); open it in a browser, no server needed`,
          );
      });
    });
}
