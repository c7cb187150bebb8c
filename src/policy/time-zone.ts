/**
 * IANA time zones, checked against the platform's time zone database (the one Temporal's polyfill
 * uses), with a suggestion when a name is close to a real one.
 */
import { nearestName } from '../text/nearest.js';

/**
 * The zones the platform lists (`Intl.supportedValuesOf`, its canonical names) and `UTC`: read in
 * ~2.5 ms, where ICU's first DateTimeFormat of a process costs ~20 ms. A contract whose windows
 * name listed zones is then checked without one, so a command that loads the contract but
 * evaluates no window (`check staging`, `status`, `validate`) never pays for it.
 */
let listedZones: ReadonlySet<string> | undefined;

/** True when `name` is listed exactly as written; `Etc/` names are left to ICU (`describeTimeZoneProblem`). */
function isListedZone(name: string): boolean {
  listedZones ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);
  return listedZones.has(name) && !name.startsWith('Etc/');
}

/**
 * True when `name` is a time zone Temporal can compute with (`UTC`, `Europe/Berlin`; `+02:00` is
 * refused). Asked when a contract is compiled, never per decision.
 */
export function isTimeZone(name: string): boolean {
  if (typeof name !== 'string' || !/^[A-Za-z]/.test(name)) return false;
  if (isListedZone(name)) return true;
  // Aliases (`US/Pacific`), other spellings (`europe/berlin`) and `Etc/` names: the platform's own
  // time zone database, the same one Temporal's polyfill reads, through its first DateTimeFormat.
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
  // "UTC+2" is nearest to "UTC", which would silently drop the offset: say what to name instead.
  if (typeof name === 'string' && /^(UTC|GMT|Z)?\s*[+−-]\s*\d/i.test(name))
    return `unknown time zone ${JSON.stringify(name)}: an offset is not a time zone; name the region whose clock you mean, such as "Europe/Berlin" or "America/New_York"`;
  const near = typeof name === 'string' ? nearestTimeZone(name) : undefined;
  return `unknown time zone ${JSON.stringify(name)}; expected an IANA name such as "Europe/Berlin", "America/New_York" or "UTC"${near ? ` (did you mean "${near}"?)` : ''}`;
}

/**
 * Zones that exist but keep another clock than their name reads as, and the region to name
 * instead. `EST` and `MST` are fixed offsets all year (Panama's and Phoenix's), not the clocks of
 * New York and Denver, which change in summer.
 */
const FIXED_ABBREVIATIONS: Readonly<Record<string, { offset: string; region: string; fixed: string }>> = {
  EST: { offset: 'UTC−05:00', region: 'America/New_York', fixed: 'America/Panama' },
  MST: { offset: 'UTC−07:00', region: 'America/Denver', fixed: 'America/Phoenix' },
};

/**
 * The obsolete SystemV names ICU still knows, by their abbreviation: the region whose clock they
 * read as, and a zone that keeps their fixed offset. `SystemV/PST8` is UTC−08:00 all year, an hour
 * off Los Angeles in summer; `SystemV/PST8PDT` follows the United States' rules of 2007, not a region.
 */
const SYSTEMV_REGIONS: Readonly<Record<string, { region: string; fixed: string }>> = {
  AST: { region: 'America/Halifax', fixed: 'America/Puerto_Rico' },
  EST: { region: 'America/New_York', fixed: 'America/Panama' },
  CST: { region: 'America/Chicago', fixed: 'America/Regina' },
  MST: { region: 'America/Denver', fixed: 'America/Phoenix' },
  PST: { region: 'America/Los_Angeles', fixed: 'Pacific/Pitcairn' },
  YST: { region: 'America/Anchorage', fixed: 'Pacific/Gambier' },
  HST: { region: 'Pacific/Honolulu', fixed: 'Pacific/Honolulu' },
};

function systemVProblem(name: string, canonical: string): string | undefined {
  const systemV = /^SystemV\/([A-Z]{3})(\d+)([A-Z]{3})?$/i.exec(canonical);
  if (!systemV) return undefined;
  const known = SYSTEMV_REGIONS[systemV[1]!.toUpperCase()];
  const region = known?.region ?? 'Europe/Berlin';
  if (systemV[3] === undefined && known && known.fixed !== known.region) {
    const offset = `UTC−${systemV[2]!.padStart(2, '0')}:00`;
    return `time zone ${JSON.stringify(name)} is a fixed ${offset} all year, not the clock of ${region}, which changes in summer; name the region: "${region}", or "${known.fixed}" for a fixed ${offset}`;
  }
  return `time zone ${JSON.stringify(name)} is an obsolete SystemV name; name the region: "${region}"`;
}

/**
 * What is wrong with a window's time zone, or undefined when it is a zone that means what it says.
 * Besides unknown names, refuses `Etc/GMT+N` and `Etc/GMT-N`, whose POSIX signs are inverted
 * (`Etc/GMT+2` is UTC−02:00), `EST`/`MST` and `SystemV/PST8`, fixed offsets that read as regional
 * clocks, and the other obsolete `SystemV/` names.
 * @example describeTimeZoneProblem('Etc/GMT+2') // '"Etc/GMT+2" is UTC−02:00, not UTC+02:00: …'
 */
export function describeTimeZoneProblem(name: string): string | undefined {
  if (!isTimeZone(name)) return describeBadTimeZone(name);
  // A listed name is canonical already, and not an `Etc/GMT` one (isListedZone leaves those out).
  const canonical = isListedZone(name)
    ? name
    : new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  const posix = /^Etc\/GMT([+-])(\d+)$/.exec(canonical);
  if (posix) {
    const hours = posix[2]!.padStart(2, '0');
    const [reads, is] = posix[1] === '+' ? ['+', '−'] : ['−', '+'];
    return `time zone ${JSON.stringify(name)} is UTC${is}${hours}:00, not UTC${reads}${hours}:00: POSIX "Etc/GMT" names invert the sign; name the region whose clock you mean, such as "Europe/Berlin" or "America/Sao_Paulo"`;
  }
  const systemV = systemVProblem(name, canonical);
  if (systemV) return systemV;
  const fixed = FIXED_ABBREVIATIONS[name.toUpperCase()];
  if (fixed)
    return `time zone ${JSON.stringify(name)} is a fixed ${fixed.offset} all year, not the clock of ${fixed.region}, which changes in summer; name the region: "${fixed.region}", or "${fixed.fixed}" for a fixed ${fixed.offset}`;
  return undefined;
}
