/**
 * The workflow commands a GitHub Actions runner would act on in a step's output, found as the
 * runner finds them (actions/runner, read 2026-12-07):
 * - src/Runner.Worker/Handlers/ScriptHandler.cs and NodeScriptActionHandler.cs hand stdout AND
 *   stderr, line by line, to the same ActionCommandManager;
 * - src/Runner.Worker/ActionCommandManager.cs tries `ActionCommand.TryParseV2`, then `TryParse`;
 * - src/Runner.Common/ActionCommand.cs: V2 is a line that, after `TrimStart()`, starts with `::`
 *   and has a second `::` (`::add-mask::x`); V1 is `##[` ANYWHERE in the line followed by `]`
 *   (`… ##[add-mask]x`). Command names are compared ignoring case.
 * Only registered commands count; these are the runner's command extensions.
 */
const REGISTERED = new Set([
  'stop-commands',
  'set-env',
  'set-output',
  'save-state',
  'add-mask',
  'add-path',
  'add-matcher',
  'remove-matcher',
  'warning',
  'error',
  'notice',
  'debug',
  'group',
  'endgroup',
  'echo',
]);

export interface WorkflowCommand {
  command: string;
  line: string;
}

/** Every line of `output` (stdout and stderr of a step) that the runner would run as a command. */
export function workflowCommands(output: string): WorkflowCommand[] {
  const found: WorkflowCommand[] = [];
  // .NET's StreamReader.ReadLine ends a line at \n, \r or \r\n.
  for (const line of output.split(/\r\n|\r|\n/)) {
    // .NET's TrimStart and JavaScript's trimStart remove the same white space but U+FEFF.
    const trimmed = line.trimStart();
    let name: string | undefined;
    if (trimmed.startsWith('::')) {
      const end = trimmed.indexOf('::', 2);
      if (end >= 0) name = trimmed.slice(2, end).split(' ')[0];
    }
    if (name === undefined || !REGISTERED.has(name.toLowerCase())) {
      const prefix = line.indexOf('##[');
      const close = prefix < 0 ? -1 : line.indexOf(']', prefix);
      name = close < 0 ? undefined : line.slice(prefix + 3, close).split(' ')[0];
    }
    if (name !== undefined && REGISTERED.has(name.toLowerCase())) found.push({ command: name, line });
  }
  return found;
}
