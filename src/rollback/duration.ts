/**
 * Rollback durations (`within`, `for`, `interval`) in milliseconds. The grammar is the contract's
 * one duration grammar (src/policy/duration.ts: `30s`, `5m`, `1h30m`, `1d`, largest unit first, the
 * same as Prometheus's `for:`); here a day counts as 24 hours.
 */
import {
  DURATION_PATTERN,
  durationMs,
  formatDuration,
  parseDuration as parseContractDuration,
} from '../policy/duration.js';

export { DURATION_PATTERN, formatDuration };

/**
 * Parses a duration into milliseconds, or returns undefined when `text` is not one.
 * @example parseDuration('1h30m') // 5_400_000
 */
export function parseDuration(text: string): number | undefined {
  const duration = parseContractDuration(text);
  return duration === undefined ? undefined : durationMs(duration);
}
