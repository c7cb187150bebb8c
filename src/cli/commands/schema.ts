import type { Command } from 'commander';
import { write } from '../run.js';

export function defineSchema(program: Command): void {
  program
    .command('schema')
    .description("print the contract's JSON Schema (for editors; also in schema/tollgate.schema.json)")
    .action(async () => {
      const { contractJsonSchema } = await import('../../contract/json-schema.js');
      write(JSON.stringify(contractJsonSchema(), null, 2));
    });
}
