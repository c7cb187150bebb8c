/**
 * The flag that fills each request field the application layer names in its errors
 * (`field('artifact')` in src/errors.ts): the CLI shows `--artifact` where a server would show the
 * field's domain wording. Every field a use case names is listed here; a field without a flag is
 * shown in domain words.
 */
const FLAGS: Readonly<Record<string, string>> = {
  artifact: '--artifact',
  digest: '--digest',
  file: '--file',
  image: '--image',
  override: '--override',
  reason: '--reason',
  result: '--result',
  details: '--details',
  days: '--days',
  comment: '--comment',
  withdraw: '--withdraw',
  lookalikesSeen: '--lookalike-seen DIGEST',
  suite: '--suite NAME',
  now: '--now / TOLLGATE_NOW',
  role: '--role',
  pipelines: '--pipeline NAME',
  expiresIn: '--expires',
};

export function flagOf(field: string): string | undefined {
  return Object.hasOwn(FLAGS, field) ? FLAGS[field] : undefined;
}
