import { describe, expect, it } from 'vitest';
import { renderDriftJson, renderDriftMarkdown, renderDriftText } from '../../src/drift/render.js';
import {
  buildDriftReport,
  compileDriftRequirement,
  type DriftDeclarationSpec,
  type DriftRequirement,
  isExpired,
  toQuantity,
} from '../../src/drift/report.js';
import type { ConfigMap, ConfigSet } from '../../src/drift/types.js';

const NOW = new Date('2026-11-26T12:00:00Z');
const set = (plain: ConfigMap, flagd: ConfigMap = {}, k8s: ConfigMap = {}): ConfigSet => ({
  plain,
  flagd,
  k8s,
  sources: [],
});

const staging = set(
  {
    database: { host: 'db.staging.internal', password: 'staging-pw' },
    replicas: 2,
    logLevel: 'debug',
    cache: { host: 'cache' },
  },
  { 'new-checkout': { state: 'ENABLED', default: false, variants: { on: true, off: false } } },
);
const prod = set(
  {
    database: { host: 'db.prod.internal', password: 'prod-pw' },
    replicas: 6,
    logLevel: 'info',
    cache: { host: 'cache' },
  },
  { 'new-checkout': { state: 'ENABLED', default: true, variants: { on: true, off: false } } },
);

/** Builds a report for a `requires.drift` as written, compiled as the contract compiles it. */
function build(
  requirement: { budget?: DriftRequirement['budget']; declared?: DriftDeclarationSpec[] },
  up = staging,
  down = prod,
  now = NOW,
) {
  return buildDriftReport({
    upstream: { stage: 'staging', config: up },
    downstream: { stage: 'prod', config: down },
    requirement: compileDriftRequirement(requirement),
    now,
  });
}

const byPath = (report: ReturnType<typeof build>, path: string) =>
  report.differences.find((d) => d.path === path)!;
const use = (report: ReturnType<typeof build>, name: string) => report.classes.find((c) => c.class === name)!;

describe('budget', () => {
  it('holds each class against a number, declared, any and 0', () => {
    const report = build({
      budget: { flags: 0, endpoints: 'declared', data: 'any', security: 1, other: 0 },
      declared: [{ path: '/database/host', class: 'endpoints', reason: 'each stage has its own database' }],
    });
    expect(use(report, 'flags')).toEqual({
      class: 'flags',
      budget: 0,
      total: 1,
      declared: 0,
      undeclared: 1,
      over: true,
    });
    expect(use(report, 'endpoints')).toMatchObject({ total: 1, declared: 1, undeclared: 0, over: false });
    expect(use(report, 'data')).toMatchObject({ budget: 'any', undeclared: 1, over: false });
    expect(use(report, 'security')).toMatchObject({ budget: 1, undeclared: 1, over: false });
    expect(use(report, 'other')).toMatchObject({ budget: 0, undeclared: 1, over: true });
    expect(report.over).toBe(true);
    expect(byPath(report, '/database/host')).toMatchObject({
      declared: true,
      reason: 'each stage has its own database',
      declaration: 0,
    });
  });

  it('leaves classes the budget does not name unlimited', () => {
    const report = build({ budget: { flags: 1 } });
    expect(report.over).toBe(false);
    expect(use(report, 'other').budget).toBe('any');
  });

  it('flags a declared budget with an undeclared difference as over', () => {
    const report = build({ budget: { data: 'declared' } });
    expect(use(report, 'data')).toMatchObject({ undeclared: 1, over: true });
  });
});

