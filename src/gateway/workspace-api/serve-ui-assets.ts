import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import sirv from 'sirv';
import { packageInfo } from '../../core/package-info.js';

/** The UI's URL prefix. */
export const UI_PREFIX = '/ui';

/** Serves the built Workspace app (dist/ui) under /ui. */
export type UiAssetHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** Where the built app is: `dist/ui` in the package, written by `npm run build:ui`. */
export function defaultUiAssetsDir(): string {
  return join(packageInfo().root, 'dist', 'ui');
}

/**
 * A handler for GET /ui and /ui/*. Hashed files under /ui/assets/ are cached for a year (their
 * names change with their content); index.html is revalidated every time, and it answers every
 * other path under /ui, so the app's own routes (/ui/runs/…) survive a reload. When the app is
 * not built, the page says how to build it instead of a bare 404.
 */
export function createUiAssetHandler(directory = defaultUiAssetsDir()): UiAssetHandler {
  if (!existsSync(join(directory, 'index.html'))) {
    return (request, response) => {
      request.resume();
      const body = `The Switchyard Workspace is not built in ${directory}. Run "npm run build:ui" and restart.\n`;
      response.writeHead(503, {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      });
      response.end(body);
    };
  }
  const assets = sirv(directory, {
    single: true,
    etag: true,
    dev: false,
    setHeaders(response, pathname) {
      response.setHeader(
        'cache-control',
        pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  return (request, response) => {
    const url = request.url ?? UI_PREFIX;
    if (url === UI_PREFIX || url.startsWith(`${UI_PREFIX}?`)) {
      // /ui without the slash would resolve the app's relative asset URLs against /.
      response.writeHead(301, { location: `${UI_PREFIX}/${url.slice(UI_PREFIX.length)}` });
      response.end();
      return;
    }
    request.url = url.slice(UI_PREFIX.length);
    assets(request, response, () => {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('Not found\n');
    });
  };
}
