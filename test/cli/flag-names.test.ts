/**
 * Errors name the flag (or argument) a user typed: the application layer names request fields
 * (`field('image')`) and the CLI shows each as its flag. A field the CLI has no flag for was shown
 * as a bare word (`… or image REGISTRY/REPO:TAG`), and `explain`'s DIGEST argument as `--artifact`.
 * `explain --artifact D`, the way every other command names an artifact, was refused as an unknown
 * option: it is taken, and a malformed one is then named as `--artifact`. A size refusal once told
 * users to raise the limit with `--max-size`, a flag no command has, or with `maxEvidenceBytes`,
 * the library's option: every `--flag` a message names is one of the CLI's, or another tool's.
 */
import { readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { flagOf } from '../../src/cli/flags.js';
import { buildProgram } from '../../src/cli/main.js';
import { fakeDigest, makeWorkspace, ROOT, runCli, THREE_STAGES } from '../support/cli.js';

/** Every `field('NAME')` the sources name in messages. */
function fieldsNamed(): Set<string> {
  const found = new Set<string>();
  const src = join(ROOT, 'src');
  for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const text = readFileSync(join(entry.parentPath, entry.name), 'utf8');
    for (const [, name] of text.matchAll(/\bfield\('([A-Za-z]+)'\)/g)) found.add(name!);
  }
  return found;
}

/** Every long flag of the CLI: the global ones and every command's. */
function cliFlags(): Set<string> {
  // Commander adds these two to every program without listing them as options.
  const found = new Set<string>(['--help', '--version']);
  const walk = (command: Command) => {
    for (const option of command.options) if (option.long !== undefined) found.add(option.long);
    for (const sub of command.commands) walk(sub);
  };
  walk(buildProgram());
  return found;
}

/** Each `--flag` written in a string or template literal of src/ (comments are not read), with where. */
function flagsInStrings(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const src = join(ROOT, 'src');
  for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.tsx?$/.test(entry.name)) continue;
    const path = join(entry.parentPath, entry.name);
    const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node) => {
      if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) {
        for (const [flag] of node.text.matchAll(/(?<![\w-])--[a-z][a-z0-9-]*/g))
          found.set(flag, [...(found.get(flag) ?? []), relative(ROOT, path)]);
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return found;
}

// Flags of other programs that messages tell users to run, or that Tollgate runs itself.
const OTHER_TOOLS = new Set([
  '--format', // trivy --format cyclonedx
  '--scanners', // trivy --scanners vuln
  '--pkg-types', // trivy
  '--vuln-type', // trivy (before 0.37)
  '--vex', // trivy --vex
  '--show-provenance', // gcloud artifacts docker images describe
  '--new-bundle-format', // cosign sign-blob
  '--rerun-fails', // gotestsum
  '--sarif-output-version', // semgrep
  '--user', // curl -u/--user, in the secret detector's names
  '--log', // prometheus --log.level (demo)
  '--storage', // prometheus --storage.tsdb.path (demo)
  '--web', // prometheus --web.listen-address (demo)
  '--quiet', // promtool tsdb create-blocks-from (demo)
  '--snapshot--', // the report page's placeholder comment, <!--snapshot-->
]);

