/**
 * SARIF 2.1.0 rule and notification metadata: finding the reportingDescriptor a result or a
 * notification refers to (§3.52.3, §3.54.2) and the level it takes when it states none (§3.27.10,
 * §3.58.6, §3.19.5). Kept apart from the log walk in sarif-parser.ts: these are the spec's lookup
 * rules, that file is what Tollgate counts.
 */
import { isJsonObject } from '../text/json-text.js';
import type { JsonObject } from './json-input.js';

/** The two descriptor arrays of a toolComponent (§3.19.23, §3.19.24). */
export type DescriptorKind = 'rules' | 'notifications';

/** A reference that does not resolve: the caller decides whether that is an error. */
export class UnresolvedReference {
  constructor(
    /** What was looked for, in words: `tool.extensions[2]`, `tool.driver.rules[5]`. */
    readonly missing: string,
    /** What is there instead: `the run has 2 extension(s)`. */
    readonly found: string,
  ) {}
}

/** The tool of one run: its driver and extensions, with id indexes built on first use. */
export class SarifTool {
  private readonly byId = new Map<string, Map<string, JsonObject>>();

  constructor(
    readonly driver: JsonObject,
    readonly extensions: readonly unknown[],
  ) {}

  /**
   * The toolComponent a toolComponentReference names (§3.54.2): `index` into `tool.extensions`,
   * else the driver or extension with that `guid`, else the driver.
   */
  component(reference: unknown): { component: JsonObject; path: string } | UnresolvedReference {
    if (!isJsonObject(reference)) return { component: this.driver, path: 'tool.driver' };
    if (typeof reference.index === 'number' && reference.index >= 0) {
      const extension = this.extensions[reference.index];
      if (isJsonObject(extension)) {
        return { component: extension, path: `tool.extensions[${reference.index}]` };
      }
      return new UnresolvedReference(
        `tool.extensions[${reference.index}]`,
        `the run has ${this.extensions.length} extension(s)`,
      );
    }
    if (typeof reference.guid === 'string') {
      const guid = reference.guid.toLowerCase();
      if (sameGuid(this.driver.guid, guid)) return { component: this.driver, path: 'tool.driver' };
      const index = this.extensions.findIndex((e) => isJsonObject(e) && sameGuid(e.guid, guid));
      if (index !== -1) {
        return { component: this.extensions[index] as JsonObject, path: `tool.extensions[${index}]` };
      }
      return new UnresolvedReference(
        `a tool component with guid ${reference.guid}`,
        'neither the driver nor any extension has it',
      );
    }
    return { component: this.driver, path: 'tool.driver' };
  }

  /**
   * The descriptor a reportingDescriptorReference names (§3.52.3): by `index` (defaulting to
   * `defaults.index`, a result's `ruleIndex`) or `guid` within its toolComponent; failing both, by
   * `id` (defaulting to `defaults.id`, a result's `ruleId`). `id` takes no part in the spec's lookup,
   * but most tools write only `ruleId`; it matches a descriptor's id exactly or with one extra
   * hierarchical component (§3.52.4: `CA5350/md5` is rule `CA5350`). With no toolComponent named,
   * an id not defined by the driver is looked for in the extensions, so a rule's configured level is
   * not lost to the `warning` default when a tool omits the reference.
   * Returns undefined when the reference names no descriptor at all (an id with no metadata).
   */
  descriptor(
    reference: JsonObject | undefined,
    kind: DescriptorKind,
    defaults: { index?: unknown; id?: unknown } = {},
  ): JsonObject | UnresolvedReference | undefined {
    const ref = reference ?? {};
    const found = this.component(ref.toolComponent);
    if (found instanceof UnresolvedReference) return found;
    const { component, path } = found;
    const descriptors = Array.isArray(component[kind]) ? (component[kind] as unknown[]) : [];
    const index = typeof ref.index === 'number' ? ref.index : defaults.index;
    // -1 is an array index "not set" (§3.7.4): look further, by guid or id.
    if (typeof index === 'number' && index >= 0) {
      const descriptor = descriptors[index];
      if (isJsonObject(descriptor)) return descriptor;
      return new UnresolvedReference(
        `${path}.${kind}[${index}]`,
        `${path} has ${descriptors.length} ${kind}`,
      );
    }
    if (typeof ref.guid === 'string') {
      const guid = ref.guid.toLowerCase();
      const descriptor = descriptors.find((d) => isJsonObject(d) && sameGuid(d.guid, guid));
      if (isJsonObject(descriptor)) return descriptor;
    }
    const id = typeof ref.id === 'string' ? ref.id : defaults.id;
    if (typeof id !== 'string') return undefined;
    const own = this.byIdIn(component, kind, id);
    if (own || isJsonObject(ref.toolComponent)) return own;
    for (const extension of this.extensions) {
      if (!isJsonObject(extension)) continue;
      const descriptor = this.byIdIn(extension, kind, id);
      if (descriptor) return descriptor;
    }
    return undefined;
  }

