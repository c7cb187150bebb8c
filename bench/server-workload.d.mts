// Types of bench/server-workload.mjs, for bench/server.bench.ts.
export declare const CHECKOUT_CONTRACT: string;
export declare const PG_URL: string;
