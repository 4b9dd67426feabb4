import type { ComponentChildren } from 'preact';
import { ApiError } from '../api/api-error.js';
import type { ApiState } from '../api/use-api.js';

/** A busy indicator with a spoken label; never a blank area while data loads. */
export function LoadingState({ label }: { label: string }) {
  return (
    <div class="state state-loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

/** A failed load: what went wrong, the server's error code, and a way to try again. */
export function ErrorState({
  title,
  error,
  onRetry,
}: {
  title: string;
  error: Error;
  onRetry?: () => void;
}) {
  const code = error instanceof ApiError ? error.code : null;
  return (
    <div class="state state-error" role="alert">
      <h2 class="state-title">{title}</h2>
      <p>{error.message}</p>
      {code !== null && (
        <p class="muted">
          Error code: <code>{code}</code>
          {error instanceof ApiError && error.status > 0 ? ` (HTTP ${error.status})` : ''}
        </p>
      )}
      {onRetry !== undefined && (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** Nothing to show yet, said in words with a hint on how to get something. */
export function EmptyState({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="state state-empty">
      <h2 class="state-title">{title}</h2>
      {children}
    </div>
  );
}

/** Renders the loading or error state of `state`, or `children(data)` once it has loaded. */
export function ApiView<T>({
  state,
  loadingLabel,
  errorTitle,
  children,
}: {
  state: ApiState<T> & { reload(): void };
  loadingLabel: string;
  errorTitle: string;
  children: (data: T) => ComponentChildren;
}) {
  if (state.status === 'loading') return <LoadingState label={loadingLabel} />;
  if (state.status === 'error') {
    return <ErrorState title={errorTitle} error={state.error} onRetry={state.reload} />;
  }
  return <>{children(state.data)}</>;
}
