import { createParser } from 'eventsource-parser';
import {
  type AnswerState,
  applyEvent,
  applyHeaders,
  endAnswer,
  failAnswer,
  startAnswer,
} from '../logic/answer-stream.js';
import { authHeaders, failedResponse } from './api-client.js';
import { errorMessage } from './api-error.js';

/** One playground request: which model, the chat, and where to report progress. */
export interface StreamChatOptions {
  model: string;
  messages: unknown[];
  signal: AbortSignal;
  /** Called with every new state of the answer (after each event). */
  onUpdate(answer: AnswerState): void;
  /** The clock; performance.now() by default. */
  now?: () => number;
  /** Where to send it; the page's own gateway by default (tests pass a loopback URL). */
  url?: string;
}

/*
 * Sends one streamed chat through the gateway exactly as an OpenAI client would
 * (`stream: true` with usage in the last chunk) and folds the SSE events into an AnswerState.
 * The body is read with a reader loop rather than EventSource because EventSource cannot POST;
 * eventsource-parser handles events split across network chunks. An abort (the user pressed
 * Stop, or left the page) ends the loop through the same signal the fetch uses.
 */
export async function streamChat(options: StreamChatOptions): Promise<AnswerState> {
  const now = options.now ?? (() => performance.now());
  let answer = startAnswer(options.model, now());
  const update = (next: AnswerState) => {
    answer = next;
    options.onUpdate(answer);
  };
  options.onUpdate(answer);
  let response: Response;
  try {
    response = await fetch(options.url ?? '/v1/chat/completions', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        ...authHeaders(),
      },
      body: JSON.stringify({
        model: options.model,
        messages: options.messages,
        stream: true,
        stream_options: { include_usage: true },
      }),
      signal: options.signal,
    });
  } catch (error) {
    update(
      failAnswer(
        answer,
        {
          message: options.signal.aborted
            ? 'Stopped.'
            : `Could not reach the gateway: ${errorMessage(error)}`,
          code: options.signal.aborted ? 'aborted' : 'network_error',
          status: null,
        },
        now(),
      ),
    );
    return answer;
  }
  update(
    applyHeaders(answer, {
      target: response.headers.get('x-switchyard-target'),
      route: response.headers.get('x-switchyard-route'),
      simulated: response.headers.get('x-switchyard-simulated') === 'true',
      requestId: response.headers.get('x-switchyard-request-id'),
    }),
  );
  if (!response.ok) {
    const error = await failedResponse(response);
    update(
      failAnswer(
        answer,
        { message: error.message, code: error.code, status: response.status },
        now(),
      ),
    );
    return answer;
  }
  if (response.body === null) {
    update(endAnswer(answer, now()));
    return answer;
  }
  const parser = createParser({
    onEvent: (event) => update(applyEvent(answer, event.data, now())),
  });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(value);
      if (answer.status === 'done' || answer.status === 'error') break;
    }
    update(endAnswer(answer, now()));
  } catch (error) {
    update(
      failAnswer(
        answer,
        {
          message: options.signal.aborted ? 'Stopped.' : `The stream broke: ${errorMessage(error)}`,
          code: options.signal.aborted ? 'aborted' : 'stream_broken',
          status: null,
        },
        now(),
      ),
    );
  } finally {
    reader.cancel().catch(() => {});
  }
  return answer;
}
