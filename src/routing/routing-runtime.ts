import { Agent } from 'undici';
import type { ChatRequest } from '../core/chat-types.js';
import { contentText } from '../core/chat-types.js';
import type { ChatProvider } from '../providers/chat-provider.js';
import { createProvider } from '../providers/create-provider.js';
import { createSimProvider } from '../providers/sim/index.js';
import { type BreakerRegistry, createBreakerRegistry } from '../resilience/index.js';
import { fitContext } from './context-fit.js';
import type { Policy, RouteConfig, RouteStep, TargetConfig } from './policy/policy-types.js';
import type { RouteRuntime } from './route-executor.js';

interface ProviderSlot {
  provider: ChatProvider;
  agent: Agent;
  /** The target config it was built from; a changed config means a new provider on reload. */
  fingerprint: string;
}

/** Defaults for a route made on the fly when a client names a bare target. */
const BARE_TARGET_STEP: Omit<RouteStep, 'target'> = {
  timeouts: { connectMs: 2_000, ttftMs: 10_000, streamIdleMs: 15_000, totalMs: 60_000 },
  fallbackOn: [],
  latencyBudgetMs: null,
  maxAttempts: 2,
};

/**
 * Everything routing derives from a policy, shared by the gateway (live traffic) and evaluation
 * (replayed traffic), so what is measured is what is served: providers with their connection pools,
 * breakers, and routes. Hot reload swaps the policy in place, keeping the pools and breaker
 * state of targets whose config did not change.
 */
export class RoutingRuntime implements RouteRuntime {
  #policy: Policy;
  readonly #env: NodeJS.ProcessEnv;
  readonly #providers = new Map<string, ProviderSlot>();
  readonly #bareRoutes = new Map<string, RouteConfig>();
  /** Targets (name and upstream) whose upstream has labelled an answer simulated. */
  readonly #labelledSimulated = new Set<string>();
  readonly breakers: BreakerRegistry;

  constructor(policy: Policy, env: NodeJS.ProcessEnv) {
    this.#policy = policy;
    this.#env = env;
    this.breakers = createBreakerRegistry(policy.breaker, breakerOverrides(policy));
    this.#syncProviders();
  }

  /** The policy in force. */
  get policy(): Policy {
    return this.#policy;
  }

