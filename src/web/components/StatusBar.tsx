import type { ChatStore } from '../state/store.ts';

/** Connection status: says when the server is gone, that it is reconnecting, and what is waiting to go out. */
export function StatusBar({ store }: { store: ChatStore }) {
  const { status, statusDetail } = store;
  if (status === 'online') return null;
  const waiting = store.client?.outboxSize ?? 0;
  const queued = waiting > 0 ? ` ${waiting} message${waiting === 1 ? '' : 's'} will be sent when the connection is back.` : '';
  if (status === 'closed') {
    return (
      <div class="conn-bar closed" role="alert">
        <span>Disconnected{statusDetail ? `: ${statusDetail}` : ''}.</span>
        <button type="button" class="small-btn" onClick={() => location.reload()}>Reload</button>
      </div>
    );
  }
  return (
    <div class="conn-bar offline" role="status">
      <span class="spinner" aria-hidden="true" />
      <span>{status === 'connecting' ? 'Reconnecting…' : `Connection lost${statusDetail ? ` (${statusDetail})` : ''}.`}{queued}</span>
    </div>
  );
}
