/**
 * SARIF 2.1.0 → VulnerabilitySummary. Severity: `properties.security-severity` (result, then rule)
 * as a CVSS-like score; otherwise the result's effective level (SARIF §3.27.10: its own `level`,
 * else the invocation's rule configuration override, else the rule's `defaultConfiguration.level`,
 * else `warning`), raised by any policy in the log. docs/evidence.md has the table and the rules.
 */

import { type ErrorCode, inputError } from '../errors.js';
import { ownValue } from '../records.js';
import {
  type DuplicateKeyRule,
  duplicateKeyRefusal,
  isJsonObject,
  type JsonPath,
  type MergedDuplicate,
  parseJsonText,
} from '../text/json-text.js';
import type { Severity, SuppressedFinding, VulnerabilityFinding, VulnerabilitySummary } from './evidence.js';
import { imageDigestOf, namedImageDigests, repoDigestOf } from './image-digests.js';
import { type JsonObject, JsonReader, notAScan, shapeError } from './json-input.js';
import {
  defaultLevel,
  overriddenLevel,
  policyLevels,
  SarifTool,
  UnresolvedReference,
} from './sarif-descriptors.js';
import {
  countSeverities,
  cvssScoreAt,
  keepSuppressed,
  severityFromCvssScore,
  suppressedOf,
  worstSeverity,
} from './severity.js';
import { laterTime, statedTime } from './stated-time.js';

const WHAT = 'SARIF log';

/** The $schema of a SARIF external property file (§4), which a log's run may refer to (§3.15). */
const EXTERNAL_PROPERTY_FILE = /sarif-external-property-file/i;

/** How to bring an older SARIF log to 2.1.0, for the messages that refuse one. */
const CONVERT =
  'convert it with the SARIF Multitool (`npx @microsoft/sarif-multitool rewrite FILE --sarif-output-version Current --output NEW.sarif`) or have the tool write SARIF 2.1.0';

/**
 * True when a parsed JSON value looks like a SARIF log of any version: `runs` (an array, or null
 * for a tool that could not start, §3.13.4) with a SARIF `$schema` or a `version` of the form 1.x.y
 * or 2.x.y; or a SARIF external property file. Older versions and external property files are
 * recognised so that they are refused as what they are, not as an unknown format.
 */
export function isSarif(value: unknown): boolean {
  if (!isJsonObject(value)) return false;
  const schema = typeof value.$schema === 'string' ? value.$schema : '';
  if (EXTERNAL_PROPERTY_FILE.test(schema)) return true;
  if (!(Array.isArray(value.runs) || value.runs === null)) return false;
  return (
    (typeof value.version === 'string' && /^(1\.0\.0|2\.\d+\.\d+)/.test(value.version)) ||
    /sarif/i.test(schema)
  );
}

/**
 * Refuses any SARIF version but 2.1.0, naming what was found. SARIF 1.0.0 is another format
 * altogether, and the 2.0.0 committee drafts ("2.0.0", "2.0.0-csd.2.beta.…") changed the meaning
 * of the very fields counted here (result `level` still held "pass"/"open"/"notApplicable", rules
 * were an object keyed by id, suppressions had another shape) with no rule in the 2.1.0 spec for
 * reading them. Logs that say "2.1.0" under a pre-release `$schema` (2.1.0-beta.N, -rtm.0 to
 * -rtm.4) are read: the two renamings that matter to a count are read under both names below.
 */
function checkVersion(log: JsonObject, file: string): void {
  const schema = typeof log.$schema === 'string' ? log.$schema : undefined;
  const fromSchema = schema?.match(/sarif-(\d+\.\d+\.\d+[\w.-]*?)(?:\.json)?$/i)?.[1];
  if (log.version === '2.1.0') return;
  // A log without "version" (required, §3.13.2) is taken at its $schema's word.
  if (log.version === undefined && fromSchema?.replace(/-.*/, '') === '2.1.0') return;
  const version = log.version ?? fromSchema;
  const refuse = (what: string) =>
    inputError(
      'EVIDENCE_INVALID',
      { file },
      `${what}; Tollgate reads SARIF 2.1.0 (version "2.1.0"): ${CONVERT}`,
    );
  if (typeof version !== 'string') {
    if (log.version === undefined)
      throw refuse('this SARIF log has no "version" (nor a versioned "$schema")');
    throw shapeError(file, 'version', '"2.1.0"', log.version, WHAT);
  }
  const said = log.version === undefined ? `its $schema names SARIF ${version}` : `version "${version}"`;
  if (version.startsWith('1.'))
    throw refuse(`this is SARIF ${version.split('-')[0]} (${said}), the format before SARIF 2`);
  if (version.startsWith('2.0.0')) {
    throw refuse(
      `this is a pre-release draft of SARIF 2 (${said}), whose results, rules and suppressions are shaped differently`,
    );
  }
  throw refuse(`SARIF version "${version}" is not one Tollgate knows`);
}

