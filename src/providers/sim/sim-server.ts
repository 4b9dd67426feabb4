import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatRequest } from '../../core/chat-types.js';
import { loadTokenizer } from '../../routing/classify/token-counter.js';
import { SIMULATED_HEADER } from '../simulated-header.js';
import { waitMs } from './abortable-wait.js';
import { createPieceSchedule } from './piece-schedule.js';
import {
  type AnthropicMessagesRequest,
  anthropicBlockDelta,
  anthropicBlockStart,
  anthropicEvent,
  anthropicMessage,
  anthropicRequestProblem,
  anthropicStreamFinish,
  anthropicStreamOpen,
  anthropicToChatRequest,
} from './sim-anthropic-shapes.js';
import {
  createSimEngine,
  SIM_IMMEDIATE_FAULTS,
  type SimEngine,
  type SimFaultSource,
  type SimPlan,
} from './sim-engine.js';
import {
  anthropicErrorBody,
  openAiErrorBody,
  retryAfterHeaders,
  type SimErrorKind,
  simFaultError,
} from './sim-fault-error.js';
import {
  type SimChunkFrame,
  simCompletion,
  simFinishChunk,
  simPieceChunk,
  simRoleChunk,
  simUsageChunk,
} from './sim-openai-shapes.js';
import type { SimFault, SimProfile } from './sim-profile.js';

/** Options of a simulated upstream server. */
export interface SimServerOptions {
  /** Profiles by model name; a request's `model` picks one. */
  profiles: Record<string, SimProfile>;
  /** Profile for model names not in `profiles`; without it they get a 404. */
  defaultProfile?: SimProfile;
  /** Context window for every model, or per model name. Default 128 000. */
  contextWindow?: number | Record<string, number>;
  /** Longest time a stalled or unanswered request is held open before its socket is destroyed. */
  maxHoldMs?: number;
  /** How many entries stats().log keeps (the newest). Default 10 000. */
  logLimit?: number;
}

/** One request the server planned, as the gateway's tests inspect it. */
export interface SimServerLogEntry {
  /** When the body had been read, ms since the epoch. */
  at: number;
  model: string;
  path: string;
  stream: boolean;
  /** Arrival order within its model, from 1. */
  requestNumber: number;
  /** What the server did: the planned fault, or rate_limited when capacity was full. */
  fault: SimFault;
  /** Where the fault came from; null for 'ok'. */
  faultSource: SimFaultSource | 'capacity' | null;
  /** The credential the caller presented (Authorization or x-api-key), so tests can prove a key was sent. */
  authorization: string | null;
}

/** What the server has seen since it started or was reset. */
export interface SimServerStats {
  /** Every request to an API path, valid or not. */
  total: number;
  /** Planned requests per model name. */
  byModel: Record<string, number>;
  /** Requests whose response has not closed yet. */
  inFlight: number;
  /** Planned requests in arrival order, with their faults. */
  log: SimServerLogEntry[];
}

/** A running simulated upstream. */
export interface SimServer {
  listen(port?: number, host?: string): Promise<{ url: string; port: number }>;
  close(): Promise<void>;
  stats(): SimServerStats;
  /** Clear counts and the log, and restart every model's fault script. */
  reset(): void;
}

const BODY_LIMIT_BYTES = 16 * 1024 * 1024;
const DEFAULT_MAX_HOLD_MS = 5 * 60_000;
const MAX_LAZY_MODELS = 256;
/** A string no answer contains, marking where a piece goes in a serialized chunk. */
const PIECE_PLACEHOLDER = '\u0000piece\u0000';
const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
};

/** How one wire protocol writes an answer and its errors. */
interface Dialect {
  /** Written right after the stream's headers. */
  open(): string;
  /** Written just before the first piece. */
  first(): string;
  piece(index: number): string;
  /** An event whose data is not JSON. */
  malformed(): string;
  /** Everything after the last piece up to, not including, the terminal marker. */
  finish(): string;
  /** The terminal marker. */
  done(): string;
  /** The non-streaming body. */
  body(): string;
}

/** Per-request state shared by the answer writers. */
interface Exchange {
  request: IncomingMessage;
  response: ServerResponse;
  /** Aborts when the response closes, whether finished or cut off by the client. */
  signal: AbortSignal;
  plan: SimPlan;
  dialect: Dialect;
  /** Settles when the last write reached the socket. */
  lastWrite: Promise<void>;
}

/**
 * An OpenAI- and Anthropic-compatible HTTP server that answers from sim profiles and injects
 * faults on the wire, the way a flaky real upstream would. Gateway tests point targets at it and
 * read stats() to see how many attempts reached it, and when.
 *
 * Non-streaming requests degrade the stream-only faults: cut_mid_stream sends headers and half
 * the body then destroys the socket; stall_mid_stream sends headers and half the body then
 * sends nothing more; malformed_chunk answers 200 with a body that is not JSON; missing_done
 * answers normally.
 */
