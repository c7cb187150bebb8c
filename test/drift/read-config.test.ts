import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readStageConfig, splitConfigEntry } from '../../src/drift/read-config.js';

const root = mkdtempSync(join(tmpdir(), 'tollgate-drift-'));
const outside = mkdtempSync(join(tmpdir(), 'tollgate-outside-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

function write(path: string, text: string) {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
}

describe('reading a stage config', () => {
  write('base.yaml', 'db:\n  host: a\n  port: 5432\nlist: [1, 2]\n');
  write('prod.json', '{"db": {"host": "b"}, "list": [3]}');
  write('prod.env', 'LOG_LEVEL=info\n');
  write('app.properties', 'db.pool=10\n');
  write(
    'flags.flagd.yaml',
    'flags:\n  f: {state: ENABLED, variants: {"on": true, "off": false}, defaultVariant: "on"}\n',
  );
  write('deploy.txt', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: "1"}\n');
  write('plain.conf', '{"x": 1}');
  write('odd.conf', 'x = 1');
  cpSync(
    new URL('../fixtures/flagd/samples__example_flags.flagd.json', import.meta.url),
    join(root, 'flags.json'),
  );

  it('merges files later over earlier and reads each format', async () => {
    const set = await readStageConfig(
      ['base.yaml', 'prod.json', 'prod.env', 'app.properties', 'flags.flagd.yaml'],
      { root },
    );
    expect(set.plain).toEqual({
      db: { host: 'b', port: 5432 },
      list: [3],
      LOG_LEVEL: 'info',
      'db.pool': '10',
    });
    expect(set.flagd.f).toMatchObject({ state: 'ENABLED', default: true });
    expect(set.sources.map((s) => [s.file, s.format])).toEqual([
      ['base.yaml', 'yaml'],
      ['prod.json', 'json'],
      ['prod.env', 'env'],
      ['app.properties', 'properties'],
      ['flags.flagd.yaml', 'flagd'],
    ]);
  });

  it('forces a reader with a prefix and sniffs JSON by content', async () => {
    expect(splitConfigEntry('k8s:deploy.txt')).toEqual({ format: 'k8s', file: 'deploy.txt' });
    expect(splitConfigEntry('C:x')).toEqual({ file: 'C:x' });
    const set = await readStageConfig(['k8s:deploy.txt', 'plain.conf', 'flagd:flags.json'], { root });
    expect(Object.keys(set.k8s)).toEqual(['ConfigMap/-/c']);
    expect(set.plain).toEqual({ x: 1 });
    expect(Object.keys(set.flagd)).toContain('myBoolFlag');
  });

  it('reads the files without the thread pool: the set is ready before any I/O callback runs', async () => {
    // `check` reads every config file of two stages; each promise-based read was seven round trips
    // through libuv's thread pool, started for them alone. Only microtasks run in this loop.
    let ready: unknown;
    const reading = readStageConfig(['base.yaml', 'prod.json', 'flags.flagd.yaml'], { root }).then((set) => {
      ready = set;
    });
    for (let turn = 0; turn < 5; turn++) await Promise.resolve();
    expect(ready).toMatchObject({ plain: { db: { host: 'b', port: 5432 } } });
    await reading;
  });

  it('refuses a file whose format it cannot tell', async () => {
    await expect(readStageConfig(['odd.conf'], { root })).rejects.toThrow(
      /odd\.conf: cannot tell the format/,
    );
  });

  it('refuses a path outside the repository root, directly or through a symbolic link', async () => {
    writeFileSync(join(outside, 'secret.yaml'), 'a: 1\n');
    await expect(readStageConfig(['../outside.yaml'], { root })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('../outside.yaml: the path is outside the repository root'),
    });
    await expect(readStageConfig([join(outside, 'secret.yaml')], { root })).rejects.toThrow(
      /outside the repository root/,
    );
    symlinkSync(join(outside, 'secret.yaml'), join(root, 'link.yaml'));
    await expect(readStageConfig(['link.yaml'], { root })).rejects.toThrow(/through a symbolic link/);
  });

  it('reports an unreadable file by name', async () => {
    await expect(readStageConfig(['missing.yaml'], { root })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: 'missing.yaml: cannot read the config file: no such file or directory',
    });
    mkdirSync(join(root, 'dir.yaml'));
    await expect(readStageConfig(['dir.yaml'], { root })).rejects.toThrow(
      'dir.yaml: cannot read the config file: it is a directory',
    );
  });

  it('refuses mixing a map and a scalar at one path across files', async () => {
    write('mixed.env', 'db=x\n');
    await expect(readStageConfig(['base.yaml', 'mixed.env'], { root })).rejects.toThrow(
      'mixed.env: /db is a scalar here but a map in base.yaml',
    );
  });

  it('refuses a file that mixes Kubernetes objects and plain documents', async () => {
    write('mix.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\nreplicas: 2\n');
    await expect(readStageConfig(['mix.yaml'], { root })).rejects.toThrow(
      /1 of 2 documents are Kubernetes objects/,
    );
  });

  it('refuses a .env, .properties or flagd file that holds nothing, as it refuses an empty YAML file', async () => {
    write('empty.env', '# all commented out\n# DB_HOST=db\n\n');
    write('empty.properties', '! nothing here\n');
    write('none.flagd.json', '{"flags": {}}');
    await expect(readStageConfig(['empty.env'], { root })).rejects.toThrow(
      'empty.env: the file holds no assignment (only comments or blank lines): nothing to compare',
    );
    await expect(readStageConfig(['empty.properties'], { root })).rejects.toThrow(
      'empty.properties: the file holds no assignment',
    );
    await expect(readStageConfig(['none.flagd.json'], { root })).rejects.toThrow(
      'none.flagd.json: the flagd definition holds no flag: nothing to compare',
    );
  });
});
