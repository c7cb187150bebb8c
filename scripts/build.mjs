// Builds the CLI's bundles (dist/tollgate.cjs, the shell, and dist/core.cjs, loaded on demand), the
// server's, the verify worker's and the library's, and the contract's JSON Schema.
// better-sqlite3 stays external: it is a native addon loaded from node_modules.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { libraryOptions } from './bundle/library-options.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

// CommonJS so bin/tollgate.cjs can compile the CLI with vm.Script and V8's code cache (Node 20 has
// no module compile cache); dynamic imports inside a bundle stay lazy.
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['better-sqlite3', 'pg-native'],
  minify: process.env.TOLLGATE_BUILD_DEBUG !== '1',
  legalComments: 'none',
  logLevel: 'warning',
};

// The CLI is two bundles. The shell (dist/tollgate.cjs) holds commander, the command table and
// the top-level catch: all `tollgate --version` or `--help` needs. Everything a command's action
// imports when it runs (`await import(…)` in src/cli: the application layer, the contract loader,
// the ledger, the reports…) goes to the core (dist/core.cjs), which the shell loads on first use
// through bin/tollgate.cjs (with its own V8 code cache). Each dynamic import becomes a lookup of
// that module's namespace in the core.
// commander requires node:child_process at load only to spawn executable subcommands, which
// Tollgate has none of: loading it cost every command (`--version` too) 5–7 ms. The shell gets a
// stand-in that requires it on first use.
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      args.importer.includes(`${join('node_modules', 'commander')}`)
        ? { path: 'child_process', namespace: 'lazy-child-process' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-child-process' }, () => ({
      contents: `for (const name of ['spawn', 'execFile', 'fork', 'exec'])
  Object.defineProperty(exports, name, { enumerable: true, get: () => require('node:child_process')[name] });`,
      loader: 'js',
    }));
  },
};
// zod's classic API re-exports every error-message locale (`z.locales`, 260 KB minified, half the
// zod in the core), and Tollgate uses none of them: zod registers English by itself, from
// locales/en.js, which stays. Dropping them keeps the core bundle, and its code cache, smaller.
// The same for `z.fromJSONSchema` (JSON Schema to zod; Tollgate only goes the other way, with
// `toJSONSchema`): its module's top level spreads zod's whole schema and check namespaces into an
// object, which ran on every command that loads the contract. Calling it from the core throws.
const noZodLocales = {
  name: 'no-zod-locales',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${join('node_modules', 'zod')}`)
        ? { path: 'zod-locales', namespace: 'no-zod-locales' }
        : undefined,
    );
    b.onLoad({ filter: /^zod-locales$/, namespace: 'no-zod-locales' }, () => ({
      contents: 'export {};',
      loader: 'js',
    }));
    b.onResolve({ filter: /^\.\/from-json-schema\.js$/ }, (args) =>
      args.importer.includes(`${join('node_modules', 'zod')}`)
        ? { path: 'zod-from-json-schema', namespace: 'no-zod-locales' }
        : undefined,
    );
    b.onLoad({ filter: /^zod-from-json-schema$/, namespace: 'no-zod-locales' }, () => ({
      contents:
        "export function fromJSONSchema() { throw new Error('z.fromJSONSchema is not in the Tollgate CLI bundle (scripts/build.mjs)'); }",
      loader: 'js',
    }));
  },
};

// The core bundle carries better-sqlite3's JavaScript (scripts/bundle/better-sqlite3.mjs); the
// package's `bindings` finds the addon from the calling file's path, which would be the bundle's:
// this stand-in loads it from the installed package instead, build/Release first (where its
// install and `npm rebuild` put it), then `bindings`' own search rooted at the package.
const betterSqlite3Addon = {
  name: 'better-sqlite3-addon',
  setup(b) {
    b.onResolve({ filter: /^bindings$/ }, (args) =>
      args.importer.includes(`${join('node_modules', 'better-sqlite3')}`)
        ? { path: 'bindings', namespace: 'better-sqlite3-addon' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'better-sqlite3-addon' }, () => ({
      contents: `const { createRequire } = require('node:module');
const { dirname, join } = require('node:path');
module.exports = function bindings(name) {
  const installed = 'better-sqlite3';
  const root = dirname(dirname(require.resolve(installed)));
  const fromPackage = createRequire(join(root, 'package.json'));
  try {
    return fromPackage(join(root, 'build', 'Release', name));
  } catch (error) {
    if (error?.code !== 'MODULE_NOT_FOUND') throw error;
    return fromPackage('bindings')({ bindings: name, module_root: root });
  }
};`,
      loader: 'js',
    }));
  },
};

const bundleBanner = "const __tollgateBundleUrl = require('node:url').pathToFileURL(__filename).href;";
const coreModules = new Map(); // key → absolute source path or package name
const toCore = {
  name: 'tollgate-core',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind !== 'dynamic-import' || args.namespace !== 'file') return undefined;
      if (!args.importer.startsWith(join(root, 'src', 'cli'))) return undefined;
      const relative = args.path.startsWith('.');
      const target = relative ? join(dirname(args.importer), args.path).replace(/\.js$/, '.ts') : args.path;
      const key = relative
        ? target.slice(join(root, 'src').length + 1).replace(/\.ts$/, '')
        : `package:${args.path}`;
      coreModules.set(key, target);
      return { path: key, namespace: 'tollgate-core' };
    });
    b.onLoad({ filter: /.*/, namespace: 'tollgate-core' }, (args) => ({
      contents: `module.exports = __tollgateCore(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};
await build({
  ...common,
  entryPoints: [join(root, 'src/cli/entry.ts')],
  outfile: join(root, 'dist/tollgate.cjs'),
  plugins: [toCore, lazyChildProcess],
  define: {
    TOLLGATE_VERSION: JSON.stringify(pkg.version),
    'import.meta.url': '__tollgateBundleUrl',
  },
  banner: {
    js: `${bundleBanner}
let __tollgateCoreExports;
function __tollgateCore(key) {
  __tollgateCoreExports ??= typeof globalThis.__tollgateLoadBundle === 'function'
    ? globalThis.__tollgateLoadBundle('core.cjs')
    : require(require('node:path').join(__dirname, 'core.cjs'));
  return __tollgateCoreExports[key];
}`,
  },
});
await build({
  ...common,
  stdin: {
    // Each module is reached through a getter that require()s it: esbuild then wraps every module of
    // the core in a lazy initialiser, so a command runs the top level (schemas built, Node built-ins
    // such as node:http or node:child_process loaded) of only the modules it uses, not of all of them.
    contents: [...coreModules]
      .map(
        ([key, target]) =>
          `Object.defineProperty(exports, ${JSON.stringify(key)}, { enumerable: true, get: () => require(${JSON.stringify(target)}) });`,
      )
      .join('\n'),
    resolveDir: join(root, 'src'),
    sourcefile: 'core-entry.js',
    loader: 'js',
  },
  outfile: join(root, 'dist/core.cjs'),
  external: ['pg-native'],
  inject: [join(root, 'scripts/bundle/better-sqlite3.mjs')],
  plugins: [noZodLocales, betterSqlite3Addon],
  define: {
    TOLLGATE_VERSION: JSON.stringify(pkg.version),
    'import.meta.url': '__tollgateBundleUrl',
  },
  banner: { js: bundleBanner },
});

// The worker thread `ledger verify` hands the later part of a long chain to (src/ledger/sqlite-slices.ts
// finds it beside the bundle): small, so the thread starts in a few milliseconds.
await build({
  ...common,
  entryPoints: [join(root, 'src/ledger/verify-worker.ts')],
  outfile: join(root, 'dist/verify-worker.cjs'),
  define: { 'import.meta.url': '__tollgateBundleUrl' },
  banner: { js: bundleBanner },
});

// The server (`tollgate serve`): a bundle of its own, loaded only by that command
// (src/cli/server-module.ts), so hono and the API's schemas cost the other commands nothing.
await build({
  ...common,
  entryPoints: [join(root, 'src/server/main.ts')],
  outfile: join(root, 'dist/server.cjs'),
  define: { TOLLGATE_VERSION: JSON.stringify(pkg.version), 'import.meta.url': '__tollgateBundleUrl' },
  banner: { js: bundleBanner },
});

// The dashboard (`tollgate serve` at `/`, `tollgate report --html`): src/ui as one browser bundle,
// one stylesheet and one page in dist/ui, every asset in the package (no CDN: it works offline).
// The page's JavaScript must stay under 150 KB gzipped (the budget): the build fails above.
await buildDashboard();
async function buildDashboard() {
  const out = join(root, 'dist/ui');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'assets'), { recursive: true });
  await build({
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: ['chrome110', 'firefox110', 'safari16'],
    minify: process.env.TOLLGATE_BUILD_DEBUG !== '1',
    legalComments: 'none',
    logLevel: 'warning',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    entryPoints: [join(root, 'src/ui/main.tsx')],
    outfile: join(out, 'assets/app.js'),
  });
  cpSync(join(root, 'src/ui/styles.css'), join(out, 'assets/app.css'));
  writeFileSync(join(out, 'index.html'), dashboardPage());
  const { gzipSync } = await import('node:zlib');
  const shipped = gzipSync(readFileSync(join(out, 'assets/app.js'))).length;
  if (shipped > 150 * 1024) {
    console.error(
      `build: the dashboard ships ${Math.round(shipped / 1024)} KB of JavaScript gzipped; the budget is 150 KB`,
    );
    process.exit(1);
  }
}
/** The page: relative asset paths, so it works at a server's `/` and from a report folder on file://. */
function dashboardPage() {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tollgate</title>
<link rel="stylesheet" href="assets/app.css">
<!--snapshot-->
<script defer src="assets/app.js"></script>
</head>
<body>
<div id="app"></div>
<noscript>The Tollgate dashboard needs JavaScript. The same answers are in the API (/openapi.json) and the CLI.</noscript>
</body>
</html>
`;
}

// The library (`import … from 'tollgate'`, package.json "exports"): src/index.ts as ESM and as
// CommonJS, with the dependencies left to node_modules (a library must not carry copies of them).
// Its type declarations and API report come from scripts/build-types.mjs.
const library = { ...libraryOptions, entryPoints: [join(root, 'src/index.ts')] };
await build({ ...library, format: 'esm', outfile: join(root, 'dist/lib/index.mjs') });
await build({
  ...library,
  format: 'cjs',
  outfile: join(root, 'dist/lib/index.cjs'),
  define: { 'import.meta.url': '__tollgateBundleUrl' },
  banner: { js: bundleBanner },
});

// bin/tollgate.cjs reads a bundle that is all ASCII as Latin-1, which costs a copy, where decoding
// UTF-8 costs 20–30 ms for the core. esbuild leaves a few characters as they are (in regular
// expressions and tagged templates): write them as \u escapes, which mean the same character there
// (no template tag in the bundles reads `.raw`, where an escape would read differently).
for (const file of ['tollgate.cjs', 'core.cjs']) {
  const path = join(root, 'dist', file);
  const text = readFileSync(path, 'utf8');
  const ascii = text.replace(/[^\0-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (ascii !== text) writeFileSync(path, ascii);
}

// bin/tollgate.cjs runs the bundle with vm.Script, which has no loader for import(): an import()
// left in the output (of a Node built-in or an external package) would fail at run time. Load those
// with createRequire instead; import() of bundled modules is turned into a lazy require by esbuild.
const output = ['tollgate.cjs', 'core.cjs']
  .map((file) => readFileSync(join(root, 'dist', file), 'utf8'))
  .join('\n');
const dynamic = output.match(/\bimport\((["'`])[^"'`]*\1\)/g);
if (dynamic) {
  console.error(
    `build: the bundle keeps dynamic import() of ${[...new Set(dynamic)].join(', ')}; use createRequire for it`,
  );
  process.exit(1);
}

// The first run after a build writes V8's code cache (bin/tollgate.cjs) with the functions that run
// compiled: make it one that loads and validates a full contract (YAML, zod, windows, CEL), the
// path every command but --version takes.
for (const file of readdirSync(join(root, 'dist')))
  if (file.endsWith('.cache')) rmSync(join(root, 'dist', file));
execFileSync(
  process.execPath,
  [join(root, 'bin/tollgate.cjs'), 'validate', join(root, 'examples/checkout/tollgate.yaml')],
  {
    stdio: 'ignore',
  },
);
// Deciding commands (check, promote) keep a cache of their own, written by the first of them: make
// that one a `check prod` of the example pipeline, whose contract uses every kind of gate (windows,
// CEL, drift, signatures…). Otherwise whichever decision ran first after a build decided what the
// others found compiled: after a `check dev` of a tests-only contract, `check prod` here ran 15–20 ms
// slower on every later start.
const warm = mkdtempSync(join(tmpdir(), 'tollgate-build-'));
try {
  cpSync(join(root, 'examples/checkout'), warm, { recursive: true });
  const env = { ...process.env, TOLLGATE_ACTOR: 'build' };
  delete env.TOLLGATE_DATABASE_URL; // the embedded SQLite ledger in the scratch directory
  const cli = (...args) =>
    spawnSync(process.execPath, [join(root, 'bin/tollgate.cjs'), ...args], {
      cwd: warm,
      encoding: 'utf8',
      env,
    });
  const registered = cli('register', '--file', 'build/checkout-1.4.2.txt', '--json');
  const digest = registered.status === 0 ? JSON.parse(registered.stdout).digest : undefined;
  // Blocked (exit 1) is expected: nothing is attested. Only the compiled code matters here.
  if (digest) cli('check', 'prod', '--artifact', digest);
} finally {
  rmSync(warm, { recursive: true, force: true });
}

const schema = execFileSync(process.execPath, [join(root, 'bin/tollgate.cjs'), 'schema'], {
  encoding: 'utf8',
});
mkdirSync(join(root, 'schema'), { recursive: true });
writeFileSync(join(root, 'schema/tollgate.schema.json'), schema);
