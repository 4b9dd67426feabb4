/** The built-in simulated provider: an in-process ChatProvider, a wire server and their engine. */
export {
  countPromptTokens,
  createSimEngine,
  SIM_IMMEDIATE_FAULTS,
  type SimEngine,
  type SimEngineLoad,
  type SimEngineOptions,
  type SimFaultSource,
  type SimPlan,
  type SimSlotRelease,
} from './sim-engine.js';
export {
  normalizeSimProfile,
  parseSimProfile,
  SIM_FAULTS,
  type SimFault,
  type SimProfile,
  simProfileSchema,
} from './sim-profile.js';
export { SIM_PRESETS, type SimPresetName } from './sim-profiles.js';
export {
  createSimProvider,
  type SimClock,
  type SimProvider,
  type SimProviderOptions,
} from './sim-provider.js';
export {
  createSimServer,
  type SimServer,
  type SimServerLogEntry,
  type SimServerOptions,
  type SimServerStats,
} from './sim-server.js';
