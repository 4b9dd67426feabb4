import { useState } from 'preact/hooks';
import { authStore } from '../api/auth-store.js';

/**
 * Asks for the gateway's API key after an /api call answered 401. The key is kept in
 * sessionStorage (forgotten when the tab closes) and sent as `Authorization: Bearer`.
 */
export function TokenForm({ message }: { message: string | null }) {
  const [token, setToken] = useState('');
  const hadToken = authStore.get().token !== null;
  return (
    <section class="token-panel" aria-labelledby="token-heading">
      <h1 id="token-heading">This gateway needs an API key</h1>
      <p>
        {hadToken
          ? 'The key you gave was refused. Enter a valid one.'
          : 'The Workspace reads the gateway’s API, which is protected by an API key.'}
        {message !== null && <span class="muted"> Server said: “{message}”</span>}
      </p>
      <form
        class="form-stack"
        onSubmit={(event) => {
          event.preventDefault();
          authStore.setToken(token);
        }}
      >
        <div class="field">
          <label for="workspace-token">API key</label>
          <input
            id="workspace-token"
            name="token"
            type="password"
            autocomplete="off"
            required
            value={token}
            onInput={(event) => setToken(event.currentTarget.value)}
          />
          <p class="hint">
            Kept for this browser tab only (sessionStorage) and sent as a Bearer token.
          </p>
        </div>
        <div>
          <button type="submit" class="button-primary">
            Use this key
          </button>
        </div>
      </form>
    </section>
  );
}
