/**
 * A real Prometheus for tests: finds the `prometheus` binary (Debian package `prometheus`), starts
 * it on a free loopback port with a throwaway data directory and a 1 s scrape interval, scraping a
 * tiny exporter served by the test process whose values the test sets. Both are stopped by their
 * own handles (the Prometheus child by its PID), never by name.
 *
 * When the binary is missing the tests skip with a message, unless TOLLGATE_REQUIRE_SERVICES=1
 * (CI): then they fail (`prometheusForTests`, through the one policy in ./services.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { startOnFreePort } from './ports.js';
import { serviceAvailable } from './services.js';

/**
 * The prometheus binary when it is installed; otherwise undefined after the one service policy
 * (test/support/services.ts) skipped with a message, or failed the run under
 * TOLLGATE_REQUIRE_SERVICES=1.
 */
export function prometheusForTests(): string | undefined {
  const binary = findPrometheus();
  return serviceAvailable(
    'Prometheus',
    binary !== undefined,
    'Prometheus is not installed (apt-get install -y --no-install-recommends prometheus, or scripts/ci/install-prometheus.sh)',
  )
    ? binary
    : undefined;
}

/** Path of the prometheus binary, or undefined when it is not installed. */
export function findPrometheus(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, 'prometheus');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

type Value = number | 'NaN' | '+Inf' | '-Inf';

/**
 * A Prometheus exporter the test controls: gauges set directly, and a request counter pair that
 * grows by `requestsPerScrape` on every scrape with `errorRate` of them counted as code 500.
 */
export class TestExporter {
  readonly gauges = new Map<string, Value>();
  errorRate = 0;
  requestsPerScrape = 100;
  scrapes = 0;
  private okTotal = 0;
  private errorTotal = 0;
  private server: http.Server | undefined;
  port = 0;

  /** Sets `name{labels}` to `value`; `undefined` removes the series (no data). */
  set(name: string, labels: Record<string, string>, value: Value | undefined): void {
    const key = `${name}${formatLabels(labels)}`;
    if (value === undefined) this.gauges.delete(key);
    else this.gauges.set(key, value);
  }

  async start(): Promise<void> {
    this.server = http.createServer((request, response) => {
      if (request.url !== '/metrics') {
        response.writeHead(404).end();
        return;
      }
      this.scrapes += 1;
      const errors = Math.round(this.requestsPerScrape * this.errorRate);
      this.errorTotal += errors;
      this.okTotal += this.requestsPerScrape - errors;
      const lines = [
        '# TYPE tollgate_test_http_requests_total counter',
        `tollgate_test_http_requests_total{code="200"} ${this.okTotal}`,
        `tollgate_test_http_requests_total{code="500"} ${this.errorTotal}`,
      ];
      const typed = new Set<string>();
      for (const [key, value] of this.gauges) {
        const name = key.replace(/\{.*$/, '');
        if (!typed.has(name)) lines.push(`# TYPE ${name} gauge`);
        typed.add(name);
        lines.push(`${key} ${value}`);
      }
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`${lines.join('\n')}\n`);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function formatLabels(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
}

export interface PrometheusServer {
  url: string;
  pid: number;
  exporter: TestExporter;
  /** Stops Prometheus (by PID) but keeps the exporter; idempotent. */
  stopPrometheus(): Promise<void>;
  /** Stops both and removes the data directory; idempotent. */
  stop(): Promise<void>;
}

export interface StartPrometheusOptions {
  binary: string;
  /** Default 1s. */
  scrapeInterval?: string;
  /** Default 30 s: how long to wait for Prometheus to answer and see the exporter. */
  readyTimeoutMs?: number;
}

/** Starts an exporter and a Prometheus scraping it; resolves once Prometheus has scraped it. */
export async function startPrometheus(options: StartPrometheusOptions): Promise<PrometheusServer> {
  const exporter = new TestExporter();
  await exporter.start();
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  const interval = options.scrapeInterval ?? '1s';
  writeFileSync(
    config,
    [
      'global:',
      `  scrape_interval: ${interval}`,
      `  evaluation_interval: ${interval}`,
      'scrape_configs:',
      '  - job_name: tollgate-test',
      `    scrape_interval: ${interval}`,
      `    scrape_timeout: ${interval}`,
      '    static_configs:',
      `      - targets: ['127.0.0.1:${exporter.port}']`,
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  let stderr = '';
  let running = true;
  const stopPrometheus = async () => {
    if (!running) return;
    running = false;
    const current = child;
    if (current && current.exitCode === null && current.signalCode === null && current.pid !== undefined) {
      const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
      process.kill(current.pid, 'SIGTERM');
      const timer = setTimeout(
        () => current.pid !== undefined && current.exitCode === null && process.kill(current.pid, 'SIGKILL'),
        10_000,
      );
      await exited;
      clearTimeout(timer);
    }
  };
  const stop = async () => {
    await stopPrometheus();
    await exporter.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  try {
    // The port is free when asked and bound a moment later: a Prometheus that lost it to another
    // process starts again on another port.
    return await startOnFreePort((port) => {
      const url = `http://127.0.0.1:${port}`;
      const started: ChildProcess = spawn(
        options.binary,
        [
          `--config.file=${config}`,
          `--storage.tsdb.path=${join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--log.level=warn',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      child = started;
      stderr = '';
      started.stderr?.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-4000);
      });
      const ready = async (): Promise<PrometheusServer> => {
        for (;;) {
          if (started.exitCode !== null)
            throw new Error(`prometheus exited with ${started.exitCode}: ${stderr}`);
          if (Date.now() > deadline)
            throw new Error(`prometheus did not scrape the exporter in time: ${stderr}`);
          const up = await instantValue(url, 'up{job="tollgate-test"}').catch(() => undefined);
          if (up === '1') return { url, pid: started.pid as number, exporter, stopPrometheus, stop };
          await sleep(200);
        }
      };
      return { child: started, ready: ready() };
    });
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The first sample value of an instant query, as Prometheus wrote it; undefined for no data. */
export async function instantValue(url: string, query: string): Promise<string | undefined> {
  const body = await new Promise<string>((resolve, reject) => {
    const request = http.get(`${url}/api/v1/query?query=${encodeURIComponent(query)}`, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () => resolve(text));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.setTimeout(2000, () => request.destroy(new Error('timeout')));
  });
  const parsed = JSON.parse(body) as { data?: { result?: { value?: [number, string] }[] } };
  return parsed.data?.result?.[0]?.value?.[1];
}

/** Polls `probe` every `everyMs` until it returns a value, or throws after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
