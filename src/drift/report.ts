/**
 * The drift report: classified differences between an upstream and a downstream stage, each marked
 * declared (excused by a contract declaration, with its reason) or undeclared, and every class held
 * against its budget. Pure apart from hashing secret values (with the hasher it is given).
 */

import { secretListItems, secretOptionName } from '../text/secret-detector.js';
import { createSecretHasher, type SecretHasher } from '../text/secret-hash.js';
import { type Classification, type ClassPatterns, classifyPath } from './classify.js';
import { diffConfigs, diffValues, type KeyRule } from './diff.js';
import { lookupPath, pathsMatching } from './lookup.js';
import { compilePathPattern, escapeSegment, type PathPattern } from './pointer.js';
import { isSecretDifference, maskPathSecrets, pairName } from './secrets.js';
import {
  type ConfigSet,
  type ConfigSource,
  type ConfigValue,
  type DifferenceKind,
  DRIFT_CLASSES,
  type DriftClass,
  type RawDifference,
} from './types.js';
import { compileValuePattern, type ValuePattern } from './value-pattern.js';

/** A class budget: at most N undeclared differences, only declared ones, or any number. */
export type BudgetValue = number | 'declared' | 'any';

/** An intentional difference the contract declares (`requires.drift.declared[]`), as written. */
export interface DriftDeclarationSpec {
  /** Path or path pattern. */
  path: string;
  class: DriftClass;
  reason: string;
  /** Expiry: an ISO date (valid through that day, UTC) or date-time. */
  until?: string;
  /**
   * The downstream value (as text) must match this regular expression, run by RE2 (linear time);
   * it must end with `$` (see src/drift/value-pattern.ts).
   */
  match?: string;
  /** The downstream value must be a number (or Kubernetes quantity) greater than the upstream's. */
  greaterThanUpstream?: boolean;
}

/** A declaration compiled when the contract loads: its pattern, expiry and expression ready to use. */
export interface DriftDeclaration extends DriftDeclarationSpec {
  pattern: PathPattern;
  /** `until` as epoch milliseconds: the first instant the declaration no longer holds. */
  expiresAt?: number;
  /** `match`, compiled. */
  matcher?: ValuePattern;
}

/** A stage's `requires.drift`, compiled. Classes missing from `budget` are `any`. */
export interface DriftRequirement {
  budget: Partial<Record<DriftClass, BudgetValue>>;
  declared: DriftDeclaration[];
}

/** Compiles one declaration (the contract's `requires.drift` does this for every one it holds). */
export function compileDeclaration(spec: DriftDeclarationSpec): DriftDeclaration {
  return {
    ...spec,
    pattern: compilePathPattern(spec.path),
    ...(spec.until === undefined ? {} : { expiresAt: expiryOf(spec.until) }),
    ...(spec.match === undefined ? {} : { matcher: compileValuePattern(spec.match) }),
  };
}

/** Compiles a `requires.drift` section as written. */
export function compileDriftRequirement(spec: {
  budget?: Partial<Record<DriftClass, BudgetValue>>;
  declared?: DriftDeclarationSpec[];
}): DriftRequirement {
  return { budget: spec.budget ?? {}, declared: (spec.declared ?? []).map(compileDeclaration) };
}

export interface DriftDifference {
  path: string;
  kind: DifferenceKind;
  class: DriftClass;
  /** The classification rule id (see classify.ts). */
  rule: string;
  before?: ConfigValue;
  after?: ConfigValue;
  /** Set when the values are secret-looking: they are left out and only keyed hashes are kept. */
  secret?: true;
  beforeHash?: string;
  afterHash?: string;
  declared: boolean;
  /** The reason of the declaration that excuses it. */
  reason?: string;
  /** Index into `requires.drift.declared` of the declaration that matched it. */
  declaration?: number;
  /** Why a matching declaration did not excuse it (expired, other class, value constraint, equal). */
  note?: string;
}

export interface ClassUse {
  class: DriftClass;
  budget: BudgetValue;
  total: number;
  declared: number;
  undeclared: number;
  over: boolean;
}

export interface DeclarationNote {
  index: number;
  path: string;
  class: DriftClass;
  reason: string;
  until?: string;
}

export interface DriftReport {
  version: 1;
  upstream: { stage: string; sources: ConfigSource[] };
  downstream: { stage: string; sources: ConfigSource[] };
  generatedAt: string;
  differences: DriftDifference[];
  classes: ClassUse[];
  /** Declarations that matched no difference (and are not equal-endpoint drift): remaining risk. */
  stale: DeclarationNote[];
  /** Declarations past their `until`: they excuse nothing. */
  expired: DeclarationNote[];
  /** True when any class is over its budget. */
  over: boolean;
}

