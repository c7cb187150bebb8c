import { describe, expect, it } from 'vitest';
import { classifyPath, compileClassPatterns, explainPath } from '../../src/drift/classify.js';

describe('built-in classification', () => {
  it.each([
    ['flagd:/new-checkout/default', 'flags', 'builtin:flagd'],
    ['/features/newCheckout', 'flags', 'builtin:flags-parent'],
    ['/env/FEATURE_DARK_MODE', 'flags', 'builtin:flags-name'],
    ['/features/beta/rollout', 'flags', 'builtin:flags-parent'],
    ['/database/host', 'endpoints', 'builtin:endpoints-name'],
    ['/DB_URL', 'endpoints', 'builtin:endpoints-name'],
    ['/payments.api.baseUrl', 'endpoints', 'builtin:endpoints-name'],
    ['/kafka/topic', 'endpoints', 'builtin:endpoints-name'],
    ['/database/name', 'endpoints', 'builtin:endpoints-parent'],
    [
      'k8s:Deployment/shop/web/spec/template/spec/containers/name=app/env/name=ORDERS_QUEUE/value',
      'endpoints',
      'builtin:endpoints-name',
    ],
    ['k8s:Ingress/shop/web/spec/rules/0/http', 'endpoints', 'builtin:endpoints-k8s-kind'],
    ['k8s:Deployment/shop/web/spec/replicas', 'data', 'builtin:data-name'],
    ['/kafka/partitions', 'data', 'builtin:data-name'],
    ['/db/schemaVersion', 'data', 'builtin:data-name'],
    ['/logs/retention', 'data', 'builtin:data-name'],
    ['k8s:PersistentVolumeClaim/shop/data/spec/resources/requests/storage', 'data', 'builtin:data-k8s-kind'],
    ['k8s:Role/shop/reader/rules/0/verbs', 'security', 'builtin:security-k8s-kind'],
    ['k8s:NetworkPolicy.crd.projectcalico.org/shop/deny/spec', 'security', 'builtin:security-k8s-kind'],
    ['/server/tls/minVersion', 'security', 'builtin:security-parent'],
    ['/cors/allowedOrigins', 'security', 'builtin:security-name'],
    ['/cors/maxAge', 'security', 'builtin:security-parent'],
    ['/DB_PASSWORD', 'security', 'builtin:security-name'],
    ['/stripe/apiKey', 'security', 'builtin:security-name'],
    ['k8s:Deployment/shop/web/spec/template/spec/serviceAccountName', 'security', 'builtin:security-name'],
    ['/cache/key', 'other', 'default'],
    ['/logLevel', 'other', 'default'],
    ['k8s:Deployment/shop/web/spec/template/spec/containers/name=app/image', 'other', 'default'],
  ])('%s is %s (%s)', (path, expectedClass, rule) => {
    const result = classifyPath(path);
    expect(result.class).toBe(expectedClass);
    expect(result.rule).toBe(rule);
  });
});

describe('contract drift.classes', () => {
  const classes = compileClassPatterns({
    flags: ['flagd:/**', '/features/**'],
    endpoints: ['**/url', '**/host', '**/*_URL'],
    security: ['k8s:NetworkPolicy/**'],
    data: ['/cache/key'],
  });

  it('wins over the built-ins, first class and pattern first', () => {
    expect(classifyPath('/cache/key', classes)).toMatchObject({
      class: 'data',
      rule: 'contract:data:/cache/key',
    });
    expect(classifyPath('/tls/host', classes)).toMatchObject({
      class: 'endpoints',
      rule: 'contract:endpoints:**/host',
    });
    expect(classifyPath('/DB_PASSWORD', compileClassPatterns({ other: ['/DB_PASSWORD'] }))).toMatchObject({
      class: 'other',
    });
    expect(classifyPath('/cache/key')).toMatchObject({ class: 'other' });
  });

  it('explains which rule decided', () => {
    expect(explainPath('/tls/host', classes)).toBe(
      '/tls/host\n  class: endpoints\n  rule:  contract drift.classes.endpoints pattern "**/host"',
    );
    expect(explainPath('/logLevel', classes)).toBe(
      '/logLevel\n  class: other\n  rule:  no contract pattern and no built-in rule matched\n  none of the 7 contract drift.classes patterns matched',
    );
    expect(explainPath('/DB_PASSWORD')).toContain(
      'built-in: the name "DB_PASSWORD" has the security word "password"',
    );
  });
});
