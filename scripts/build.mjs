// Builds the single-file CLI bundle (dist/tollgate.mjs) and the contract's JSON Schema.
// better-sqlite3 stays external: it is a native addon loaded from node_modules.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

await build({
  entryPoints: [join(root, 'src/cli/entry.ts')],
  outfile: join(root, 'dist/tollgate.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3', 'pg-native'],
  define: { TOLLGATE_VERSION: JSON.stringify(pkg.version) },
  // CommonJS dependencies inside an ESM bundle still call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __tollgateRequire } from 'node:module'; const require = __tollgateRequire(import.meta.url);",
  },
  legalComments: 'none',
  logLevel: 'warning',
});

const schema = execFileSync(process.execPath, [join(root, 'bin/tollgate.mjs'), 'schema'], {
  encoding: 'utf8',
});
mkdirSync(join(root, 'schema'), { recursive: true });
writeFileSync(join(root, 'schema/tollgate.schema.json'), schema);
