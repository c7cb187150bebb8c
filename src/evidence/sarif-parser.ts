/**
 * SARIF 2.1.0 → VulnerabilitySummary. Severity: `properties.security-severity` (result, then rule)
 * as a CVSS-like score; otherwise the result's level, falling back to the rule's
 * `defaultConfiguration.level`, then `warning` (SARIF §3.27.10). docs/evidence.md has the table.
 */

import { isJsonObject } from '../text/json-text.js';
import type { Severity, VulnerabilityFinding, VulnerabilitySummary } from './evidence.js';
import { type JsonObject, JsonReader, notAScan, shapeError } from './json-input.js';
import { countSeverities, severityFromCvssScore } from './severity.js';

const WHAT = 'SARIF log';

/** True when a parsed JSON value looks like a SARIF log. */
export function isSarif(value: unknown): boolean {
  // `runs: null` is still SARIF: the tool could not start its analysis (SARIF 2.1.0 §3.13.4).
  if (!isJsonObject(value) || !(Array.isArray(value.runs) || value.runs === null)) return false;
  const schema = typeof value.$schema === 'string' ? value.$schema : '';
  return value.version === '2.1.0' || /sarif/i.test(schema);
}

const LEVEL_SEVERITY: Record<string, Severity> = {
  error: 'high',
  warning: 'medium',
  note: 'low',
  none: 'unknown',
};

/** Result kinds that report no problem: not findings at all. */
const NOT_A_PROBLEM = new Set(['pass', 'notApplicable', 'informational']);

/**
 * Reads a parsed SARIF 2.1.0 log. Suppressed results are counted in `suppressed`, not in
 * `findings`: a result is suppressed when at least one of its suppressions is accepted or has no
 * status; suppressions that are all rejected or under review leave it counted. Results with
 * `baselineState: absent` (gone since the baseline) and results of kind pass, notApplicable or
 * informational are not findings.
 */
export function parseSarif(value: unknown, file: string): VulnerabilitySummary {
  const reader = new JsonReader(file, WHAT);
  const log = reader.object(value, '');
  if (log.version !== undefined && log.version !== '2.1.0') {
    throw shapeError(file, 'version', '"2.1.0"', log.version, WHAT);
  }
  if (log.runs === null)
    throw notAScan(file, 'the SARIF log\'s "runs" is null: the tool could not start its analysis');
  const runs = reader.array(log.runs, 'runs');
  if (runs.length === 0) throw notAScan(file, 'the SARIF log has no run ("runs" is empty)');
  const findings: VulnerabilityFinding[] = [];
  let suppressed = 0;
  const scanners: string[] = [];
  let scannerVersion: string | undefined;

  for (let r = 0; r < runs.length; r++) {
    const runPath = `runs[${r}]`;
    const run = reader.object(runs[r], runPath);
    const tool = reader.object(run.tool, `${runPath}.tool`);
    const driver = reader.object(tool.driver, `${runPath}.tool.driver`);
    const driverName = reader.string(driver.name, `${runPath}.tool.driver.name`);
    if (!scanners.includes(driverName)) scanners.push(driverName);
    scannerVersion ??= reader.optString(
      driver.version ?? driver.semanticVersion,
      `${runPath}.tool.driver.version`,
    );
    const driverRules = reader.optArray(driver.rules, `${runPath}.tool.driver.rules`);
    const extensions = reader.optArray(tool.extensions, `${runPath}.tool.extensions`);
    const rulesById = new Map<string, JsonObject>();
    for (const rule of driverRules) {
      if (isJsonObject(rule) && typeof rule.id === 'string') rulesById.set(rule.id, rule);
    }

    // SARIF §3.14.23: absent or null results mean the tool did not complete its analysis; an
    // empty array means it found nothing. A failed invocation (§3.20.14) is no scan either.
    if (run.results === undefined || run.results === null) {
      throw notAScan(
        file,
        `${runPath} of ${driverName} has no "results" array (the analysis did not complete)`,
      );
    }
    const invocations = reader.optArray(run.invocations, `${runPath}.invocations`);
    const failed = invocations.findIndex((item) => isJsonObject(item) && item.executionSuccessful === false);
    if (failed !== -1) {
      throw notAScan(
        file,
        `${runPath}.invocations[${failed}] of ${driverName} says executionSuccessful: false`,
      );
    }
    const results = reader.array(run.results, `${runPath}.results`);
    for (let i = 0; i < results.length; i++) {
      const path = `${runPath}.results[${i}]`;
      const result = reader.object(results[i], path);
      const kind = reader.optString(result.kind, `${path}.kind`) ?? 'fail';
      if (NOT_A_PROBLEM.has(kind)) continue;
      if (result.baselineState === 'absent') continue;
      if (isSuppressed(reader.optArray(result.suppressions, `${path}.suppressions`), path, reader)) {
        suppressed++;
        continue;
      }
      const ref = reader.optObject(result.rule, `${path}.rule`);
      const ruleId =
        reader.optString(ref?.id, `${path}.rule.id`) ?? reader.optString(result.ruleId, `${path}.ruleId`);
      const rule = findRule(result, ref, ruleId, driverRules, extensions, rulesById);
      const finding: VulnerabilityFinding = {
        id: ruleId ?? (typeof rule?.id === 'string' ? rule.id : 'unnamed-result'),
        severity: severityOf(result, rule, kind, path, reader),
        source: `sarif:${driverName}`,
      };
      const location = firstLocation(result);
      if (location) finding.package = location;
      const title = messageText(result, rule);
      if (title) finding.title = title.length > 200 ? `${title.slice(0, 199)}…` : title;
      findings.push(finding);
    }
  }
  const summary: VulnerabilitySummary = {
    kind: 'vulnerabilities',
    scanner: scanners.join(', ') || 'sarif',
    findings,
    counts: countSeverities(findings),
    suppressed,
  };
  if (scannerVersion) summary.scannerVersion = scannerVersion;
  return summary;
}

