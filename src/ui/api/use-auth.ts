import { useEffect, useState } from 'preact/hooks';
import { type AuthSnapshot, authStore } from './auth-store.js';

/** The token store's current state; re-renders the component when it changes. */
export function useAuth(): AuthSnapshot {
  const [snapshot, setSnapshot] = useState(authStore.get());
  useEffect(() => {
    setSnapshot(authStore.get());
    return authStore.subscribe(() => setSnapshot(authStore.get()));
  }, []);
  return snapshot;
}