describe('declarations', () => {
  it('lists a declaration that matches no difference as stale', () => {
    const report = build({
      declared: [
        { path: '/queue/name', class: 'endpoints', reason: 'gone' },
        { path: '/workers', class: 'data', reason: 'old' },
      ],
    });
    expect(report.stale.map((s) => s.path)).toEqual(['/queue/name', '/workers']);
  });

  it('treats a declared endpoint difference that is now equal as drift', () => {
    const report = build({
      budget: { endpoints: 'declared' },
      declared: [
        { path: '/database/host', class: 'endpoints', reason: 'each stage has its own database' },
        { path: '/cache/host', class: 'endpoints', reason: 'each stage has its own cache' },
      ],
    });
    const equal = byPath(report, '/cache/host');
    expect(equal).toMatchObject({
      kind: 'equal',
      class: 'endpoints',
      declared: false,
      before: 'cache',
      after: 'cache',
    });
    expect(equal.note).toBe(
      'declared to differ (each stage has its own cache) but equal in staging and prod',
    );
    expect(use(report, 'endpoints')).toMatchObject({ declared: 1, undeclared: 1, over: true });
    expect(report.stale).toEqual([]);
  });

  it('finds equal endpoints through a pattern declaration', () => {
    const report = build({
      declared: [{ path: '/cache/**', class: 'endpoints', reason: 'per-stage cache' }],
    });
    expect(report.differences.filter((d) => d.kind === 'equal').map((d) => d.path)).toEqual(['/cache']);
  });

  it('lets an expired declaration excuse nothing, and says so', () => {
    const report = build({
      budget: { endpoints: 'declared' },
      declared: [{ path: '/database/host', class: 'endpoints', reason: 'migration', until: '2026-11-25' }],
    });
    expect(byPath(report, '/database/host')).toMatchObject({
      declared: false,
      note: 'declaration 1 (migration) expired on 2026-11-25; it no longer excuses anything',
    });
    expect(report.expired).toEqual([
      { index: 0, path: '/database/host', class: 'endpoints', reason: 'migration', until: '2026-11-25' },
    ]);
    expect(use(report, 'endpoints').over).toBe(true);
  });

  it('keeps a date-only expiry valid through that day (UTC)', () => {
    expect(isExpired('2026-11-26', NOW)).toBe(false);
    expect(isExpired('2026-11-26', new Date('2026-11-27T00:00:00Z'))).toBe(true);
    expect(isExpired('2026-11-26T11:00:00Z', NOW)).toBe(true);
  });

  it('does not excuse a difference of another class than declared', () => {
    const report = build({
      declared: [{ path: '/database/password', class: 'endpoints', reason: 'sneaky' }],
    });
    expect(byPath(report, '/database/password')).toMatchObject({
      class: 'security',
      declared: false,
      note: 'declaration 1 (sneaky) is for class endpoints, but this difference is security',
    });
  });

  it('checks a value pattern on the downstream value', () => {
    const ok = build({
      declared: [{ path: '/database/host', class: 'endpoints', reason: 'r', match: '^db\\.prod\\..*$' }],
    });
    expect(byPath(ok, '/database/host').declared).toBe(true);
    const bad = build({
      declared: [
        { path: '/database/host', class: 'endpoints', reason: 'r', match: '\\.staging\\.internal$' },
      ],
    });
    expect(byPath(bad, '/database/host')).toMatchObject({
      declared: false,
      note: 'declaration 1 (r) requires the value to match /\\.staging\\.internal$/; "db.prod.internal" does not',
    });
  });

  it('checks greaterThanUpstream for data, with numbers and Kubernetes quantities', () => {
    expect(
      byPath(
        build({
          declared: [{ path: '/replicas', class: 'data', reason: 'scale', greaterThanUpstream: true }],
        }),
        '/replicas',
      ).declared,
    ).toBe(true);
    const smaller = build(
      { declared: [{ path: '/replicas', class: 'data', reason: 'scale', greaterThanUpstream: true }] },
      prod,
      staging,
    );
    expect(byPath(smaller, '/replicas')).toMatchObject({
      declared: false,
      note: 'declaration 1 (scale) requires a value greater than upstream; 2 vs 6 is not',
    });
    expect(toQuantity('10Gi')).toBe(10 * 2 ** 30);
    expect(toQuantity('500m')).toBe(0.5);
    expect(toQuantity('2')).toBe(2);
    expect(toQuantity('fast')).toBeUndefined();
  });
});