export interface BuildDriftReportInput {
  upstream: { stage: string; config: ConfigSet };
  downstream: { stage: string; config: ConfigSet };
  /** The contract's `drift.classes`. */
  classes?: ClassPatterns;
  /** The contract's `drift.keys`: identity fields for lists at matching paths. */
  keys?: readonly KeyRule[];
  requirement?: DriftRequirement;
  now: Date;
  /**
   * Marks secret values (src/text/secret-hash.ts); one hasher for every report of a run keeps
   * equal secrets equal across them. Default: a hasher with a fresh random key.
   */
  hashSecret?: SecretHasher;
}

/** Diffs, classifies, applies declarations and budgets. */
export function buildDriftReport(input: BuildDriftReportInput): DriftReport {
  const requirement = input.requirement ?? { budget: {}, declared: [] };
  const declarations = requirement.declared;
  const expiredSet = new Set<number>();
  const nowMs = input.now.getTime();
  declarations.forEach((declaration, index) => {
    if (declaration.expiresAt !== undefined && nowMs >= declaration.expiresAt) expiredSet.add(index);
  });
  const used = new Set<number>();
  const hashSecret = input.hashSecret ?? createSecretHasher();
  const configs = [input.upstream.config, input.downstream.config];
  const commandLists = commandListSecrets();
  const raw = diffConfigs(
    input.upstream.config,
    input.downstream.config,
    input.keys === undefined ? {} : { keys: input.keys },
  );
  const differences: DriftDifference[] = raw.map((difference) => {
    const classification = classifyDifference(difference, configs, input.classes);
    const result = withValues(
      {
        path: difference.path,
        kind: difference.kind,
        class: classification.class,
        rule: classification.rule,
        declared: false,
      },
      difference.before,
      difference.after,
      hashSecret,
      configs,
      commandLists,
    );
    declarations.forEach((declaration, index) => {
      if (result.declared || !declaration.pattern.matches(difference.path)) return;
      used.add(index);
      const refusal = refuse(declaration, index, result, difference.before, difference.after, expiredSet);
      if (refusal === undefined) {
        result.declared = true;
        result.reason = declaration.reason;
        result.declaration = index;
        delete result.note;
      } else if (result.note === undefined) {
        result.note = refusal;
        result.declaration = index;
      }
    });
    return result;
  });

  const stale: DeclarationNote[] = [];
  declarations.forEach((declaration, index) => {
    if (used.has(index)) return;
    if (declaration.class === 'endpoints' && !expiredSet.has(index)) {
      const equal = pathsMatching(input.downstream.config, declaration.pattern).filter((path) => {
        const before = lookupPath(input.upstream.config, path);
        const after = lookupPath(input.downstream.config, path);
        return before !== undefined && after !== undefined && diffValues(before, after).length === 0;
      });
      for (const path of equal) {
        const value = lookupPath(input.downstream.config, path)!;
        differences.push(
          withValues(
            {
              path,
              kind: 'equal',
              class: 'endpoints',
              rule: 'declared-to-differ',
              declared: false,
              declaration: index,
              note: `declared to differ (${declaration.reason}) but equal in ${input.upstream.stage} and ${input.downstream.stage}`,
            },
            value,
            value,
            hashSecret,
            configs,
            commandLists,
          ),
        );
      }
      if (equal.length > 0) return;
    }
    stale.push(note(declaration, index));
  });

  const classes = DRIFT_CLASSES.map((name): ClassUse => {
    const budget = requirement.budget?.[name] ?? 'any';
    const inClass = differences.filter((difference) => difference.class === name);
    const declared = inClass.filter((difference) => difference.declared).length;
    const undeclared = inClass.length - declared;
    const over = budget === 'any' ? false : budget === 'declared' ? undeclared > 0 : undeclared > budget;
    return { class: name, budget, total: inClass.length, declared, undeclared, over };
  });

  return {
    version: 1,
    upstream: { stage: input.upstream.stage, sources: input.upstream.config.sources },
    downstream: { stage: input.downstream.stage, sources: input.downstream.config.sources },
    generatedAt: input.now.toISOString(),
    differences,
    classes,
    stale,
    expired: [...expiredSet].map((index) => note(declarations[index]!, index)),
    over: classes.some((use) => use.over),
  };
}

function note(declaration: DriftDeclaration, index: number): DeclarationNote {
  const result: DeclarationNote = {
    index,
    path: declaration.path,
    class: declaration.class,
    reason: declaration.reason,
  };
  if (declaration.until !== undefined) result.until = declaration.until;
  return result;
}

