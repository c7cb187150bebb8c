/**
 * Queries built once with Kysely and compiled once, then run with new parameters: the hot paths
 * (a promotion reads and appends several times) pay for SQL execution, not for building and
 * compiling the same query again.
 *
 * The query is built with a unique sentinel for each named parameter; compiling it shows at which
 * positions each sentinel landed, so later calls only replace the parameter list.
 */
import type { CompiledQuery } from 'kysely';

interface Compilable {
  compile(): CompiledQuery;
}

export type Prepared<N extends string> = (values: Record<N, unknown>) => CompiledQuery;

/**
 * Prepares a query with named parameters.
 * @example const byDigest = prepare(['pipeline', 'digest'], (p) => db.selectFrom('artifacts').selectAll()
 *   .where('pipeline', '=', p.pipeline).where('digest', '=', p.digest));
 */
export function prepare<N extends string>(
  names: readonly N[],
  build: (p: Record<N, string>) => Compilable,
): Prepared<N> {
  // Each parameter position holds a named value, or a constant the builder put there (`limit(1)`).
  let compiled: { query: CompiledQuery; order: Array<{ name: N } | { constant: unknown }> } | undefined;
  return (values) => {
    if (!compiled) {
      const sentinels = Object.fromEntries(names.map((n) => [n, `\u0000tollgate-param:${n}`])) as Record<
        N,
        string
      >;
      const query = build(sentinels).compile();
      const order = query.parameters.map((value) => {
        const name = names.find((n) => sentinels[n] === value);
        return name === undefined ? { constant: value } : { name };
      });
      compiled = { query, order };
    }
    const { query, order } = compiled;
    return { ...query, parameters: order.map((p) => ('name' in p ? values[p.name] : p.constant)) };
  };
}

/** Runs compiled queries: on the store's connection(s), or on the one holding a write transaction. */
export interface SqlRunner {
  execute<R>(query: CompiledQuery): Promise<{ rows: R[]; affected: number }>;
  /**
   * Streams a read as arrays of column values in select order, when the driver can do so without
   * building every row first (better-sqlite3); used to walk the whole chain.
   */
  iterateRaw?(query: CompiledQuery): Iterable<unknown[]>;
}
