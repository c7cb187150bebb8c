// The esbuild options of the library build (dist/lib, scripts/build.mjs), apart so a test can build
// with exactly them (test/architecture/library-bundle.test.ts).
import { createRequire } from 'node:module';
import { join } from 'node:path';

// `packages: 'external'` leaves a package's JSON file as an import, and esbuild writes it without
// its `with { type: 'json' }` (target node20): Node refuses to load that ESM module
// (ERR_IMPORT_ASSERTION_TYPE_MISSING). Every JSON file a library module imports is inlined instead,
// as a relative one already is: a JSON file is data, not a dependency to share with the user's copy.
const inlineJson = {
  name: 'inline-json',
  setup(b) {
    b.onResolve({ filter: /\.json$/ }, (args) => {
      if (args.path.startsWith('.') || args.path.startsWith('/')) return undefined;
      return { path: createRequire(join(args.resolveDir, 'importer.js')).resolve(args.path) };
    });
  },
};

/** The library's shared options: add entryPoints, format and outfile. */
export const libraryOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  packages: 'external',
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [inlineJson],
};