/** Run properties that, when kept in an external property file (§3.15), take counted facts with them. */
const EXTERNAL_COUNTED = ['results', 'invocations', 'driver', 'extensions', 'policies'];

const LEVEL_SEVERITY: Record<string, Severity> = {
  error: 'high',
  warning: 'medium',
  note: 'low',
  none: 'unknown',
};

/** How bad a level is, to take the worst of the tool's and the policies' (§3.19.5). */
const LEVEL_RANK: Record<string, number> = { error: 3, warning: 2, note: 1, none: 0 };

/** The values of `level` and `kind` (§3.27.10, §3.27.9), for the messages that refuse others. */
const LEVEL_WORDS = 'one of "none", "note", "warning", "error" (SARIF §3.27.10)';
const KINDS = new Set(['fail', 'pass', 'open', 'review', 'informational', 'notApplicable']);
const KIND_WORDS =
  'one of "fail", "pass", "open", "review", "informational", "notApplicable" (SARIF §3.27.9)';

/** A level that says a problem was found: any but "none" (§3.27.10). */
function hasLevel(level: string | undefined): boolean {
  return level !== undefined && level !== 'none';
}

/** Result kinds that report no problem: not findings at all (§3.27.9). */
const NOT_A_PROBLEM = new Set(['pass', 'notApplicable', 'informational']);

/**
 * Reads a parsed SARIF 2.1.0 log. Suppressed results are counted in `suppressed`, not in
 * `findings`: a result is suppressed when it has suppressions and every one is accepted (or has no
 * status); one rejected or under review leaves it counted. Results with `baselineState: absent`
 * (gone since the baseline) and results of kind pass, notApplicable or informational (with no
 * level but `none`) are not findings. A log whose run did not complete or failed is refused.
 */
