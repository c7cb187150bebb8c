/**
 * flagd flag definitions (https://flagd.dev/reference/flag-definitions/). Each flag becomes
 * `{ state, default?, variants, targeting?, metadata? }` where `default` is the flag's effective
 * default: `variants[defaultVariant]` when the flag is ENABLED, absent (the application's code
 * default) when it is DISABLED or `defaultVariant` is missing or null. Shared targeting rules
 * (`$evaluators`) are written into the targeting of each flag that references them (`{"$ref": x}`),
 * as flagd does when it loads the file; flag-set metadata is kept under `$metadata`.
 */
import { TollgateError } from '../errors.js';
import { setOwn } from '../records.js';
import { type ConfigMap, type ConfigValue, isConfigMap } from './types.js';

export interface FlagdRead {
  flags: ConfigMap;
  stats: { total: number; disabled: number; codeDefault: number };
}

/** True when a parsed document looks like a flagd definition: `flags` holding flag objects with `variants`. */
export function isFlagdDocument(document: ConfigValue): boolean {
  if (!isConfigMap(document)) return false;
  const flags = document.flags;
  const list = Array.isArray(flags) ? flags : isConfigMap(flags) ? Object.values(flags) : undefined;
  if (list === undefined || list.length === 0) return false;
  return list.every((flag) => isConfigMap(flag) && isConfigMap(flag.variants));
}

/** Normalises one parsed flagd document; a malformed flag is CONFIG_INVALID naming the file and flag. */
export function readFlagd(document: ConfigValue, file: string): FlagdRead {
  if (!isConfigMap(document))
    throw invalid(file, 'expected a flagd definition (an object with "flags"), found ' + describe(document));
  const source = document.flags;
  const entries: [string, ConfigValue][] = [];
  if (Array.isArray(source)) {
    source.forEach((flag, index) => {
      const key = isConfigMap(flag) ? flag.key : undefined;
      if (typeof key !== 'string' || key === '')
        throw invalid(file, `flags[${index}]: expected a "key" string in a flag array`);
      entries.push([key, flag]);
    });
  } else if (isConfigMap(source)) {
    entries.push(...Object.entries(source));
  } else {
    throw invalid(file, `expected "flags" to be an object or an array, found ${describe(source)}`);
  }
  const evaluators = document.$evaluators ?? {};
  if (!isConfigMap(evaluators)) {
    throw invalid(file, `expected "$evaluators" to be an object, found ${describe(evaluators)}`);
  }
  const flags: ConfigMap = {};
  const stats = { total: 0, disabled: 0, codeDefault: 0 };
  // Evaluators may refer to evaluators: ten levels that each use the one below twice are 2^10
  // copies, forty are 2^40 (a small file that hung the reader). Bounded like YAML aliases.
  const budget = { left: 1_000_000 + 16 * countNodes(document, 0) };
  const seen = new Set<string>();
  for (const [key, flag] of entries) {
    if (seen.has(key)) throw invalid(file, `flag "${key}" is defined twice`);
    seen.add(key);
    if (!isConfigMap(flag)) throw invalid(file, `flag "${key}": expected an object, found ${describe(flag)}`);
    const { state, variants, defaultVariant } = flag;
    if (state !== 'ENABLED' && state !== 'DISABLED') {
      throw invalid(file, `flag "${key}": expected "state" ENABLED or DISABLED, found ${describe(state)}`);
    }
    if (!isConfigMap(variants) || Object.keys(variants).length === 0) {
      throw invalid(file, `flag "${key}": expected "variants" to be an object with at least one variant`);
    }
    if (defaultVariant !== undefined && defaultVariant !== null && typeof defaultVariant !== 'string') {
      throw invalid(
        file,
        `flag "${key}": expected "defaultVariant" to be a string or null, found ${describe(defaultVariant)}`,
      );
    }
    if (typeof defaultVariant === 'string' && !Object.hasOwn(variants, defaultVariant)) {
      throw invalid(
        file,
        `flag "${key}": defaultVariant "${defaultVariant}" is not one of its variants (${Object.keys(variants).join(', ')})`,
      );
    }
    stats.total++;
    if (state === 'DISABLED') stats.disabled++;
    else if (typeof defaultVariant !== 'string') stats.codeDefault++;
    const normalised: ConfigMap = { state };
    if (state === 'ENABLED' && typeof defaultVariant === 'string')
      normalised.default = variants[defaultVariant]!;
    normalised.variants = variants;
    if (flag.targeting !== undefined)
      normalised.targeting = resolveReferences(flag.targeting, evaluators, file, key, [], budget);
    if (flag.metadata !== undefined) normalised.metadata = flag.metadata;
    setOwn(flags, key, normalised);
  }
  if (document.metadata !== undefined) flags.$metadata = document.metadata;
  return { flags, stats };
}

/**
 * flagd replaces each `"$ref": "name"` in a flag's targeting with the members of the evaluator
 * `name` of the same file when it loads the file (flagd's and the OpenFeature providers'
 * `transposeEvaluators`), so a flag's rules are what is compared. Compared apart, as one shared
 * `$evaluators` map for the whole stage, a later file's evaluators replaced an earlier file's, and
 * a changed rule in the earlier file, which its flags still use, showed as no drift at all.
 * An unknown name is left as written (flagd fails that flag's evaluation; both sides compare alike).
 */
function resolveReferences(
  value: ConfigValue,
  evaluators: ConfigMap,
  file: string,
  flag: string,
  trail: string[],
  budget: { left: number },
): ConfigValue {
  if (--budget.left < 0) {
    throw invalid(
      file,
      `flag "${flag}": its evaluators ($ref) expand to too many values (more than 1,000,000 + 16 × the values in the file); an evaluator bomb is refused`,
    );
  }
  if (Array.isArray(value))
    return value.map((item) => resolveReferences(item, evaluators, file, flag, trail, budget));
  if (!isConfigMap(value)) return value;
  const out: ConfigMap = {};
  for (const [member, item] of Object.entries(value)) {
    if (member === '$ref' && typeof item === 'string' && Object.hasOwn(evaluators, item)) {
      if (trail.includes(item)) {
        throw invalid(
          file,
          `flag "${flag}": evaluator "${item}" refers to itself (${[...trail, item].join(' → ')})`,
        );
      }
      const evaluator = resolveReferences(
        evaluators[item]!,
        evaluators,
        file,
        flag,
        [...trail, item],
        budget,
      );
      if (!isConfigMap(evaluator)) {
        throw invalid(
          file,
          `flag "${flag}": evaluator "${item}" is not an object, found ${describe(evaluator)}`,
        );
      }
      for (const [inner, rule] of Object.entries(evaluator)) setOwn(out, inner, rule);
    } else {
      setOwn(out, member, resolveReferences(item, evaluators, file, flag, trail, budget));
    }
  }
  return out;
}

/** Values in a parsed document (aliases were expanded already, so nothing is shared). */
function countNodes(value: ConfigValue | undefined, depth: number): number {
  if (value === null || typeof value !== 'object' || depth > 1000) return 1;
  let count = 1;
  for (const item of Array.isArray(value) ? value : Object.values(value))
    count += countNodes(item, depth + 1);
  return count;
}

function describe(value: ConfigValue | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return JSON.stringify(value);
}

function invalid(file: string, message: string) {
  return new TollgateError('CONFIG_INVALID', `${file}: invalid flagd definition: ${message}`, {
    position: { file },
  });
}
