import type { Command } from 'commander';
import { flagsOf, withContext, write } from '../run.js';

export function defineDrift(program: Command): void {
  program
    .command('drift')
    .description(
      "compare two stages' config, classified and held against the second stage's drift budget; exit 0 within budget, 1 over",
    )
    .argument('<upstream>', 'the stage compared from (usually the upstream)')
    .argument('<stage>', 'the stage compared to; its requires.drift budget and declarations apply')
    .option('--explain <path>', 'say which rule classifies PATH (and show its difference, if any)')
    .option('--json', 'print the report as one JSON document')
    .option('--markdown', 'print the report as a CI step summary')
    .action(async (upstream: string, stage: string, _options, command: Command) => {
      const flags = flagsOf<{ explain?: string }>(command);
      await withContext(command, async (ctx) => {
        const [{ driftBetween }, render] = await Promise.all([
          import('../../app/drift.js'),
          import('../../drift/render.js'),
        ]);
        const report = await driftBetween(ctx, upstream, stage);
        if (flags.explain !== undefined) {
          write(render.renderDriftExplain(report, flags.explain, ctx.contract.drift?.classes ?? {}));
          return;
        }
        if (flags.json) write(render.renderDriftJson(report));
        else if (flags.markdown) write(render.renderDriftMarkdown(report));
        else write(render.renderDriftText(report));
        process.exitCode = report.over ? 1 : 0;
      });
    });
}
