/**
 * Drift report renderings: text for people, Markdown for CI step summaries, JSON for machines.
 * Secret-looking values were already replaced by short hashes when the report was built, so no
 * rendering can print them.
 */

import { toMarkdownCode, toMarkdownText } from '../text/markdown-text.js';
import { toOneLineText as oneLine } from '../text/terminal-text.js';
import { type ClassPatterns, explainPath } from './classify.js';
import type { DriftDifference, DriftReport } from './report.js';
import { DRIFT_CLASSES } from './types.js';

const VALUE_WIDTH = 60;

/** One short line for a value: JSON, cut at 60 characters. */
export function formatValue(value: unknown): string {
  if (value === undefined) return '(absent)';
  const text = JSON.stringify(value);
  return text.length > VALUE_WIDTH ? `${text.slice(0, VALUE_WIDTH - 1)}…` : text;
}

/**
 * The change without its kind, which every caller prints before it: `before → after`, or
 * `secret hmac:… → hmac:…` for secrets (never their values).
 */
export function formatChange(difference: DriftDifference): string {
  if (difference.secret) {
    const hashes = [difference.beforeHash, difference.afterHash]
      .filter((hash) => hash !== undefined)
      .join(' → ');
    return `secret ${hashes}`;
  }
  switch (difference.kind) {
    case 'added':
      return formatValue(difference.after);
    case 'removed':
      return `was ${formatValue(difference.before)}`;
    case 'equal':
      return `both ${formatValue(difference.after)}`;
    case 'changed':
      return `${formatValue(difference.before)} → ${formatValue(difference.after)}`;
  }
}

function budgetLine(use: DriftReport['classes'][number]): string {
  const state = use.over ? 'over budget' : 'within budget';
  const declared = use.declared > 0 ? ` (+${use.declared} declared)` : '';
  return `${use.class} ${use.undeclared} / ${use.budget} — ${state}${declared}`;
}

function status(difference: DriftDifference): string {
  if (difference.declared) return `declared: ${difference.reason}`;
  return difference.note === undefined ? 'undeclared' : `undeclared: ${difference.note}`;
}

/** The text report: a headline, then each class with its budget use and differences. */
export function renderDriftText(report: DriftReport): string {
  const lines: string[] = [];
  const overClasses = report.classes.filter((use) => use.over).map((use) => use.class);
  const count = report.differences.length;
  lines.push(
    `Drift ${report.upstream.stage} → ${report.downstream.stage}: ${count} difference${count === 1 ? '' : 's'}, ` +
      (overClasses.length > 0 ? `over budget in ${overClasses.join(', ')}` : 'within budget'),
  );
  for (const name of DRIFT_CLASSES) {
    const use = report.classes.find((entry) => entry.class === name)!;
    const differences = report.differences.filter((difference) => difference.class === name);
    if (differences.length === 0 && use.budget === 'any') continue;
    lines.push('', budgetLine(use));
    for (const difference of differences) {
      // A key, a value or a reason from a config file stays on its line (a new line shown as \n).
      lines.push(
        `  ${difference.kind.padEnd(7)} ${oneLine(difference.path)}  ${oneLine(formatChange(difference))}`,
      );
      lines.push(`          ${oneLine(status(difference))}`);
    }
  }
  if (report.stale.length > 0) {
    lines.push('', 'Stale declarations (no such difference any more):');
    for (const entry of report.stale)
      lines.push(`  ${oneLine(entry.path)} (${entry.class}): ${oneLine(entry.reason)}`);
  }
  if (report.expired.length > 0) {
    lines.push('', 'Expired declarations (they excuse nothing):');
    for (const entry of report.expired)
      lines.push(
        `  ${oneLine(entry.path)} (${entry.class}) expired ${entry.until}: ${oneLine(entry.reason)}`,
      );
  }
  return `${lines.join('\n')}\n`;
}

/** A config path as code, and values and reasons as text, that open no Markdown of their own. */
const code = toMarkdownCode;
const cell = toMarkdownText;

/** The Markdown report: a budget table, then one table of differences per class. */
export function renderDriftMarkdown(report: DriftReport): string {
  const lines: string[] = [];
  const over = report.classes.filter((use) => use.over).map((use) => use.class);
  lines.push(`### Drift ${report.upstream.stage} → ${report.downstream.stage}`, '');
  lines.push(over.length > 0 ? `**Over budget:** ${over.join(', ')}` : '**Within budget**', '');
  lines.push('| class | undeclared | budget | declared | state |', '| --- | ---: | --- | ---: | --- |');
  for (const use of report.classes) {
    lines.push(
      `| ${use.class} | ${use.undeclared} | ${use.budget} | ${use.declared} | ${use.over ? '❌ over budget' : 'ok'} |`,
    );
  }
  for (const name of DRIFT_CLASSES) {
    const differences = report.differences.filter((difference) => difference.class === name);
    if (differences.length === 0) continue;
    lines.push('', `#### ${name}`, '', '| kind | path | change | status |', '| --- | --- | --- | --- |');
    for (const difference of differences) {
      lines.push(
        `| ${difference.kind} | ${code(difference.path)} | ${cell(formatChange(difference))} | ${cell(status(difference))} |`,
      );
    }
  }
  if (report.stale.length > 0) {
    lines.push('', '#### Stale declarations', '');
    for (const entry of report.stale)
      lines.push(`- ${code(entry.path)} (${entry.class}): ${cell(entry.reason)}`);
  }
  if (report.expired.length > 0) {
    lines.push('', '#### Expired declarations', '');
    for (const entry of report.expired) {
      lines.push(`- ${code(entry.path)} (${entry.class}) expired ${entry.until}: ${cell(entry.reason)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The JSON report (the report object itself, pretty-printed). */
export function renderDriftJson(report: DriftReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/**
 * `tollgate drift A B --explain PATH`: which rule classifies PATH, and its difference (a secret's
 * as keyed hashes, like every other rendering).
 */
export function renderDriftExplain(report: DriftReport, path: string, classes: ClassPatterns = {}): string {
  const lines = [explainPath(path, classes)];
  const difference = report.differences.find((entry) => entry.path === path);
  if (difference === undefined) {
    lines.push(
      `  no difference at this path between ${report.upstream.stage} and ${report.downstream.stage}`,
    );
  } else {
    lines.push(
      `  ${difference.kind}: ${oneLine(formatChange(difference))}`,
      `  ${oneLine(status(difference))}`,
    );
  }
  return lines.join('\n');
}