describe('errors name the flag the user typed', () => {
  const dir = makeWorkspace(THREE_STAGES);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has a flag for every request field a message names', () => {
    const fields = fieldsNamed();
    expect(fields.has('artifact') && fields.has('image')).toBe(true);
    expect([...fields].filter((name) => flagOf(name) === undefined)).toEqual([]);
  });

  it('names in its messages no flag the CLI lacks', () => {
    const known = cliFlags();
    const named = flagsInStrings();
    // The scan found the flags messages name (a broken scan must not pass by finding none).
    expect(named.has('--max-evidence-bytes') && named.has('--artifact')).toBe(true);
    const unknown = [...named]
      .filter(([flag]) => !known.has(flag) && !OTHER_TOOLS.has(flag))
      .map(([flag, files]) => `${flag} in ${[...new Set(files)].join(', ')}`);
    expect(unknown).toEqual([]);
  });

  it('names the flag that raises the size limit of attest, and none for sign', async () => {
    const digest = fakeDigest('size-limit');
    expect((await runCli(['register', '--digest', digest], { cwd: dir })).code).toBe(0);
    const statement = join(dir, 'statement.json');
    writeFileSync(
      statement,
      JSON.stringify({
        _type: 'https://in-toto.io/Statement/v1',
        subject: [{ name: 'app', digest: { sha256: digest.slice('sha256:'.length) } }],
        predicateType: 'https://example.com/padding',
        predicate: { padding: 'a'.repeat(3000) },
      }),
    );
    for (const verb of ['statement', 'sbom', 'evidence']) {
      const result = await runCli(
        ['attest', verb, '--artifact', digest, '--max-evidence-bytes', '1K', statement],
        { cwd: dir },
      );
      expect(result.code, verb).toBe(3);
      expect(result.stderr, verb).toContain(
        'over the limit of 1024 bytes; raise the limit (--max-evidence-bytes',
      );
      expect(result.stderr, verb).not.toMatch(/--max-size|maxEvidenceBytes/);
    }
    // A sparse file: its size is refused from the stat, before a byte is read.
    const huge = join(dir, 'huge.json');
    writeFileSync(huge, '');
    truncateSync(huge, 257 * 1024 * 1024);
    writeFileSync(join(dir, 'sign.key'), readFileSync(join(ROOT, 'examples/checkout/keys/ci.key')));
    const signed = await runCli(['sign', '--key', 'sign.key', huge], { cwd: dir });
    expect(signed.code).toBe(3);
    expect(signed.stderr).toContain(
      'huge.json: file is 257.0 MiB (269484032 bytes), over the limit of 256.0 MiB (268435456 bytes); no statement, envelope or bundle is that large',
    );
    rmSync(huge);
  });

  it('names --image in the register usage error', async () => {
    const result = await runCli(['register'], { cwd: dir });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      'register needs exactly one of --file PATH, --digest sha256:… or --image REGISTRY/REPO:TAG',
    );
  });

  it('names the DIGEST argument of explain, not a flag it lacks', async () => {
    const result = await runCli(['explain', 'sha256:abc'], { cwd: dir });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      'tollgate: explain DIGEST "sha256:abc" has 3 hex characters: sha256 needs 64',
    );
    expect(result.stderr).not.toContain('--artifact');
  });

  it('takes the artifact of explain as --artifact too, like the other commands', async () => {
    const digest = fakeDigest('flag-names-explain');
    expect(
      (await runCli(['register', '--digest', digest, '--label', 'version=7.1.0'], { cwd: dir })).code,
    ).toBe(0);
    const byFlag = await runCli(['explain', '--artifact', digest, '--json'], { cwd: dir });
    expect(byFlag.code, byFlag.stderr).toBe(0);
    const byArgument = await runCli(['explain', digest, '--json'], { cwd: dir });
    expect(JSON.parse(byFlag.stdout)).toEqual(JSON.parse(byArgument.stdout));
    expect(byFlag.stdout).toContain('7.1.0');

    const malformed = await runCli(['explain', '--artifact', 'sha256:abc'], { cwd: dir });
    expect(malformed.code).toBe(3);
    expect(malformed.stderr).toContain(
      'tollgate: --artifact "sha256:abc" has 3 hex characters: sha256 needs 64',
    );
    const both = await runCli(['explain', digest, '--artifact', digest], { cwd: dir });
    expect(both.code).toBe(3);
    expect(both.stderr).toContain('explain takes the digest once: as DIGEST or as --artifact, not both');
    const neither = await runCli(['explain'], { cwd: dir });
    expect(neither.code).toBe(3);
    expect(neither.stderr).toContain('explain needs the artifact: tollgate explain sha256:…');
  });
});
