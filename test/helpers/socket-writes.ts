/**
 * Sees every write to a socket, whichever way it leaves: through the socket's stream
 * (`socket.write`) or straight to its descriptor (`fs.writeSync`, the outbound queue's direct
 * writes, src/transports/outbound-queue.ts). A hook runs before the write, with the bytes the
 * write is given, and may throw (the write then throws) or take its time (a slow write).
 */
import fs from 'node:fs';
import type { Socket } from 'node:net';

type Hook = (bytes: Buffer) => void;

const byFd = new Map<number, Hook>();
const writeSync = fs.writeSync;
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  fs.writeSync = function (this: unknown, fd: number, buffer: unknown, ...rest: unknown[]): number {
    const hook = byFd.get(fd);
    if (hook && Buffer.isBuffer(buffer)) {
      const offset = typeof rest[0] === 'number' ? rest[0] : 0;
      const length = typeof rest[1] === 'number' ? rest[1] : buffer.length - offset;
      hook(buffer.subarray(offset, offset + length));
    }
    return (writeSync as (...a: unknown[]) => number).call(fs, fd, buffer, ...rest);
  } as typeof fs.writeSync;
}

/** The socket's descriptor (Node's `_handle.fd`), or -1. */
export function descriptor(socket: Socket): number {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
  return typeof fd === 'number' ? fd : -1;
}

/** Runs `stream` before each write through the socket's stream and `direct` before each write to its descriptor; returns a function that stops both. */
function watch(socket: Socket, stream: Hook, direct: Hook): () => void {
  install();
  const fd = descriptor(socket);
  const write = socket.write;
  socket.write = function (this: Socket, chunk: unknown, ...rest: unknown[]): boolean {
    stream(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof socket.write;
  if (fd >= 0) byFd.set(fd, direct);
  return () => {
    socket.write = write;
    if (fd >= 0 && byFd.get(fd) === direct) byFd.delete(fd);
  };
}

/** Runs `hook` before every write to `socket`, either way; returns a function that stops it. */
export function onWrite(socket: Socket, hook: Hook): () => void {
  return watch(socket, hook, hook);
}

/** Counts the writes to `socket` that went to its descriptor and those that went through its stream. */
export function countWrites(socket: Socket): { direct: number; stream: number; stop: () => void } {
  const counts = { direct: 0, stream: 0, stop: (): void => undefined };
  counts.stop = watch(socket, () => { counts.stream++; }, () => { counts.direct++; });
  return counts;
}