function isSuppressed(suppressions: unknown[], path: string, reader: JsonReader): boolean {
  for (let i = 0; i < suppressions.length; i++) {
    const suppression = reader.object(suppressions[i], `${path}.suppressions[${i}]`);
    const status = suppression.status;
    if (status === undefined || status === null || status === 'accepted') return true;
  }
  return false;
}

/** The rule a result refers to: by index (in the driver or the named extension), else by id. */
function findRule(
  result: JsonObject,
  ref: JsonObject | undefined,
  ruleId: string | undefined,
  driverRules: unknown[],
  extensions: unknown[],
  rulesById: Map<string, JsonObject>,
): JsonObject | undefined {
  const index =
    typeof ref?.index === 'number' ? ref.index : typeof result.ruleIndex === 'number' ? result.ruleIndex : -1;
  let rules = driverRules;
  const component = isJsonObject(ref?.toolComponent) ? ref.toolComponent : undefined;
  if (component && typeof component.index === 'number') {
    const extension = extensions[component.index];
    rules = isJsonObject(extension) && Array.isArray(extension.rules) ? extension.rules : [];
  }
  if (index >= 0) {
    const rule = rules[index];
    if (isJsonObject(rule)) return rule;
  }
  if (ruleId === undefined) return undefined;
  // A ruleId may carry extra hierarchical components ("CA5350/md5"); the rule is the leading one.
  return rulesById.get(ruleId) ?? rulesById.get(ruleId.split('/')[0]!);
}

function securitySeverity(properties: unknown): number | undefined {
  if (!isJsonObject(properties)) return undefined;
  const raw = properties['security-severity'];
  const score =
    typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
  return Number.isFinite(score) ? score : undefined;
}

function severityOf(
  result: JsonObject,
  rule: JsonObject | undefined,
  kind: string,
  path: string,
  reader: JsonReader,
): Severity {
  const score = securitySeverity(result.properties) ?? securitySeverity(rule?.properties);
  if (score !== undefined) return severityFromCvssScore(score);
  // kind open/review: "a human must look" — no level applies (§3.27.9), so the severity is unknown.
  if (kind !== 'fail') return 'unknown';
  let level = reader.optString(result.level, `${path}.level`);
  if (level === undefined && rule && isJsonObject(rule.defaultConfiguration)) {
    const fallback = rule.defaultConfiguration.level;
    if (typeof fallback === 'string') level = fallback;
  }
  level ??= 'warning';
  return LEVEL_SEVERITY[level] ?? 'unknown';
}

function firstLocation(result: JsonObject): string | undefined {
  const locations = result.locations;
  if (!Array.isArray(locations)) return undefined;
  for (const location of locations) {
    if (!isJsonObject(location)) continue;
    const physical = location.physicalLocation;
    if (isJsonObject(physical) && isJsonObject(physical.artifactLocation)) {
      const uri = physical.artifactLocation.uri;
      if (typeof uri === 'string') return uri;
    }
    const logical = location.logicalLocations;
    if (Array.isArray(logical) && isJsonObject(logical[0])) {
      const name = logical[0].fullyQualifiedName ?? logical[0].name;
      if (typeof name === 'string') return name;
    }
  }
  return undefined;
}

/** The result's message text, or the rule's message string it names, with {0}-style arguments filled. */
function messageText(result: JsonObject, rule: JsonObject | undefined): string | undefined {
  const message = result.message;
  if (!isJsonObject(message)) return undefined;
  let text = typeof message.text === 'string' ? message.text : undefined;
  if (text === undefined && typeof message.id === 'string' && rule && isJsonObject(rule.messageStrings)) {
    const entry = rule.messageStrings[message.id];
    if (isJsonObject(entry) && typeof entry.text === 'string') text = entry.text;
  }
  if (text === undefined) return undefined;
  const args = Array.isArray(message.arguments) ? message.arguments : [];
  return text.replace(/\{(\d+)\}/g, (whole, n: string) => {
    const arg = args[Number(n)];
    return typeof arg === 'string' ? arg : whole;
  });
}