export function parseSarif(
  value: unknown,
  file: string,
  merged: readonly MergedDuplicate[] = [],
): VulnerabilitySummary {
  const reader = new JsonReader(file, WHAT);
  const log = reader.object(value, '');
  if (typeof log.$schema === 'string' && EXTERNAL_PROPERTY_FILE.test(log.$schema)) {
    throw notAScan(
      file,
      'this is a SARIF external property file (SARIF §4: properties of a run kept outside its log), not a log; attest the log, with these properties merged into it',
    );
  }
  checkVersion(log, file);
  if (log.runs === null)
    throw notAScan(file, 'the SARIF log\'s "runs" is null: the tool could not start its analysis');
  const runs = reader.array(log.runs, 'runs');
  if (runs.length === 0) throw notAScan(file, 'the SARIF log has no run ("runs" is empty)');
  const findings: VulnerabilityFinding[] = [];
  const suppressedFindings: SuppressedFinding[] = [];
  const scanners: string[] = [];
  let scannerVersion: string | undefined;
  let ranAt: string | undefined;
  const repoDigests: Array<string | undefined> = [];
  const imageIds: Array<string | undefined> = [];
  let target: VulnerabilitySummary['target'];

  for (let r = 0; r < runs.length; r++) {
    const runPath = `runs[${r}]`;
    const run = reader.object(runs[r], runPath);
    const toolObject = reader.object(run.tool, `${runPath}.tool`);
    const driver = reader.object(toolObject.driver, `${runPath}.tool.driver`);
    const driverName = reader.string(driver.name, `${runPath}.tool.driver.name`);
    if (!scanners.includes(driverName)) scanners.push(driverName);
    scannerVersion ??= reader.optString(
      driver.version ?? driver.semanticVersion,
      `${runPath}.tool.driver.version`,
    );
    reader.optArray(driver.rules, `${runPath}.tool.driver.rules`);
    // Trivy (since aquasecurity/trivy#4020) names the image it scanned in the run's property bag
    // (imageID, repoDigests), as its JSON's Metadata does.
    // Trivy writes that bag only for an image scan (ArtifactType container_image), so it is also
    // what tells its image scan from its file-system or config scan, which must not replace it.
    if (isJsonObject(run.properties)) {
      const named = run.properties;
      if (Array.isArray(named.repoDigests)) repoDigests.push(...named.repoDigests.map(repoDigestOf));
      imageIds.push(imageDigestOf(named.imageID));
      if (driverName === 'Trivy' && typeof named.imageName === 'string' && named.imageName !== '') {
        target ??= { type: 'container_image', name: named.imageName };
      }
    }
    const tool = new SarifTool(driver, reader.optArray(toolObject.extensions, `${runPath}.tool.extensions`));
    const policies = reader.optArray(run.policies, `${runPath}.policies`);
    const who = `${runPath} of ${driverName}`;

    // §3.15.2: an externalized array is appended to the inline one, so "results": [] beside
    // external results is no clean run; externalized invocations or rules hide failures and levels.
    const external = reader.optObject(
      run.externalPropertyFileReferences,
      `${runPath}.externalPropertyFileReferences`,
    );
    const externalized = EXTERNAL_COUNTED.filter((key) => external?.[key] != null);
    if (externalized.length > 0) {
      throw inputError(
        'EVIDENCE_INVALID',
        { file },
        `${who} keeps ${externalized.map((k) => `"${k}"`).join(', ')} in external property files (externalPropertyFileReferences, SARIF §3.15); Tollgate reads one self-contained log: merge them into it`,
      );
    }
    // SARIF §3.14.23: absent or null results mean the tool did not complete its analysis; an
    // empty array means it found nothing. A failed invocation (§3.20.14, §3.20.21, §3.20.22) is
    // no scan either, nor is a failed conversion of the tool's output (§3.22.3).
    if (run.results === undefined || run.results === null) {
      throw notAScan(file, `${who} has no "results" array (the analysis did not complete)`);
    }
    const invocations = reader.optArray(run.invocations, `${runPath}.invocations`);
    for (let i = 0; i < invocations.length; i++) {
      const path = `${runPath}.invocations[${i}]`;
      const invocation = reader.object(invocations[i], path);
      checkInvocation(invocation, path, driverName, tool, file);
      // When the scan ran: the latest end (or start) time any invocation states (§3.20.7, §3.20.8).
      ranAt = laterTime(ranAt, statedTime(invocation.endTimeUtc) ?? statedTime(invocation.startTimeUtc));
    }
    const conversion = reader.optObject(run.conversion, `${runPath}.conversion`);
    const converter = reader.optObject(conversion?.invocation, `${runPath}.conversion.invocation`);
    if (converter) {
      // The converter's notifications name the converter's own descriptors (§3.22.2).
      const convTool = isJsonObject(conversion?.tool) ? conversion.tool : {};
      const convDriver = isJsonObject(convTool.driver) ? convTool.driver : {};
      const convExtensions = Array.isArray(convTool.extensions) ? convTool.extensions : [];
      const converterTool = new SarifTool(convDriver, convExtensions);
      checkInvocation(converter, `${runPath}.conversion.invocation`, driverName, converterTool, file);
    }

    const results = reader.array(run.results, `${runPath}.results`);
    for (let i = 0; i < results.length; i++) {
      const path = `${runPath}.results[${i}]`;
      const result = reader.object(results[i], path);
      const kind = reader.optString(result.kind, `${path}.kind`) ?? 'fail';
      const ownLevel = reader.optString(result.level, `${path}.level`);
      // A word outside the enums ("critical", "FAIL") would read as severity unknown, which only an
      // `unknown` limit counts: a critical by its producer's word would pass `critical: 0`.
      if (!KINDS.has(kind)) throw shapeError(file, `${path}.kind`, KIND_WORDS, kind, WHAT);
      if (ownLevel !== undefined && !Object.hasOwn(LEVEL_RANK, ownLevel))
        throw shapeError(file, `${path}.level`, LEVEL_WORDS, ownLevel, WHAT);
      // §3.27.9: a level other than "none" means kind "fail"; a log that says both is read by its level.
      if (NOT_A_PROBLEM.has(kind) && !hasLevel(ownLevel)) continue;
      if (result.baselineState === 'absent') continue;
      const suppressions = reader.optArray(result.suppressions, `${path}.suppressions`);
      const isSetAside = isSuppressed(suppressions, path, reader);
      const ref = reader.optObject(result.rule, `${path}.rule`);
      const ruleId =
        reader.optString(ref?.id, `${path}.rule.id`) ?? reader.optString(result.ruleId, `${path}.ruleId`);
      const rule = resolved(
        tool.descriptor(ref, 'rules', { index: result.ruleIndex, id: ruleId }),
        `${path}.rule`,
        runPath,
        file,
      );
      const invocation = invocationOf(result, invocations);
      const finding: VulnerabilityFinding = {
        id: ruleId ?? (typeof rule?.id === 'string' ? rule.id : 'unnamed-result'),
        severity: severityOf(
          result,
          rule,
          hasLevel(ownLevel) ? 'fail' : kind,
          () => {
            const level = effectiveLevel(ownLevel, rule, tool, invocation, policies);
            if (Object.hasOwn(LEVEL_RANK, level)) return level;
            throw shapeError(
              file,
              `${path}`,
              `its rule ${typeof rule?.id === 'string' ? `"${rule.id}" ` : ''}configured with a level ${LEVEL_WORDS} (defaultConfiguration, ruleConfigurationOverrides or policies)`,
              level,
              WHAT,
            );
          },
          path,
          file,
          driverName,
        ),
        source: `sarif:${driverName}`,
      };
      const location = firstLocation(result);
      if (location) finding.package = location;
      const title = messageText(result, rule);
      if (title) finding.title = title.length > 200 ? `${title.slice(0, 199)}…` : title;
      if (isSetAside) suppressedFindings.push(suppressedOf(finding, suppressionReason(suppressions)));
      else findings.push(finding);
    }
  }
  const summary: VulnerabilitySummary = {
    kind: 'vulnerabilities',
    scanner: scanners.join(', ') || 'sarif',
    findings,
    counts: countSeverities(findings),
    suppressed: suppressedFindings.length,
  };
  if (suppressedFindings.length > 0) summary.suppressedFindings = keepSuppressed(suppressedFindings);
  if (scannerVersion) summary.scannerVersion = scannerVersion;
  if (ranAt !== undefined) summary.ranAt = ranAt;
  Object.assign(summary, namedImageDigests(repoDigests, imageIds));
  if (target) summary.target = target;
  if (merged.length > 0) summary.caveats = merged.map((duplicate) => mergedCaveat(log, duplicate));
  return summary;
}

