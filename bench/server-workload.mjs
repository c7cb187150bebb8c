// The server bench's workload (bench/server.bench.ts), shared with bench/promotion-pairs.mjs, which
// runs its promotion loop on two versions of the code: the contract promoted under and the
// PostgreSQL it runs against. Plain JavaScript so that both can import it.

/** Two stages, no requirements: a promotion's cost is Tollgate's own (ledger, decision), not a gate's. */
export const CHECKOUT_CONTRACT = `version: 1
pipeline: checkout
artifact: { type: oci }
stages:
  dev: { purpose: fast feedback }
  prod: { purpose: live, from: dev }
`;

/** The PostgreSQL the tests use: TOLLGATE_TEST_DATABASE_URL, or database `test` on 127.0.0.1. */
export const PG_URL =
  process.env.TOLLGATE_TEST_DATABASE_URL ??
  `postgres://${encodeURIComponent(process.env.USER ?? 'root')}@127.0.0.1:5432/test`;
