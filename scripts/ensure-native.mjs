// After `npm install`: make sure the native SQLite binding loads on this machine, building it from
// source with node-gyp when no prebuilt binary could be fetched (offline machines, npm 11 script
// approval). Then build the CLI bundle so `tollgate` works straight after install.
import { execSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
function loads() {
  try {
    const Database = require('better-sqlite3');
    new Database(':memory:').close();
    return true;
  } catch {
    return false;
  }
}
if (!loads()) {
  console.log('tollgate: building better-sqlite3 from source (node-gyp)…');
  execSync('npm rebuild better-sqlite3 --build-from-source', { stdio: 'inherit' });
  if (!loads()) {
    console.error(
      'tollgate: better-sqlite3 still does not load; python3, make and g++ are needed to build it',
    );
    process.exit(1);
  }
}
try {
  execSync('node scripts/build.mjs', { stdio: 'inherit' });
} catch {
  console.error('tollgate: could not build the CLI bundle yet; run `npm run build`');
}
