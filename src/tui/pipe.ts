/**
 * Pipe mode: one input per line from stdin, one output line per event on stdout, no colours,
 * no prompt. Used when stdin or stdout is not a terminal, and for --json.
 */
import { createInterface, type Interface } from 'node:readline';

export class PipeTerminal {
  private rl: Interface | undefined;
  private readonly input: NodeJS.ReadableStream;
  private readonly out: NodeJS.WritableStream;

  constructor(input: NodeJS.ReadableStream, output: NodeJS.WritableStream) {
    this.input = input;
    this.out = output;
  }

  print(text: string): void {
    this.out.write(`${text}\n`);
  }

  /** Calls onLine per input line and onEnd once at end of input. */
  start(onLine: (line: string) => void, onEnd: () => void): void {
    this.rl = createInterface({ input: this.input, terminal: false, crlfDelay: Infinity });
    this.rl.on('line', onLine);
    this.rl.on('close', onEnd);
  }

  close(): void {
    this.rl?.close();
  }
}
