/**
 * Files in the web client: signed links fetched on demand (batched, refreshed before they
 * expire), and uploads with progress and cancel (XHR, whose upload events give progress).
 */
import type { BanterClient } from '../../client/client.ts';
import type { FileRef } from '../../protocol/index.ts';

export interface FileLink { url: string; thumb?: string; expires: number }

/** Links are refreshed when less than this is left. */
const REFRESH_MS = 60_000;
/** A link that failed to load is asked for again at most this often. */
const RETRY_MS = 10_000;

export class FileLinks {
  client: BanterClient | undefined;
  private readonly links = new Map<string, FileLink>();
  private readonly asked = new Set<string>();
  /** Ids the server gave no link for (not ours to read): not asked again, or every render would ask. */
  private readonly denied = new Set<string>();
  private batch = new Set<string>();
  private readonly listeners = new Set<() => void>();
  /** When each file's link was last refreshed (bounded). */
  private readonly retried = new Map<string, number>();

  /** The link of a file when known; asks the server (once per batch) when missing or old. */
  get(id: string): FileLink | undefined {
    const l = this.links.get(id);
    if ((!l || l.expires - Date.now() < REFRESH_MS) && !this.asked.has(id) && !this.denied.has(id)) this.ask(id);
    return l;
  }

  /**
   * Forgets a file's link and asks for a fresh one: after `file_revoke`, or when the browser
   * could not load it (revoked by someone else, expired early). At most once per
   * RETRY_MS per file, so a file that keeps failing is not asked for in a loop.
   */
  refresh(id: string): void {
    const now = Date.now();
    if ((this.retried.get(id) ?? 0) > now - RETRY_MS) return;
    if (this.retried.size > 1000) this.retried.clear();
    this.retried.set(id, now);
    this.links.delete(id);
    this.denied.delete(id);
    for (const f of this.listeners) f();
  }

  /** Revokes every link to a file handed out so far (the uploader, room operators, admins), then fetches a fresh one. */
  async revoke(id: string): Promise<void> {
    const c = this.client;
    if (!c) throw new Error('not connected');
    await c.request('file_revoke', { file: id });
    this.retried.delete(id);
    this.refresh(id);
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private ask(id: string): void {
    this.asked.add(id);
    const first = this.batch.size === 0;
    this.batch.add(id);
    if (!first) return;
    queueMicrotask(() => {
      const ids = [...this.batch];
      this.batch = new Set();
      const c = this.client;
      if (!c) { for (const i of ids) this.asked.delete(i); return; }
      c.request('file_links', { files: ids }).then((r) => {
        for (const [k, v] of Object.entries(r.links)) this.links.set(k, v);
        for (const i of ids) {
          this.asked.delete(i);
          if (!(i in r.links)) this.denied.add(i);
        }
        for (const f of this.listeners) f();
      }, () => { for (const i of ids) this.asked.delete(i); });
    });
  }
}

export const fileLinks = new FileLinks();

/** One file being attached in the composer. */
export interface PendingUpload {
  key: string;
  name: string;
  size: number;
  loaded: number;
  state: 'uploading' | 'done' | 'failed';
  error?: string;
  file?: FileRef;
  cancel(): void;
}

let counter = 0;

/**
 * Uploads one file: `upload` ticket over the chat connection, then an XHR PUT with progress.
 * `onChange` is called on every progress step and at the end.
 */
export function startUpload(client: BanterClient, file: File, onChange: (u: PendingUpload) => void): PendingUpload {
  let xhr: XMLHttpRequest | undefined;
  let cancelled = false;
  const u: PendingUpload = {
    key: `up${++counter}`, name: file.name || 'pasted', size: file.size, loaded: 0, state: 'uploading',
    cancel: () => { cancelled = true; xhr?.abort(); },
  };
  const fail = (msg: string): void => { u.state = 'failed'; u.error = msg; onChange(u); };
  client.request('upload', { name: u.name, size: file.size }).then((t) => {
    if (cancelled) return;
    xhr = new XMLHttpRequest();
    xhr.open('PUT', t.url);
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => { u.loaded = e.loaded; onChange(u); };
    xhr.onload = () => {
      const body = xhr!.response as { file?: FileRef; error?: string } | null;
      if (xhr!.status === 201 && body?.file) {
        u.state = 'done';
        u.loaded = u.size;
        u.file = body.file;
        onChange(u);
      } else fail(body?.error ?? `upload failed (${xhr!.status})`);
    };
    xhr.onerror = () => fail('upload failed (network)');
    xhr.onabort = () => fail('cancelled');
    xhr.send(file);
  }, (err: unknown) => fail(err instanceof Error ? err.message.replace(/^[A-Z_]+: /, '') : String(err)));
  return u;
}