/** Where a SARIF rule's or result's property bag sits: `runs[r].results[j]`, a driver's or extension's `rules[j]`. */
function isSarifPropertyBag(path: JsonPath): boolean {
  const n = (i: number) => typeof path[i] === 'number';
  if (path[0] !== 'runs' || !n(1) || path[path.length - 1] !== 'properties') return false;
  if (path.length === 5) return path[2] === 'results' && n(3);
  if (path[2] !== 'tool') return false;
  if (path.length === 7) return path[3] === 'driver' && path[4] === 'rules' && n(5);
  return path.length === 8 && path[3] === 'extensions' && n(4) && path[5] === 'rules' && n(6);
}

/** A score written as a JSON number or a numeric string ("9.8", as dependency-check writes it). */
function scoreOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\s*\d+(?:\.\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

/**
 * Where a SARIF log read as one may sit in a JSON text Tollgate reads: the text itself (a SARIF
 * file), or, in an in-toto statement, the scanner's report cosign's vuln predicate holds.
 */
const SARIF_LOG_PLACES: readonly JsonPath[] = [[], ['predicate', 'scanner', 'result']];

/** `path` from the log at `at`, or undefined when it does not lie under `at`. */
function fromLog(path: JsonPath, at: JsonPath): JsonPath | undefined {
  if (path.length < at.length || at.some((step, i) => path[i] !== step)) return undefined;
  return path.slice(at.length);
}

/**
 * The one duplicate key a SARIF log may have: OWASP dependency-check since 12.0 writes
 * `security-severity` twice in one rule's property bag when NVD gives both a CVSS v3 and a v4
 * score (its sarifReport.vsl). Read as the worst (highest) score, so neither the reader that keeps
 * the first nor the one that keeps the last can pass what the other would refuse. Only there, only
 * numbers: any other duplicate, or a word among the values, is refused as every duplicate key is.
 * Applied by {@link parseJsonHoldingSarif}, which keeps only those of the log that is read.
 */
const SARIF_DUPLICATE_KEYS: DuplicateKeyRule = {
  allows: (path, key) =>
    key === 'security-severity' &&
    SARIF_LOG_PLACES.some((at) => {
      const inLog = fromLog(path, at);
      return inLog !== undefined && isSarifPropertyBag(inLog);
    }),
  merge: (_path, _key, values) => {
    const scores = values.map(scoreOf);
    if (scores.some((score) => score === undefined)) return undefined;
    let worst = 0;
    for (let i = 1; i < values.length; i++) if (scores[i]! > scores[worst]!) worst = i;
    return values[worst];
  },
};

/**
 * Parses JSON text that is, or may hold, a SARIF log: a SARIF file, or an in-toto statement (plain,
 * or the payload of a DSSE envelope or Sigstore bundle) whose cosign vuln predicate holds one.
 * Every path to a SARIF log enters here, so each reads dependency-check's repeated
 * `security-severity` as the SARIF reader does ({@link SARIF_DUPLICATE_KEYS}). `logAt` says where
 * the parsed document holds the log its reader will read as SARIF (undefined: none); a duplicate
 * anywhere else, or in a log read as another format, is refused as `parseJsonText` refuses every
 * duplicate, at its line and column. Returns the value and the log's repeated keys, their paths
 * taken from the log, for {@link parseSarif}'s caveats.
 * @throws TollgateError `code` (default EVIDENCE_INVALID) naming the file, line and column
 */
export function parseJsonHoldingSarif(
  text: string,
  file: string,
  logAt: (value: unknown) => JsonPath | undefined,
  code: ErrorCode = 'EVIDENCE_INVALID',
): { value: unknown; merged: MergedDuplicate[] } {
  const merged: MergedDuplicate[] = [];
  const value = parseJsonText(text, file, code, { duplicates: SARIF_DUPLICATE_KEYS, merged });
  if (merged.length === 0) return { value, merged };
  const at = logAt(value);
  const ofLog: MergedDuplicate[] = [];
  for (const duplicate of merged) {
    const inLog = at === undefined ? undefined : fromLog(duplicate.path, at);
    if (inLog === undefined || !isSarifPropertyBag(inLog)) {
      throw inputError(
        code,
        { file, line: duplicate.line, column: duplicate.column },
        duplicateKeyRefusal(duplicate.message),
      );
    }
    ofLog.push({ ...duplicate, path: [...inLog] });
  }
  return { value, merged: ofLog };
}

/** The caveat naming the rule (or result) whose repeated security-severity was read as its worst. */
function mergedCaveat(log: JsonObject, duplicate: MergedDuplicate): string {
  let bag: unknown = log;
  for (const step of duplicate.path.slice(0, -1))
    bag =
      isJsonObject(bag) || Array.isArray(bag) ? (bag as Record<string | number, unknown>)[step] : undefined;
  const owner = isJsonObject(bag) ? bag : {};
  const isRule = duplicate.path.includes('rules');
  const name = isRule ? owner.id : (owner.ruleId ?? (isJsonObject(owner.rule) ? owner.rule.id : undefined));
  const where = `${duplicate.path
    .map((step) => (typeof step === 'number' ? `[${step}]` : `.${step}`))
    .join('')
    .slice(1)}`;
  const named = typeof name === 'string' ? ` "${name}"` : '';
  return `${isRule ? 'rule' : 'result'}${named} gives security-severity ${duplicate.values.length} times (${duplicate.values.map((v) => JSON.stringify(v)).join(', ')}; dependency-check 12+ writes its CVSS v3 and v4 scores under the one key, line ${duplicate.line}): read as the worst, ${JSON.stringify(duplicate.value)} (${where})`;
}

/**
 * Refuses a failed invocation: `executionSuccessful: false` (§3.20.14; `toolExecutionSuccessful`
 * before 2.1.0-rtm.0), or, when neither is given, a non-zero `exitCode` (how the SARIF SDK upgrades
 * such logs), or a tool execution or configuration notification whose level is "error", which
 * "SHALL mean that the run failed" (§3.20.21, §3.20.22).
 */
function checkInvocation(
  invocation: JsonObject,
  path: string,
  driverName: string,
  tool: SarifTool,
  file: string,
): void {
  const success = invocation.executionSuccessful ?? invocation.toolExecutionSuccessful;
  const name =
    invocation.executionSuccessful === undefined && invocation.toolExecutionSuccessful !== undefined
      ? 'toolExecutionSuccessful'
      : 'executionSuccessful';
  if (success === false) {
    throw notAScan(file, `${path} of ${driverName} says ${name}: false (the tool failed)`);
  }
  if (
    (success === undefined || success === null) &&
    typeof invocation.exitCode === 'number' &&
    invocation.exitCode !== 0
  ) {
    throw notAScan(
      file,
      `${path} of ${driverName} has exitCode ${invocation.exitCode} and no "executionSuccessful" (required by SARIF §3.20.14), so the tool may have failed`,
    );
  }
  for (const list of ['toolExecutionNotifications', 'toolConfigurationNotifications'] as const) {
    const notifications = invocation[list];
    if (!Array.isArray(notifications)) continue;
    for (let n = 0; n < notifications.length; n++) {
      const notification = notifications[n];
      if (!isJsonObject(notification) || notificationLevel(notification, tool, invocation) !== 'error')
        continue;
      const message =
        isJsonObject(notification.message) && typeof notification.message.text === 'string'
          ? ` (${JSON.stringify(notification.message.text.length > 120 ? `${notification.message.text.slice(0, 119)}…` : notification.message.text)})`
          : '';
      throw notAScan(
        file,
        `${path}.${list}[${n}] of ${driverName} is an error${message}: the run failed and its results may be incomplete (SARIF ${list === 'toolExecutionNotifications' ? '§3.20.21' : '§3.20.22'})`,
      );
    }
  }
}

/** A notification's level (§3.58.6): its own, else its descriptor's override or default, else warning. */
function notificationLevel(notification: JsonObject, tool: SarifTool, invocation: JsonObject): string {
  if (typeof notification.level === 'string') return notification.level;
  const ref = isJsonObject(notification.descriptor) ? notification.descriptor : undefined;
  const found = ref ? tool.descriptor(ref, 'notifications') : undefined;
  const descriptor = found instanceof UnresolvedReference ? undefined : found;
  return (
    overriddenLevel(tool, invocation, descriptor, 'notifications') ?? defaultLevel(descriptor) ?? 'warning'
  );
}

/** The descriptor, or a refusal naming the reference that points nowhere (an invalid log). */
function resolved(
  found: JsonObject | UnresolvedReference | undefined,
  path: string,
  runPath: string,
  file: string,
): JsonObject | undefined {
  if (!(found instanceof UnresolvedReference)) return found;
  throw inputError(
    'EVIDENCE_INVALID',
    { file },
    `not a valid SARIF log: ${path} refers to ${found.missing.startsWith('tool.') ? `${runPath}.${found.missing}` : found.missing}, but ${found.found}; the rule, and so the level, of the result cannot be known`,
  );
}

/**
 * The invocation that produced a result, whose rule configuration overrides apply to it: the one
 * `provenance.invocationIndex` names (§3.27.29, §3.48.6), else the run's only invocation.
 */
function invocationOf(result: JsonObject, invocations: unknown[]): JsonObject | undefined {
  const provenance = isJsonObject(result.provenance) ? result.provenance : undefined;
  const index =
    typeof provenance?.invocationIndex === 'number'
      ? provenance.invocationIndex
      : invocations.length === 1
        ? 0
        : -1;
  const invocation = index >= 0 ? invocations[index] : undefined;
  return isJsonObject(invocation) ? invocation : undefined;
}

/**
 * The level of a result of kind "fail" (§3.27.10): its own, else the invocation's override of its
 * rule, else the rule's default, else "warning"; then the worst of that and every policy's level
 * for the rule (§3.19.5).
 */
function effectiveLevel(
  ownLevel: string | undefined,
  rule: JsonObject | undefined,
  tool: SarifTool,
  invocation: JsonObject | undefined,
  policies: unknown[],
): string {
  let level = ownLevel ?? overriddenLevel(tool, invocation, rule, 'rules') ?? defaultLevel(rule) ?? 'warning';
  if (rule && policies.length > 0) {
    for (const policy of policyLevels(tool, policies, rule)) {
      if ((LEVEL_RANK[policy] ?? -1) > (LEVEL_RANK[level] ?? -1)) level = policy;
    }
  }
  return level;
}

/**
 * Suppressed (§3.27.23, §3.35.3) when there is at least one suppression and every one is in
 * effect: status "accepted", or no status (`state` before 2.1.0-rtm.5). One "underReview" or
 * "rejected" — or a status Tollgate does not know — leaves the result counted, as the SARIF SDK's
 * `Result.TryIsSuppressed` and the sarif-tutorials viewer guidance decide.
 */
function isSuppressed(suppressions: unknown[], path: string, reader: JsonReader): boolean {
  if (suppressions.length === 0) return false;
  for (let i = 0; i < suppressions.length; i++) {
    const suppression = reader.object(suppressions[i], `${path}.suppressions[${i}]`);
    const status = suppression.status ?? suppression.state;
    if (status !== undefined && status !== null && status !== 'accepted') return false;
  }
  return true;
}

/** Why a result is suppressed, in words: each suppression's kind, status and justification. */
function suppressionReason(suppressions: unknown[]): string {
  return suppressions
    .filter(isJsonObject)
    .map((suppression) => {
      const kind = typeof suppression.kind === 'string' ? suppression.kind : 'suppression';
      const status = suppression.status ?? suppression.state;
      const justification =
        typeof suppression.justification === 'string' && suppression.justification.trim() !== ''
          ? suppression.justification.trim()
          : undefined;
      const said = justification
        ? `: ${justification.length > 120 ? `${justification.slice(0, 119)}…` : justification}`
        : '';
      return `suppressed ${kind}${typeof status === 'string' ? ` (${status})` : ''}${said}`;
    })
    .join('; ');
}

/** Severity words some converters write as `security-severity` instead of GitHub's score. */
const SEVERITY_WORDS: Readonly<Record<string, Severity>> = {
  critical: 'critical',
  high: 'high',
  medium: 'medium',
  low: 'low',
};

/**
 * A `security-severity` as a severity: a CVSS-like score (a number or a numeric string), or one of
 * the words critical, high, medium, low in any case (`"Critical"`), which would otherwise be
 * ignored and leave the result at its level (`note`, low); undefined for anything else.
 */
function securitySeverity(properties: unknown, path: () => string, file: string): Severity | undefined {
  if (!isJsonObject(properties)) return undefined;
  const raw = properties['security-severity'];
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) return undefined;
  if (typeof raw === 'string') {
    const word = ownValue(SEVERITY_WORDS, raw.trim().toLowerCase());
    if (word !== undefined) return word;
  }
  const score = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : Number.NaN;
  // Another word ("severe"), a score off GitHub's 0–10 scale (a tool scoring 0–100) or another
  // type read as unknown or fell back to the level (`note`, low): refused rather than passed.
  if (!(score >= 0 && score <= 10)) {
    throw shapeError(
      file,
      path(),
      'a score from 0 to 10 (a number or numeric string) or one of the words critical, high, medium, low',
      raw,
      WHAT,
    );
  }
  return severityFromCvssScore(score);
}

