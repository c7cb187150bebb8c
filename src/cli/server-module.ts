/**
 * The server's code is a bundle of its own (dist/server.cjs, beside the CLI's): only `serve`
 * loads it, so every other command starts without it. Running from source, it is imported directly.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { TollgateError } from '../errors.js';

type ServerModule = typeof import('../server/main.js');

declare const __dirname: string | undefined;

export async function loadServerModule(): Promise<ServerModule> {
  if (typeof __dirname === 'string') {
    const file = join(__dirname, 'server.cjs');
    if (existsSync(file)) return createRequire(file)(file) as ServerModule;
  }
  // From source (tests, development): a specifier esbuild cannot fold into a literal, so the CLI
  // bundle does not include the server.
  const specifier = ['..', 'server', 'main.js'].join('/');
  return (await import(specifier)) as ServerModule;
}

/**
 * An error from the server bundle, as this bundle's TollgateError (each bundle has its own class),
 * so the CLI's one catch gives it its message and exit code.
 */
export function adoptServerError(error: unknown): unknown {
  if (error instanceof TollgateError || !(error instanceof Error) || error.name !== 'TollgateError')
    return error;
  const { code } = error as Error & { code: TollgateError['code'] };
  return new TollgateError(code, error.message, { cause: error });
}
