/**
 * What `validate` checks beyond a contract's text: the config files its stages name, which the
 * drift gate reads at `check` and `promote`. Read here as the gate reads them, a missing,
 * unreadable or malformed file, or one outside the repository, is an error at `validate` instead
 * of a contract that validates and then cannot be decided.
 */
import type { Contract } from '../contract/types.js';
import { readYamlDocument } from '../contract/yaml-document.js';
import { readStageConfig } from '../drift/read-config.js';
import { TollgateError } from '../errors.js';

/**
 * Reads every config file every stage names.
 * @throws TollgateError CONTRACT_INVALID listing each file that does not read, at the contract's line
 */
export async function checkContractFiles(contract: Contract): Promise<void> {
  const problems: Array<{ line: number; column: number; message: string }> = [];
  let locate: ReturnType<typeof readYamlDocument>['locate'] | undefined;
  for (const [name, stage] of Object.entries(contract.stages)) {
    for (const [index, entry] of stage.config.entries()) {
      try {
        await readStageConfig([entry], { root: contract.root });
      } catch (error) {
        if (!(error instanceof TollgateError)) throw error;
        // The text is known to parse: it is the contract just validated.
        locate ??= readYamlDocument(contract.text, contract.file, { traps: false }).locate;
        const { line, column } = locate.value(['stages', name, 'config', index]);
        problems.push({
          line,
          column,
          message: `${contract.file}:${line}:${column}: stages.${name}.config.${index}: ${error.message}; the drift gate reads it: create it, or correct the path (relative to the contract)`,
        });
      }
    }
  }
  const first = problems[0];
  if (first === undefined) return;
  throw new TollgateError('CONTRACT_INVALID', problems.map((problem) => problem.message).join('\n'), {
    position: { file: contract.file, line: first.line, column: first.column },
  });
}
