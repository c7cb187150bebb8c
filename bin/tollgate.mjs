#!/usr/bin/env node
// Tollgate CLI launcher: loads the single-file bundle built by `npm run build`.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/tollgate.mjs', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write('tollgate: the CLI is not built yet; run `npm run build` (or `npm install`) first\n');
  process.exit(4);
}
await import(bundle.href);
