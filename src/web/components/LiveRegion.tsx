import type { ChatStore } from '../state/store.ts';

/**
 * The chat screen's two live regions, visually hidden: new messages in the open conversation
 * (polite) and messages for me (assertive), batched by the store's Announcer. Both are in the
 * DOM from the start (a region added together with its text is not read by every screen
 * reader); each announcement is a new node, so the same words twice are said twice.
 */
export function LiveRegion({ store }: { store: ChatStore }) {
  const { polite, assertive } = store.announcer;
  return (
    <div class="sr-only">
      <div id="live-messages" aria-live="polite">{polite && <p key={polite.seq}>{polite.text}</p>}</div>
      <div id="live-for-me" aria-live="assertive">{assertive && <p key={assertive.seq}>{assertive.text}</p>}</div>
    </div>
  );
}
