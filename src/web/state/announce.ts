/**
 * What a screen reader should hear about arriving messages, for the two live regions of the
 * chat screen (components/LiveRegion.tsx): new messages in the open conversation politely,
 * messages for me (a mention anywhere, a direct message) assertively.
 *
 * Messages are collected for ANNOUNCE_BATCH_MS and then said as one sentence: one message is
 * read as "bob: text", a burst as "100 new messages in #lobby. Latest from bob: text", so a
 * busy room or a reconnect's replay is never read out message by message. Only counts and the
 * latest message are kept, so the state is bounded however many messages arrive.
 */
import type { ChatMessage } from '../../protocol/index.ts';

/** How long messages are collected before they are announced together. */
export const ANNOUNCE_BATCH_MS = 1000;
/** Longest message text read out in an announcement (the rest is cut with "…"). */
export const ANNOUNCE_TEXT_MAX = 200;

export interface Announcement {
  /** Increases with every announcement: a new node in the live region makes it speak again. */
  seq: number;
  text: string;
}

interface Batch { count: number; from: string; text: string; where: string; dm: boolean; convs: Set<string> }

function clip(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > ANNOUNCE_TEXT_MAX ? `${t.slice(0, ANNOUNCE_TEXT_MAX)}…` : t;
}

export class Announcer {
  polite: Announcement | undefined;
  assertive: Announcement | undefined;
  private seq = 0;
  private open: Batch | undefined;
  private forMe: Batch | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly onChange: () => void;

  constructor(onChange: () => void) {
    this.onChange = onChange;
  }

  /**
   * A message from someone else arrived live (not from history). `where` is the conversation's
   * display name; `current` whether it is the open one; `forMe` a mention or a direct message.
   */
  message(msg: ChatMessage, where: string, dm: boolean, current: boolean, forMe: boolean): void {
    if (!forMe && !current) return; // the sidebar's unread count says it
    const slot = forMe ? 'forMe' : 'open';
    const b = this[slot] ?? { count: 0, from: '', text: '', where, dm, convs: new Set<string>() };
    b.count++;
    b.from = msg.from;
    b.text = msg.kind === 'action' ? `* ${msg.from} ${msg.text}` : msg.text;
    b.where = where;
    b.dm = dm;
    // At most two names are kept: all that matters is whether there was more than one.
    if (b.convs.size < 2) b.convs.add(where);
    this[slot] = b;
    this.timer ??= setTimeout(() => this.flush(), ANNOUNCE_BATCH_MS);
  }

  /** Says what was collected (called by the timer; public for tests and for a conversation switch). */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const { open, forMe } = this;
    this.open = undefined;
    this.forMe = undefined;
    if (open) this.polite = { seq: ++this.seq, text: this.describe(open, false) };
    if (forMe) this.assertive = { seq: ++this.seq, text: this.describe(forMe, true) };
    if (open || forMe) this.onChange();
  }

  /** Forgets what was collected and said (signing out). */
  reset(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.open = this.forMe = this.polite = this.assertive = undefined;
  }

  private describe(b: Batch, forMe: boolean): string {
    const text = clip(b.text);
    if (b.count === 1) {
      if (!forMe) return `${b.from}: ${text}`;
      return b.dm ? `Direct message from ${b.from}: ${text}` : `${b.from} mentioned you in ${b.where}: ${text}`;
    }
    const many = b.convs.size > 1;
    const latest = `Latest from ${b.from}${many || forMe ? (b.dm ? ' (direct message)' : ` in ${b.where}`) : ''}: ${text}`;
    if (forMe) return `${b.count} messages for you. ${latest}`;
    return `${b.count} new messages in ${b.where}. ${latest}`;
  }
}
