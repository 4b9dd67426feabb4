/** The HTTP face of Switchyard: an OpenAI-compatible gateway. */
export { adminState } from './admin-handler.js';
export { checkApiKey } from './check-api-key.js';
export {
  createGateway,
  type Gateway,
  type GatewayOptions,
  type WorkspaceOptions,
} from './gateway.js';
export type { GatewayContext } from './gateway-context.js';
export { type ErrorBody, errorBody, toSwitchyardError } from './http-error.js';
export { validateChatRequest } from './validate-chat-request.js';
export {
  createWorkspaceServer,
  type WorkspaceServer,
} from './workspace-api/index.js';
