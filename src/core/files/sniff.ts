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
  if (ascii(head, 4, 'ftyp')) return bin(ascii(head, 8, 'qt  ') ? 'video/quicktime' : 'video/mp4');
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) return bin('video/webm');
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
