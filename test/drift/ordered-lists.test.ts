/**
 * Lists matched by identity ignore reordering, except lists whose order is their meaning:
 * Kubernetes runs initContainers in order (one must finish before the next starts), and Envoy runs
 * an HTTP connection manager's http_filters in order, the router last: a filter after the router
 * never runs.
 */
import { describe, expect, it } from 'vitest';
import { mergeConfig } from '../../src/drift/merge.js';
import { parseConfigBytes } from '../../src/drift/read-config.js';
import { buildDriftReport, compileDriftRequirement } from '../../src/drift/report.js';

const read = (name: string, text: string) =>
  mergeConfig(parseConfigBytes(new TextEncoder().encode(text), name));

function report(upstream: string, downstream: string) {
  return buildDriftReport({
    upstream: { stage: 'staging', config: read('envoy.yaml', upstream) },
    downstream: { stage: 'prod', config: read('envoy.yaml', downstream) },
    requirement: compileDriftRequirement({ budget: { security: 0, other: 5 } }),
    now: new Date('2026-12-01T00:00:00Z'),
  });
}

const envoy = (filters: string[]) =>
  `listeners:\n  - name: ingress\n    http_filters:\n${filters.map((name) => `      - name: ${name}\n`).join('')}`;

describe('lists whose order is their meaning', () => {
  it('shows Envoy http_filters moved behind the router, as security', () => {
    const jwt = 'envoy.filters.http.jwt_authn';
    const router = 'envoy.filters.http.router';
    const result = report(envoy([jwt, router]), envoy([router, jwt]));
    expect(result.differences.map((d) => [d.path, d.kind, d.class])).toEqual([
      ['/listeners/name=ingress/http_filters', 'changed', 'security'],
    ]);
    expect(result.over).toBe(true);
  });

  it('shows initContainers run in another order', () => {
    const pod = (names: string[]) =>
      `apiVersion: v1\nkind: Pod\nmetadata: {name: app, namespace: shop}\nspec:\n  initContainers:\n${names.map((n) => `    - {name: ${n}, image: busybox}\n`).join('')}`;
    const result = report(pod(['migrate', 'seed']), pod(['seed', 'migrate']));
    expect(result.differences.map((d) => [d.path, d.kind])).toEqual([
      ['k8s:Pod/shop/app/spec/initContainers', 'changed'],
    ]);
  });

  it('still ignores reordering elsewhere, and an item only added to an ordered list', () => {
    const env = (names: string[]) => `env:\n${names.map((n) => `  - {name: ${n}, value: x}\n`).join('')}`;
    expect(report(env(['A', 'B']), env(['B', 'A'])).differences).toEqual([]);
    const added = report(envoy(['a', 'router']), envoy(['a', 'b', 'router']));
    expect(added.differences.map((d) => [d.path, d.kind])).toEqual([
      ['/listeners/name=ingress/http_filters/name=b', 'added'],
    ]);
  });
});
