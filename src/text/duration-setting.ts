import { TollgateError } from '../errors.js';
import { DURATION_EXAMPLES, parseExactDuration } from '../policy/duration.js';

/**
 * A duration setting from the environment in milliseconds (the contract's grammar: `90s`, `500ms`,
 * `2m`; a bare number is seconds), or `fallback` when unset.
 * @throws TollgateError USAGE naming the variable
 */
export function durationSetting(value: string | undefined, name: string, fallback: number): number {
  const text = value?.trim();
  if (!text) return fallback;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const ms = parseExactDuration(text);
  if (ms === undefined) {
    throw new TollgateError('USAGE', `${name}="${text}": expected a duration such as ${DURATION_EXAMPLES}`);
  }
  return ms;
}
