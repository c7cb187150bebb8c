// Injected into the CLI's core bundle only (scripts/build.mjs): src/ledger/sqlite-driver.ts calls it
// instead of requiring better-sqlite3 from node_modules. esbuild bundles the package's JavaScript
// here; its addon is still loaded from the installed package (see the `bindings` stand-in in the
// build).
export function TOLLGATE_BUNDLED_BETTER_SQLITE3() {
  // The package is optional: where it is not installed this throws as require('better-sqlite3')
  // did, and the driver reports that it does not load.
  // (A name in a variable: esbuild leaves this lookup to Node, at run time.)
  const installed = 'better-sqlite3';
  require.resolve(installed);
  return require('better-sqlite3');
}
