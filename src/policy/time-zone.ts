/**
 * IANA time zones, checked against the platform's time zone database (the one Temporal's polyfill
 * uses), with a suggestion when a name is close to a real one.
 */
import { nearestName } from '../text/nearest.js';

/**
 * True when `name` is a time zone Temporal can compute with (`UTC`, `Europe/Berlin`; `+02:00` is
 * refused). Asked when a contract is compiled, never per decision.
 */
export function isTimeZone(name: string): boolean {
  if (typeof name !== 'string' || !/^[A-Za-z]/.test(name)) return false;
  // The platform's own time zone database, the same one Temporal's polyfill reads; asking Intl
  // directly avoids starting the polyfill just to validate a contract. The first DateTimeFormat
  // loads ICU's formatting data (~20 ms), which the windows' Temporal arithmetic needs next anyway;
  // asking Intl.supportedValuesOf('timeZone') first only added its own cost (measured 2026-12-05).
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The known zone closest to `name` (same last segment, or a small edit distance), for messages. */
export function nearestTimeZone(name: string): string | undefined {
  const zones = [...Intl.supportedValuesOf('timeZone'), 'UTC'];
  const lower = name.toLowerCase();
  const city = lower.split('/').at(-1) ?? lower;
  const sameCity = zones.find((zone) => zone.toLowerCase().split('/').at(-1) === city);
  if (sameCity) return sameCity;
  return nearestName(lower, zones, 3);
}

/** The message for an unknown zone: what was found, what was expected, and the nearest name. */
export function describeBadTimeZone(name: unknown): string {
  const near = typeof name === 'string' ? nearestTimeZone(name) : undefined;
  return `unknown time zone ${JSON.stringify(name)}; expected an IANA name such as "Europe/Berlin", "America/New_York" or "UTC"${near ? ` (did you mean "${near}"?)` : ''}`;
}
