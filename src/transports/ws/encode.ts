/**
 * Encoding of outgoing frames. A chat event is serialised and framed once, however many
 * sessions receive it: the core hands the same event object to every recipient and the
 * cache below is keyed by that object. Server-to-client frames are unmasked (RFC 6455
 * §5.1), so one framed Buffer is valid for every socket and is written as is.
 *
 * The header is built here (RFC 6455 §5.2, a few lines) because ws does not type or
 * document its internal Sender.frame; everything else about the connection stays with ws.
 */
import type { ChatEvent, ServerEvent } from '../../protocol/index.ts';
import { RecentCache } from '../recent-cache.ts';

/** The last few events' frames (no WeakMap: see recent-cache.ts); a miss frames the event again, to the same bytes. */
const cache = new RecentCache<ChatEvent, Buffer>();

/** The header of a complete, final, unmasked text frame of `len` payload bytes: its length (2, 4 or 10 bytes). */
function headerLength(len: number): number {
  return len < 126 ? 2 : len < 65536 ? 4 : 10;
}

function writeHeader(out: Buffer, len: number): void {
  out[0] = 0x81; // FIN + opcode 1 (text)
  if (len < 126) {
    out[1] = len;
  } else if (len < 65536) {
    out[1] = 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = 127;
    out.writeBigUInt64BE(BigInt(len), 2);
  }
}

/** The event as one text frame: its JSON is encoded straight after the header (one buffer, no copy). */
export function frame(ev: ServerEvent): Buffer {
  const json = JSON.stringify(ev);
  const len = Buffer.byteLength(json);
  const headerLen = headerLength(len);
  const out = Buffer.allocUnsafe(headerLen + len);
  writeHeader(out, len);
  out.write(json, headerLen, len, 'utf8');
  return out;
}

/** The frame for an event shared by many recipients: encoded on first use, then reused. */
export function frameShared(ev: ChatEvent): Buffer {
  let buf = cache.get(ev);
  if (!buf) {
    buf = frame(ev);
    cache.set(ev, buf);
  }
  return buf;
}
