import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChatRequest } from '../src/core/chat-types.js';
import { countPromptTokens, promptTokenUpperBound } from '../src/routing/classify/index.js';
import { type GatewayHarness, startHarness } from './support/gateway-harness.js';

/*
 * The gateway counts a prompt's tokens only when a rule or a window needs the number, and
 * otherwise routes on an upper bound (bytes). These tests hold it to two promises: routing is
 * what the exact count would give, and the tokens it accounts are the count, never the bound.
 */

/** An OpenAI-compatible upstream that never reports usage; `broken-model` always fails. */
let upstream: Server;
let upstreamUrl: string;

beforeAll(async () => {
  upstream = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { model: string };
      if (body.model === 'broken-model') {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { message: 'down', type: 'server_error' } }));
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          id: 'chatcmpl-1',
          object: 'chat.completion',
          created: 1,
          model: body.model,
          choices: [
            { index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' },
          ],
        }),
      );
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
  return () => new Promise<void>((resolve) => upstream.close(() => resolve()));
});

let harness: GatewayHarness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

const target = (name: string) =>
  `  ${name}: { provider: openai-compatible, base_url: "${upstreamUrl}", model: ${name}-model, context_window: 100000, price: { input_per_mtok: 1, output_per_mtok: 1 } }`;

function policy(extra: string): string {
  return `
version: 1
targets:
${target('small')}
${target('big')}
${target('broken')}
${extra}
routes:
  fast: { targets: [small] }
  quality: { targets: [big] }
  failing: { targets: [{ target: broken, max_attempts: 1 }] }
default_route: fast
`;
}

const HEAVY_RULES = `classification:
  tags:
    - tag: heavy
      when: { min_prompt_tokens: 1025 }
rules:
  - name: heavy-to-quality
    when: { tags: [heavy] }
    route: quality`;

function chat(content: string): ChatRequest {
  return { model: 'auto', messages: [{ role: 'user', content }] };
}

describe('prompt tokens', () => {
  it('accounts the counted prompt, not its bound, when the upstream reports no usage', async () => {
    harness = await startHarness({ profiles: {}, policyYaml: policy('') });
    const request = chat('hello world, '.repeat(40));
    const exact = countPromptTokens(request);
    expect(promptTokenUpperBound(request)).toBeGreaterThan(exact);

    const { data: completion, response } = await harness
      .openai()
      .chat.completions.create({
        model: 'auto',
        messages: [{ role: 'user', content: 'hello world, '.repeat(40) }],
      })
      .withResponse();
    expect(completion.usage?.prompt_tokens).toBe(exact);
    // An upstream that does not label its answers simulated is not shown as simulated.
    expect(response.headers.get('x-switchyard-simulated')).toBeNull();
    const [record] = await harness.records();
    expect(record?.tokensIn).toBe(exact);
    expect(record?.usageSource).toBe('counted');
  });

  it('accounts the counted prompt of a request that every target failed', async () => {
    harness = await startHarness({ profiles: {}, policyYaml: policy('') });
    const content = 'please summarize this: '.repeat(30);
    await expect(
      harness.openai({}).chat.completions.create({
        model: 'failing',
        messages: [{ role: 'user', content }],
      }),
    ).rejects.toThrow();
    const [record] = await harness.records();
    expect(record?.servedTarget).toBeNull();
    expect(record?.tokensIn).toBe(countPromptTokens({ ...chat(content), model: 'failing' }));
  });

  it('routes on the count when the bound alone cannot decide a token rule', async () => {
    harness = await startHarness({ profiles: {}, policyYaml: policy(HEAVY_RULES) });
    // ~2,600 bytes but ~400 tokens: over the rule's 1,025 by bytes, under it by count.
    const light = 'the cat sat on the mat. '.repeat(110);
    expect(promptTokenUpperBound(chat(light))).toBeGreaterThan(1025);
    expect(countPromptTokens(chat(light))).toBeLessThan(1025);
    // Well over 1,025 tokens.
    const heavy = 'antidisestablishmentarianism 12345 '.repeat(400);
    expect(countPromptTokens(chat(heavy))).toBeGreaterThan(1025);
    // Under 1,025 by bytes: decided without counting.
    const short = 'hi there';

    const served = async (content: string) =>
      (
        await harness?.openai().chat.completions.create({
          model: 'auto',
          messages: [{ role: 'user', content }],
        })
      )?.model;
    expect(await served(light)).toBe('small');
    expect(await served(heavy)).toBe('big');
    expect(await served(short)).toBe('small');
    const records = await harness.records();
    expect(records.map((record) => record.tags)).toEqual([[], ['heavy'], []]);
    expect(records.map((record) => record.tokensIn)).toEqual(
      [light, heavy, short].map((content) => countPromptTokens(chat(content))),
    );
  });
});
