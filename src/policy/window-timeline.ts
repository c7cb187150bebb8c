/**
 * Evaluating compiled windows at an instant: the open and closed periods over a span, whether
 * promotion is possible now, and when that changes. Pure: the clock is handed in.
 */
import { formatDuration } from './duration.js';
import type { CompiledWindows } from './window-compile.js';

/** A stretch of time in which promotion is uniformly open or closed. */
export interface WindowPeriod {
  open: boolean;
  from: Date;
  /** End of the period; undefined when it lasts past the end of what was computed. */
  until?: Date;
  /** Why: the deny windows in force, "outside every allow window", or the allow windows in force. */
  reasons: string[];
}

/** The answer for one instant. */
export interface WindowState {
  open: boolean;
  reasons: string[];
  /** When open: when the current open period ends, if within the horizon. */
  closesAt?: Date;
  /** When closed: when promotion next becomes possible, if within the horizon. */
  opensAt?: Date;
}

const DAY_MS = 86_400_000;
/** How far ahead the next opening is looked for. */
export const DEFAULT_HORIZON_MS = 366 * DAY_MS;

/** A period being built: the windows that kept it open or closed, in order of appearance. */
interface OpenPeriod {
  open: boolean;
  from: number;
  /** Indexes of the windows seen in the period, in order of appearance. */
  seen: number[];
  outsideAllow: boolean;
}

/**
 * The open and closed periods between `from` and `to`, in order, adjacent periods of the same
 * state merged; each lists every window that kept it so. The last period's `until` is undefined
 * (it may go on past `to`).
 */
export function windowTimeline(windows: CompiledWindows, from: Date, to: Date): WindowPeriod[] {
  const fromMs = from.getTime();
  const toMs = to.getTime();
  const all = [...windows.allow, ...windows.deny];
  // Each edge is one number, (time since `from`) × 2^k + window index × 2 + (1 for a start), so
  // a plain numeric sort orders them; a year of edges sorts in well under a millisecond.
  const shift = 2 ** Math.ceil(Math.log2(2 * all.length + 2));
  const keys: number[] = [];
  all.forEach((window, index) => {
    for (const [start, end] of window.intervals(fromMs, toMs)) {
      keys.push((Math.max(start, fromMs) - fromMs) * shift + index * 2 + 1);
      if (end < toMs) keys.push((end - fromMs) * shift + index * 2);
    }
  });
  const sorted = Float64Array.from(keys).sort();
  const hasAllow = windows.allow.length > 0;
  const count = new Int32Array(all.length);
  let denyActive = 0;
  let allowActive = 0;
  const periods: WindowPeriod[] = [];
  let current: OpenPeriod | undefined;
  const reasonOf = all.map((window) => `${window.kind} ${window.label}`);
  // seenIn[w] is the number of the last period window w was listed in (1-based), to list it once.
  const seenIn = new Int32Array(all.length);
  let periodNumber = 0;
  const finish = (end: number | undefined) => {
    if (!current) return;
    const reasons = current.seen.map((w) => reasonOf[w]!);
    if (!current.open && current.outsideAllow) reasons.push('outside every allow window');
    if (current.open && reasons.length === 0) reasons.push('no deny window in force');
    const period: WindowPeriod = { open: current.open, from: new Date(current.from), reasons };
    if (end !== undefined) period.until = new Date(end);
    periods.push(period);
  };
  // Called at the start of each elementary stretch, after the edges at `at` were applied.
  const enter = (at: number) => {
    const open = denyActive === 0 && (!hasAllow || allowActive > 0);
    if (!current || current.open !== open) {
      finish(at);
      current = { open, from: at, seen: [], outsideAllow: false };
      periodNumber++;
    }
    if (!open && denyActive === 0) current.outsideAllow = true;
    for (let w = 0; w < all.length; w++) {
      if (count[w]! > 0 && seenIn[w] !== periodNumber && (all[w]!.kind === 'deny') !== open) {
        seenIn[w] = periodNumber;
        current.seen.push(w);
      }
    }
  };
  const apply = (key: number) => {
    const low = key % shift;
    const index = low >> 1;
    const delta = low & 1 ? 1 : -1;
    const before = count[index]!;
    count[index] = before + delta;
    // Counters change only when a window switches between active and inactive.
    if ((delta === 1 && before === 0) || (delta === -1 && before === 1)) {
      if (all[index]!.kind === 'deny') denyActive += delta;
      else allowActive += delta;
    }
  };
  const timeOf = (key: number) => Math.floor(key / shift) + fromMs;
  let i = 0;
  // Edges at the very start are applied before the first stretch begins.
  while (i < sorted.length && timeOf(sorted[i]!) <= fromMs) apply(sorted[i++]!);
  enter(fromMs);
  while (i < sorted.length) {
    const at = timeOf(sorted[i]!);
    while (i < sorted.length && timeOf(sorted[i]!) === at) apply(sorted[i++]!);
    enter(at);
  }
  finish(undefined);
  return periods;
}

/**
 * Whether promotion is possible at `now`, and when that changes. Looks a week ahead first and up
 * to `horizonMs` (default 366 days) only when nothing changes within the week.
 * @example windowState(compileWindows(spec), new Date('2026-11-27T15:30:00Z')).opensAt
 */
export function windowState(
  windows: CompiledWindows,
  now: Date,
  horizonMs = DEFAULT_HORIZON_MS,
): WindowState {
  let periods = windowTimeline(windows, now, new Date(now.getTime() + Math.min(8 * DAY_MS, horizonMs)));
  if (periods.length === 1 && horizonMs > 8 * DAY_MS) {
    periods = windowTimeline(windows, now, new Date(now.getTime() + horizonMs));
  }
  const current = periods[0]!;
  if (current.open)
    return { open: true, reasons: current.reasons, ...(current.until ? { closesAt: current.until } : {}) };
  return { open: false, reasons: current.reasons, ...(current.until ? { opensAt: current.until } : {}) };
}

/** The periods from `now` over the next `horizonMs` (default 14 days), for `tollgate windows`. */
export function upcomingPeriods(
  windows: CompiledWindows,
  now: Date,
  horizonMs = 14 * DAY_MS,
): WindowPeriod[] {
  return windowTimeline(windows, now, new Date(now.getTime() + horizonMs));
}

/** "closed until 2026-11-30T07:00:00.000Z (in 2d16h)" style text for a period boundary. */
export function describeAt(at: Date, now: Date): string {
  return `${at.toISOString()} (in ${formatDuration(at.getTime() - now.getTime())})`;
}
