/**
 * The PostgreSQL ledger's definition check compares what the catalogue prints with what Tollgate
 * made, after normalising what may print differently for the same definition. The texts below are
 * pg_get_expr and pg_get_indexdef output of PostgreSQL 15.20 (this machine's server, 2026-12-07):
 * by default, with another schema's `strpos` ahead of pg_catalog on the search path, and under
 * `quote_all_identifiers = on`. PostgreSQL 16 and 17 print these expressions the same way: their
 * ruleutils.c (get_func_sql_syntax, REL_17) prints only the integer-position and SIMILAR forms of
 * SUBSTRING in SQL syntax, so the regular-expression `substring(body from …)` of the computed
 * columns prints as the function call `"substring"(body, …)`, as in 15.
 */
import { describe, expect, it } from 'vitest';
import {
  normalisedPostgresExpression,
  normalisedPostgresIndex,
  POSTGRES_LEDGER_EXPRESSIONS,
  POSTGRES_LEDGER_INDEXES,
} from '../../src/ledger/schema.js';

const SEQ = {
  plain: `(((('{'::text || "substring"(body, '^.*,("pipeline":.*)$'::text)))::json ->> 'seq'::text))::integer`,
  quoted: `(((('{'::"text" || "substring"("body", '^.*,("pipeline":.*)$'::"text")))::"json" ->> 'seq'::"text"))::integer`,
};
const ARTIFACT = {
  plain: `((("left"(body, (strpos(body, ',"payload":'::text) - 1)) || '}'::text))::json ->> 'artifact'::text)`,
  shadowed: `((("left"(body, (pg_catalog.strpos(body, ',"payload":'::text) - 1)) || '}'::text))::json ->> 'artifact'::text)`,
  quoted: `((("left"("body", ("pg_catalog"."strpos"("body", ',"payload":'::"text") - 1)) || '}'::"text"))::"json" ->> 'artifact'::"text")`,
};
const INDEX = {
  plain:
    'CREATE UNIQUE INDEX ledger_entries_pk ON tollgate_test_1.ledger_entries USING btree (pipeline, seq)',
  quoted:
    'CREATE UNIQUE INDEX "ledger_entries_pk" ON "tollgate_test_1"."ledger_entries" USING "btree" ("pipeline", "seq")',
};

describe('the PostgreSQL computed column expressions, normalised', () => {
  it('match what Tollgate made however the server prints them', () => {
    for (const printed of Object.values(SEQ))
      expect(normalisedPostgresExpression(printed)).toBe(POSTGRES_LEDGER_EXPRESSIONS.seq);
    for (const printed of Object.values(ARTIFACT))
      expect(normalisedPostgresExpression(printed)).toBe(POSTGRES_LEDGER_EXPRESSIONS.artifact);
  });

  it('still tell a changed pattern, key or function apart', () => {
    const changed = [
      // The pattern's group and quotes decide where the body is cut: kept exactly.
      SEQ.plain.replace(`'^.*,("pipeline":.*)$'`, `'^.*,"pipeline":.*$'`),
      ARTIFACT.plain.replace(`',"payload":'`, `',payload:'`),
      ARTIFACT.quoted.replace(`'artifact'`, `'actor'`),
      ARTIFACT.plain.replace('"left"', '"right"'),
      ARTIFACT.plain.replace('strpos', 'myschema.strpos'),
    ];
    for (const printed of changed)
      expect(normalisedPostgresExpression(printed)).not.toBe(POSTGRES_LEDGER_EXPRESSIONS.artifact);
    expect(normalisedPostgresExpression(changed[0]!)).not.toBe(POSTGRES_LEDGER_EXPRESSIONS.seq);
  });
});

describe('the PostgreSQL index definitions, normalised', () => {
  it('match what Tollgate made in any schema, with or without quoted names', () => {
    for (const printed of Object.values(INDEX))
      expect(normalisedPostgresIndex(printed)).toBe(POSTGRES_LEDGER_INDEXES.ledger_entries_pk);
  });

  it('keep a partial index condition, literal included', () => {
    const partial = `${INDEX.quoted} WHERE ("kind" <> 'attest'::"text")`;
    expect(normalisedPostgresIndex(partial)).toBe(
      `${POSTGRES_LEDGER_INDEXES.ledger_entries_pk} WHERE (kind <> 'attest'::text)`,
    );
  });
});
