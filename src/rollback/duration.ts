/**
 * Durations as the contract writes them: `30s`, `5m`, `2h`, `1h30m`, `1d`, `500ms`. One unit per
 * number, units in descending order, no spaces; the same grammar Prometheus uses for `for:`.
 */
const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const UNIT_ORDER = ['w', 'd', 'h', 'm', 's', 'ms'];

/** The pattern a duration must match, for schemas and messages. */
export const DURATION_PATTERN = /^(?:\d+(?:ms|[smhdw]))+$/;

/**
 * Parses a duration into milliseconds, or returns undefined when `text` is not one.
 * @example parseDuration('1h30m') // 5_400_000
 */
export function parseDuration(text: string): number | undefined {
  if (!DURATION_PATTERN.test(text)) return undefined;
  let total = 0;
  let lastRank = -1;
  for (const match of text.matchAll(/(\d+)(ms|[smhdw])/g)) {
    const unit = match[2] as string;
    const rank = UNIT_ORDER.indexOf(unit);
    // "5m1h" is almost certainly a typo; refuse rather than guess.
    if (rank <= lastRank) return undefined;
    lastRank = rank;
    total += Number(match[1]) * (UNIT_MS[unit] as number);
  }
  return Number.isSafeInteger(total) ? total : undefined;
}

/**
 * Formats milliseconds as a short duration for people: `0s`, `45s`, `5m`, `1h30m`, `2d3h`.
 * Sub-second remainders are shown only for durations under a minute.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms === 0) return '0s';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) {
    const seconds = ms / 1000;
    return Number.isInteger(seconds) ? `${seconds}s` : `${seconds.toFixed(1)}s`;
  }
  let rest = Math.round(ms / 1000) * 1000;
  let text = '';
  for (const unit of ['d', 'h', 'm', 's']) {
    const size = UNIT_MS[unit] as number;
    const count = Math.floor(rest / size);
    if (count > 0) {
      text += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return text;
}
