/**
 * The dashboard's end-to-end world: a real `tollgate serve` (the built binary) over a real SQLite
 * ledger filled through the CLI, people signing in through a real local OpenID provider
 * (`oidc-provider`), and Debian's Chromium driven by playwright-core. Chromium is a service like
 * PostgreSQL: missing, the tests skip with a message, unless TOLLGATE_REQUIRE_SERVICES=1.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { openStore } from '../../src/app/open-ledger.js';
import type { ChainedEntry } from '../../src/ledger/entry.js';
import { ENTRY } from '../../src/ledger/entry.js';
import { ROOT, runCli, type Served, spawnServe } from '../support/cli.js';
import { type OpenIdProvider, startOpenIdProvider } from '../support/openid-provider.js';
import { startOnFreePort } from '../support/ports.js';
import { serviceAvailable } from '../support/services.js';

const CHROMIUM = '/usr/bin/chromium';

/** True when Chromium can be driven; otherwise skips (or fails under TOLLGATE_REQUIRE_SERVICES=1). */
export function chromiumAvailable(): boolean {
  return serviceAvailable(
    'Chromium',
    existsSync(CHROMIUM),
    `${CHROMIUM} is missing (bash scripts/ci/install-chromium.sh installs Debian's chromium)`,
  );
}

/**
 * Starts Chromium for a test, without its sandbox (which needs privileges a CI container lacks);
 * `args` adds switches. The caller closes it, as {@link withChromium} does.
 */
export function launchChromium(...args: string[]): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', ...args] });
}

/** Runs `use` with a Chromium of its own ({@link launchChromium}), closed afterwards whatever happens. */
export async function withChromium<T>(use: (browser: Browser) => Promise<T>): Promise<T> {
  const browser = await launchChromium();
  try {
    return await use(browser);
  } finally {
    await browser.close();
  }
}

/** Secret values in the stages' config: they must never reach the page or an API answer. */
export const SECRETS = ['s3cr3t-Staging-Db-Passw0rd-7781', 'Pr0d-Db-Passw0rd-Very-Secret-4432'];

export const PEOPLE: Record<string, { email: string; groups: string[] }> = {
  erin: { email: 'erin@example.com', groups: ['release-managers'] },
  dave: { email: 'dave@example.com', groups: ['helpers'] },
  mallory: { email: 'mallory@example.com', groups: ['contractors'] },
};

// A demo pipeline (demo: true) only so the history can be written at past times (TOLLGATE_NOW):
// the rollback chart then has a watch period full of measurements.
const SHOP = `version: 1
pipeline: shop
demo: true
artifact: { type: file }
trust:
  keys: { ci: keys/ci.pub }
  verifier: { id: https://tollgate.example.com/shop, key: keys/verifier.key }
groups:
  release-managers: [erin@example.com, alice@example.com]
metrics:
  file: metrics.json
stages:
  dev:
    purpose: fast feedback
  perf:
    purpose: load tests
    from: dev
    config: [config/staging.yaml]
  staging:
    purpose: release candidates
    from: dev
    config: [config/staging.yaml]
  prod:
    purpose: live traffic
    from: [staging, perf]
    config: [config/prod.yaml]
    rollback:
      within: 1000d
      when:
        - name: error rate
          prometheus: shop_error_ratio
          above: 0.05
          for: 15m
          interval: 5m
    requires:
      approvals: { count: 1, from: [group:release-managers], notBy: [promoter] }
      drift:
        budget: { endpoints: declared, security: any, other: 5, flags: 2, data: any }
        declared:
          - { path: /db/host, class: endpoints, reason: each stage has its own database }
`;

const BILLING = `version: 1
pipeline: billing
artifact: { type: file }
stages:
  dev: { purpose: fast feedback }
`;

export interface World {
  dir: string;
  /** The dashboard's address, known once `startServer` has first run (the port is picked then). */
  readonly url: string;
  /** The OpenID provider's issuer, known once `startServer` has first run. */
  readonly issuer: string;
  /** Runs the CLI on the server's ledger as `actor`, at `at` (default: the real clock). */
  cli(args: string[], actor?: string, at?: Date): Promise<string>;
  /** Registers a build file with a version label; returns its digest. */
  register(version: string, at?: Date): Promise<string>;
  startServer(): Promise<void>;
  stopServer(): Promise<void>;
  dispose(): Promise<void>;
}

