import type { Command } from 'commander';
import { write } from '../run.js';

export function defineValidate(program: Command): void {
  program
    .command('validate')
    .description(
      'check a contract: unknown keys, wrong types, unknown or cyclic `from`, config files and trust keys that do not read',
    )
    .argument('[file]', 'contract file (default: --contract or tollgate.yaml)')
    .action(async (file: string | undefined, _options, command: Command) => {
      const { readContract } = await import('../../contract/load-contract.js');
      const { contractLimits } = await import('../../app/context.js');
      const path =
        file ??
        (command.optsWithGlobals() as { contract?: string }).contract ??
        process.env.TOLLGATE_CONTRACT ??
        'tollgate.yaml';
      const contract = readContract(path, contractLimits({}, process.env));
      const { checkContractFiles } = await import('../../app/contract-files.js');
      await checkContractFiles(contract, process.env);
      const stages = Object.keys(contract.stages);
      write(
        `${path}: valid contract for pipeline ${contract.pipeline}: ${stages.length} stage(s) ${stages.join(' → ')} (${contract.digest})`,
      );
    });
}
