import { z } from 'zod';
import { contractSchema, EXTENSION_PREFIX } from './schema.js';

/**
 * Where the committed schema is published: the repository the README and docs/ci.md name for the
 * GitHub Action (package.json names none). `tollgate init` writes it on the contract's first line.
 */
export const CONTRACT_SCHEMA_URL =
  'https://raw.githubusercontent.com/acme/tollgate/main/schema/tollgate.schema.json';

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
    $id: CONTRACT_SCHEMA_URL,
    title: 'Tollgate contract (tollgate.yaml)',
  };
}
