import type { Command } from 'commander';
import { write } from '../run.js';

export function defineInit(program: Command): void {
  program
    .command('init')
    .description('write a commented starter contract (tollgate.yaml)')
    .argument('[file]', 'where to write it', 'tollgate.yaml')
    .option('--pipeline <name>', 'pipeline name', 'my-service')
    .option('--force', 'overwrite an existing file')
    .action(async (file: string, options: { pipeline: string; force?: boolean }) => {
      const { writeStarterContract } = await import('../../contract/starter-contract.js');
      writeStarterContract(file, options.pipeline, options.force === true);
      write(`wrote ${file}: edit it, then run \`tollgate validate ${file}\``);
    });
}
