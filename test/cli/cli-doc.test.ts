/**
 * docs/cli.md against the CLI itself: every command `tollgate --help` lists is in the doc's
 * command table with the flags its `--help` shows, and the doc names no command or flag the CLI
 * does not have. The truth is the commander program the binary runs (`buildProgram`), so a flag
 * added, renamed or dropped without the doc fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { ROOT } from '../support/cli.js';

const DOC = readFileSync(join(ROOT, 'docs', 'cli.md'), 'utf8');

/** Long flags a command defines itself (not `--help`). */
function flagsOf(command: Command): string[] {
  return command.options.map((option) => option.long).filter((flag): flag is string => flag !== undefined);
}

/** Every command a user can run, by its path (`ledger verify`): groups that only hold subcommands are left out. */
function commandsOf(program: Command): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  const walk = (command: Command, path: string[]) => {
    for (const sub of command.commands) {
      const subPath = [...path, sub.name()];
      const runnable =
        sub.commands.length === 0 || sub.options.length > 0 || sub.registeredArguments.length > 0;
      if (runnable) found.set(subPath.join(' '), new Set(flagsOf(sub)));
      walk(sub, subPath);
    }
  };
  walk(program, []);
  return found;
}

/** The doc's command table: each code span of a row's first cell, keyed by the command it names. */
function documentedCommands(known: ReadonlySet<string>): {
  commands: Map<string, Set<string>>;
  unknown: string[];
} {
  const section = DOC.slice(DOC.indexOf('## Commands'), DOC.indexOf('### Digests'));
  const commands = new Map<string, Set<string>>();
  const unknown: string[] = [];
  for (const line of section.split('\n')) {
    const cell = /^\| (`.*?) \| /.exec(line)?.[1];
    if (cell === undefined) continue;
    for (const [, form] of cell.matchAll(/`([^`]+)`/g)) {
      const words: string[] = [];
      for (const word of form!.split(' ')) {
        if (!/^[a-z][a-z-]*$/.test(word)) break;
        words.push(word);
      }
      // The longest run of leading words that is a command (`rollback check STAGE`, `ci github`).
      let name = words.join(' ');
      while (name !== '' && !known.has(name)) name = name.split(' ').slice(0, -1).join(' ');
      if (name === '') {
        unknown.push(form!);
        continue;
      }
      const flags = commands.get(name) ?? new Set<string>();
      for (const [flag] of form!.matchAll(/--[a-z][a-z-]*/g)) flags.add(flag);
      commands.set(name, flags);
    }
  }
  return { commands, unknown };
}

/** The exit codes a text lists as outcomes (`exit 0 healthy, 1 tripped, …`), up to `;`, `[` or the cell's end. */
function exitCodesIn(text: string): number[] | undefined {
  const list = /exit (0 [^;[|]*)/.exec(text)?.[1];
  return list === undefined
    ? undefined
    : [...list.matchAll(/(?:^|, )([0-4]) [a-z]/g)].map((m) => Number(m[1]));
}

/** A command's row of the doc's command table, after its first cell. */
function docRowOf(name: string): string | undefined {
  const section = DOC.slice(DOC.indexOf('## Commands'), DOC.indexOf('### Digests'));
  const row = section
    .split('\n')
    .find((line) => line.startsWith(`| \`${name} `) || line.startsWith(`| \`${name}\``));
  return row?.slice(row.indexOf(' | ') + 3);
}

describe('docs/cli.md and the CLI', () => {
  const program = buildProgram();
  const cli = commandsOf(program);
  const globals = new Set(flagsOf(program));
  const { commands: doc, unknown } = documentedCommands(new Set(cli.keys()));

  it('documents no command the CLI lacks', () => {
    expect(unknown).toEqual([]);
  });

  it('documents every command the CLI has', () => {
    // The walk found the commands (a broken walk must not pass by finding none).
    expect(cli.has('attest tests') && cli.has('ledger verify') && cli.has('rollback')).toBe(true);
    expect([...cli.keys()].filter((name) => !doc.has(name))).toEqual([]);
  });

  it("lists each command's flags as its --help does, no more and no fewer", () => {
    const mismatches: string[] = [];
    for (const [name, flags] of cli) {
      const documented = doc.get(name) ?? new Set<string>();
      const missing = [...flags].filter((flag) => !documented.has(flag));
      // A global option (`--server`) may be shown with the command it is typical for.
      const extra = [...documented].filter((flag) => !flags.has(flag) && !globals.has(flag));
      if (missing.length > 0) mismatches.push(`${name}: not in docs/cli.md: ${missing.join(' ')}`);
      if (extra.length > 0) mismatches.push(`${name}: in docs/cli.md but not in --help: ${extra.join(' ')}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('lists the global options as `tollgate --help` does', () => {
    const table = DOC.slice(DOC.indexOf('## Global options'), DOC.indexOf('### Registries'));
    const documented = new Set([...table.matchAll(/^\| `[^|]*?(--[a-z][a-z-]*)/gm)].map((m) => m[1]!));
    expect([...documented].sort()).toEqual([...globals].filter((flag) => flag !== '--version').sort());
  });

  it('lists in --help the exit codes docs/cli.md lists for the command', () => {
    const mismatches: string[] = [];
    const walk = (command: Command, path: string[]) => {
      for (const sub of command.commands) {
        const name = [...path, sub.name()].join(' ');
        const help = exitCodesIn(sub.description());
        const row = docRowOf(name);
        const documented = row === undefined ? undefined : exitCodesIn(row);
        if (help !== undefined && documented !== undefined && help.join() !== documented.join())
          mismatches.push(
            `${name}: --help says exit ${help.join(', ')}; docs/cli.md says ${documented.join(', ')}`,
          );
        walk(sub, [...path, sub.name()]);
      }
    };
    walk(program, []);
    // The comparison found rows to compare (a broken lookup must not pass by finding none).
    expect(exitCodesIn(docRowOf('drift') ?? '')).toEqual([0, 1]);
    expect(mismatches).toEqual([]);
  });

  it('names in --help the evidence formats docs/cli.md says attest reads', () => {
    const attest = program.commands.find((command) => command.name() === 'attest')!;
    const help = (name: string) => attest.commands.find((command) => command.name() === name)!.description();
    for (const [name, formats] of [
      [
        'sbom',
        ['CycloneDX 1.2–1.7 JSON or 1.0–1.7 XML', 'SPDX 2.2/2.3 JSON or tag-value', 'SPDX 3.0 JSON-LD'],
      ],
      ['provenance', ['SLSA provenance v1/v0.2/v0.1']],
    ] as const) {
      for (const format of formats) {
        expect(docRowOf(`attest ${name}`), `docs/cli.md, attest ${name}`).toContain(format);
        expect(help(name), `attest ${name} --help`).toContain(format);
      }
    }
  });
});
