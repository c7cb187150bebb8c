/**
 * The ledger table's definition, checked when a store opens. Reads filter on columns the database
 * computes from each entry's hashed body (migration 0010, src/ledger/schema.ts), so an edited
 * column cannot hide an entry from a decision. Someone with the database could still rebuild the
 * table with plain columns and then edit them: this check, one catalogue query, refuses such a
 * ledger before anything reads it.
 */
import { CompiledQuery } from 'kysely';
import { TollgateError } from '../errors.js';
import type { SqlRunner } from './prepared-query.js';
import {
  normalisedPostgresExpression,
  normalisedPostgresIndex,
  POSTGRES_LEDGER_EXPRESSIONS,
  POSTGRES_LEDGER_INDEXES,
  SQLITE_LEDGER_DEFINITION,
} from './schema.js';

const SQLITE_QUERY = CompiledQuery.raw(
  "select type, name, sql from sqlite_master where tbl_name = 'ledger_entries' order by type desc, name",
);

/**
 * One row per column (with its generation kind and expression), per index and for the table's
 * row security: everything that decides which rows a filtered read returns.
 */
const POSTGRES_QUERY =
  CompiledQuery.raw(`select 'column' as what, a.attname as name, a.attgenerated::text as generated,
  pg_get_expr(d.adbin, d.adrelid) as definition
from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
where a.attrelid = to_regclass('ledger_entries') and a.attnum > 0 and not a.attisdropped
union all
select 'index', c.relname, '', pg_get_indexdef(i.indexrelid)
from pg_index i join pg_class c on c.oid = i.indexrelid
where i.indrelid = to_regclass('ledger_entries')
union all
select 'security', '', '', (c.relrowsecurity or c.relforcerowsecurity)::text
from pg_class c where c.oid = to_regclass('ledger_entries')`);

interface CatalogueRow {
  what: string;
  name: string;
  generated: string;
  definition: string | null;
}

/** What differs from the table Tollgate made, or undefined when nothing does. */
export async function ledgerDefinitionProblem(
  runner: SqlRunner,
  backend: 'sqlite' | 'postgres',
): Promise<string | undefined> {
  if (backend === 'sqlite') {
    const { rows } = await runner.execute<{ type: string; name: string; sql: string | null }>(SQLITE_QUERY);
    return sqliteProblem(rows);
  }
  const { rows } = await runner.execute<CatalogueRow>(POSTGRES_QUERY);
  return postgresProblem(rows);
}

function sqliteProblem(rows: ReadonlyArray<{ type: string; name: string; sql: string | null }>) {
  const seen = new Set<string>();
  for (const row of rows) {
    seen.add(row.name);
    const expected = SQLITE_LEDGER_DEFINITION[row.name];
    if (expected === undefined)
      return `the ${row.type} ${row.name} on the table was added (${row.sql ?? 'no SQL'})`;
    if (row.type !== expected.type || row.sql !== expected.sql)
      return row.name === 'ledger_entries'
        ? `the table was rebuilt: it is now ${row.sql}, where Tollgate made ${expected.sql}`
        : `the index ${row.name} was changed: it is now ${row.sql ?? 'an index of no SQL'}, where Tollgate made ${expected.sql}`;
  }
  for (const [name, expected] of Object.entries(SQLITE_LEDGER_DEFINITION))
    if (!seen.has(name)) return `the ${expected.type} ${name} is missing (Tollgate made ${expected.sql})`;
  return undefined;
}

function postgresProblem(rows: readonly CatalogueRow[]) {
  if (rows.length === 0) return 'the table is missing';
  const columns = new Set<string>();
  const indexes = new Set<string>();
  for (const row of rows) {
    if (row.what === 'security') {
      if (row.definition === 'true')
        return 'row-level security was turned on for it (a policy could hide entries from a read)';
      continue;
    }
    if (row.what === 'index') {
      indexes.add(row.name);
      const definition = normalisedPostgresIndex(row.definition ?? '');
      const expected = POSTGRES_LEDGER_INDEXES[row.name];
      if (expected === undefined) return `the index ${row.name} was added (${definition})`;
      if (definition !== expected)
        return `the index ${row.name} was changed: it is now ${definition}, where Tollgate made ${expected}`;
      continue;
    }
    columns.add(row.name);
    const expected = POSTGRES_LEDGER_EXPRESSIONS[row.name];
    if (expected === undefined) {
      if (row.generated !== '' || !['prev_hash', 'hash', 'body'].includes(row.name))
        return `its column ${row.name} was added`;
      continue;
    }
    if (row.generated !== 's' || normalisedPostgresExpression(row.definition ?? '') !== expected)
      return `its column ${row.name} is no longer computed from the hashed body (it is ${row.generated === 's' ? `computed as ${row.definition}` : 'a plain column'})`;
  }
  for (const name of [...Object.keys(POSTGRES_LEDGER_EXPRESSIONS), 'prev_hash', 'hash', 'body'])
    if (!columns.has(name)) return `its column ${name} is missing`;
  for (const name of Object.keys(POSTGRES_LEDGER_INDEXES))
    if (!indexes.has(name)) return `the index ${name} is missing`;
  return undefined;
}

/** LEDGER_CORRUPT (exit 4) for a ledger table whose definition is not the one Tollgate made. */
export function definitionChanged(location: string, problem: string): TollgateError {
  return new TollgateError(
    'LEDGER_CORRUPT',
    `the ledger table ledger_entries at ${location} is not the one Tollgate made: ${problem}. Its filter columns (pipeline, seq, kind, stage, artifact) must be computed by the database from each entry's hashed body, or an edited column could hide an entry from a decision; nothing was read, decided or recorded. Opening checks only the table's definition; \`tollgate ledger verify\` walks the whole chain, once the table is restored (from a backup) as Tollgate made it`,
  );
}
