import { type Command, Option } from 'commander';
import type { DriftReport } from '../../drift/report.js';
import { assertLocalOnly, flagsOf, remoteOfCommand, withContext, write } from '../run.js';

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
    // One document on standard output: JSON or Markdown, never one silently instead of the other.
    .addOption(new Option('--markdown', 'print the report as a CI step summary').conflicts('json'))
    .action(async (upstream: string, stage: string, _options, command: Command) => {
      const flags = flagsOf<{ explain?: string }>(command);
      const print = async (report: DriftReport) => {
        const render = await import('../../drift/render.js');
        if (flags.json) write(render.renderDriftJson(report));
        else if (flags.markdown) write(render.renderDriftMarkdown(report));
        else write(render.renderDriftText(report));
        process.exitCode = report.over ? 1 : 0;
      };
      const remote = await remoteOfCommand(command);
      if (remote) {
        // The classes --explain names are the contract's own rules, which the server's report does not carry.
        assertLocalOnly(
          '--explain',
          flags.explain,
          "it reads the contract's drift classes: run it where the contract is, without --server",
        );
        const { document } = await remote.request('GET', remote.pipelinePath('/drift'), {
          query: { from: upstream, to: stage },
        });
        await print(remote.driftOf<DriftReport>(document, upstream, stage));
        return;
      }
      await withContext(command, async (ctx) => {
        const { driftBetween } = await import('../../app/drift.js');
        const report = await driftBetween(ctx, upstream, stage);
        if (flags.explain !== undefined) {
          const render = await import('../../drift/render.js');
          write(render.renderDriftExplain(report, flags.explain, ctx.contract.drift?.classes ?? {}));
          return;
        }
        await print(report);
      });
    });
}