/**
 * The class of a difference. A list item reached by position (`/env/3/value`, `/env/3`) has lost
 * its name from the path, so the built-in rules would put `DB_PASSWORD`'s value in `other`; when
 * only the default rule decided, the path with the item's `name`/`key` (`/env/name=DB_PASSWORD/value`)
 * is classified instead.
 */
function classifyDifference(
  difference: RawDifference,
  configs: readonly ConfigSet[],
  classes: ClassPatterns | undefined,
): Classification {
  const own = classifyByPath(difference, configs, classes);
  const inside = strictestInside(difference, classes);
  return inside !== undefined && SEVERITY[inside.class] < SEVERITY[own.class] ? inside : own;
}

/**
 * The order in which a map or list added, removed or replaced whole is charged: the first class
 * any path inside it falls into. Security first: its budget is the one an attacker wants to pass.
 */
const SEVERITY: Readonly<Record<DriftClass, number>> = {
  security: 0,
  flags: 1,
  endpoints: 2,
  data: 3,
  other: 4,
};

/**
 * A map or list added, removed or replaced whole is one difference at its top path, and that path
 * alone said `other` for `/admin` while `/admin/rbac/allowAll` inside it is security: a new section
 * (or a new privileged Deployment) passed `security: 0` as other drift. Every path inside is
 * classified as the difference would be if it stood there, and the strictest class found is kept,
 * with the path that decided it. List items with a `name` or `key` read `name=x`, as in the diff.
 */
function strictestInside(
  difference: RawDifference,
  classes: ClassPatterns | undefined,
): Classification | undefined {
  let best: (Classification & { at: string }) | undefined;
  const stack: Array<[string, ConfigValue]> = [];
  for (const value of [difference.before, difference.after]) {
    if (value !== null && typeof value === 'object') stack.push([difference.path, value]);
  }
  while (stack.length > 0) {
    const [path, value] = stack.pop()!;
    const children: Array<[string, ConfigValue]> = Array.isArray(value)
      ? value.map((item, index) => {
          const name = pairName(item);
          return [name === undefined ? String(index) : `name=${escapeSegment(name)}`, item];
        })
      : Object.entries(value as Record<string, ConfigValue>).map(([key, item]) => [escapeSegment(key), item]);
    for (const [segment, item] of children) {
      const at = `${path}/${segment}`;
      const found = classifyPath(at, classes);
      if (best === undefined || SEVERITY[found.class] < SEVERITY[best.class]) best = { ...found, at };
      if (best.class === 'security') break;
      if (item !== null && typeof item === 'object') stack.push([at, item]);
    }
    if (best?.class === 'security') break;
  }
  if (best === undefined) return undefined;
  const { at, ...classification } = best;
  return {
    ...classification,
    reason: `${classification.reason} (at ${maskPathSecrets(at)}, inside the value)`,
  };
}

function classifyByPath(
  difference: RawDifference,
  configs: readonly ConfigSet[],
  classes: ClassPatterns | undefined,
): Classification {
  const classification = classifyPath(difference.path, classes);
  if (classification.class !== 'other' || classification.rule.startsWith('contract:')) return classification;
  const path = difference.path;
  const slash = path.lastIndexOf('/');
  const last = path.slice(slash + 1);
  const variants: string[] = [];
  if (last === 'value' && /\/\d+$/.test(path.slice(0, slash))) {
    const item = path.slice(0, slash);
    for (const name of siblingNames(path, configs))
      variants.push(`${item.slice(0, item.lastIndexOf('/'))}/name=${escapeSegment(name)}/value`);
  } else if (slash > 0 && /^\d+$/.test(last)) {
    const name = pairName(difference.after ?? difference.before);
    if (name !== undefined) variants.push(`${path.slice(0, slash)}/name=${escapeSegment(name)}`);
  }
  for (const variant of variants) {
    const named = classifyPath(variant, classes);
    if (named.class !== 'other') return { ...named, reason: `${named.reason} (the list entry's name)` };
  }
  return classification;
}

/**
 * The `name`/`key` beside the `value` of a list item reached by position (`/env/3/value`): the
 * path alone does not say it is `DB_PASSWORD`'s value. For a list item itself (`/args/4`), the
 * secret option standing before it in either config (`--password`, as in `[--password, hunter2]`).
 */
function siblingNames(path: string, configs: readonly ConfigSet[]): string[] {
  const slash = path.lastIndexOf('/');
  if (slash <= 0) return [];
  const index = /^[1-9]\d*$/.test(path.slice(slash + 1)) ? Number(path.slice(slash + 1)) : undefined;
  if (index !== undefined) {
    const options: string[] = [];
    for (const config of configs) {
      const option = secretOptionName(lookupPath(config, `${path.slice(0, slash)}/${index - 1}`));
      if (option !== undefined) options.push(option);
    }
    return options;
  }
  if (path.slice(slash + 1) !== 'value') return [];
  const parent = path.slice(0, slash);
  if (!/\/\d+$/.test(parent)) return [];
  const names: string[] = [];
  for (const config of configs) {
    const name = pairName(lookupPath(config, parent));
    if (name !== undefined) names.push(name);
  }
  return names;
}