function severityOf(
  result: JsonObject,
  rule: JsonObject | undefined,
  kind: string,
  level: () => string,
  path: string,
  file: string,
  driverName: string,
): Severity {
  const stated =
    securitySeverity(result.properties, () => `${path}.properties.security-severity`, file) ??
    securitySeverity(
      rule?.properties,
      () =>
        `${path} (its rule${typeof rule?.id === 'string' ? ` "${rule.id}"` : ''}).properties.security-severity`,
      file,
    );
  if (stated !== undefined) return stated;
  if (driverName.toLowerCase() === 'dependency-check') {
    const rated = dependencyCheckSeverity(result, rule, path, file);
    if (rated !== undefined) return rated;
  }
  if (driverName.toLowerCase() === 'owasp dependency-track') {
    const rated = dependencyTrackSeverity(result, path, file);
    if (rated !== undefined) return rated;
  }
  // Snyk (before security-severity) and dependency-check name the severity only at the start of the
  // rule's shortDescription ("Critical severity - …") and give a critical and a high the same level.
  const worded = shortDescriptionSeverity(rule);
  // kind open/review: "a human must look" — no level applies (§3.27.9), so the severity is unknown.
  if (kind !== 'fail') return worded ?? 'unknown';
  const byLevel = LEVEL_SEVERITY[level()] ?? 'unknown';
  return worded === undefined ? byLevel : worstSeverity([byLevel, worded]);
}

