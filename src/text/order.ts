/**
 * Code-unit order for identifiers and timestamps: the same on every machine. `localeCompare`
 * follows the machine's locale (under LANG=da_DK, "GHSA-aaaa" sorts after "GHSA-zzzz"), so a
 * decision's text, and which findings it names, would depend on where it was made.
 */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
