/**
 * The drift model: a stage's configuration read into three namespaces, the classified differences
 * between two stages, and the report held against a budget. See docs/drift.md.
 */

/** The classes a difference can fall into, in report order. */
export const DRIFT_CLASSES = ['flags', 'endpoints', 'data', 'security', 'other'] as const;
export type DriftClass = (typeof DRIFT_CLASSES)[number];

/** A JSON-like value as read from a configuration file. */
export type ConfigValue = null | boolean | number | string | ConfigValue[] | { [key: string]: ConfigValue };
export type ConfigMap = { [key: string]: ConfigValue };

/** True for a map (not a list, a scalar or null). */
export function isConfigMap(value: ConfigValue | undefined): value is ConfigMap {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The formats a configuration file can be read as. */
export type ConfigFormat = 'yaml' | 'json' | 'env' | 'properties' | 'flagd' | 'k8s';

/** What was read from one file, for reports and snapshots. */
export interface ConfigSource {
  /** The path as listed in the contract (without a `format:` prefix). */
  file: string;
  format: ConfigFormat;
  /** `sha256:` of the file's bytes. */
  digest: string;
  /** flagd only: how many flags, how many DISABLED, how many fall back to the code default. */
  flags?: { total: number; disabled: number; codeDefault: number };
  /** k8s only: how many resources. */
  resources?: number;
}

/**
 * One stage's configuration after all its files were read and merged. Paths render as
 * `/a/b` (plain), `flagd:/flagKey/default` and `k8s:Kind/namespace/name/spec/…`.
 */
export interface ConfigSet {
  plain: ConfigMap;
  /** Flag key → normalised flag (`state`, effective `default`, `variants`, `targeting`, `metadata`). */
  flagd: ConfigMap;
  /** `Kind/namespace/name` → resource. */
  k8s: ConfigMap;
  sources: ConfigSource[];
}

export type DifferenceKind = 'added' | 'removed' | 'changed' | 'equal';

/** One difference between an upstream and a downstream value, before classification. */
export interface RawDifference {
  /** JSON Pointer with a namespace prefix; identity-matched list items read `name=x`. */
  path: string;
  kind: Exclude<DifferenceKind, 'equal'>;
  /** The upstream value (absent for `added`). */
  before?: ConfigValue;
  /** The downstream value (absent for `removed`). */
  after?: ConfigValue;
}
