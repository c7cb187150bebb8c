/**
 * The pure core's boundary, checked by scripts/check-purity.mjs (part of `npm test`) over every
 * module reachable from src/decide.ts and src/gates/: what it may not depend on, however
 * indirectly. `npx depcruise --config .dependency-cruiser.cjs src/decide.ts src/gates` shows the same.
 */
module.exports = {
  forbidden: [
    {
      name: 'pure-core-no-node',
      severity: 'error',
      comment: 'decide and the gates take facts as values: no file system, network, process or clock from Node.',
      from: {},
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'pure-core-no-database',
      severity: 'error',
      comment: 'The pure core never touches the ledger store or a database driver.',
      from: {},
      to: {
        path: [
          'node_modules/(better-sqlite3|pg|pg-[a-z-]+|kysely|postgres|mysql2?|sqlite3)/',
          '^src/ledger/(sqlite|postgres|sql-ledger|verify-worker|sqlite-slices|schema)',
        ],
      },
    },
    {
      name: 'pure-core-no-network',
      severity: 'error',
      comment: 'No HTTP clients or servers in the pure core.',
      from: {},
      to: { path: 'node_modules/(undici|node-fetch|axios|got|ky|hono|@hono/[^/]+|ws)/' },
    },
    {
      name: 'pure-core-no-edges',
      severity: 'error',
      comment: 'The edges (use cases, shells, readers of files and registries) call the core, never the other way.',
      from: {},
      to: { path: '^src/(app|cli|server|web|rollback/(prometheus-client|json-source|metrics-config))' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: false,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
