/**
 * The shared memory between the socket writer (socket-writer.ts) and its thread
 * (socket-writer-worker.ts): the bytes of a batch, and a control block of 32-bit integers.
 * Control: [0] the number of the batch to write (−1: stop), [1] its records; from RECORDS_AT,
 * RECORD_INTS per record: descriptor, offset, length, and the result the thread writes back
 * (bytes written, 0 when the kernel took none, −1 on an error).
 */
export interface WriterShared {
  data: SharedArrayBuffer;
  control: SharedArrayBuffer;
}

export const RECORDS_AT = 4;
export const RECORD_INTS = 4;
