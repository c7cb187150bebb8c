// The esbuild options of every bench bundle of Tollgate's code (bench/run.mjs, bench/code-at.ts,
// bench/bench-util.ts, bench/promotion-pairs.mjs), in one place so that two versions of the code
// measured against each other are always bundled alike. Plain JavaScript: promotion-pairs.mjs and
// run.mjs run under bare Node and cannot import the .ts bench modules.

/** One ESM file for Node 20 holding the code and what it imports. */
export const NODE_BUNDLE = { bundle: true, platform: 'node', format: 'esm', target: 'node20' };

/**
 * A bench bundle: packages stay external and resolve from this checkout's node_modules, for every
 * version of the code bundled. Add the entry (`entryPoints` or `stdin`) and `outfile`.
 */
export const BENCH_BUNDLE = { ...NODE_BUNDLE, packages: 'external', logLevel: 'error' };

/**
 * The same options as arguments of esbuild's command line, for a bundle made in a synchronous
 * step: `esbuildArgs({ ...NODE_BUNDLE, logLevel: 'warning' })` → `['--bundle', '--platform=node', …]`.
 */
export function esbuildArgs(options) {
  return Object.entries(options).map(([key, value]) => {
    const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    return value === true ? flag : `${flag}=${value}`;
  });
}
