/**
 * Classification: every difference falls into exactly one class. The contract's `drift.classes`
 * patterns are tried first, class by class in the order written, patterns in order; the first match
 * wins. Then the built-in rules below, in order; then `other`. `explainPath` says which rule
 * decided and why, for `tollgate drift --explain PATH`.
 */
import { strongSecretWordIn } from '../text/secret-detector.js';
import { namePath, wordsOf } from './names.js';
import { compilePathPattern, type PathPattern } from './pointer.js';
import type { DriftClass } from './types.js';

/** The contract's `drift.classes`, compiled when it loads: class → path patterns. */
export type ClassPatterns = Readonly<Partial<Record<DriftClass, readonly PathPattern[]>>>;

/** Compiles `drift.classes` as written (class → pattern texts). */
export function compileClassPatterns(
  classes: Readonly<Partial<Record<DriftClass, readonly string[]>>>,
): ClassPatterns {
  const out: Partial<Record<DriftClass, PathPattern[]>> = {};
  for (const [name, patterns] of Object.entries(classes) as [DriftClass, readonly string[] | undefined][]) {
    if (patterns !== undefined) out[name] = patterns.map(compilePathPattern);
  }
  return out;
}

export interface Classification {
  class: DriftClass;
  /** Stable rule id: `contract:<class>:<pattern>`, `builtin:<rule>` or `default`. */
  rule: string;
  /** Why, in words. */
  reason: string;
}

const SECURITY_KINDS = new Set([
  'Role',
  'ClusterRole',
  'RoleBinding',
  'ClusterRoleBinding',
  'ServiceAccount',
  'NetworkPolicy',
  'GlobalNetworkPolicy',
  'CiliumNetworkPolicy',
  'PodSecurityPolicy',
  'Secret',
  'SealedSecret',
  'ExternalSecret',
  'AuthorizationPolicy',
  'PeerAuthentication',
  'RequestAuthentication',
  'Certificate',
  'Issuer',
  'ClusterIssuer',
  'SecurityContextConstraints',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
]);
const ENDPOINT_KINDS = new Set([
  'Service',
  'Ingress',
  'IngressClass',
  'Gateway',
  'HTTPRoute',
  'GRPCRoute',
  'TCPRoute',
  'VirtualService',
  'DestinationRule',
  'ServiceEntry',
  'Endpoints',
  'EndpointSlice',
]);
const DATA_KINDS = new Set([
  'PersistentVolumeClaim',
  'PersistentVolume',
  'StorageClass',
  'HorizontalPodAutoscaler',
]);

/**
 * Security words besides the secret detector's (src/text/secret-detector.ts: password, secret,
 * token, credential, api key, id_rsa…), which are security too.
 */
const SECURITY_WORDS = new Set([
  'tls',
  'ssl',
  'mtls',
  'cert',
  'certs',
  'certificate',
  'certificates',
  'ca',
  'auth',
  'authn',
  'authz',
  'authentication',
  'authorization',
  'oauth',
  'oauth2',
  'oidc',
  'saml',
  'sso',
  'jwt',
  'jwks',
  'rbac',
  'cors',
  'csrf',
  'csp',
  'iam',
  'acl',
  'acls',
  'permission',
  'permissions',
  'role',
  'roles',
  'privileged',
  'capabilities',
  'security',
  'firewall',
  'allowlist',
  'denylist',
  'whitelist',
  'blacklist',
  'encryption',
  'kms',
]);
/** `key` alone is too common (a cache key); with one of these before it, it is a credential. */
const KEY_QUALIFIERS = new Set([
  'api',
  'private',
  'access',
  'secret',
  'signing',
  'encryption',
  'ssh',
  'client',
  'master',
]);
const SECURITY_CAMEL = [
  'serviceaccount',
  'securitycontext',
  'runasuser',
  'runasnonroot',
  'allowedorigins',
  'networkpolicy',
];

const FLAG_WORDS = new Set([
  'feature',
  'features',
  'flag',
  'flags',
  'toggle',
  'toggles',
  'ff',
  'experiment',
  'experiments',
  'flipper',
]);
const ENDPOINT_LAST_WORDS = new Set([
  'url',
  'urls',
  'uri',
  'uris',
  'host',
  'hosts',
  'hostname',
  'hostnames',
  'port',
  'ports',
  'endpoint',
  'endpoints',
  'address',
  'addresses',
  'addr',
  'dsn',
  'queue',
  'queues',
  'topic',
  'topics',
  'bucket',
  'buckets',
  'database',
  'db',
  'dbname',
  'schema',
  'keyspace',
  'broker',
  'brokers',
  'server',
  'servers',
  'domain',
  'domains',
  'baseurl',
  'upstream',
  'upstreams',
  'exchange',
  'stream',
  'region',
  'cluster',
]);
const ENDPOINT_ANCESTOR_WORDS = new Set([
  'database',
  'db',
  'datasource',
  'kafka',
  'rabbitmq',
  'redis',
  'broker',
  'upstream',
  'upstreams',
  'endpoints',
  's3',
]);
const DATA_WORDS = new Set([
  'replicas',
  'replica',
  'replicacount',
  'partitions',
  'partition',
  'shards',
  'shard',
  'schemaversion',
  'migration',
  'migrations',
  'retention',
  'ttl',
  'size',
  'capacity',
  'storage',
  'volume',
  'volumes',
  'minreplicas',
  'maxreplicas',
  'persistence',
  'dataset',
  'datasets',
  'rows',
  'records',
  'batch',
]);
const DATA_CAMEL = [
  'schemaversion',
  'replicacount',
  'minreplicas',
  'maxreplicas',
  'retentionms',
  'retentiondays',
];

