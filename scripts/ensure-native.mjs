// `npm install` / `npm ci` in a clone of this repository (the "prepare" script; it does not run when
// the packed package is installed, which carries its bundles prebuilt). Makes sure the embedded
// ledger has a SQLite driver — Node's built-in node:sqlite from Node 22.13 on, else the
// better-sqlite3 addon, built from source with node-gyp when no prebuilt binary could be fetched
// (offline machines, npm 11 script approval) — then builds the CLI bundles.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

// Installed from a packed tarball (npm runs "prepare" for non-registry dependencies): the bundles
// are prebuilt and there are no sources to build from; better-sqlite3 has its own install script.
if (!existsSync(new URL('../src/cli/entry.ts', import.meta.url))) process.exit(0);

const require = createRequire(import.meta.url);
const [major, minor] = process.versions.node.split('.').map(Number);
const builtin = major > 22 || (major === 22 && minor >= 13);
function nativeLoads() {
  try {
    const Database = require('better-sqlite3');
    new Database(':memory:').close();
    return true;
  } catch {
    return false;
  }
}
if (!builtin && !nativeLoads()) {
  console.log('tollgate: building better-sqlite3 from source (node-gyp)…');
  execSync('npm rebuild better-sqlite3 --build-from-source', { stdio: 'inherit' });
  if (!nativeLoads()) {
    console.error(
      `tollgate: Node ${process.version} has no built-in SQLite and better-sqlite3 does not load; python3, make and g++ are needed to build it (or use Node 22.13 or later)`,
    );
    process.exit(1);
  }
}
execSync('node scripts/build.mjs', { stdio: 'inherit' });
