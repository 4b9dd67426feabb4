import { describe, expect, it } from 'vitest';
import { adviseV8PoolSize } from './v8-pool-advice.js';

describe('adviseV8PoolSize', () => {
  it('advises the flag when node runs its default pool on one usable CPU', () => {
    const advice = adviseV8PoolSize({ usableCpus: 1, execArgv: [], nodeOptions: undefined });
    expect(advice).toMatchObject({
      usableCpus: 1,
      v8PoolSize: 4,
      fix: 'NODE_OPTIONS=--v8-pool-size=0',
    });
    expect(advice?.message).toContain('4 V8 background threads on 1 usable CPU;');
    expect(advice?.message).toContain('docs/deploy.md');
  });

  it('advises it on two CPUs and not on three or more', () => {
    expect(adviseV8PoolSize({ usableCpus: 2, execArgv: [], nodeOptions: '' })?.message).toContain(
      'on 2 usable CPUs;',
    );
    expect(adviseV8PoolSize({ usableCpus: 3, execArgv: [], nodeOptions: '' })).toBeNull();
    expect(adviseV8PoolSize({ usableCpus: 64, execArgv: [], nodeOptions: '' })).toBeNull();
  });

  it('stays quiet when the pool size was chosen on the command line, in either spelling', () => {
    for (const execArgv of [['--v8-pool-size=2'], ['--v8-pool-size', '1'], ['--v8-pool-size=0']])
      expect(adviseV8PoolSize({ usableCpus: 1, execArgv, nodeOptions: undefined })).toBeNull();
  });

  it('stays quiet when NODE_OPTIONS chooses it among other options', () => {
    expect(
      adviseV8PoolSize({
        usableCpus: 1,
        execArgv: ['--enable-source-maps'],
        nodeOptions: '--max-old-space-size=512  --v8-pool-size=0',
      }),
    ).toBeNull();
  });

  it('is not fooled by a flag that only starts alike', () => {
    expect(
      adviseV8PoolSize({ usableCpus: 1, execArgv: ['--v8-pool-sizes=2'], nodeOptions: undefined }),
    ).not.toBeNull();
  });
});