function anyWord(words: string[], set: ReadonlySet<string>): string | undefined {
  return words.find((word) => set.has(word));
}

function securityWord(name: string): string | undefined {
  const words = wordsOf(name);
  const found = strongSecretWordIn(name) ?? anyWord(words, SECURITY_WORDS);
  if (found !== undefined) return found;
  const keyAt = words.indexOf('key');
  if (keyAt > 0 && KEY_QUALIFIERS.has(words[keyAt - 1]!)) return `${words[keyAt - 1]} key`;
  const joined = words.join('');
  return SECURITY_CAMEL.find((word) => joined.includes(word));
}

function dataWord(name: string): string | undefined {
  const words = wordsOf(name);
  const joined = words.join('');
  const whole = DATA_CAMEL.find((word) => joined === word);
  if (whole !== undefined) return whole;
  const last = words[words.length - 1];
  return last !== undefined && DATA_WORDS.has(last) ? last : undefined;
}

/** Classifies one path: contract patterns first, then built-in rules, then `other`. */
export function classifyPath(path: string, classes: ClassPatterns = {}): Classification {
  for (const [name, patterns] of Object.entries(classes) as [DriftClass, readonly PathPattern[]][]) {
    for (const pattern of patterns ?? []) {
      if (pattern.matches(path)) {
        return {
          class: name,
          rule: `contract:${name}:${pattern.text}`,
          reason: `contract drift.classes.${name} pattern "${pattern.text}"`,
        };
      }
    }
  }
  return builtinClass(path);
}

function builtinClass(path: string): Classification {
  const named = namePath(path);
  const leaf = named.leaf;
  if (named.namespace === 'flagd') {
    return {
      class: 'flags',
      rule: 'builtin:flagd',
      reason: 'built-in: every flagd flag definition is a feature flag',
    };
  }
  if (named.kind !== undefined) {
    const kind = named.kind;
    if (SECURITY_KINDS.has(kind))
      return builtin('security', 'k8s-kind', `the Kubernetes kind ${kind} is access or security policy`);
    if (ENDPOINT_KINDS.has(kind))
      return builtin('endpoints', 'k8s-kind', `the Kubernetes kind ${kind} routes traffic to endpoints`);
    if (DATA_KINDS.has(kind))
      return builtin('data', 'k8s-kind', `the Kubernetes kind ${kind} sets data or scale`);
  }
  const leafSecurity = securityWord(leaf);
  if (leafSecurity !== undefined)
    return builtin('security', 'name', `the name "${leaf}" has the security word "${leafSecurity}"`);
  const leafWords = wordsOf(leaf);
  const flagWord = anyWord(leafWords, FLAG_WORDS);
  if (flagWord !== undefined)
    return builtin('flags', 'name', `the name "${leaf}" has the feature-flag word "${flagWord}"`);
  const lastWord = leafWords[leafWords.length - 1];
  const leafData = dataWord(leaf);
  if (leafData !== undefined)
    return builtin('data', 'name', `the name "${leaf}" ends in the data or scale word "${leafData}"`);
  if (lastWord !== undefined && ENDPOINT_LAST_WORDS.has(lastWord)) {
    return builtin('endpoints', 'name', `the name "${leaf}" ends in the endpoint word "${lastWord}"`);
  }
  // The value's own name decided nothing: the nearest ancestor says what it belongs to
  // (`/database/tls/mode` is about TLS, `/database/name` about an endpoint).
  for (let index = named.ancestors.length - 1; index >= 0; index--) {
    const ancestor = named.ancestors[index]!;
    const security = securityWord(ancestor);
    if (security !== undefined)
      return builtin('security', 'parent', `it is under "${ancestor}" (security word "${security}")`);
    const words = wordsOf(ancestor);
    const flag = anyWord(words, FLAG_WORDS);
    if (flag !== undefined)
      return builtin('flags', 'parent', `it is under "${ancestor}" (feature-flag word "${flag}")`);
    const data = dataWord(ancestor);
    if (data !== undefined)
      return builtin('data', 'parent', `it is under "${ancestor}" (data or scale word "${data}")`);
    const endpoint = anyWord(words, ENDPOINT_ANCESTOR_WORDS);
    if (endpoint !== undefined)
      return builtin('endpoints', 'parent', `it is under "${ancestor}" (endpoint word "${endpoint}")`);
  }
  return { class: 'other', rule: 'default', reason: 'no contract pattern and no built-in rule matched' };
}

function builtin(name: DriftClass, rule: string, why: string): Classification {
  return { class: name, rule: `builtin:${name}-${rule}`, reason: `built-in: ${why}` };
}

/** One paragraph for `--explain PATH`: the class, the rule that decided, and the contract patterns tried. */
export function explainPath(path: string, classes: ClassPatterns = {}): string {
  const result = classifyPath(path, classes);
  const tried = Object.values(classes).reduce((count, patterns) => count + (patterns?.length ?? 0), 0);
  const lines = [`${path}`, `  class: ${result.class}`, `  rule:  ${result.reason}`];
  if (!result.rule.startsWith('contract:')) {
    lines.push(
      tried === 0
        ? '  the contract has no drift.classes patterns'
        : `  none of the ${tried} contract drift.classes patterns matched`,
    );
  }
  return lines.join('\n');
}
