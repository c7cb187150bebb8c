#!/usr/bin/env node
// Tollgate CLI launcher. Node 20 has no module compile cache, so this compiles each bundle with
// vm.Script and keeps V8's code cache beside it (or in the temp directory when the package is
// read-only): later starts skip parsing and compiling. CommonJS, because starting Node's ESM loader
// alone costs more than the rest of `tollgate --version`.
//
// The CLI is two bundles (scripts/build.mjs): the shell (dist/tollgate.cjs: commander, the command
// table) runs first; the core (dist/core.cjs: contract, ledger, gates, use cases) is loaded only
// when a command's action needs it, through globalThis.__tollgateLoadBundle.
'use strict';
const { isAscii } = require('node:buffer');
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { join } = require('node:path');
const { Script } = require('node:vm');

const dist = join(__dirname, '..', 'dist');
// Commands that decide (check, promote) run much code a lighter command never compiles, so the core
// keeps a cache of their own for them, written by the first of them.
const args = process.argv.slice(2);
const deciding = args.some((arg) => arg === 'check' || arg === 'promote');

function loadBundle(name, flavours) {
  const bundle = join(dist, name);
  let source;
  try {
    // The build writes the bundles in ASCII (scripts/build.mjs): read as Latin-1 that is a copy,
    // where UTF-8 decoding of the core took 20–30 ms. A bundle that is not ASCII is still read right.
    const bytes = readFileSync(bundle);
    source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  } catch {
    process.stderr.write(
      'tollgate: the CLI is not built yet; run `npm run build` (or `npm install`) first\n',
    );
    process.exit(4);
  }
  // The cache is tied to this exact bundle (its length and tail) and this Node version.
  const fingerprint = `${source.length.toString(36)}-${process.version}-${source.slice(-48).replace(/\W/g, '').slice(-12)}`;
  const [flavour, fallback] = flavours;
  const candidates = [
    `${bundle}.${fingerprint}.${flavour}`,
    join(require('node:os').tmpdir(), `tollgate-${name}-${fingerprint}.${flavour}`),
  ];
  let cachedData;
  let fromFallback = false;
  const fallbackFile = fallback ? `${bundle}.${fingerprint}.${fallback}` : undefined;
  // Compared by name, not by suffix: `decide.cache` also ends in `.cache`, and taking it for the
  // fallback made every deciding command rewrite its 2 MB cache at exit (35–50 ms each time).
  for (const file of fallbackFile ? [...candidates, fallbackFile] : candidates) {
    try {
      cachedData = readFileSync(file);
      fromFallback = file === fallbackFile;
      break;
    } catch {}
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    cachedData,
  });
  const bundleModule = { exports: {} };
  script.runInThisContext()(bundleModule.exports, createRequire(bundle), bundleModule, bundle, dist);
  if (cachedData === undefined || fromFallback || script.cachedDataRejected) {
    // Written at exit, after the command ran, so the cache also holds the functions it compiled.
    process.once('exit', () => {
      const data = script.createCachedData();
      for (const file of candidates) {
        try {
          const partial = `${file}.${process.pid}`;
          writeFileSync(partial, data);
          renameSync(partial, file);
          return;
        } catch {}
      }
    });
  }
  return bundleModule.exports;
}

// `tollgate --version` alone needs no bundle: the version is the package's, the one the build puts
// in the shell for commander's `-V, --version` (scripts/build.mjs reads the same package.json).
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${require('../package.json').version}\n`);
} else {
  globalThis.__tollgateLoadBundle = (name) =>
    loadBundle(name, name === 'core.cjs' && deciding ? ['decide.cache', 'cache'] : ['cache']);
  loadBundle('tollgate.cjs', ['cache']);
}
