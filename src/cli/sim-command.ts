import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import {
  createSimServer,
  parseSimProfile,
  SIM_PRESETS,
  type SimProfile,
} from '../providers/sim/index.js';

/** Options of `switchyard sim`. */
export interface SimOptions {
  port?: string;
  host?: string;
  profile?: string;
}

/**
 * `switchyard sim`: a standalone OpenAI- and Anthropic-compatible simulated upstream, for load
 * tests and fault drills against a gateway. Every answer is marked as simulated.
 */
export async function simCommand(options: SimOptions): Promise<void> {
  const profile = await resolveProfile(options.profile ?? 'small-fast');
  const server = createSimServer({ profiles: {}, defaultProfile: profile });
  const { url } = await server.listen(Number(options.port ?? 9100), options.host ?? '127.0.0.1');
  process.stdout.write(`switchyard sim (simulated model) listening on ${url}/v1\n`);
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function resolveProfile(name: string): Promise<SimProfile> {
  const preset = (SIM_PRESETS as Record<string, SimProfile>)[name];
  if (preset) return preset;
  if (!/\.(ya?ml|json)$/.test(name)) {
    throw new Error(
      `unknown sim profile "${name}": use ${Object.keys(SIM_PRESETS).join(', ')} or a YAML file`,
    );
  }
  return parseSimProfile(parse(await readFile(name, 'utf8')));
}
