import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { TollgateError } from '../../errors.js';
import { flagsOf, remoteOfCommand, withContext, write } from '../run.js';

/** `tollgate vsa STAGE --artifact D`: the signed verdict stored with a promotion, e.g. to attach it to the image later. */
export function defineVsa(program: Command): void {
  program
    .command('vsa')
    .description('print (or write) the signed VSA stored with the latest promotion of a digest into a stage')
    .argument('<stage>', 'the stage')
    .requiredOption('--artifact <digest>', 'the promoted artifact digest')
    .option('-o, --output <file>', 'write the envelope to this file')
    .action(async (stage: string, _options, command: Command) => {
      const flags = flagsOf<{ artifact: string; output?: string }>(command);
      const remote = await remoteOfCommand(command);
      if (remote) {
        const { document } = await remote.request('GET', remote.stagePath(stage, '/vsa'), {
          query: { artifact: flags.artifact },
        });
        const text = `${JSON.stringify(document, null, 2)}\n`;
        if (flags.output === undefined) write(text);
        else {
          writeFileSync(flags.output, text);
          process.stderr.write(`VSA of the latest promotion written to ${flags.output}\n`);
        }
        return;
      }
      await withContext(command, async (ctx) => {
        const { storedVsa } = await import('../../app/vsa.js');
        const found = await storedVsa(ctx, stage, flags.artifact);
        if (!found) {
          throw new TollgateError(
            'NOT_ALLOWED',
            `no signed VSA for ${flags.artifact} in ${stage}: it was never promoted there, or no verifier key was configured then`,
          );
        }
        const text = `${JSON.stringify(found.envelope, null, 2)}\n`;
        if (flags.output === undefined) write(text);
        else {
          writeFileSync(flags.output, text);
          process.stderr.write(`VSA of promotion #${found.seq} (${found.at}) written to ${flags.output}\n`);
        }
      });
    });
}
