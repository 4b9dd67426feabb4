import { packageInfo } from '../../core/package-info.js';
import type { Policy, TargetConfig } from '../../routing/policy/policy-types.js';
import type { WorkspaceInfo } from './workspace-api-types.js';

/** Tokens are priced per token in the policy and per million in the UI. */
const PER_MILLION = 1_000_000;

/** What `GET /api/info` reports about the sources a Workspace server has. */
export interface WorkspaceSourcesPresent {
  requestLog: boolean;
  runs: boolean;
  suitePath: string | null;
}

/** `GET /api/info` for a live gateway: the policy's names and prices, and what can be used. */
export function buildGatewayInfo(
  policy: Policy,
  sources: WorkspaceSourcesPresent,
  isSimulated: (target: TargetConfig) => boolean = (target) => target.provider === 'sim',
): WorkspaceInfo {
  const routes = [...policy.routes.keys()];
  const targets = [...policy.targets.values()];
  const models = ['auto', ...routes];
  if (policy.server.exposeTargets) {
    for (const target of targets) if (!models.includes(target.name)) models.push(target.name);
  }
  return {
    version: packageInfo().version,
    mode: 'gateway',
    policy: policy.sourcePath,
    models,
    routes,
    targets: targets.map((target) => ({
      name: target.name,
      provider: target.provider,
      model: target.model,
      simulated: isSimulated(target),
      contextWindow: target.contextWindow,
      inputPricePerMillion: target.inputPricePerToken * PER_MILLION,
      outputPricePerMillion: target.outputPricePerToken * PER_MILLION,
    })),
    features: {
      live: true,
      playground: true,
      killSwitch: policy.server.adminToken !== null,
      requestLog: sources.requestLog,
      capturedBodies: policy.log.captureBodies,
      runs: sources.runs,
      suitePath: sources.suitePath,
    },
  };
}

/** `GET /api/info` for `switchyard ui` on a stored database: no live gateway behind it. */
export function buildOfflineInfo(sources: WorkspaceSourcesPresent): WorkspaceInfo {
  return {
    version: packageInfo().version,
    mode: 'offline',
    policy: null,
    models: [],
    routes: [],
    targets: [],
    features: {
      live: false,
      playground: false,
      killSwitch: false,
      requestLog: sources.requestLog,
      // Unknown offline: each stored record says whether its body was captured.
      capturedBodies: true,
      runs: sources.runs,
      suitePath: sources.suitePath,
    },
  };
}
