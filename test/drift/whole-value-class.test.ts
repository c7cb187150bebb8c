/**
 * A map or list added, removed or replaced whole is one difference at its top path. Its class must
 * account for what is inside it: `/admin` says nothing, `/admin/rbac/allowAll` is security.
 */
import { describe, expect, it } from 'vitest';
import { compileClassPatterns } from '../../src/drift/classify.js';
import { mergeConfig } from '../../src/drift/merge.js';
import { compilePathPattern } from '../../src/drift/pointer.js';
import { parseConfigBytes } from '../../src/drift/read-config.js';
import { buildDriftReport, compileDriftRequirement } from '../../src/drift/report.js';
import type { ConfigSet } from '../../src/drift/types.js';

const read = (name: string, text: string) =>
  mergeConfig(parseConfigBytes(new TextEncoder().encode(text), name));

function report(upstream: ConfigSet, downstream: ConfigSet, classes = {}) {
  return buildDriftReport({
    upstream: { stage: 'staging', config: upstream },
    downstream: { stage: 'prod', config: downstream },
    classes: compileClassPatterns(classes),
    requirement: compileDriftRequirement({
      budget: { security: 0, other: 3 },
      declared: [{ path: '/admin', class: 'other', reason: 'prod has an admin section' }],
    }),
    now: new Date('2026-12-01T00:00:00Z'),
  });
}

describe('the class of a value added or removed whole', () => {
  const staging = read('staging.yaml', 'app:\n  name: shop\n');

  it('is security when a path inside it is, so security: 0 is over budget', () => {
    const prod = read(
      'prod.yaml',
      'app:\n  name: shop\n  server:\n    tls:\n      verify: false\nadmin:\n  rbac:\n    allowAll: true\n',
    );
    const result = report(staging, prod);
    expect(result.differences.map((d) => [d.path, d.kind, d.class, d.declared])).toEqual([
      ['/app/server', 'added', 'security', false],
      ['/admin', 'added', 'security', false],
    ]);
    // The declaration for class other cannot excuse the security section it would hide.
    expect(result.differences[1]?.note).toContain('is for class other, but this difference is security');
    expect(result.differences[1]?.rule).toBe('builtin:security-name');
    expect(result.over).toBe(true);
    expect(result.classes.find((use) => use.class === 'security')).toMatchObject({
      undeclared: 2,
      over: true,
    });
    // Removing the section again is the same change the other way.
    expect(report(prod, staging).differences.map((d) => d.class)).toEqual(['security', 'security']);
  });

  it('is security for a new Kubernetes workload that runs privileged', () => {
    const base =
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec: {replicas: 1}\n';
    const debug =
      '---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: debug, namespace: shop}\n' +
      'spec:\n  template:\n    spec:\n      containers:\n        - name: shell\n          image: busybox\n          securityContext: {privileged: true}\n';
    const result = report(read('k.yaml', base), read('k.yaml', base + debug));
    expect(result.differences.map((d) => [d.path, d.class])).toEqual([
      ['k8s:Deployment/shop/debug', 'security'],
    ]);
    expect(result.over).toBe(true);
  });

  it('reads a list entry by its name, and a map replaced by a scalar too', () => {
    const upstream = read('a.yaml', 'worker:\n  env: off-peak\n');
    const downstream = read('b.yaml', 'worker:\n  env:\n    - {name: DB_PASSWORD, value: x}\n');
    const [difference] = report(upstream, downstream).differences;
    expect(difference).toMatchObject({
      path: '/worker/env',
      kind: 'changed',
      class: 'security',
      secret: true,
    });
  });

  it('keeps the contract classes: a pattern that covers the contents decides for them', () => {
    const prod = read('prod.yaml', 'app:\n  name: shop\nadmin:\n  rbac:\n    allowAll: true\n');
    expect(
      report(staging, prod, { other: ['/admin/**'] }).differences.map((d) => [d.class, d.declared]),
    ).toEqual([['other', true]]);
    // A pattern naming only the top path does not cover what is inside it.
    expect(report(staging, prod, { other: ['/admin'] }).differences.map((d) => d.class)).toEqual([
      'security',
    ]);
    expect(compilePathPattern('/admin/**').matches('/admin')).toBe(true);
  });

  it('leaves a map of plain settings as other', () => {
    const prod = read('prod.yaml', 'app:\n  name: shop\nbanner:\n  text: hello\n  colour: blue\n');
    expect(report(staging, prod).differences.map((d) => [d.path, d.class])).toEqual([['/banner', 'other']]);
  });
});
