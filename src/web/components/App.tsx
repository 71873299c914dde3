import { useEffect, useMemo } from 'preact/hooks';
import { ChatStore } from '../state/store.ts';
import { useStore } from '../state/use-store.ts';
import { Chat } from './Chat.tsx';
import { Login } from './Login.tsx';

export function App() {
  const store = useMemo(() => new ChatStore(), []);
  useStore(store);
  useEffect(() => {
    const onVisible = (): void => {
      if (!document.hidden) store.markCurrentRead();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [store]);
  useEffect(() => {
    const conv = store.currentConv;
    const unread = [...store.convs.values()].reduce((n, c) => n + (c.joined ? c.unread : 0), 0);
    document.title = store.client ? `${unread ? `(${unread}) ` : ''}${conv?.name ?? ''} · Banter` : 'Banter';
  });
  return store.client ? <Chat store={store} /> : <Login store={store} />;
}