export function createSimServer(options: SimServerOptions): SimServer {
  const maxHoldMs = options.maxHoldMs ?? DEFAULT_MAX_HOLD_MS;
  const logLimit = options.logLimit ?? 10_000;
  const engines = new Map<string, SimEngine>();
  const liveControllers = new Set<AbortController>();
  let total = 0;
  let inFlight = 0;
  let byModel: Record<string, number> = {};
  let log: SimServerLogEntry[] = [];

  function contextWindowFor(model: string): number | undefined {
    const setting = options.contextWindow;
    return typeof setting === 'number' ? setting : setting?.[model];
  }

  function engineFor(model: string): SimEngine | undefined {
    let engine = engines.get(model);
    if (engine) return engine;
    const profile = options.profiles[model] ?? options.defaultProfile;
    if (!profile || (!(model in options.profiles) && engines.size >= MAX_LAZY_MODELS))
      return undefined;
    engine = createSimEngine(profile, { modelName: model, contextWindow: contextWindowFor(model) });
    engines.set(model, engine);
    return engine;
  }

  function record(entry: SimServerLogEntry): void {
    byModel[entry.model] = (byModel[entry.model] ?? 0) + 1;
    log.push(entry);
    if (log.length > logLimit) log.splice(0, log.length - logLimit);
  }

  const server = createServer({ keepAliveTimeout: 30_000, noDelay: true }, (request, response) => {
    handle(request, response).catch(() => {
      // A bug must cost one request, never the process.
      if (!response.headersSent)
        sendJson(response, 500, openAiError('internal simulator error', 'server_error', null));
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    response.setHeader(SIMULATED_HEADER, 'true');
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const protocol =
      path === '/v1/chat/completions' ? 'openai' : path === '/v1/messages' ? 'anthropic' : null;
    if (request.method === 'GET' && path === '/v1/models') {
      request.resume();
      sendJson(response, 200, modelList());
      return;
    }
    if (!protocol) {
      request.resume();
      sendJson(
        response,
        404,
        openAiError(
          `No route for ${request.method} ${path} (simulated)`,
          'invalid_request_error',
          'not_found',
        ),
      );
      return;
    }
    if (request.method !== 'POST') {
      request.resume();
      sendJson(
        response,
        405,
        openAiError(
          `Use POST for ${path} (simulated)`,
          'invalid_request_error',
          'method_not_allowed',
        ),
      );
      return;
    }

    total += 1;
    inFlight += 1;
    const controller = new AbortController();
    liveControllers.add(controller);
    response.once('close', () => {
      inFlight -= 1;
      liveControllers.delete(controller);
      controller.abort();
    });

    const raw = await readBody(request);
    if (raw === 'aborted') return;
    const reject = (status: number, message: string, code: string | null): void => {
      if (protocol === 'anthropic') {
        const type =
          status === 404
            ? 'not_found_error'
            : status === 413
              ? 'request_too_large'
              : 'invalid_request_error';
        sendJson(response, status, { type: 'error', error: { type, message } });
      } else {
        sendJson(response, status, openAiError(message, 'invalid_request_error', code));
      }
    };
    if (raw === 'too_large')
      return reject(413, 'Request body too large (simulated)', 'body_too_large');
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return reject(
        400,
        'We could not parse the JSON body of your request. (simulated)',
        'invalid_json',
      );
    }
    const problem =
      protocol === 'openai' ? openAiRequestProblem(body) : anthropicRequestProblem(body);
    if (problem) return reject(400, problem, 'invalid_request');

    const chatRequest =
      protocol === 'openai'
        ? (body as ChatRequest)
        : anthropicToChatRequest(body as AnthropicMessagesRequest);
    const engine = engineFor(chatRequest.model);
    if (!engine) {
      return reject(
        404,
        `The model \`${chatRequest.model}\` does not exist (simulated)`,
        'model_not_found',
      );
    }
    const plan = engine.plan(chatRequest);
    const stream = (body as { stream?: unknown }).stream === true;
    const entry: SimServerLogEntry = {
      at: Date.now(),
      model: chatRequest.model,
      path,
      stream,
      requestNumber: plan.requestNumber,
      fault: plan.fault,
      faultSource: plan.faultSource,
      authorization: headerValue(request.headers.authorization ?? request.headers['x-api-key']),
    };
    const sendFault = (kind: SimErrorKind): void => {
      const error = simFaultError(kind, plan, engine.profile);
      const text = protocol === 'anthropic' ? anthropicErrorBody(error) : openAiErrorBody(error);
      sendText(response, error.status, text, retryAfterHeaders(error));
    };

    if (SIM_IMMEDIATE_FAULTS.has(plan.fault)) {
      record(entry);
      if (plan.fault === 'reset_before_headers') request.socket.destroy();
      else sendFault(plan.fault as SimErrorKind);
      return;
    }
    const admission = engine.acquire(controller.signal);
    if (admission === 'rejected') {
      record({ ...entry, fault: 'rate_limited', faultSource: 'capacity' });
      sendFault('capacity');
      return;
    }
    record(entry);
    const release = await admission;
    if (!release) return;
    try {
      const exchange: Exchange = {
        request,
        response,
        signal: controller.signal,
        plan,
        dialect:
          protocol === 'openai'
            ? openAiDialect(
                plan,
                chatRequest.model,
                (body as ChatRequest).stream_options?.include_usage === true,
              )
            : anthropicDialect(plan, chatRequest.model),
        lastWrite: Promise.resolve(),
      };
      if (plan.fault === 'no_response') await holdThenDestroy(exchange);
      else if (stream) await writeStream(exchange);
      else await writeWhole(exchange);
    } finally {
      release();
    }
  }

  function send(exchange: Exchange, text: string): void {
    if (text === '') return;
    exchange.lastWrite = new Promise<void>((resolve) => {
      exchange.response.write(text, () => resolve());
    });
  }

  /*
   * A "cut" must look like a dying upstream: the bytes already written arrive, then the socket
   * closes with no terminal chunk (no zero-length chunk, no [DONE]). Destroying right after
   * write() could drop bytes still queued in Node, so wait for the last write's callback (the
   * bytes are in the kernel) and then destroy; the kernel still delivers them before the FIN.
   */
  async function flushThenDestroy(exchange: Exchange): Promise<void> {
    await exchange.lastWrite;
    exchange.request.socket.destroy();
  }

  /** Keep the request open, writing nothing, until the client leaves or maxHoldMs passes. */
  async function holdThenDestroy(exchange: Exchange): Promise<void> {
    await waitMs(maxHoldMs, exchange.signal);
    exchange.request.socket.destroy();
  }

  /*
   * Streams the plan. Headers go out at once (a real upstream accepts before it generates), then
   * pieces on the plan's schedule. Pieces that fall due together are written in one write, so a
   * wakeup costs one syscall. A mid-stream fault strikes before piece `faultAfterPieces` (at
   * least one piece has gone out); for a one-piece answer it strikes before the finish events.
   * Every wait races the response's close, so a departed client frees its slot within a tick.
   */
  async function writeStream(exchange: Exchange): Promise<void> {
    const { response, plan, dialect, signal } = exchange;
    response.writeHead(200, SSE_HEADERS);
    response.flushHeaders();
    send(exchange, dialect.open());
    const schedule = createPieceSchedule(plan, Date.now(), Date.now);
    const count = plan.pieces.length;
    let pending = '';
    for (let index = 0; index <= count; index++) {
      if (index === plan.faultAfterPieces) {
        if (plan.fault === 'cut_mid_stream' || plan.fault === 'stall_mid_stream') {
          send(exchange, pending);
          if (plan.fault === 'cut_mid_stream') await flushThenDestroy(exchange);
          else await holdThenDestroy(exchange);
          return;
        }
        if (plan.fault === 'malformed_chunk') pending += dialect.malformed();
      }
      if (index === count) break;
      const delay = schedule.delayBefore(index);
      if (delay > 0) {
        send(exchange, pending);
        pending = '';
        if (!(await waitMs(delay, signal))) return;
      }
      if (index === 0) pending += dialect.first();
      pending += dialect.piece(index);
    }
    pending += dialect.finish();
    response.end(plan.fault === 'missing_done' ? pending : pending + dialect.done());
  }

  async function writeWhole(exchange: Exchange): Promise<void> {
    const { response, plan, dialect, signal } = exchange;
    if (plan.fault === 'cut_mid_stream' || plan.fault === 'stall_mid_stream') {
      const halfway = plan.ttftMs + (plan.faultAfterPieces - 1) * plan.interTokenMs;
      if (!(await waitMs(halfway, signal))) return;
      const body = dialect.body();
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      });
      send(exchange, body.slice(0, Math.floor(body.length / 2)));
      if (plan.fault === 'cut_mid_stream') await flushThenDestroy(exchange);
      else await holdThenDestroy(exchange);
      return;
    }
    if (!(await waitMs(plan.durationMs, signal))) return;
    sendText(response, 200, plan.fault === 'malformed_chunk' ? '{not json' : dialect.body());
  }

  function modelList(): Record<string, unknown> {
    return {
      object: 'list',
      data: Object.keys(options.profiles).map((id) => ({
        id,
        object: 'model',
        created: 0,
        owned_by: 'switchyard-sim',
      })),
    };
  }

  return {
    listen(port = 0, host = '127.0.0.1') {
      // Its answers are sized by counted tokens: load the vocabulary now, not on the first call.
      loadTokenizer();
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve({ url: `http://${hostPart}:${address.port}`, port: address.port });
        });
      });
    },
    close() {
      for (const controller of liveControllers) controller.abort();
      return new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    stats() {
      return { total, byModel: { ...byModel }, inFlight, log: [...log] };
    },
    reset() {
      total = 0;
      byModel = {};
      log = [];
      for (const engine of engines.values()) engine.reset();
    },
  };
}

