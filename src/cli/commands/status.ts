import type { Command } from 'commander';
import { describeLookalikes, readableDigest, shortHash } from '../../artifact/digest.js';
import { toOneLineText as oneLine } from '../../text/terminal-text.js';
import { flagsOf, remoteOfCommand, withContext, write } from '../run.js';

export function defineStatus(program: Command): void {
  program
    .command('status')
    .description('show the artifact each stage runs now')
    .option('--json', 'print as JSON')
    .action(async (_options, command: Command) => {
      const remote = await remoteOfCommand(command);
      if (remote) {
        const { document } = await remote.request<StatusRow[]>('GET', remote.pipelinePath('/status'));
        print(command, remote.pipeline, document);
        return;
      }
      await withContext(command, async (ctx) => {
        const { stageStatus } = await import('../../app/status.js');
        print(command, ctx.contract.pipeline, await stageStatus(ctx));
      });
    });
}

type StatusRow = Awaited<ReturnType<typeof import('../../app/status.js').stageStatus>>[number];

function print(command: Command, pipeline: string, rows: StatusRow[]): void {
  if (flagsOf(command).json) {
    write(JSON.stringify(rows, null, 2));
    return;
  }
  write(`pipeline ${pipeline}`);
  const width = Math.max(...rows.map((r) => r.stage.length));
  for (const row of rows) {
    if (!row.current) {
      write(`  ${row.stage.padEnd(width)}  (nothing promoted yet)`);
      continue;
    }
    const { artifact, since, status, contractDigest, clockSet, overrides, lookalikes } = row.current;
    const labels = Object.entries(artifact.labels)
      .map(([k, v]) => oneLine(`${k}=${v}`))
      .join(' ');
    const contract = contractDigest ? `  contract ${shortHash(contractDigest)}` : '';
    write(
      `  ${row.stage.padEnd(width)}  ${readableDigest(artifact.digest, lookalikes)}  ${labels}  since ${since}  (${status})${contract}${clockSet ? '  [clock set]' : ''}`,
    );
    if (lookalikes?.length)
      write(`  ${''.padEnd(width)}  WARNING ${describeLookalikes(lookalikes)}: compare the full digest`);
    for (const o of overrides ?? [])
      write(`  ${''.padEnd(width)}  override: ${o.gate} by ${oneLine(o.actor)} ("${oneLine(o.reason)}")`);
  }
}