/** Builds the world: contracts, config and a ledger to fill; the OpenID provider starts with the server. */
export async function openWorld(): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-dashboard-'));
  const contracts = join(dir, 'contracts');
  const shop = join(contracts, 'shop');
  mkdirSync(join(shop, 'config'), { recursive: true });
  mkdirSync(join(contracts, 'billing'), { recursive: true });
  mkdirSync(join(dir, 'builds'));
  writeFileSync(join(shop, 'tollgate.yaml'), SHOP);
  // The example pipeline's demo keys (evidence signer, VSA verifier) and its unit test report.
  cpSync(join(ROOT, 'examples/checkout/keys'), join(shop, 'keys'), { recursive: true });
  cpSync(join(ROOT, 'examples/checkout/reports/unit.xml'), join(shop, 'unit.xml'));
  writeFileSync(join(contracts, 'billing', 'tollgate.yaml'), BILLING);
  writeFileSync(
    join(shop, 'config/staging.yaml'),
    `db:\n  host: staging-db.internal\n  password: ${SECRETS[0]}\nfeatures:\n  cache: 60\n`,
  );
  writeFileSync(
    join(shop, 'config/prod.yaml'),
    `db:\n  host: prod-db.internal\n  password: ${SECRETS[1]}\nfeatures:\n  cache: 300\n`,
  );

  const data = join(dir, 'data');
  const cli = async (args: string[], actor = 'ci-bot', at?: Date) => {
    const result = await runCli([...args, '--contract', join(shop, 'tollgate.yaml'), '--data-dir', data], {
      cwd: shop,
      env: { TOLLGATE_ACTOR: actor, ...(at ? { TOLLGATE_NOW: at.toISOString() } : {}) },
    });
    if (result.code !== 0 && !args.includes('--allow-blocked'))
      throw new Error(`tollgate ${args.join(' ')} exited ${result.code}: ${result.stderr}${result.stdout}`);
    return result.stdout;
  };
  const register = async (version: string, at?: Date) => {
    const file = join(dir, 'builds', `shop-${version}.txt`);
    writeFileSync(file, `shop ${version}\n`);
    const out = await cli(
      ['register', '--file', file, '--label', `version=${version}`, '--json'],
      'ci-bot',
      at,
    );
    return (JSON.parse(out) as { digest: string }).digest;
  };

  // The dashboard's address is picked when the server first starts, and the OpenID provider and
  // server.yaml are pointed at it; a server that lost that port to another process starts again on
  // another (test/support/ports.ts). Started again later, it keeps its address: pages open in the
  // browser reconnect to it.
  let url: string | undefined;
  let provider: OpenIdProvider | undefined;
  let server: Served | undefined;
  const serve = (at: string) =>
    spawnServe(['--contracts', contracts, '--data-dir', data, '--config', join(dir, 'server.yaml')], {
      cwd: dir,
      listen: at,
      env: { TOLLGATE_OIDC_CLIENT_SECRET: 'tollgate-secret' },
    });
  const startServer = async () => {
    if (url !== undefined) {
      server = await serve(new URL(url).host).ready;
      return;
    }
    let tried = '';
    server = await startOnFreePort(async (port) => {
      tried = `http://127.0.0.1:${port}`;
      await provider?.close();
      provider = await startOpenIdProvider(`${tried}/auth/callback`, PEOPLE);
      writeServerConfig(dir, provider.issuer, tried);
      return serve(`127.0.0.1:${port}`);
    });
    url = tried;
  };
  const stopServer = async () => {
    await server?.stop('SIGTERM');
  };

  return {
    dir,
    get url() {
      if (url === undefined) throw new Error('the dashboard has no address before startServer');
      return url;
    },
    get issuer() {
      if (provider === undefined) throw new Error('the OpenID provider starts with the server');
      return provider.issuer;
    },
    cli,
    register,
    startServer,
    stopServer,
    async dispose() {
      await stopServer();
      await provider?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Writes server.yaml: sign-in at `issuer`, back to the dashboard at `url`, roles by group. */
function writeServerConfig(dir: string, issuer: string, url: string): void {
  writeFileSync(
    join(dir, 'server.yaml'),
    `login:
  issuer: ${issuer}
  clientId: tollgate
  redirectUri: ${url}/auth/callback
  principalClaim: email
  rules:
    - match: { groups: release-managers }
      role: approver
      pipelines: [shop, billing]
    - match: { groups: helpers }
      role: approver
      pipelines: [shop]
    - match: { groups: contractors }
      role: reader
      pipelines: [billing]
`,
  );
}

/** Writes the metrics file the prod rollback condition reads: error ratio of `digest` over the last hour. */
export function writeMetrics(world: World, values: number[]): void {
  const now = Date.now();
  const samples = values.map((value, i) => ({
    at: new Date(now - (values.length - 1 - i) * 5 * 60_000).toISOString(),
    value,
  }));
  writeFileSync(
    join(world.dir, 'contracts/shop/metrics.json'),
    JSON.stringify({ lookback: '10m', series: { 'error rate': [{ labels: {}, samples }] } }),
  );
}

/** Signs `login` in at the provider's page (any password), confirming consent if it asks. */
export async function providerSignIn(world: World, page: Page, login: string): Promise<void> {
  const field = page.locator('input[name="login"]');
  if (await field.count()) {
    await field.fill(login);
    await page.locator('input[name="password"]').fill('any');
    await page.locator('button[type="submit"]').click();
    await page.waitForLoadState('networkidle');
  }
  if (page.url().startsWith(world.issuer) && (await page.locator('button[type="submit"]').count())) {
    await page.locator('button[type="submit"]').click();
  }
}

/** Goes to `hash` (a hash route); signs `login` in through the provider if the page sends us there. */
export async function openSignedIn(world: World, page: Page, hash: string, login = 'erin'): Promise<void> {
  await page.goto(`${world.url}/${hash}`);
  await page.waitForLoadState('networkidle');
  if (page.url().startsWith(world.issuer)) await providerSignIn(world, page, login);
  await page.waitForURL((url) => url.href.startsWith(world.url), { timeout: 30_000 });
}

/** The approval entries recorded for `digests` in `pipeline` (`shop`), read from the server's ledger. */
export async function approvalEntries(
  world: World,
  digests: readonly string[],
  pipeline = 'shop',
): Promise<ChainedEntry[]> {
  const store = await openStore(undefined, join(world.dir, 'data'));
  try {
    const entries: ChainedEntry[] = [];
    for (const digest of digests) entries.push(...(await store.entriesForArtifact(pipeline, digest)));
    return entries.filter((e) => e.kind === ENTRY.approval);
  } finally {
    await store.close();
  }
}