function openAiDialect(plan: SimPlan, model: string, includeUsage: boolean): Dialect {
  const frame: SimChunkFrame = {
    plan,
    model,
    created: Math.floor(Date.now() / 1000),
    includeUsage,
  };
  const data = (value: unknown): string => `data: ${JSON.stringify(value)}\n\n`;
  /*
   * Piece chunks are the hot path (one per token), and only the piece differs between them.
   * Serialize one chunk around a placeholder once and splice each piece's JSON string into it;
   * the result is byte-for-byte what JSON.stringify of the whole chunk would give.
   */
  const placeholder = JSON.stringify(PIECE_PLACEHOLDER);
  const template = data(
    simPieceChunk({ ...frame, plan: { ...plan, pieces: [PIECE_PLACEHOLDER] } }, 0),
  );
  const split = template.indexOf(placeholder);
  const prefix = template.slice(0, split);
  const suffix = template.slice(split + placeholder.length);
  return {
    open: () => '',
    first: () => data(simRoleChunk(frame)),
    piece: (index) => prefix + JSON.stringify(plan.pieces[index] ?? '') + suffix,
    malformed: () => 'data: {not json\n\n',
    finish: () => data(simFinishChunk(frame)) + (includeUsage ? data(simUsageChunk(frame)) : ''),
    done: () => 'data: [DONE]\n\n',
    body: () => JSON.stringify(simCompletion(plan, model, frame.created)),
  };
}

