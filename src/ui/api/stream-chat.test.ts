import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { AnswerState } from '../logic/answer-stream.js';
import { streamChat } from './stream-chat.js';

let server: Server | null = null;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

/** A loopback server whose one handler plays the gateway's part. */
async function serve(
  handler: (response: ServerResponse, body: string) => void | Promise<void>,
): Promise<string> {
  const created = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => void handler(response, body));
  });
  server = created;
  await new Promise<void>((resolve) => created.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(created.address() as AddressInfo).port}/v1/chat/completions`;
}

const chunk = (content: string, extra: Record<string, unknown> = {}) =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'fast', choices: [{ index: 0, delta: { content }, finish_reason: null }], ...extra })}\n\n`;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function run(url: string): Promise<{ final: AnswerState; updates: AnswerState[] }> {
  const updates: AnswerState[] = [];
  const final = await streamChat({
    url,
    model: 'auto',
    messages: [{ role: 'user', content: 'hi' }],
    signal: AbortSignal.timeout(5000),
    onUpdate: (answer) => updates.push(answer),
  });
  return { final, updates };
}

describe('streamChat over a real socket', () => {
  it('asks for usage, reassembles events split across writes, and reads the gateway headers', async () => {
    let sent = '';
    const url = await serve(async (response, body) => {
      sent = body;
      response.writeHead(200, {
        'content-type': 'text/event-stream',
        'x-switchyard-target': 'fast',
        'x-switchyard-route': 'chat',
        'x-switchyard-simulated': 'true',
        'x-switchyard-request-id': 'req-9',
      });
      const events =
        chunk('Hel') +
        chunk('lo') +
        chunk('', {
          choices: [],
          usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
        });
      // Cut mid-event so the parser must carry a partial line over to the next write.
      response.write(events.slice(0, 40));
      await pause(20);
      response.write(events.slice(40));
      response.end('data: [DONE]\n\n');
    });
    const { final, updates } = await run(url);
    expect(JSON.parse(sent)).toMatchObject({
      model: 'auto',
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(final).toMatchObject({
      status: 'done',
      text: 'Hello',
      target: 'fast',
      route: 'chat',
      simulated: true,
      requestId: 'req-9',
      usage: { promptTokens: 5, completionTokens: 2 },
    });
    expect(final.ttftMs).not.toBeNull();
    expect(final.latencyMs).toBeGreaterThanOrEqual(final.ttftMs ?? 0);
    expect(updates[0]?.status).toBe('waiting');
  });

  it('shows an HTTP error body as the answer’s error, with its status and code', async () => {
    const url = await serve((response) => {
      response.writeHead(429, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          error: { message: 'Budget spent', type: 'rate_limit', code: 'budget_exceeded' },
        }),
      );
    });
    const { final } = await run(url);
    expect(final).toMatchObject({
      status: 'error',
      error: { message: 'Budget spent', code: 'budget_exceeded', status: 429 },
    });
  });

  it('fails on an in-band error event and on a stream cut off before [DONE]', async () => {
    const inBand = await serve((response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(chunk('part'));
      response.end(
        `data: ${JSON.stringify({ error: { message: 'upstream reset', type: 'upstream', code: 'upstream_reset' } })}\n\n`,
      );
    });
    expect((await run(inBand)).final).toMatchObject({
      status: 'error',
      text: 'part',
      error: { code: 'upstream_reset' },
    });
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    const cut = await serve((response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(chunk('half'));
    });
    expect((await run(cut)).final).toMatchObject({
      status: 'error',
      text: 'half',
      error: { code: 'stream_truncated' },
    });
  });
});