/**
 * True when the list item at `path` (`/args/2`) holds a password once its list, in either config,
 * is read as one command line (`[mysql, -uroot, -phunter2]`): the item alone does not say so.
 */
function secretInCommandList(
  path: string,
  configs: readonly ConfigSet[],
  commandLists: CommandListSecrets,
): boolean {
  const slash = path.lastIndexOf('/');
  if (slash < 0 || !/^(?:0|[1-9]\d*)$/.test(path.slice(slash + 1))) return false;
  const index = Number(path.slice(slash + 1));
  return configs.some((config) => {
    const list = lookupPath(config, path.slice(0, slash));
    return Array.isArray(list) && commandLists(list).has(index);
  });
}

/** `secretListItems` of a list, read once per report however many of its items differ. */
type CommandListSecrets = (list: readonly unknown[]) => ReadonlySet<number>;

function commandListSecrets(): CommandListSecrets {
  const known = new Map<readonly unknown[], Set<number>>();
  return (list) => {
    let items = known.get(list);
    if (items === undefined) {
      items = secretListItems(list);
      known.set(list, items);
    }
    return items;
  };
}

function withValues(
  difference: DriftDifference,
  before: ConfigValue | undefined,
  after: ConfigValue | undefined,
  hashSecret: SecretHasher,
  configs: readonly ConfigSet[],
  commandLists: CommandListSecrets,
): DriftDifference {
  const path = difference.path;
  difference.path = maskPathSecrets(difference.path);
  if (
    secretInCommandList(path, configs, commandLists) ||
    isSecretDifference(path, before, after, siblingNames(path, configs))
  ) {
    difference.secret = true;
    if (before !== undefined) difference.beforeHash = hashSecret(before);
    if (after !== undefined) difference.afterHash = hashSecret(after);
    return difference;
  }
  if (before !== undefined) difference.before = before;
  if (after !== undefined) difference.after = after;
  return difference;
}

/** Why a matching declaration does not excuse a difference, or undefined when it does. */
function refuse(
  declaration: DriftDeclaration,
  index: number,
  difference: DriftDifference,
  before: ConfigValue | undefined,
  after: ConfigValue | undefined,
  expired: ReadonlySet<number>,
): string | undefined {
  const label = `declaration ${index + 1} (${declaration.reason})`;
  if (expired.has(index)) return `${label} expired on ${declaration.until}; it no longer excuses anything`;
  if (declaration.class !== difference.class) {
    return `${label} is for class ${declaration.class}, but this difference is ${difference.class}`;
  }
  const shown = difference.secret ? 'the value' : JSON.stringify(after);
  if (declaration.matcher !== undefined) {
    if (after === undefined || after === null || typeof after === 'object') {
      return `${label} requires the value to match /${declaration.match}/, but it is ${after === undefined ? 'removed' : 'not a scalar'}`;
    }
    if (!declaration.matcher.test(String(after))) {
      return `${label} requires the value to match /${declaration.match}/; ${shown} does not`;
    }
  }
  if (declaration.greaterThanUpstream === true) {
    const upstream = toQuantity(before);
    const downstream = toQuantity(after);
    if (upstream === undefined || downstream === undefined) {
      return `${label} requires a number greater than upstream, but the values are not both numbers or quantities`;
    }
    if (!(downstream > upstream)) {
      return `${label} requires a value greater than upstream; ${difference.secret ? 'it' : `${shown} vs ${JSON.stringify(before)}`} is not`;
    }
  }
  return undefined;
}

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$/;
const FACTORS: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** A number, a numeric string, or a Kubernetes quantity (`10Gi`, `500m`) as a number. */
export function toQuantity(value: ConfigValue | undefined): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = QUANTITY.exec(value.trim());
  if (match === null) return undefined;
  return Number(match[1]) * (match[2] === undefined ? 1 : FACTORS[match[2]]!);
}

/** When an `until` stops holding: a date-only `until` is valid through the end of that day (UTC). */
export function expiryOf(until: string): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(until)
    ? Date.parse(`${until}T00:00:00Z`) + 86_400_000
    : Date.parse(until);
}

/** True when `until` has passed at `now`. */
export function isExpired(until: string, now: Date): boolean {
  const end = expiryOf(until);
  return Number.isFinite(end) && now.getTime() >= end;
}