function anthropicDialect(plan: SimPlan, model: string): Dialect {
  return {
    open: () => anthropicStreamOpen(plan, model),
    first: () => anthropicBlockStart(plan),
    piece: (index) => anthropicBlockDelta(plan, index),
    malformed: () => 'event: content_block_delta\ndata: {not json\n\n',
    finish: () => anthropicStreamFinish(plan),
    done: () => anthropicEvent('message_stop', {}),
    body: () => JSON.stringify(anthropicMessage(plan, model)),
  };
}

/** Why a body is not a chat completion request the simulator can plan, or null. */
function openAiRequestProblem(body: unknown): string | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return 'The body must be a JSON object.';
  const fields = body as Record<string, unknown>;
  if (typeof fields.model !== 'string') return "Missing required parameter: 'model'.";
  if (!Array.isArray(fields.messages)) return "Missing required parameter: 'messages'.";
  for (const message of fields.messages) {
    if (typeof message !== 'object' || message === null || typeof message.role !== 'string') {
      return "Invalid 'messages': each message needs a string 'role'.";
    }
    const content = (message as { content?: unknown }).content;
    if (content != null && typeof content !== 'string' && !Array.isArray(content)) {
      return "Invalid 'messages': 'content' must be a string or an array of parts.";
    }
    if (
      Array.isArray(content) &&
      content.some((part) => typeof part !== 'object' || part === null)
    ) {
      return "Invalid 'messages': each content part must be an object.";
    }
  }
  if (fields.tools !== undefined) {
    const valid =
      Array.isArray(fields.tools) &&
      fields.tools.every((tool) => typeof tool?.function?.name === 'string');
    if (!valid) return "Invalid 'tools': each tool needs a 'function' with a string 'name'.";
  }
  return null;
}

function openAiError(message: string, type: string, code: string | null): Record<string, unknown> {
  return { error: { message, type, param: null, code } };
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  sendText(response, status, JSON.stringify(value));
}

function sendText(
  response: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

/** The body as text; 'too_large' past the limit (still drained), 'aborted' if the client left. */
function readBody(request: IncomingMessage): Promise<string | 'too_large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= BODY_LIMIT_BYTES) chunks.push(chunk);
    });
    request.once('end', () => {
      resolve(size > BODY_LIMIT_BYTES ? 'too_large' : Buffer.concat(chunks).toString('utf8'));
    });
    request.once('error', () => resolve('aborted'));
    request.once('close', () => resolve('aborted'));
  });
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}
