#!/usr/bin/env node
// Tollgate CLI launcher. Node 20 has no module compile cache, so this compiles the single-file
// bundle with vm.Script and keeps V8's code cache beside it (or in the temp directory when the
// package is read-only): later starts skip parsing and compiling the bundle. CommonJS, because
// starting Node's ESM loader alone costs more than the rest of `tollgate --version`.
'use strict';
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { join } = require('node:path');
const { Script } = require('node:vm');

const dist = join(__dirname, '..', 'dist');
const bundle = join(dist, 'tollgate.cjs');
let source;
try {
  source = readFileSync(bundle, 'utf8');
} catch {
  process.stderr.write('tollgate: the CLI is not built yet; run `npm run build` (or `npm install`) first\n');
  process.exit(4);
}

// The cache is tied to this exact bundle (its length and tail) and this Node version. Commands that
// decide (check, promote) run much code a lighter command never compiles, so they keep a cache of
// their own, written by the first of them; every other command uses the general one.
const fingerprint = `${source.length.toString(36)}-${process.version}-${source.slice(-48).replace(/\W/g, '').slice(-12)}`;
const deciding = process.argv.slice(2).some((arg) => arg === 'check' || arg === 'promote');
const flavour = deciding ? 'decide.cache' : 'cache';
const candidates = [
  `${bundle}.${fingerprint}.${flavour}`,
  join(require('node:os').tmpdir(), `tollgate-${fingerprint}.${flavour}`),
];
let cachedData;
let fromGeneral = false;
for (const file of [...candidates, ...(deciding ? [`${bundle}.${fingerprint}.cache`] : [])]) {
  try {
    cachedData = readFileSync(file);
    fromGeneral = deciding && file.endsWith('.cache') && !file.endsWith('.decide.cache');
    break;
  } catch {}
}

const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
  filename: bundle,
  cachedData,
});
const bundleModule = { exports: {} };
script.runInThisContext()(bundleModule.exports, createRequire(bundle), bundleModule, bundle, dist);

if (cachedData === undefined || fromGeneral || script.cachedDataRejected) {
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
