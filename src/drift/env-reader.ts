/**
 * `.env` files, parsed by Node's own `util.parseEnv` (the dotenv grammar Node's `--env-file` uses).
 * `parseEnv` keeps the last of two equal keys silently, so keys are checked for duplicates first.
 */
import { parseEnv } from 'node:util';
import { inputError } from '../errors.js';
import type { ConfigMap } from './types.js';
import { setOwn } from './yaml-reader.js';

const ASSIGNMENT = /^\s*(?:export\s+)?([^\s=#]+)\s*=\s*(["'`]?)/;

/** Parses a `.env` file into a flat map of strings; a duplicate key is CONFIG_INVALID with its line. */
export function parseEnvFile(text: string, file: string): ConfigMap {
  const seen = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  let openQuote: string | undefined;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (openQuote !== undefined) {
      // Inside a multi-line quoted value: look for its closing quote only.
      if (line.includes(openQuote)) openQuote = undefined;
      continue;
    }
    const match = ASSIGNMENT.exec(line);
    if (match === null) continue;
    const key = match[1]!;
    const first = seen.get(key);
    if (first !== undefined) {
      throw inputError(
        'CONFIG_INVALID',
        { file, line: index + 1, column: 1 },
        `duplicate key "${key}" (first set on line ${first})`,
      );
    }
    seen.set(key, index + 1);
    const quote = match[2];
    if (quote) {
      const rest = line.slice(match[0].length);
      if (!rest.includes(quote)) openQuote = quote;
    }
  }
  const parsed = parseEnv(text) as Record<string, string>;
  const result: ConfigMap = {};
  for (const [key, value] of Object.entries(parsed)) setOwn(result, key, value);
  return result;
}
