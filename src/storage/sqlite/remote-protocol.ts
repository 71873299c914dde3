/** Messages between the SQLite store worker (store-worker.ts) and its main-thread proxy (remote-store.ts). */
import type { ErrorCode } from '../../protocol/errors.ts';
import { ChatError } from '../../core/errors.ts';

/** workerData of the store worker. */
export interface WorkerInit {
  dataDir: string;
  synchronous: string;
  idempotencyWindowMs: number;
  maxBatch?: number;
  search?: { workers: number; timeoutMs: number; maxQueue: number; idleMs?: number; maxHeapMb?: number };
  /** The main thread's clock when the worker was made. */
  now: number;
}

/** One call: [call id, method name, arguments]. */
export type Call = [number, string, unknown[]];

/** Main → worker: the calls made in one main-thread turn, and that turn's clock. */
export interface WorkerRequest {
  now: number;
  calls: Call[];
}

/** An error as it crosses the thread boundary (structured clone drops an Error's class and `code`). */
export interface WireError {
  name: string;
  message: string;
  code?: string;
}

/** [call id, ok, result or error]. */
export type Reply = [number, true, unknown] | [number, false, WireError];

/** Worker → main. */
export type WorkerMessage = { ready: true } | { failed: WireError } | { replies: Reply[] } | { log: ['debug' | 'info' | 'warn' | 'error', object, string] };

export function encodeError(err: unknown): WireError {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { name: err.name, message: err.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(err) };
}

/** The error again, as a ChatError when it was one (so clients still get its stable code). */
export function decodeError(w: WireError): Error {
  if (w.name === 'ChatError' && w.code !== undefined) return new ChatError(w.code as ErrorCode, w.message);
  const err = new Error(w.message);
  err.name = w.name;
  if (w.code !== undefined) (err as Error & { code: string }).code = w.code;
  return err;
}
