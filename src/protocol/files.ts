/**
 * Files attached to messages (docs/protocol.md, "Files"): the reference a message carries,
 * and the helpers every side shares (file-name sanitising, human-readable sizes).
 */
import * as z from 'zod';
import { sanitizeLine } from './text.ts';

/** A file id: 22 characters of base64url (128 random bits), unguessable. */
export const FileId = z.string().regex(/^[A-Za-z0-9_-]{22}$/);

/** What a message says about one attached file. The bytes are fetched over HTTP with a link (`file_links`). */
export const FileRef = z.object({
  id: FileId,
  /** Sanitised file name (sanitizeFileName). */
  name: z.string(),
  size: z.number().int().min(0),
  /** Media type sniffed from the content by the server, never the client's claim. */
  type: z.string(),
  /** For images, and videos with a poster frame: pixel size, and whether a thumbnail exists. */
  width: z.number().int().optional(),
  height: z.number().int().optional(),
  thumb: z.boolean().optional(),
});
export type FileRef = z.infer<typeof FileRef>;

export const FILE_NAME_MAX_BYTES = 200;

/**
 * A file name made safe to store, show and put in a Content-Disposition header: NFC, no
 * control, bidi or invisible characters (sanitizeLine: line breaks become spaces), no path separators or leading dots (no traversal,
 * no hidden files), at most FILE_NAME_MAX_BYTES of UTF-8 (cut at a character boundary),
 * `file` when nothing is left.
 */
export function sanitizeFileName(raw: string): string {
  // Controls, bidi and invisible characters, lone surrogates: the one-line sanitiser's rules.
  let name = sanitizeLine(raw.normalize('NFC'), 1000)
    .replace(/[/\\:*?"<>|]/g, '_')
    .replace(/^[.\s]+/, '');
  const enc = new TextEncoder();
  if (enc.encode(name).length > FILE_NAME_MAX_BYTES) {
    const chars = [...name];
    while (chars.length > 0 && enc.encode(chars.join('')).length > FILE_NAME_MAX_BYTES) chars.pop();
    name = chars.join('').trim();
  }
  return name === '' ? 'file' : name;
}

/** 1536 -> "1.5 KiB". */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v >= 10 ? Math.round(v) : Math.round(v * 10) / 10} ${units[i]}`;
}

/** Types a browser may show inline (everything else is served as an attachment). SVG and HTML never are. */
export const INLINE_TYPES: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'video/mp4', 'video/webm', 'text/plain']);

/** Videos that get a poster frame and play inline (sniffed from content: MP4 by its brands, WebM by its EBML DocType). */
export function isVideoType(type: string): boolean {
  return type === 'video/mp4' || type === 'video/webm';
}

export function isImageType(type: string): boolean {
  return type === 'image/png' || type === 'image/jpeg' || type === 'image/gif' || type === 'image/webp';
}
