/**
 * Purity, enforced: everything reachable from the pure core's entry points (src/decide.ts and
 * src/gates/) may depend on no Node built-in, database driver, network library or edge module
 * (the rules in .dependency-cruiser.cjs, checked by dependency-cruiser over the whole reachable
 * graph, not only direct imports), and may not read `process`, `Date.now()`, `performance.now()`
 * or `new Date()` without an argument (checked on each reachable module's syntax tree, so
 * comments and strings never count). Exit 0 when pure; 1 with every violation listed.
 *
 * Usage: node scripts/check-purity.mjs [entry …]   (default: src/decide.ts src/gates)
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cruise } from 'dependency-cruiser';
import ts from 'typescript';

const require = createRequire(import.meta.url);

export const DEFAULT_ENTRIES = ['src/decide.ts', 'src/gates'];

/** Reads of the outside world in a module's syntax tree: `process`, the clock. */
export function worldReads(text, file) {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found = [];
  const at = (node, what) => {
    const { line, character } = source.getLineAndCharacterOfPosition(node.getStart(source));
    found.push(`${file}:${line + 1}:${character + 1}: ${what}`);
  };
  const visit = (node) => {
    if (ts.isIdentifier(node) && node.text === 'process') {
      const parent = node.parent;
      // `process` as a property name (`x.process`, `{ process: … }`) or a declared name is not the global.
      const isName =
        (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
        (ts.isPropertyAssignment(parent) && parent.name === node) ||
        ((ts.isVariableDeclaration(parent) || ts.isParameter(parent) || ts.isFunctionDeclaration(parent)) &&
          parent.name === node);
      if (!isName) at(node, 'reads `process`');
    }
    if (
      ts.isPropertyAccessExpression(node) &&
      node.name.text === 'now' &&
      ts.isIdentifier(node.expression) &&
      (node.expression.text === 'Date' || node.expression.text === 'performance')
    ) {
      at(node, `reads the clock (\`${node.expression.text}.now\`)`);
    }
    if (
      ts.isNewExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'Date' &&
      (node.arguments === undefined || node.arguments.length === 0)
    ) {
      at(node, 'reads the clock (`new Date()`)');
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Cruises from `entries` (relative to `cwd`) and returns every violation, and what was checked. */
export async function checkPurity({ entries = DEFAULT_ENTRIES, cwd = process.cwd() } = {}) {
  const config = require(resolve(cwd, '.dependency-cruiser.cjs'));
  const before = process.cwd();
  process.chdir(cwd);
  let output;
  try {
    output = await cruise(entries, {
      ...config.options,
      ruleSet: { forbidden: config.forbidden },
      validate: true,
    });
  } finally {
    process.chdir(before);
  }
  const result = output.output;
  const violations = result.summary.violations.map(
    (v) =>
      `${v.from} → ${v.to}: ${v.rule.name} (${config.forbidden.find((r) => r.name === v.rule.name)?.comment ?? ''})`,
  );
  const modules = result.modules
    .map((m) => m.source)
    .filter((source) => /\.(ts|mts|cts|js|mjs|cjs)$/.test(source) && !source.includes('node_modules'));
  for (const source of modules)
    violations.push(...worldReads(readFileSync(resolve(cwd, source), 'utf8'), source));
  const unresolved = result.modules.flatMap((m) =>
    m.dependencies
      .filter((d) => d.couldNotResolve)
      .map((d) => `${m.source} → ${d.module}: cannot be resolved`),
  );
  violations.push(...unresolved);
  return { modules, violations };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const entries = process.argv.slice(2);
  const { modules, violations } = await checkPurity(entries.length > 0 ? { entries } : {});
  if (violations.length > 0) {
    process.stderr.write(
      `The pure core reaches the outside world (${violations.length}):\n${violations.map((v) => `  ${v}`).join('\n')}\n`,
    );
    process.exitCode = 1;
  } else {
    process.stdout.write(
      `pure core: ${modules.length} modules reachable from ${(entries.length ? entries : DEFAULT_ENTRIES).join(', ')}, none reaching the outside world\n`,
    );
  }
}