  private byIdIn(component: JsonObject, kind: DescriptorKind, id: string): JsonObject | undefined {
    const key = `${kind}\u0000${this.extensions.indexOf(component)}`;
    let index = this.byId.get(key);
    if (index === undefined) {
      index = new Map();
      const descriptors = Array.isArray(component[kind]) ? (component[kind] as unknown[]) : [];
      for (const descriptor of descriptors) {
        // The first descriptor of an id wins; §3.52.5 allows duplicates only when index is given.
        if (isJsonObject(descriptor) && typeof descriptor.id === 'string' && !index.has(descriptor.id)) {
          index.set(descriptor.id, descriptor);
        }
      }
      this.byId.set(key, index);
    }
    const exact = index.get(id);
    if (exact) return exact;
    const slash = id.lastIndexOf('/');
    return slash > 0 ? index.get(id.slice(0, slash)) : undefined;
  }
}

function sameGuid(value: unknown, lowerGuid: string): boolean {
  return typeof value === 'string' && value.toLowerCase() === lowerGuid;
}

/** A level string of a configuration object, when it is one. */
function configuredLevel(configuration: unknown): string | undefined {
  return isJsonObject(configuration) && typeof configuration.level === 'string'
    ? configuration.level
    : undefined;
}

/** `defaultConfiguration.level` of a descriptor (§3.49.14, §3.50.3). */
export function defaultLevel(descriptor: JsonObject | undefined): string | undefined {
  return descriptor ? configuredLevel(descriptor.defaultConfiguration) : undefined;
}

/**
 * The level an invocation's configuration overrides give a descriptor (§3.20.5, §3.20.6, §3.51):
 * the override whose `descriptor` reference resolves to the same descriptor object.
 */
export function overriddenLevel(
  tool: SarifTool,
  invocation: JsonObject | undefined,
  descriptor: JsonObject | undefined,
  kind: DescriptorKind,
): string | undefined {
  if (!invocation || !descriptor) return undefined;
  const overrides =
    invocation[kind === 'rules' ? 'ruleConfigurationOverrides' : 'notificationConfigurationOverrides'];
  if (!Array.isArray(overrides)) return undefined;
  for (const override of overrides) {
    if (!isJsonObject(override) || !isJsonObject(override.descriptor)) continue;
    if (tool.descriptor(override.descriptor, kind) !== descriptor) continue;
    const level = configuredLevel(override.configuration);
    if (level !== undefined) return level;
  }
  return undefined;
}

/**
 * The levels the run's policies give a rule (§3.14.10, §3.19.5): each policy whose
 * `associatedComponent` is the rule's component and which configures a rule of the same id (or
 * guid). A consumer "MAY" apply a selected policy; Tollgate selects none, and the caller takes the
 * worst of the tool's level and these, so a policy in the log can raise a level but never hide one.
 */
export function policyLevels(tool: SarifTool, policies: readonly unknown[], rule: JsonObject): string[] {
  const levels: string[] = [];
  for (const policy of policies) {
    if (!isJsonObject(policy) || !Array.isArray(policy.rules)) continue;
    const associated = tool.component(policy.associatedComponent);
    if (associated instanceof UnresolvedReference || !componentDefines(associated.component, rule)) continue;
    for (const entry of policy.rules) {
      if (!isJsonObject(entry)) continue;
      const same =
        (typeof entry.id === 'string' && entry.id === rule.id) ||
        (typeof entry.guid === 'string' && sameGuid(rule.guid, entry.guid.toLowerCase()));
      const level = same ? defaultLevel(entry) : undefined;
      if (level !== undefined) levels.push(level);
    }
  }
  return levels;
}

function componentDefines(component: JsonObject, rule: JsonObject): boolean {
  return Array.isArray(component.rules) && component.rules.includes(rule);
}