describe('secrets', () => {
  const report = build({ budget: { security: 0 } });
  const texts = [renderDriftText(report), renderDriftMarkdown(report), renderDriftJson(report)];

  it('never keeps or prints a secret-looking value, only changed and a short hash', () => {
    const difference = byPath(report, '/database/password');
    expect(difference.secret).toBe(true);
    expect(difference).not.toHaveProperty('before');
    expect(difference).not.toHaveProperty('after');
    expect(difference.beforeHash).toMatch(/^hmac:[0-9a-f]{12}$/);
    expect(difference.beforeHash).not.toBe(difference.afterHash);
    for (const text of texts) {
      expect(text).not.toContain('staging-pw');
      expect(text).not.toContain('prod-pw');
      expect(text).toContain(difference.afterHash);
    }
  });

  it('hides a secret nested in an added value and a URL with a password', () => {
    const nested = build(
      {},
      set({}),
      set({ auth: { client: { clientSecret: 's3cr3t' } }, dsn: 'postgres://app:hunter2@db/app' }),
    );
    for (const text of [renderDriftText(nested), renderDriftMarkdown(nested), renderDriftJson(nested)]) {
      expect(text).not.toContain('s3cr3t');
      expect(text).not.toContain('hunter2');
    }
    expect(nested.differences.every((d) => d.secret)).toBe(true);
  });

  it('hides values of env entries whose name is secret-looking and of Kubernetes Secrets', () => {
    const env = (value: string) => ({
      spec: { containers: [{ name: 'app', env: [{ name: 'API_TOKEN', value }] }] },
    });
    const secret = (value: string) => ({ kind: 'Secret', stringData: { anything: value } });
    const k8s = build(
      {},
      set({}, {}, { 'Deployment/shop/web': env('tok-1'), 'Secret/shop/s': secret('v1') }),
      set({}, {}, { 'Deployment/shop/web': env('tok-2'), 'Secret/shop/s': secret('v2') }),
    );
    expect(k8s.differences.map((d) => [d.path, d.secret])).toEqual([
      ['k8s:Deployment/shop/web/spec/containers/name=app/env/name=API_TOKEN/value', true],
      ['k8s:Secret/shop/s/stringData/anything', true],
    ]);
    expect(renderDriftJson(k8s)).not.toMatch(/tok-1|tok-2|"v1"|"v2"/);
  });

  it('hides the value of a name/value entry in a list compared by position, and classes it by the name', () => {
    // Two entries named A: no unique identity, so the env list compares by position and the path
    // (/env/2/value) no longer carries the name DB_PASSWORD.
    const env = (password: string, extra: ConfigMap[] = []): ConfigMap => ({
      env: [
        { name: 'A', value: '1' },
        { name: 'A', value: '2' },
        { name: 'DB_PASSWORD', value: password },
        ...extra,
      ],
      vars: [{ key: 'API_TOKEN', value: password }, { value: 'x' }] as ConfigMap[],
    });
    const report = build(
      {},
      set(env('old-pass-1')),
      set(env('new-pass-2', [{ name: 'REDIS_PASSWORD', value: 'added-pass-3' }])),
    );
    expect(report.differences.map((d) => [d.path, d.secret, d.class])).toEqual([
      ['/env/2/value', true, 'security'],
      ['/env/3', true, 'security'],
      ['/vars/0/value', true, 'security'],
    ]);
    for (const text of [renderDriftText(report), renderDriftMarkdown(report), renderDriftJson(report)])
      expect(text).not.toMatch(/old-pass-1|new-pass-2|added-pass-3/);
  });

  it('hides a password given as a command-line option in args or a command', () => {
    const args = (password: string) => ({
      args: [`--db-password=${password}`, `-Dspring.datasource.password=${password}`, '--port=8080'],
    });
    const report = build({}, set(args('old-pass-1')), set(args('new-pass-2')));
    expect(report.differences.map((d) => [d.path, d.secret])).toEqual([
      ['/args/0', true],
      ['/args/1', true],
    ]);
    for (const text of [renderDriftText(report), renderDriftMarkdown(report), renderDriftJson(report)])
      expect(text).not.toMatch(/old-pass-1|new-pass-2/);
    const port = build({}, set({ args: ['--port=8080'] }), set({ args: ['--port=9090'] }));
    expect(port.differences[0]).toMatchObject({
      path: '/args/0',
      before: '--port=8080',
      after: '--port=9090',
    });
  });

  it('hides a password given as an option and its value in two items, or two words of a command', () => {
    const args = (password: string) => ({
      args: ['--port', '8080', '--db-password', password, '-token', `tok-${password}`],
      command: `server --listen :80 --password ${password} --verbose`,
    });
    const report = build({}, set(args('old-pass-1')), set(args('new-pass-2')));
    expect(report.differences.map((d) => [d.path, d.secret])).toEqual([
      ['/args/3', true],
      ['/args/5', true],
      ['/command', true],
    ]);
    for (const text of [renderDriftText(report), renderDriftMarkdown(report), renderDriftJson(report)])
      expect(text).not.toMatch(/old-pass-1|new-pass-2/);
    // The option added downstream only still hides its value; a port after `--port` is shown.
    const added = build(
      {},
      set({ args: ['--port', '8080'] }),
      set({ args: ['--port', '9090', '--password', 'p4ss-9'] }),
    );
    expect(added.differences.map((d) => [d.path, d.secret, d.after])).toEqual([
      ['/args/1', undefined, '9090'],
      ['/args/2', undefined, '--password'],
      ['/args/3', true, undefined],
    ]);
    expect(renderDriftJson(added)).not.toContain('p4ss-9');
  });

  it('hides a password a tool takes by a short option, in a list read as one command or in one string', () => {
    const job = (password: string) => ({
      args: ['mysqldump', '-uroot', `-p${password}`, 'shop'],
      login: ['sshpass', '-p', password, 'ssh', 'deploy@h'],
      command: `redis-cli -h cache -a ${password} ping`,
      ports: ['docker', 'run', '-p', '8080:80'],
    });
    const report = build({}, set(job('old-pass-1')), set(job('new-pass-2')));
    expect(report.differences.map((d) => [d.path, d.secret])).toEqual([
      ['/args/2', true],
      ['/login/2', true],
      ['/command', true],
    ]);
    for (const text of [renderDriftText(report), renderDriftMarkdown(report), renderDriftJson(report)])
      expect(text).not.toMatch(/old-pass-1|new-pass-2/);
    // A published port is not a password: its change is shown.
    const port = build(
      {},
      set({ ports: ['docker', 'run', '-p', '8080:80'] }),
      set({ ports: ['docker', 'run', '-p', '9090:80'] }),
    );
    expect(port.differences[0]).toMatchObject({ path: '/ports/3', before: '8080:80', after: '9090:80' });
  });

  it('masks a secret that stands in a path: a map keyed by a token or by a URL with a password', () => {
    const token = 'ghp_0123456789abcdefghijABCDEFGHIJ012345';
    const keyed = build(
      {},
      set({ ci: { runners: {} }, mirrors: {} }),
      set({
        ci: { runners: { [token]: 'linux' } },
        mirrors: { 'https://bob:hunter2@mirror.example/': 'eu' },
      }),
    );
    expect(keyed.differences.map((d) => d.path)).toEqual([
      '/ci/runners/***',
      '/mirrors/https:~1~1***@mirror.example~1',
    ]);
    for (const text of [renderDriftText(keyed), renderDriftMarkdown(keyed), renderDriftJson(keyed)]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain('hunter2');
    }
  });
});

