/**
 * Kubernetes manifests. A resource's identity is its apiVersion group, kind, namespace and name;
 * its key reads `Kind/namespace/name` (`-` for no namespace), with `.group` after the kind for
 * groups outside Kubernetes itself (`NetworkPolicy.crd.projectcalico.org/…`) so two kinds of the
 * same name never collide. A version change within one group (autoscaling/v2beta2 → v2) is the
 * same object, as the API server sees it, and shows as a change of `apiVersion`.
 * Fields the cluster writes (`status`, `metadata.managedFields`, `uid`, `resourceVersion`, …) are
 * dropped so exported manifests compare like authored ones.
 */
import { TollgateError } from '../errors.js';
import { setOwn } from '../records.js';
import { type ConfigMap, type ConfigValue, isConfigMap } from './types.js';

// `extensions` held Deployment, DaemonSet, ReplicaSet, Ingress, NetworkPolicy and PodSecurityPolicy
// before they moved to apps, networking.k8s.io and policy under the same kind names: the same objects.
const BUILT_IN_GROUPS = new Set(['', 'apps', 'batch', 'autoscaling', 'policy', 'extensions']);
// A namespace is an RFC 1123 label.
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
// Placeholders of a template that was not rendered: {{ … }}, ${…}, <% … %>.
const PLACEHOLDER = /\{\{|\}\}|\$\{|<%/;
const CLUSTER_FIELDS = [
  'managedFields',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'selfLink',
];
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** True when the document is a Kubernetes object (apiVersion, kind and metadata.name) or a `List` of them. */
export function isK8sDocument(document: ConfigValue): boolean {
  if (!isConfigMap(document) || typeof document.apiVersion !== 'string' || typeof document.kind !== 'string')
    return false;
  if (isListKind(document)) return true;
  return isConfigMap(document.metadata) && typeof document.metadata.name === 'string';
}

/** The key of a resource: `Kind[.group]/namespace/name`. */
export function resourceKey(
  apiVersion: string,
  kind: string,
  namespace: string | undefined,
  name: string,
): string {
  const slash = apiVersion.lastIndexOf('/');
  const group = slash === -1 ? '' : apiVersion.slice(0, slash);
  const qualified = BUILT_IN_GROUPS.has(group) || group.endsWith('.k8s.io') ? kind : `${kind}.${group}`;
  return `${escapeKeyPart(qualified)}/${escapeKeyPart(namespace ?? '-')}/${escapeKeyPart(name)}`;
}

/** Reads the resources of the documents of one file into a map keyed by `resourceKey`. */
export function readK8s(documents: ConfigValue[], file: string): ConfigMap {
  const resources: ConfigMap = {};
  const visit = (document: ConfigValue, where: string) => {
    if (
      !isConfigMap(document) ||
      typeof document.apiVersion !== 'string' ||
      typeof document.kind !== 'string'
    ) {
      throw invalid(file, `${where}: expected a Kubernetes object with apiVersion and kind`);
    }
    if (isListKind(document)) {
      const items = document.items ?? [];
      if (!Array.isArray(items)) throw invalid(file, `${where}: expected "items" to be a list`);
      for (const [index, item] of items.entries()) visit(item, `${where} items[${index}]`);
      return;
    }
    const metadata = document.metadata;
    if (!isConfigMap(metadata) || typeof metadata.name !== 'string' || metadata.name === '') {
      throw invalid(file, `${where} (${document.kind}): expected metadata.name`);
    }
    checkName(metadata.name, `${where} (${document.kind}) metadata.name`, file);
    if (
      metadata.namespace !== undefined &&
      metadata.namespace !== null &&
      typeof metadata.namespace !== 'string'
    ) {
      throw invalid(
        file,
        `${where} (${document.kind} ${metadata.name}): expected metadata.namespace to be text`,
      );
    }
    const namespace =
      typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : undefined;
    if (namespace !== undefined) {
      if (PLACEHOLDER.test(namespace))
        checkName(namespace, `${where} (${document.kind}) metadata.namespace`, file);
      if (!NAMESPACE.test(namespace)) {
        throw invalid(
          file,
          `${where} (${document.kind} ${metadata.name}): metadata.namespace "${namespace}" is not a Kubernetes namespace name (lower-case letters, digits and "-", at most 63)`,
        );
      }
    }
    const key = resourceKey(document.apiVersion, document.kind, namespace, metadata.name);
    if (Object.hasOwn(resources, key)) throw invalid(file, `${where}: ${key} is defined twice in this file`);
    setOwn(resources, key, withoutClusterFields(document));
  };
  for (const [index, document] of documents.entries()) visit(document, `document ${index + 1}`);
  return resources;
}

/**
 * A name every kind accepts: not `.` or `..`, no `/` or `%` (it is a URL path segment), and no
 * placeholder of an unrendered template (`etcd-{{cell}}`), which would compare as a name of its own.
 */
function checkName(name: string, what: string, file: string): void {
  if (PLACEHOLDER.test(name)) {
    throw invalid(
      file,
      `${what} "${name}" holds a template placeholder; render the template first and compare its output`,
    );
  }
  if (name === '.' || name === '..' || /[/%]/.test(name)) {
    throw invalid(
      file,
      `${what} "${name}" is not a Kubernetes name (it may not be "." or ".." or hold "/" or "%")`,
    );
  }
}

function withoutClusterFields(resource: ConfigMap): ConfigMap {
  const { status: _status, ...rest } = resource;
  const metadata = rest.metadata;
  if (isConfigMap(metadata)) {
    const cleaned: ConfigMap = {};
    for (const [key, value] of Object.entries(metadata)) {
      if (CLUSTER_FIELDS.includes(key)) continue;
      if (key === 'annotations' && isConfigMap(value) && Object.hasOwn(value, LAST_APPLIED)) {
        const { [LAST_APPLIED]: _lastApplied, ...annotations } = value;
        if (Object.keys(annotations).length > 0) cleaned.annotations = annotations;
        continue;
      }
      setOwn(cleaned, key, value);
    }
    rest.metadata = cleaned;
  }
  return rest;
}

function isListKind(document: ConfigMap): boolean {
  return typeof document.kind === 'string' && document.kind.endsWith('List') && Array.isArray(document.items);
}

function escapeKeyPart(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

function invalid(file: string, message: string) {
  return new TollgateError('CONFIG_INVALID', `${file}: invalid Kubernetes manifest: ${message}`, {
    position: { file },
  });
}
