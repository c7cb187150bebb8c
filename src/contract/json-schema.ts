import { z } from 'zod';
import { contractSchema, EXTENSION_PREFIX } from './schema.js';

/** The editor JSON Schema, generated from the same zod definition the loader validates with. */
export function contractJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(contractSchema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
  });
  return {
    ...schema,
    // Top-level `x-` keys are ignored by the loader (a place for YAML anchors): editors allow them too.
    patternProperties: { [`^${EXTENSION_PREFIX}`]: {} },
    $id: 'https://raw.githubusercontent.com/tollgate-dev/tollgate/main/schema/tollgate.schema.json',
    title: 'Tollgate contract (tollgate.yaml)',
  };
}