describe('renderings', () => {
  const report = build({
    budget: { flags: 0, endpoints: 'declared', data: 'declared', security: 0, other: 3 },
    declared: [
      { path: '/database/host', class: 'endpoints', reason: 'each stage has its own database' },
      { path: '/replicas', class: 'data', reason: 'prod runs at full scale' },
      { path: '/old', class: 'other', reason: 'was needed once' },
    ],
  });

  it('prints budget use per class and the differences with their status', () => {
    const text = renderDriftText(report);
    expect(text).toContain('Drift staging → prod: 5 differences, over budget in flags, security');
    expect(text).toContain('flags 1 / 0 — over budget');
    expect(text).toContain('  changed flagd:/new-checkout/default  false → true');
    expect(text).toContain('endpoints 0 / declared — within budget (+1 declared)');
    expect(text).toContain('declared: each stage has its own database');
    expect(text).toContain('security 1 / 0 — over budget');
    expect(text).toContain('other 1 / 3 — within budget');
    expect(text).toContain(
      'Stale declarations (no such difference any more):\n  /old (other): was needed once',
    );
  });

  it('renders Markdown tables with escaped cells and JSON that round-trips', () => {
    const markdown = renderDriftMarkdown(report);
    expect(markdown).toContain('| flags | 1 | 0 | 0 | ❌ over budget |');
    expect(markdown).toContain('| changed | `/replicas` | 2 → 6 | declared: prod runs at full scale |');
    expect(JSON.parse(renderDriftJson(report))).toEqual(JSON.parse(JSON.stringify(report)));
  });
});

describe('promotion snapshot', () => {
  it('keeps the report shape, hashes long values and renders paths and classes without values', async () => {
    const { snapshotDriftReport, renderDriftSnapshotText } = await import('../../src/drift/snapshot.js');
    const long = 'x'.repeat(300);
    const report = build(
      { declared: [{ path: '/replicas', class: 'data', reason: 'scale' }] },
      set({ blob: 'a' }),
      set({ blob: long, replicas: 3 }),
    );
    const snapshot = snapshotDriftReport(report);
    const blob = snapshot.differences.find((d) => d.path === '/blob')!;
    expect(blob.before).toBe('a');
    expect(blob).not.toHaveProperty('after');
    expect(blob.afterHash).toMatch(/^sha256:[0-9a-f]{12}$/);
    expect(report.differences.find((d) => d.path === '/blob')!.after).toBe(long);
    const text = renderDriftSnapshotText({ reports: [snapshot] });
    expect(text).toContain(
      'drift staging → prod at 2026-11-26T12:00:00.000Z: 2 difference(s), within budget',
    );
    expect(text).toContain('  added /replicas [data] declared: scale');
    expect(text).not.toContain('xxxx');
    expect(renderDriftSnapshotText(undefined)).toBe('no drift report stored');
  });
});
