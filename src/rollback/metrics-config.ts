/**
 * Where rollback conditions read their metrics, decided in one place.
 *
 * Order (first that is set wins):
 * 1. `TOLLGATE_PROMETHEUS_URL` — lets CI or an operator point at the Prometheus of the environment
 *    being watched without editing the contract;
 * 2. `TOLLGATE_METRICS_FILE` — a JSON metrics file (relative to the working directory);
 * 3. the contract's `metrics.prometheus.url`;
 * 4. the contract's `metrics.file` (relative to the contract).
 * The bearer token is read from the environment variable named by `metrics.prometheus.tokenEnv`
 * (default `TOLLGATE_PROMETHEUS_TOKEN`); a token never appears in the contract. The URL never
 * comes from a request: the server resolves it from its own environment and contract.
 */
import { isAbsolute, resolve } from 'node:path';
import type { MetricsConfig } from '../contract/requires/rollback.js';
import { maskUrl } from '../text/secret-detector.js';
import type { MetricsSource } from './metrics.js';

export const DEFAULT_TOKEN_ENV = 'TOLLGATE_PROMETHEUS_TOKEN';
export const DEFAULT_TIMEOUT_MS = 10_000;

export type MetricsSourceConfig =
  | {
      kind: 'prometheus';
      url: string;
      from: 'env' | 'contract';
      tokenEnv: string;
      hasToken: boolean;
      timeoutMs: number;
    }
  | {
      kind: 'file';
      path: string;
      from: 'env' | 'contract' /** The path as configured, for people. */;
      shown: string;
    };

/**
 * Resolves the metrics source from the contract's `metrics` section and the environment, or
 * returns undefined when none is configured. `root` is the contract's directory.
 */
export function resolveMetricsSource(
  metrics: MetricsConfig | undefined,
  env: Readonly<Record<string, string | undefined>>,
  root: string,
): MetricsSourceConfig | undefined {
  const tokenEnv = metrics?.prometheus?.tokenEnv ?? DEFAULT_TOKEN_ENV;
  const timeoutMs = metrics?.prometheus?.timeout?.ms ?? DEFAULT_TIMEOUT_MS;
  const prometheus = (url: string, from: 'env' | 'contract'): MetricsSourceConfig => ({
    kind: 'prometheus',
    url,
    from,
    tokenEnv,
    hasToken: Boolean(env[tokenEnv]),
    timeoutMs,
  });
  const envUrl = env.TOLLGATE_PROMETHEUS_URL?.trim();
  if (envUrl) return prometheus(envUrl, 'env');
  const envFile = env.TOLLGATE_METRICS_FILE?.trim();
  if (envFile) return { kind: 'file', path: resolve(envFile), from: 'env', shown: envFile };
  if (metrics?.prometheus?.url) return prometheus(metrics.prometheus.url, 'contract');
  if (metrics?.file) {
    const path = isAbsolute(metrics.file) ? metrics.file : resolve(root, metrics.file);
    return { kind: 'file', path, from: 'contract', shown: metrics.file };
  }
  return undefined;
}

/**
 * Builds the source; the token is read from the environment here and nowhere else. The client
 * modules load on demand, so a `check` that only describes the source never loads node:https.
 */
export async function createMetricsSource(
  config: MetricsSourceConfig,
  env: Readonly<Record<string, string | undefined>>,
): Promise<MetricsSource> {
  if (config.kind === 'file') {
    const { JsonMetricsSource } = await import('./json-source.js');
    return new JsonMetricsSource(config.path, undefined, config.shown);
  }
  const { PrometheusClient } = await import('./prometheus-client.js');
  const token = env[config.tokenEnv];
  return new PrometheusClient({
    url: config.url,
    timeoutMs: config.timeoutMs,
    ...(token ? { bearerToken: token } : {}),
  });
}

/** For decisions and messages: "Prometheus at … (TOLLGATE_PROMETHEUS_URL)". Never shows a token. */
export function describeMetricsSource(config: MetricsSourceConfig): string {
  if (config.kind === 'file') {
    return `metrics file ${config.shown} (${config.from === 'env' ? 'TOLLGATE_METRICS_FILE' : 'metrics.file'})`;
  }
  // Credentials and secret query parameters are masked, even in a URL that does not parse.
  const shown = maskUrl(URL.canParse(config.url) ? new URL(config.url).toString() : config.url);
  const where = config.from === 'env' ? 'TOLLGATE_PROMETHEUS_URL' : 'metrics.prometheus.url';
  return `Prometheus at ${shown.replace(/\/$/, '')} (${where}${config.hasToken ? `, token from ${config.tokenEnv}` : ''})`;
}