  /** Swap in a new, already validated policy. */
  async reload(policy: Policy): Promise<void> {
    this.#policy = policy;
    this.#bareRoutes.clear();
    this.breakers.reconfigure(policy.breaker, breakerOverrides(policy));
    // Old pools finish their in-flight requests before they close.
    await Promise.all(this.#syncProviders().map((slot) => closeSlot(slot)));
  }

  target(name: string): TargetConfig | undefined {
    return this.#policy.targets.get(name);
  }

  /**
   * Whether `target`'s answers are simulated: a sim target, or one whose upstream has labelled
   * an answer so (a standalone sim server behind an openai-compatible target). Views that list
   * targets ask this, so the label shows there too once such an answer has been seen.
   */
  isSimulated(target: TargetConfig): boolean {
    return target.provider === 'sim' || this.#labelledSimulated.has(simulatedKey(target));
  }

  /** Remember that `target`'s upstream labelled an answer simulated. */
  noteSimulatedAnswer(target: TargetConfig): void {
    if (target.provider !== 'sim') this.#labelledSimulated.add(simulatedKey(target));
  }

  provider(name: string): ChatProvider {
    const slot = this.#providers.get(name);
    if (!slot) throw new Error(`no provider for target "${name}"`);
    return slot.provider;
  }

  breaker(name: string) {
    return this.breakers.get(name);
  }

  /** A one-step route for a client that named a target directly. */
  bareRoute(target: TargetConfig): RouteConfig {
    let route = this.#bareRoutes.get(target.name);
    if (!route) {
      route = {
        name: target.name,
        chain: [{ target: target.name, ...BARE_TARGET_STEP, fallbackOn: [] }],
        deadlineMs: 120_000,
        retry: { baseDelayMs: 100, maxDelayMs: 2_000, retryAfterCapMs: 5_000 },
        contextFit: null,
        canary: null,
        shadow: null,
        onlineChecks: null,
        verifier: null,
      };
      this.#bareRoutes.set(target.name, route);
    }
    return route;
  }

  async fitContext(request: ChatRequest, target: TargetConfig, route: RouteConfig) {
    const config = route.contextFit;
    if (!config) return null;
    const summarizer = config.summarizerTarget;
    const fitted = await fitContext(request.messages, {
      windowTokens: target.contextWindow,
      reserveOutputTokens: config.reserveOutputTokens,
      keepLastTurns: config.keepLastTurns,
      strategy: config.strategy,
      summarize:
        config.strategy === 'summarize' && summarizer
          ? (dropped) => this.#summarize(summarizer, dropped)
          : undefined,
    });
    if (fitted.droppedTurns === 0 && !fitted.summarized) return null;
    return { request: { ...request, messages: fitted.messages }, note: fitted.note };
  }

  /** Close every upstream pool. */
  async close(): Promise<void> {
    const slots = [...this.#providers.values()];
    this.#providers.clear();
    await Promise.all(slots.map((slot) => closeSlot(slot)));
  }

  async #summarize(targetName: string, dropped: ChatRequest['messages']): Promise<string> {
    const target = this.target(targetName);
    if (!target) throw new Error(`summarizer target "${targetName}" not found`);
    const transcript = dropped
      .map((message) => `${message.role}: ${contentText(message.content)}`)
      .join('\n');
    const { completion } = await this.provider(targetName).doComplete(
      {
        model: target.model,
        temperature: 0,
        messages: [
          {
            role: 'system',
            content:
              'Summarize this conversation in a few sentences. Keep facts, names and numbers.',
          },
          { role: 'user', content: transcript },
        ],
      },
      { signal: AbortSignal.timeout(10_000) },
    );
    return completion.choices[0]?.message.content ?? '';
  }

  /** Build providers for new or changed targets; return the slots they replace. */
  #syncProviders(): ProviderSlot[] {
    const stale: ProviderSlot[] = [];
    for (const [name, slot] of this.#providers) {
      const target = this.#policy.targets.get(name);
      if (!target || fingerprintOf(target, this.#policy) !== slot.fingerprint) {
        stale.push(slot);
        this.#providers.delete(name);
      }
    }
    for (const target of this.#policy.targets.values()) {
      if (this.#providers.has(target.name)) continue;
      const agent = new Agent({
        connect: { timeout: connectTimeoutFor(target.name, this.#policy) },
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 600_000,
        // Every call carries its attempt's signal, which enforces the ttft, stream-idle and
        // total deadlines (always set: the schema requires positive values, defaults 10/15/60 s).
        // undici's own 300 s header and body timers would only duplicate them, and each
        // request's timer object outlives it until undici's next timer sweep (~1 s): it survives
        // scavenges and is promoted, ~30 B per request of old-generation growth.
        headersTimeout: 0,
        bodyTimeout: 0,
      });
      const provider = createProvider(target, {
        dispatcher: agent,
        env: this.#env,
        createSim: (simTarget) => {
          if (!simTarget.sim) throw new Error(`sim target "${simTarget.name}" has no sim profile`);
          return createSimProvider({
            profile: simTarget.sim,
            model: simTarget.model,
            contextWindow: simTarget.contextWindow,
          });
        },
      });
      this.#providers.set(target.name, {
        provider,
        agent,
        fingerprint: fingerprintOf(target, this.#policy),
      });
    }
    return stale;
  }
}

async function closeSlot(slot: ProviderSlot): Promise<void> {
  await slot.provider.close();
  await slot.agent.close();
}

function breakerOverrides(policy: Policy) {
  return new Map(
    [...policy.targets.values()].map((target) => [target.name, target.breaker] as const),
  );
}

/** The shortest connect timeout any route step asks of this target. */
function connectTimeoutFor(targetName: string, policy: Policy): number {
  let timeout = BARE_TARGET_STEP.timeouts.connectMs;
  let seen = false;
  for (const route of policy.routes.values()) {
    for (const step of route.chain) {
      if (step.target !== targetName) continue;
      timeout = seen ? Math.min(timeout, step.timeouts.connectMs) : step.timeouts.connectMs;
      seen = true;
    }
  }
  return timeout;
}

function fingerprintOf(target: TargetConfig, policy: Policy): string {
  return `${JSON.stringify(target)}|${connectTimeoutFor(target.name, policy)}`;
}

/** A target's identity for the simulated label: a reload that repoints it forgets the label. */
function simulatedKey(target: TargetConfig): string {
  return `${target.name}\u0000${target.baseUrl ?? ''}\u0000${target.model}`;
}
