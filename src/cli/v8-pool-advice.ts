/**
 * Node starts V8 with a pool of 4 background threads (GC marking, parallel scavenges, compiler
 * jobs) unless `--v8-pool-size` says otherwise, whatever the CPUs the process may run on. On a
 * gateway pinned to one or two CPUs those threads compete with the event loop for its own core:
 * measured pinned to one core, a mark-compact then paused the loop 8–15 ms with ~90 ms of
 * background marking time sliced against it, against 3–8 ms and ~40 ms with one helper thread
 * (docs/benchmarks.md, session 11). The pool size can only be set when node starts, so the
 * gateway can only say so.
 */
export const NODE_DEFAULT_V8_POOL_SIZE = 4;

/** The flag that sizes the pool to the CPUs the process may use (Node picks CPUs − 1, at least 1). */
export const V8_POOL_FLAG = '--v8-pool-size=0';

/** Up to this many usable CPUs, the default pool is at least twice the CPUs: advise the flag. */
const MOST_CPUS_TO_ADVISE = 2;

/** What the process knows about itself at startup. */
export interface ProcessFacts {
  /** `os.availableParallelism()`: CPUs in the process's affinity mask. */
  usableCpus: number;
  /** `process.execArgv`. */
  execArgv: readonly string[];
  /** `process.env.NODE_OPTIONS`. */
  nodeOptions: string | undefined;
}

/** A warning worth logging at startup. */
export interface V8PoolAdvice {
  usableCpus: number;
  v8PoolSize: number;
  /** How to start instead. */
  fix: string;
  message: string;
}

/**
 * Advice when node runs its default V8 pool on a process allowed only a CPU or two, null when the
 * pool size was chosen explicitly (on the command line or in NODE_OPTIONS) or the CPUs suffice.
 */
export function adviseV8PoolSize(facts: ProcessFacts): V8PoolAdvice | null {
  if (facts.usableCpus > MOST_CPUS_TO_ADVISE) return null;
  const given = [...facts.execArgv, ...(facts.nodeOptions ?? '').split(/\s+/)];
  if (given.some((flag) => flag === '--v8-pool-size' || flag.startsWith('--v8-pool-size=')))
    return null;
  const cpus = facts.usableCpus === 1 ? '1 usable CPU' : `${facts.usableCpus} usable CPUs`;
  return {
    usableCpus: facts.usableCpus,
    v8PoolSize: NODE_DEFAULT_V8_POOL_SIZE,
    fix: `NODE_OPTIONS=${V8_POOL_FLAG}`,
    message:
      `node runs ${NODE_DEFAULT_V8_POOL_SIZE} V8 background threads on ${cpus}; their garbage ` +
      `collection work preempts the event loop and lengthens tail latency. Start with ` +
      `NODE_OPTIONS=${V8_POOL_FLAG} to size them to the CPUs (docs/deploy.md).`,
  };
}
