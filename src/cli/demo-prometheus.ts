/**
 * The demo's metrics, from a real Prometheus when one is installed. The demo runs on a fixed clock
 * (November 2026), so a live scrape cannot serve it: instead the demo's JSON metrics file is
 * written out as OpenMetrics, turned into TSDB blocks with `promtool tsdb create-blocks-from
 * openmetrics` (Prometheus's own backfill), and a throwaway Prometheus is started on those blocks
 * on a free loopback port. `rollback check` then queries it at the demo's times exactly as it
 * would query a production Prometheus.
 *
 * Each condition's metric name is the selector its query starts with (the demo's queries read
 * recording rules such as `checkout:http_error_ratio:rate5m{image_digest="$digest"}`); labels come
 * from the JSON file's labelled series. Without `prometheus` and `promtool` on PATH, or with
 * TOLLGATE_DEMO_PROMETHEUS=0, the demo uses the JSON file itself.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { readContract } from '../contract/load-contract.js';
import { readJsonMetrics } from '../rollback/json-source.js';

export interface DemoMetrics {
  /** Environment for the demo steps. */
  env: Record<string, string>;
  description: string;
  stop(): Promise<void>;
}

function findBinary(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The OpenMetrics text for every rollback condition of the demo contract that has samples. */
export function demoOpenMetrics(contractFile: string): string | undefined {
  const contract = readContract(contractFile);
  if (!contract.metrics?.file) return undefined;
  const document = readJsonMetrics(resolve(contract.root, contract.metrics.file));
  const families = new Map<string, string[]>();
  for (const stage of Object.values(contract.stages)) {
    for (const condition of stage.rollback?.conditions ?? []) {
      const name = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{|$)/.exec(condition.prometheus)?.[1];
      const series = document.series.get(condition.name);
      if (!name || !series || families.has(name)) continue;
      const lines: string[] = [];
      for (const one of series) {
        const labels = Object.entries(one.labels)
          .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
          .join(',');
        for (const sample of [...one.samples].sort((a, b) => a.at - b.at)) {
          const value = Number.isNaN(sample.value)
            ? 'NaN'
            : sample.value === Infinity
              ? '+Inf'
              : sample.value === -Infinity
                ? '-Inf'
                : String(sample.value);
          lines.push(`${name}${labels ? `{${labels}}` : ''} ${value} ${sample.at / 1000}`);
        }
      }
      families.set(name, lines);
    }
  }
  if (families.size === 0) return undefined;
  let text = '';
  for (const [name, lines] of families) text += `# TYPE ${name} gauge\n${lines.join('\n')}\n`;
  return `${text}# EOF\n`;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function ready(url: string): Promise<boolean> {
  return new Promise((resolveReady) => {
    const request = http.get(`${url}/-/ready`, (response) => {
      response.resume();
      resolveReady(response.statusCode === 200);
    });
    request.on('error', () => resolveReady(false));
    request.setTimeout(1000, () => request.destroy());
  });
}

/**
 * Starts a Prometheus holding the demo's metrics, or returns undefined (the demo then reads the
 * JSON file). Never throws: the demo must run without it.
 */
export async function startDemoPrometheus(
  dir: string,
  print: (text: string) => void,
): Promise<DemoMetrics | undefined> {
  if (process.env.TOLLGATE_DEMO_PROMETHEUS === '0') return undefined;
  const prometheus = findBinary('prometheus');
  const promtool = findBinary('promtool');
  if (!prometheus || !promtool) return undefined;
  const work = mkdtempSync(join(tmpdir(), 'tollgate-demo-prometheus-'));
  let child: ChildProcess | undefined;
  const stop = async () => {
    if (child?.pid !== undefined && child.exitCode === null) {
      const exited = new Promise((done) => child?.once('exit', done));
      process.kill(child.pid, 'SIGTERM');
      await exited;
    }
    rmSync(work, { recursive: true, force: true });
  };
  try {
    const text = demoOpenMetrics(join(dir, 'tollgate.yaml'));
    if (!text) {
      await stop();
      return undefined;
    }
    writeFileSync(join(work, 'metrics.om'), text);
    execFileSync(
      promtool,
      ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', join(work, 'metrics.om'), join(work, 'data')],
      {
        stdio: 'ignore',
      },
    );
    writeFileSync(join(work, 'prometheus.yml'), 'global:\n  scrape_interval: 1m\n');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    child = spawn(
      prometheus,
      [
        `--config.file=${join(work, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(work, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=error',
      ],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 20_000;
    while (!(await ready(url))) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error('Prometheus did not start');
      await new Promise((wait) => setTimeout(wait, 200));
    }
    const description = `a local Prometheus (${url}, pid ${child.pid}) holding the demo's metrics, backfilled with promtool`;
    print(`Rollback conditions read ${description}.\n`);
    return { env: { TOLLGATE_PROMETHEUS_URL: url }, description, stop };
  } catch (error) {
    await stop();
    print(`(no local Prometheus for the demo: ${(error as Error).message}; the JSON metrics file is used)\n`);
    return undefined;
  }
}
