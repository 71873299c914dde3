/**
 * The server's own frame encoder (src/transports/ws/encode.ts) read back by ws's receiver, the
 * client side of the library: every payload-length class (7-bit, 16-bit, 64-bit) at its edges,
 * with multi-byte UTF-8 so that a length counted in characters instead of bytes shows.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import * as ws from 'ws';
import type { ServerEvent } from '../src/protocol/index.ts';
import { frame } from '../src/transports/ws/encode.ts';

/** ws's frame parser (exported by the package, not declared by @types/ws). */
const { Receiver } = ws as unknown as { Receiver: new (opts: { isServer: boolean }) => { write(b: Buffer): boolean; on(ev: 'message', f: (d: Buffer) => void): void } };

it('frames of every length class, ASCII and multi-byte, decode to the event they carry', () => {
  const texts = ['', 'a', 'x'.repeat(75), 'x'.repeat(76), 'é'.repeat(38), 'x'.repeat(65_485), 'x'.repeat(65_486), '€'.repeat(30_000), '😀'.repeat(40_000)];
  const got: unknown[] = [];
  const r = new Receiver({ isServer: false });
  r.on('message', (d: Buffer) => got.push(JSON.parse(d.toString('utf8'))));
  const events = texts.map((text) => ({ type: 'error', code: 'BAD_REQUEST', message: text }) as ServerEvent);
  for (const ev of events) r.write(frame(ev));
  assert.deepEqual(got, events);
  // The edges: `{"type":"error","code":"BAD_REQUEST","message":""}` is 50 bytes, plus the text's.
  assert.deepEqual(events.map((ev) => frame(ev).length - Buffer.byteLength(JSON.stringify(ev))), [2, 2, 2, 4, 4, 4, 10, 10, 10]);
});
