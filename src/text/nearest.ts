/**
 * "Did you mean …?" for messages: the known name closest to what was written.
 */

/** Levenshtein distance between two strings. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/**
 * The candidate closest to `name` (case-insensitive), when within `maxDistance` edits.
 * @example nearestName('requries', ['requires', 'from'], 2) // 'requires'
 */
export function nearestName(
  name: string,
  candidates: Iterable<string>,
  maxDistance: number,
): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  const lower = name.toLowerCase();
  for (const candidate of candidates) {
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= maxDistance ? best : undefined;
}

/**
 * ` (did you mean "x"?)` for a name that is a likely typo of one of `candidates` (within half its
 * length in edits, at least 2), else the empty string: appended to "names no …" messages.
 */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const near = nearestName(name, candidates, Math.max(2, Math.floor(name.length / 2)));
  return near === undefined || near === name ? '' : ` (did you mean "${near}"?)`;
}
