// Types of bench/esbuild-options.mjs, for the .ts benches that import it.
export declare const NODE_BUNDLE: {
  readonly bundle: true;
  readonly platform: 'node';
  readonly format: 'esm';
  readonly target: 'node20';
};
export declare const BENCH_BUNDLE: typeof NODE_BUNDLE & {
  readonly packages: 'external';
  readonly logLevel: 'error';
};
export declare function esbuildArgs(options: Readonly<Record<string, string | boolean>>): string[];
