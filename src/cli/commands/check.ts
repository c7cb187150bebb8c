import { type Command, Option } from 'commander';
import type { Decision } from '../../decision.js';
import { flagsOf, printDecision, remoteOfCommand, withContext } from '../run.js';
import { artifactDigestOf, artifactOptions, remoteDigestOf } from './artifact-option.js';

export function defineCheck(program: Command): void {
  artifactOptions(
    program
      .command('check')
      .description("evaluate a stage's contract for an artifact; exit 0 allowed, 1 blocked, 2 pending")
      .argument('<stage>', 'the stage to enter'),
  )
    .option('--json', 'print the decision as one JSON document')
    // One document on standard output: JSON or Markdown, never one silently instead of the other.
    .addOption(new Option('--markdown', 'print the decision as a CI step summary').conflicts('json'))
    .action(async (stage: string, _options, command: Command) => {
      const flags = flagsOf<{ artifact?: string; image?: string }>(command);
      const remote = await remoteOfCommand(command);
      if (remote) {
        const digest = remoteDigestOf(flags);
        const { document } = await remote.request('GET', remote.stagePath(stage, '/check'), {
          query: { artifact: digest },
        });
        await printDecision(command, await remote.decisionAbout<Decision>(document, stage, digest));
        return;
      }
      await withContext(command, async (ctx) => {
        const { checkStage } = await import('../../app/check.js');
        const digest = await artifactDigestOf(ctx, flags);
        await printDecision(command, await checkStage(ctx, stage, digest));
      });
    });
}
