import { useState } from 'preact/hooks';
import type { ChatMessage } from '../../protocol/index.ts';
import { fullTime, shortTime } from '../lib/time.ts';
import { convOfHit, jumpTo, search } from '../state/history.ts';
import type { ChatStore } from '../state/store.ts';
import { Dialog } from './Dialog.tsx';
import { SearchIcon } from './icons.tsx';

/**
 * Full-text search over the rooms I am in (and my direct messages when registered), with
 * `from:NAME` and `in:#room` filters. A result opens its conversation at the message.
 */
export function SearchBox({ store }: { store: ChatStore }) {
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<ChatMessage[] | undefined>(undefined);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const q = query.trim();
    if (!q) return;
    setBusy(true);
    setError('');
    try {
      setResults(await search(store, q));
    } catch (err) {
      setResults([]);
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const open = (msg: ChatMessage): void => {
    setResults(undefined);
    void jumpTo(store, msg);
  };

  return (
    <form class="search" role="search" onSubmit={(e) => void submit(e)}>
      <SearchIcon />
      <input type="search" aria-label="Search" placeholder="Search" title="Search messages; filters: from:name, in:#room" value={query} maxLength={500}
        spellcheck={false} onInput={(e) => setQuery(e.currentTarget.value)} />
      {results && (
        <Dialog id="search" title="Search" onClose={() => setResults(undefined)}>
          <p class="muted">{busy ? 'Searching…' : error ? '' : `${results.length === 0 ? 'No' : results.length} message${results.length === 1 ? '' : 's'} matching “${query.trim()}”`}</p>
          {error && <p class="form-error" role="alert">{error}</p>}
          {!busy && results.length === 0 && <p class="muted small">Every word must match (word* matches a prefix). Narrow it with <code>from:name</code> or <code>in:#room</code>.</p>}
          <ul class="results" aria-label="Search results">
            {results.map((m) => {
              const where = convOfHit(store, m);
              return (
                <li key={m.id}>
                  <button type="button" class="result" onClick={() => open(m)}>
                    <span class="result-head">
                      <span class="result-conv">{where.kind === 'room' ? where.name : `@${where.name}`}</span>
                      <span class="author">{m.from}</span>
                      <time dateTime={new Date(m.ts).toISOString()} title={fullTime(m.ts)}>{shortTime(m.ts)}</time>
                    </span>
                    <span class="result-text">{m.text}</span>
                  </button>
                </li>
              );
            })}
          </ul>
        </Dialog>
      )}
    </form>
  );
}