/** The severity word a rule's shortDescription starts with ("High severity - CVE-…"), if any. */
function shortDescriptionSeverity(rule: JsonObject | undefined): Severity | undefined {
  const short = isJsonObject(rule?.shortDescription) ? rule.shortDescription.text : undefined;
  const stated = typeof short === 'string' ? /^(\w+) severity - /i.exec(short) : null;
  return stated ? ownValue(DEPENDENCY_CHECK_WORDS, stated[1]!.toLowerCase()) : undefined;
}

/** dependency-check's words for a severity without a CVSS score (its ReportTool.normalizeSeverity). */
const DEPENDENCY_CHECK_WORDS: Readonly<Record<string, Severity>> = {
  critical: 'critical',
  high: 'high',
  medium: 'medium',
  moderate: 'medium',
  low: 'low',
  info: 'low',
  informational: 'low',
};

/**
 * The severity OWASP dependency-check gives a result besides its level, which it writes the same for
 * every result ("error" up to 6.x, "warning" since 7): in the result's properties (6.x), else its
 * rule's, an unscored source's `severity` word, else the CVSS v4, v3, then v2 score, as its
 * ReportTool.determineScore ranks them; else the word that starts the rule's shortDescription
 * ("High severity - CVE-…", 7 and later). Undefined when it says none.
 */
