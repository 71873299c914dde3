import { useEffect, useState } from 'preact/hooks';
import type { ChatStore } from './store.ts';

/** Re-renders the calling component whenever the store changes (Preact batches the renders). */
export function useStore(store: ChatStore): number {
  const [version, setVersion] = useState(store.version);
  useEffect(() => store.subscribe(() => setVersion(store.version)), [store]);
  return version;
}
