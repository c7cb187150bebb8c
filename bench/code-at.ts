/**
 * Tollgate as it was at an earlier commit, bundled from `git archive` into the bench cache, so a
 * benchmark can measure today's code against the code before a change in the same run, on the same
 * machine, with the same workload: the honest baseline for "no slower than before by more than X".
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BENCH_ROOT } from './bench-util.js';
import { BENCH_BUNDLE } from './esbuild-options.mjs';

/**
 * The last commit before decisions read only verified entries and chain-vouched evidence (issue 12,
 * part 1, 64d5963): no read verification, no evidence-chain check, no Merkle tree, no checkpoints.
 */
export const BEFORE_ISSUE_12 = '8b664d8e9d42619721b00ce8ea7f07b419d60a46';

/** What the benches use of an earlier Tollgate: the same entry points as today's. */
export interface TollgateAt {
  createContext: typeof import('../src/app/context.js').createContext;
  promote: (ctx: unknown, stage: string, digest: string) => Promise<unknown>;
  registerArtifact: (ctx: unknown, options: { digest: string }) => Promise<unknown>;
  renewed: <R>(request: R) => R;
  openSqliteStore: (
    file: string,
    options?: { sliceWorker?: string | false },
  ) => Promise<{
    write: import('../src/ledger/ledger-store.js').LedgerStore['write'];
    verify(pipeline: string): Promise<{ ok: boolean }>;
    close(): Promise<void>;
  }>;
}

/** The entry of a bundle of Tollgate's code, earlier or patched: what {@link TollgateAt} holds. */
const ENTRY = [
  "export { createContext } from './src/app/context.js';",
  "export { promote } from './src/app/promote.js';",
  "export { registerArtifact } from './src/app/register.js';",
  "export { renewed } from './src/app/services.js';",
  "export { openSqliteStore } from './src/ledger/sqlite-store.js';",
].join('\n');

/** Bundles `src/` of `commit` (once; kept in node_modules/.cache) and imports it. */
export async function tollgateAt(commit: string): Promise<TollgateAt> {
  const dir = join(BENCH_ROOT, 'node_modules', '.cache', 'tollgate-bench', `at-${commit.slice(0, 12)}`);
  const bundle = join(dir, 'tollgate-at.mjs');
  if (!existsSync(bundle)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const archive = execFileSync('git', ['-C', BENCH_ROOT, 'archive', '--format=tar', commit, 'src'], {
      maxBuffer: 256 * 1024 * 1024,
    });
    execFileSync('tar', ['-x', '-C', dir], { input: archive });
    // Packages stay external: they resolve from the project's node_modules, as today's code does.
    const { build } = await import('esbuild');
    await build({
      ...BENCH_BUNDLE,
      stdin: { contents: ENTRY, resolveDir: dir, loader: 'ts' },
      outfile: bundle,
    });
  }
  return (await import(pathToFileURL(bundle).href)) as TollgateAt;
}

/** One textual change to a source file of today's code, for a baseline variant; it must apply. */
interface SourcePatch {
  file: string;
  from: string | RegExp;
  to: string;
}

/**
 * Today's promotions without read verification: the same code, bundled with the checks replaced
 * by pass-throughs, so the difference is exactly what verifying costs. Entries are read without
 * their neighbours (no self-joins) and not checked (hash, columns against body, links, no count of
 * the entries from an artifact's first one to the head), the head is
 * appended to unchecked, and evidence rows are used without holding them to the chain. Every patch
 * must find its text: a refactor that moves it fails the bench instead of measuring something else.
 */
export const UNVERIFIED_READS: readonly SourcePatch[] = [
  {
    file: 'src/ledger/sql-ledger-store.ts',
    from: /function linkedEntries\(k: Kysely<Database>\) \{[\s\S]*?\n\}\n/,
    // head_seq null too: the gap count from an artifact's first entry to the head is verification.
    to: "function linkedEntries(k: Kysely<Database>) {\n  return k.selectFrom('ledger_entries as e').selectAll('e').select([sql<null>`null`.as('before_hash'), sql<null>`null`.as('after_prev'), sql<null>`null`.as('head_seq')]);\n}\n",
  },
  {
    file: 'src/ledger/sql-ledger-store.ts',
    from: /function toVerifiedEntry\(row: LinkedEntryRow\): ChainedEntry \{[\s\S]*?\n\}\n/,
    to: 'function toVerifiedEntry(row: LinkedEntryRow): ChainedEntry {\n  return toEntry(row);\n}\n',
  },
  {
    file: 'src/ledger/sql-ledger-store.ts',
    from: /const problem = linkProblem\((\w+)\);\s*if \(problem !== undefined\) throw entryBroken\(pipeline, Number\(\1\.seq\), problem\);/,
    to: '',
  },
  {
    file: 'src/ledger/evidence-chain.ts',
    from: /const checked = checkEvidence\(records, entries\);[\s\S]*?return checked\.records;/,
    to: 'return [...records];',
  },
];

/** Today's `src/` with `patches` applied, bundled (each run: today's code changes) and imported. */
export async function tollgatePatched(name: string, patches: readonly SourcePatch[]): Promise<TollgateAt> {
  const { build } = await import('esbuild');
  const { readFileSync } = await import('node:fs');
  // This checkout's code: its own folder (bench/run.mjs), never another checkout's bundle.
  const dir = join(
    process.env.TOLLGATE_BENCH_CHECKOUT_CACHE ?? join(BENCH_ROOT, 'node_modules', '.cache', 'tollgate-bench'),
    name,
  );
  mkdirSync(dir, { recursive: true });
  const bundle = join(dir, 'tollgate-patched.mjs');
  const applied = new Set<SourcePatch>();
  await build({
    ...BENCH_BUNDLE,
    stdin: { contents: ENTRY, resolveDir: BENCH_ROOT, loader: 'ts' },
    outfile: bundle,
    plugins: [
      {
        name: 'patch-sources',
        setup(b) {
          b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, (args) => {
            const mine = patches.filter((p) => args.path.endsWith(p.file));
            if (mine.length === 0) return undefined;
            let text = readFileSync(args.path, 'utf8');
            for (const patch of mine) {
              const next = text.replace(patch.from, patch.to);
              if (next === text) throw new Error(`bench patch did not apply to ${patch.file}: ${patch.from}`);
              text = next;
              applied.add(patch);
            }
            return { contents: text, loader: 'ts' };
          });
        },
      },
    ],
  });
  if (applied.size !== patches.length)
    throw new Error(`only ${applied.size} of ${patches.length} bench patches applied`);
  return (await import(`${pathToFileURL(bundle).href}?${Date.now()}`)) as TollgateAt;
}
