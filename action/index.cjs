// The GitHub Action's entry point (action.yml: runs.using node24). It runs the prebuilt CLI bundle
// (dist/tollgate.cjs, built by `npm run build` and carried by the release tag the action is used
// at) as `tollgate ci github`: nothing is installed or compiled on the runner.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const bin = join(__dirname, '..', 'bin', 'tollgate.cjs');
if (!existsSync(join(__dirname, '..', 'dist', 'tollgate.cjs'))) {
  process.stdout.write('::error title=Tollgate::dist/tollgate.cjs is missing: use the action at a release tag, or run npm run build first\n');
  process.exit(1);
}
const result = spawnSync(process.execPath, [bin, 'ci', 'github'], { stdio: 'inherit', env: process.env });
process.exit(result.status ?? 1);
