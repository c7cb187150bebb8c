import type { Command } from 'commander';

/**
 * `tollgate ci github|gitlab`: the CI shells (action.yml, templates/tollgate.yml) run this. The
 * verb and its arguments come from the CI's inputs (INPUT_COMMAND/INPUT_ARGS on GitHub,
 * TOLLGATE_CI_COMMAND/TOLLGATE_CI_ARGS on GitLab); see docs/ci.md.
 */
export function defineCi(program: Command): void {
  const ci = program
    .command('ci')
    .description('run a verb for a CI system and write its summary, outputs and reports (docs/ci.md)');
  ci.command('github')
    .description('the GitHub Action: step summary, outputs verdict/digest/vsa-path, annotations')
    .action(async () => {
      const { runGithubAction } = await import('../../ci/github-action.js');
      process.exitCode = await runGithubAction(process.env, process.argv[1]!);
    });
  ci.command('gitlab')
    .description('the GitLab CI job: JUnit report of the decision, Markdown, dotenv outputs')
    .action(async () => {
      const { runGitlabJob } = await import('../../ci/gitlab-job.js');
      process.exitCode = await runGitlabJob(process.env, process.argv[1]!);
    });
}
