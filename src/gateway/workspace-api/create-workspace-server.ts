import { createServer, type Server } from 'node:http';
import { SwitchyardError } from '../../core/switchyard-error.js';
import type { RunStore } from '../../eval/run-store.js';
import type { LogStore } from '../../telemetry/log-store.js';
import { sendError } from '../http-error.js';
import { listenServer } from '../listen-server.js';
import { createSuiteWriter } from './append-suite-case.js';
import { createWorkspaceApi } from './handle-workspace-api.js';
import { createUiAssetHandler, UI_PREFIX } from './serve-ui-assets.js';

/** Options of createWorkspaceServer: a stored database and nothing live. */
export interface WorkspaceServerOptions {
  logStore: LogStore | null;
  runStore: RunStore | null;
  suitePath?: string | null;
  /** A token /api requires; null leaves it open (the server binds loopback by default). */
  token?: string | null;
  uiAssetsDir?: string;
}

/** A Workspace server without a gateway behind it. */
export interface WorkspaceServer {
  readonly server: Server;
  listen(port: number, host: string): Promise<{ url: string; port: number }>;
  close(): Promise<void>;
}

/**
 * `switchyard ui`: the Workspace on a stored database — runs and the request log, no live
 * traffic and no playground. `/` redirects to the app.
 */
export function createWorkspaceServer(options: WorkspaceServerOptions): WorkspaceServer {
  const api = createWorkspaceApi({
    logStore: options.logStore,
    runStore: options.runStore,
    suite: options.suitePath ? createSuiteWriter(options.suitePath) : null,
    live: null,
    offlineToken: options.token ?? null,
  });
  const assets = createUiAssetHandler(options.uiAssetsDir);
  const server = createServer((request, response) => {
    const url = request.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    if (path.startsWith('/api/')) {
      void api(request, response, path, queryAt === -1 ? '' : url.slice(queryAt + 1));
      return;
    }
    if (path === '/') {
      response.writeHead(302, { location: `${UI_PREFIX}/` });
      response.end();
      return;
    }
    if (path === UI_PREFIX || path.startsWith(`${UI_PREFIX}/`)) {
      assets(request, response);
      return;
    }
    request.resume();
    sendError(
      response,
      new SwitchyardError('not_found', `No route for ${request.method} ${path}.`),
    );
  });
  return {
    server,
    listen(port, host) {
      return listenServer(server, port, host);
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
