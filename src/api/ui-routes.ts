import { stat } from 'node:fs/promises';
import { extname, relative, resolve, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ApiError } from './errors.js';

/** Where the built dashboard lives (`dist/ui` after `npm run build`). */
export interface UiAssets {
  /** The folder holding `index.html` and `assets/`. */
  root: string;
}

// Inline styles are how the graph and chart libraries position what they draw; scripts stay same-origin.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'";

/**
 * The dashboard at `/ui/`: the built single-page app's files, and `index.html` for any other path under
 * `/ui/` so a reload of `/ui/runs/abc` opens that page (a missing file under `assets/` stays a 404).
 * The pages are public — they hold no data; every call they make carries the token the user gives.
 * Without a built UI the routes answer 404 naming the build command.
 */
export async function uiRoutes(app: FastifyInstance, opts: { ui: UiAssets | undefined }): Promise<void> {
  const root = opts.ui === undefined ? undefined : resolve(opts.ui.root);
  if (root !== undefined) {
    // serve: false — only `reply.sendFile`; the routes below declare their (public) access themselves.
    await app.register(fastifyStatic, { root, serve: false, cacheControl: false });
  }

  const send = async (reply: FastifyReply, path: string): Promise<FastifyReply> => {
    if (root === undefined) {
      throw new ApiError('API_NOT_FOUND', 'the dashboard is not built here: run `npm run build`', {
        field: 'ui',
      });
    }
    const file = await existingFile(root, path);
    const target = file ?? (isAsset(path) ? undefined : 'index.html');
    if (target === undefined) throw new ApiError('API_NOT_FOUND', `no UI file ${path.slice(0, 200)}`);
    reply.header('content-security-policy', CSP);
    reply.header('x-content-type-options', 'nosniff');
    // Built assets carry their content hash in the name; index.html must always be fetched again.
    reply.header(
      'cache-control',
      target.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    );
    return reply.sendFile(target);
  };

  app.get('/', { config: { public: true } }, async (_req, reply) => reply.redirect('/ui/'));
  app.get('/ui', { config: { public: true } }, async (_req, reply) => reply.redirect('/ui/'));
  app.get('/ui/', { config: { public: true } }, async (_req, reply) => send(reply, 'index.html'));
  app.get<{ Params: { '*': string } }>('/ui/*', { config: { public: true } }, async (req, reply) =>
    send(reply, req.params['*']),
  );
}

function isAsset(path: string): boolean {
  return path.startsWith('assets/') || extname(path) !== '';
}

/** `path` relative to `root` when it names a file inside it; never a path that climbs out. */
async function existingFile(root: string, path: string): Promise<string | undefined> {
  if (path === '' || path.includes('\0')) return undefined;
  const full = resolve(root, path);
  const rel = relative(root, full);
  if (rel.startsWith('..') || rel.startsWith(sep) || rel === '') return undefined;
  try {
    return (await stat(full)).isFile() ? rel.split(sep).join('/') : undefined;
  } catch {
    return undefined;
  }
}
