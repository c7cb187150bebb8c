/**
 * Schema issues in words: each zod issue becomes `file:line:column: path: what was expected`, an
 * unknown key names the nearest known one, a map key the schema refuses says what it must be.
 */
import type { z } from 'zod';
import { didYouMean, nearestName } from '../text/nearest.js';
import { contractSchema } from './schema.js';
import type { Located, Locator, Path } from './yaml-document.js';

/** The known key closest to `key`, when it is close enough to be a likely typo. */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  return nearestName(key, known, Math.max(2, Math.floor(key.length / 2)));
}

/** Known keys of the strict object schema at `path` of the contract, for suggestions. */
function knownKeysAt(path: Path): string[] {
  let schema: z.ZodType | undefined = contractSchema;
  for (const segment of path) {
    if (!schema) return [];
    schema = childSchema(schema, segment);
  }
  const object = schema && objectOption(schema);
  return object ? Object.keys(object.shape) : [];
}

/** The strict object a schema stands for, looking through wrappers and unions. */
function objectOption(schema: z.ZodType): z.ZodObject | undefined {
  const inner = unwrap(schema);
  if (inner.def.type === 'object') return inner as unknown as z.ZodObject;
  if (inner.def.type === 'union') {
    for (const option of (inner as unknown as z.ZodUnion<z.ZodType[]>).def.options) {
      const found = objectOption(option);
      if (found) return found;
    }
  }
  return undefined;
}

function childSchema(schema: z.ZodType, segment: PropertyKey): z.ZodType | undefined {
  const inner = unwrap(schema);
  switch (inner.def.type) {
    case 'object':
      return ((inner as unknown as z.ZodObject).shape as Record<string, z.ZodType>)[String(segment)];
    case 'record':
      return (inner as unknown as z.ZodRecord).def.valueType as z.ZodType;
    case 'array':
      return (inner as unknown as z.ZodArray<z.ZodType>).def.element;
    case 'union': {
      const wantsIndex = typeof segment === 'number';
      for (const option of (inner as unknown as z.ZodUnion<z.ZodType[]>).def.options) {
        const type = unwrap(option).def.type;
        if ((wantsIndex && type === 'array') || (!wantsIndex && (type === 'object' || type === 'record'))) {
          return childSchema(option, segment);
        }
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = current.def as { type: string; innerType?: z.ZodType; in?: z.ZodType };
    if ((def.type === 'optional' || def.type === 'default' || def.type === 'nullable') && def.innerType) {
      current = def.innerType;
    } else if (def.type === 'pipe' && def.in) {
      current = def.in;
    } else {
      return current;
    }
  }
}

function describeExpected(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (typeof issue.input === 'number' && !Number.isFinite(issue.input))
        return `expected a finite number, found ${Number.isNaN(issue.input) ? '.nan' : issue.input > 0 ? '.inf' : '-.inf'}`;
      return `expected ${issue.expected}${'input' in issue ? `, found ${kindOf(issue.input)}` : ''}`;
    case 'invalid_value': {
      // A misspelt word (`type: files`, `class: endpoint`) names the value it most likely meant.
      const words = issue.values.filter((v): v is string => typeof v === 'string');
      const hint = typeof issue.input === 'string' ? didYouMean(issue.input, words) : '';
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}${hint}`;
    }
    case 'invalid_format':
    case 'custom':
    case 'too_small':
    case 'too_big':
    case 'invalid_union':
      return issue.message
        .replace(/^Invalid input: /, '')
        .replace(/^Invalid string: must match pattern .*/, 'invalid value');
    default:
      return issue.message;
  }
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (value === undefined) return 'nothing';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function pathText(path: Path): string {
  return path.map(String).join('.') || '(top level)';
}

/** Where an issue points: at the (first) offending key for key issues, else at the value. */
export function positionOf(issue: z.core.$ZodIssue, locate: Locator): Located {
  if (issue.code === 'unrecognized_keys') return locate.key(issue.path, issue.keys[0]!);
  if (issue.code === 'invalid_key') return locate.key(issue.path.slice(0, -1), String(issue.path.at(-1)));
  return locate.value(issue.path);
}

export function formatIssue(issue: z.core.$ZodIssue, locate: Locator, file: string): string {
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(issue.path);
    return issue.keys
      .map((key) => {
        const { line, column } = locate.key(issue.path, key);
        const near = nearestKey(key, known);
        const hint = near
          ? `; did you mean "${near}"?`
          : known.length
            ? `; expected one of: ${known.join(', ')}`
            : '';
        return `${file}:${line}:${column}: unknown key "${key}" in ${pathText(issue.path)}${hint}`;
      })
      .join('\n');
  }
  if (issue.code === 'invalid_key') {
    // A map key that its schema refuses (a stage named "Dev"): point at the key, say what it must be.
    const { line, column } = positionOf(issue, locate);
    const what = issue.issues.map((inner) => inner.message).join('; ');
    return `${file}:${line}:${column}: ${pathText(issue.path.slice(0, -1))}: key "${String(issue.path.at(-1))}" is not ${what}`;
  }
  const { line, column } = positionOf(issue, locate);
  return `${file}:${line}:${column}: ${pathText(issue.path)}: ${describeExpected(issue)}`;
}
