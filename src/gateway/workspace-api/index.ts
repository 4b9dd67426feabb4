/** The Workspace's server side: its JSON API (/api/*) and the built browser app (/ui). */
export { buildSuiteLine, createSuiteWriter, type SuiteWriter } from './append-suite-case.js';
export {
  createWorkspaceServer,
  type WorkspaceServer,
  type WorkspaceServerOptions,
} from './create-workspace-server.js';
export {
  createWorkspaceApi,
  type WorkspaceApiHandler,
  type WorkspaceApiOptions,
} from './handle-workspace-api.js';
export {
  createUiAssetHandler,
  defaultUiAssetsDir,
  UI_PREFIX,
  type UiAssetHandler,
} from './serve-ui-assets.js';
export type * from './workspace-api-types.js';
