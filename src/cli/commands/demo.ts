import type { Command } from 'commander';
import { write } from '../run.js';

export function defineDemo(program: Command): void {
  program
    .command('demo')
    .description('guided walk of the example pipeline (examples/checkout) in a fresh directory')
    .option('--keep', 'keep the demo directory and print its path')
    .action(async (options: { keep?: boolean }) => {
      const { runDemo } = await import('../demo.js');
      const code = await runDemo({ keep: options.keep === true, print: write });
      process.exitCode = code;
    });
}
