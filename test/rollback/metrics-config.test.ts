import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { metricsSection } from '../../src/contract/requires/rollback.js';
import {
  createMetricsSource,
  describeMetricsSource,
  resolveMetricsSource,
} from '../../src/rollback/metrics-config.js';

describe('resolveMetricsSource', () => {
  const contract = metricsSection.parse({
    prometheus: { url: 'https://prom.example.com', tokenEnv: 'PROM_TOKEN', timeout: '3s' },
  });

  it('uses the contract, with the token variable and timeout', () => {
    const config = resolveMetricsSource(contract, { PROM_TOKEN: 's3cret' }, '/repo');
    expect(config).toEqual({
      kind: 'prometheus',
      url: 'https://prom.example.com',
      from: 'contract',
      tokenEnv: 'PROM_TOKEN',
      hasToken: true,
      timeoutMs: 3000,
    });
    const text = describeMetricsSource(config!);
    expect(text).toBe(
      'Prometheus at https://prom.example.com (metrics.prometheus.url, token from PROM_TOKEN)',
    );
    expect(text).not.toContain('s3cret');
  });

  it('lets TOLLGATE_PROMETHEUS_URL override the contract, then TOLLGATE_METRICS_FILE', () => {
    expect(
      resolveMetricsSource(contract, { TOLLGATE_PROMETHEUS_URL: 'http://127.0.0.1:9090' }, '/repo'),
    ).toMatchObject({
      url: 'http://127.0.0.1:9090',
      from: 'env',
      tokenEnv: 'PROM_TOKEN',
    });
    expect(resolveMetricsSource(contract, { TOLLGATE_METRICS_FILE: 'm.json' }, '/repo')).toEqual({
      kind: 'file',
      path: resolve('m.json'),
      from: 'env',
      shown: 'm.json',
    });
  });

  it('resolves a contract file against the contract directory; nothing configured is undefined', () => {
    expect(resolveMetricsSource({ file: 'metrics/prod.json' }, {}, '/repo')).toEqual({
      kind: 'file',
      path: '/repo/metrics/prod.json',
      from: 'contract',
      shown: 'metrics/prod.json',
    });
    expect(describeMetricsSource(resolveMetricsSource({ file: 'metrics/prod.json' }, {}, '/repo')!)).toBe(
      'metrics file metrics/prod.json (metrics.file)',
    );
    expect(resolveMetricsSource(undefined, {}, '/repo')).toBeUndefined();
    expect(resolveMetricsSource({ prometheus: { tokenEnv: 'X' } }, {}, '/repo')).toBeUndefined();
  });

  it('hides credentials in the URL and defaults the token variable', async () => {
    const config = resolveMetricsSource(
      undefined,
      { TOLLGATE_PROMETHEUS_URL: 'https://user:pw@prom/' },
      '/r',
    )!;
    expect(config).toMatchObject({
      tokenEnv: 'TOLLGATE_PROMETHEUS_TOKEN',
      hasToken: false,
      timeoutMs: 10_000,
    });
    expect(describeMetricsSource(config)).toBe('Prometheus at https://***@prom (TOLLGATE_PROMETHEUS_URL)');
    expect((await createMetricsSource(config, {})).description).toBe('Prometheus at https://***@prom');
  });
});
