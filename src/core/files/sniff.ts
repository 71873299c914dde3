/**
 * The media type of a file from its first bytes, never from the client's claim or the name.
 * `executable` marks native programs and scripts (refused by default). HTML and SVG are
 * recognised so that they are never served inline.
 */
export interface Sniffed {
  type: string;
  executable: boolean;
}

const startsWith = (b: Uint8Array, sig: readonly number[], at = 0): boolean => sig.every((x, i) => b[at + i] === x);
const ascii = (b: Uint8Array, at: number, s: string): boolean => startsWith(b, [...s].map((c) => c.charCodeAt(0)), at);

export function sniffType(head: Uint8Array): Sniffed {
  const bin = (type: string, executable = false): Sniffed => ({ type, executable });
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return bin('image/png');
  if (startsWith(head, [0xff, 0xd8, 0xff])) return bin('image/jpeg');
  if (ascii(head, 0, 'GIF87a') || ascii(head, 0, 'GIF89a')) return bin('image/gif');
  if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'WEBP')) return bin('image/webp');
  if (ascii(head, 4, 'ftyp')) return bin(isoType(head));
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) return bin(ebmlType(head));
  if (ascii(head, 0, '%PDF-')) return bin('application/pdf');
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) return bin('application/zip');
  if (startsWith(head, [0x1f, 0x8b])) return bin('application/gzip');
  // Native executables: ELF, PE (MZ), Mach-O (both byte orders, 32/64 bit, fat), WebAssembly.
  if (startsWith(head, [0x7f, 0x45, 0x4c, 0x46])) return bin('application/x-executable', true);
  if (ascii(head, 0, 'MZ')) return bin('application/x-msdownload', true);
  for (const m of [[0xfe, 0xed, 0xfa, 0xce], [0xfe, 0xed, 0xfa, 0xcf], [0xce, 0xfa, 0xed, 0xfe], [0xcf, 0xfa, 0xed, 0xfe], [0xca, 0xfe, 0xba, 0xbe]]) {
    if (startsWith(head, m)) return bin('application/x-mach-binary', true);
  }
  if (startsWith(head, [0x00, 0x61, 0x73, 0x6d])) return bin('application/wasm', true);
  if (ascii(head, 0, '#!')) return bin('text/x-script', true);
  if (!isText(head)) return bin('application/octet-stream');
  const text = new TextDecoder('utf-8', { fatal: false }).decode(head).replace(/^\ufeff/, '').trimStart().toLowerCase();
  if (/<svg[\s>]/.test(text.slice(0, 4096)) && (text.startsWith('<svg') || text.startsWith('<?xml') || text.startsWith('<!doctype svg'))) return bin('image/svg+xml');
  if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<(!doctype html|html|head|body|script|iframe|svg|object|embed|meta|style|a |div|img|title|br|p[\s>]|table|h1|b[\s>]|font)/.test(text)) return bin('text/html');
  if (text.startsWith('<?xml')) return bin('application/xml');
  return bin('text/plain');
}

// ISO base media files (MP4 and kin) by their brands: only real MP4 video is video/mp4 (and
// inline); HEIF/AVIF images, M4A audio, QuickTime and unknown brands are not.
const VIDEO_BRANDS = new Set(['isom', 'iso2', 'iso3', 'iso4', 'iso5', 'iso6', 'mp41', 'mp42', 'avc1', 'dash', 'M4V ', 'M4VH', 'M4VP', 'mmp4', 'f4v ']);
const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1']);
const AUDIO_BRANDS = new Set(['M4A ', 'M4B ', 'M4P ', 'F4A ', 'F4B ']);

function isoType(head: Uint8Array): string {
  const brand = (at: number): string => String.fromCharCode(...head.subarray(at, at + 4));
  const boxEnd = Math.min(head.length, new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(0));
  const major = brand(8);
  const compatible: string[] = [];
  for (let at = 16; at + 4 <= boxEnd; at += 4) compatible.push(brand(at));
  const all = [major, ...compatible];
  if (major === 'qt  ') return 'video/quicktime';
  if (all.includes('avif') || all.includes('avis')) return 'image/avif';
  if (HEIF_BRANDS.has(major)) return 'image/heif';
  if (AUDIO_BRANDS.has(major)) return 'audio/mp4';
  if (major.startsWith('3g')) return 'video/3gpp';
  if (all.some((b) => VIDEO_BRANDS.has(b))) return 'video/mp4';
  return 'application/octet-stream';
}

/** Matroska and WebM share the EBML header; its DocType element (0x4282) tells them apart. */
function ebmlType(head: Uint8Array): string {
  for (let i = 4; i + 3 < Math.min(head.length, 64); i++) {
    if (head[i] !== 0x42 || head[i + 1] !== 0x82) continue;
    const len = head[i + 2]! & 0x7f;
    if ((head[i + 2]! & 0x80) === 0 || len > 16) return 'application/octet-stream';
    const docType = String.fromCharCode(...head.subarray(i + 3, i + 3 + len));
    return docType === 'webm' ? 'video/webm' : docType === 'matroska' ? 'video/x-matroska' : 'application/octet-stream';
  }
  return 'application/octet-stream';
}

/** Plain text: valid UTF-8 (a character cut at the end of the head is fine) without NULs or most controls. */
function isText(head: Uint8Array): boolean {
  let bad = 0;
  for (const b of head) {
    if (b === 0) return false;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1b) bad++;
  }
  if (bad > head.length / 100) return false;
  // Valid UTF-8 except possibly a truncated sequence in the last 3 bytes.
  const cut = Math.max(0, head.length - 3);
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, cut));
    return true;
  } catch {
    for (let i = cut; i > Math.max(0, cut - 3); i--) {
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, i));
        return true;
      } catch { /* try a shorter prefix */ }
    }
    return false;
  }
}

/** The extension of a file name, lower case, without the dot ('' when none). */
export function extensionOf(name: string): string {
  const m = /\.([^.]+)$/.exec(name);
  return m ? m[1]!.toLowerCase() : '';
}
