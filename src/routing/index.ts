/** Routing: policy, classification, route selection and the failover loop. */
export * from './classify/index.js';
export { type FitContextOptions, type FitContextResult, fitContext } from './context-fit.js';
export * from './policy/index.js';
export {
  type CompletionOutcome,
  type ExecutionTrace,
  executeCompletion,
  executeStream,
  type RoutePlan,
  type RouteRuntime,
  type StreamOutcome,
} from './route-executor.js';
export { describeAttempts, RouteFailedError } from './route-failed-error.js';
export { RoutingRuntime } from './routing-runtime.js';
export { selectRoute } from './select-route.js';
