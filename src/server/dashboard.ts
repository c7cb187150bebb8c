/**
 * The dashboard's files, served at `/`: the page (dist/ui/index.html) and its assets
 * (dist/ui/assets/*), all in the package. The page is a single document whose routes live in the
 * URL's hash; the API stays under /api/v1. A strict Content-Security-Policy allows only this
 * server's own scripts, styles and connections: no inline script, no CDN, no framing.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ServerEnv } from './env.js';

export interface DashboardOptions {
  /** The folder holding index.html and assets/ (the build's dist/ui). */
  dir: string;
  /** True when `/auth/login` exists (the server has OIDC sign-in configured). */
  login: boolean;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const SECURITY_HEADERS = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  // frame-ancestors says it to browsers that read CSP; this, to those that only know the older header.
  'x-frame-options': 'DENY',
};

/** Adds `/` and `/assets/*` to `app`, read from `options.dir` (once; the files do not change while serving). */
export function defineDashboard(app: OpenAPIHono<ServerEnv>, options: DashboardOptions): void {
  let page: string | undefined;
  const readPage = () => {
    page ??= readFileSync(join(options.dir, 'index.html'), 'utf8').replace(
      '<!--snapshot-->',
      `<meta name="tollgate-login" content="${options.login ? 'on' : 'off'}">`,
    );
    return page;
  };
  const assets = new Map<string, Buffer>();

  app.get('/', (c) => {
    let html: string;
    try {
      html = readPage();
    } catch {
      return c.json(
        {
          error: {
            code: 'NOT_FOUND',
            // Where the server is installed is the operator's to know (its log), not every caller's.
            message:
              'the dashboard is not built on this server (its page is missing from the package: run npm run build where Tollgate is installed); the API is at /api/v1 (see /openapi.json)',
          },
        },
        404,
      );
    }
    return c.body(html, 200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-cache',
    });
  });

  app.get('/assets/:file', (c) => {
    const name = c.req.param('file');
    // Only plain file names of known types: no path, no traversal, nothing else in the folder.
    const ext = /^[\w-]+(\.[\w-]+)*(\.[a-z]+)$/.exec(name)?.[2];
    const type = ext ? TYPES[ext] : undefined;
    if (!type) return c.notFound();
    let bytes = assets.get(name);
    if (!bytes) {
      const file = join(options.dir, 'assets', name);
      try {
        if (!statSync(file).isFile()) return c.notFound();
        bytes = readFileSync(file);
      } catch {
        return c.notFound();
      }
      assets.set(name, bytes);
    }
    return c.body(new Uint8Array(bytes), 200, {
      ...SECURITY_HEADERS,
      'content-type': type,
      'cache-control': 'no-cache',
    });
  });
}
