/*
 * A prompt handed to the playground through its URL, so "Open in playground" on a run's diff row
 * is a plain link: it opens in a new tab, survives a reload and needs no shared state. The run
 * report keeps the last user message's text (shortened when long), which becomes the prompt.
 */

/** Where a prompt handed to the playground came from, in words, and the prompt itself. */
export interface LinkedPrompt {
  prompt: string;
  source: string;
}

/** The playground URL (relative to the Workspace base) that opens with `prompt` filled in. */
export function playgroundLinkForPrompt(
  prompt: string,
  from: { run: string; entry: string },
): string {
  const params = new URLSearchParams({ prompt, run: from.run, entry: from.entry });
  return `/playground?${params.toString()}`;
}

/** The prompt a playground URL carries, or null when it carries none. */
export function promptFromSearch(search: string): LinkedPrompt | null {
  const params = new URLSearchParams(search);
  const prompt = params.get('prompt');
  if (prompt === null || prompt.trim() === '') return null;
  const run = params.get('run');
  const entry = params.get('entry');
  const source =
    run !== null && entry !== null
      ? `entry ${entry} of run ${run}`
      : run !== null
        ? `run ${run}`
        : 'a link';
  return { prompt, source };
}