function dependencyCheckSeverity(
  result: JsonObject,
  rule: JsonObject | undefined,
  path: string,
  file: string,
): Severity | undefined {
  const bags: Array<[unknown, string]> = [
    [result.properties, `${path}.properties`],
    [rule?.properties, `${path} (its rule${typeof rule?.id === 'string' ? ` "${rule.id}"` : ''}).properties`],
  ];
  for (const [bag, at] of bags) {
    if (!isJsonObject(bag)) continue;
    const word =
      typeof bag.severity === 'string'
        ? ownValue(DEPENDENCY_CHECK_WORDS, bag.severity.toLowerCase())
        : undefined;
    if (word !== undefined) return word;
    for (const key of ['cvssv4_baseScore', 'cvssv3_baseScore', 'cvssv2_score']) {
      const score = cvssScoreAt(bag[key], file, `${at}.${key}`, WHAT);
      if (score !== undefined) return severityFromCvssScore(score);
    }
  }
  return shortDescriptionSeverity(rule);
}

/** Dependency-Track's Severity enum in its order: `severityRank` is the ordinal. */
const DEPENDENCY_TRACK_RANKS: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'low', 'unknown'];

/**
 * The severity OWASP Dependency-Track states for a finding it exports: its template writes level
 * "error" for CRITICAL and HIGH alike, and the severity itself as the result's `severityRank`
 * (0 CRITICAL, 1 HIGH, 2 MEDIUM, 3 LOW, 4 INFO, 5 UNASSIGNED), else its `cvssV3BaseScore`.
 * Undefined when it states neither (both blank).
 */
function dependencyTrackSeverity(result: JsonObject, path: string, file: string): Severity | undefined {
  const bag = result.properties;
  if (!isJsonObject(bag)) return undefined;
  const raw = bag.severityRank;
  if (raw !== undefined && raw !== null && !(typeof raw === 'string' && raw.trim() === '')) {
    const rank = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.trim()) : Number.NaN;
    const severity = Number.isInteger(rank) ? DEPENDENCY_TRACK_RANKS[rank] : undefined;
    if (severity === undefined) {
      throw shapeError(
        file,
        `${path}.properties.severityRank`,
        'a Dependency-Track severity rank from 0 (CRITICAL) to 5 (UNASSIGNED)',
        raw,
        WHAT,
      );
    }
    return severity;
  }
  const score = bag.cvssV3BaseScore;
  if (typeof score === 'string' && score.trim() === '') return undefined;
  const cvss = cvssScoreAt(score, file, `${path}.properties.cvssV3BaseScore`, WHAT);
  return cvss === undefined ? undefined : severityFromCvssScore(cvss);
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
