import { z } from 'zod';
import { contractSchema } from './schema.js';

/** The editor JSON Schema, generated from the same zod definition the loader validates with. */
export function contractJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(contractSchema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
  });
  return {
    ...schema,
    $id: 'https://raw.githubusercontent.com/tollgate-dev/tollgate/main/schema/tollgate.schema.json',
    title: 'Tollgate contract (tollgate.yaml)',
  };
}
