/**
 * TTY mode: node:readline gives line editing, history (up/down) and tab completion.
 * Incoming lines are printed above the prompt: the input area (prompt plus what is typed so
 * far, possibly wrapped over several rows) is erased, the line printed, and the prompt
 * redrawn with the same buffer and cursor, so typing is never garbled.
 */
import { clearScreenDown, createInterface, cursorTo, moveCursor, type Interface } from 'node:readline';

export interface TtyOptions {
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
  completer: (line: string) => [string[], string];
  /** Called after each key with the current input line. */
  onEdit?: (line: string) => void;
}

export class TtyTerminal {
  readonly rl: Interface;
  private readonly out: NodeJS.WriteStream;
  /** True while the prompt is on screen (not during question()). */
  private active = false;
  /** Screen rows the input area used when Enter was pressed (prompt + line + the new row). */
  private submittedRows = 1;
  /** True while a question (e.g. a password) is being asked: no typing notifications, Ctrl-C cancels it. */
  private asking = false;

  constructor(opts: TtyOptions) {
    this.out = opts.output;
    this.rl = createInterface({
      input: opts.input, output: opts.output, terminal: true, completer: opts.completer,
      historySize: 500, removeHistoryDuplicates: true, tabSize: 4,
    });
    // Before readline handles Enter: how many rows does the line occupy?
    opts.input.prependListener('keypress', (_s: string, key: { name?: string } | undefined) => {
      if (key?.name === 'return' || key?.name === 'enter') this.submittedRows = this.rowsAtEnd() + 1;
    });
    // After readline handled a key: keep the screen and readline's bookkeeping in step.
    opts.input.on('keypress', () => {
      this.settle();
      if (this.active && !this.asking) opts.onEdit?.(this.rl.line);
    });
  }

  /**
   * Asks one question; resolves undefined when input ends (Ctrl-D) or on Ctrl-C. Before the
   * chat has started Ctrl-C also ends input (the client quits); during the chat it only
   * cancels the question.
   */
  ask(question: string): Promise<string | undefined> {
    return new Promise((resolve) => {
      const ac = new AbortController();
      const done = (answer: string | undefined): void => {
        this.rl.off('close', onClose);
        this.rl.off('SIGINT', onSigint);
        this.asking = false;
        resolve(answer);
      };
      const onClose = (): void => done(undefined);
      const onSigint = (): void => {
        if (this.active) ac.abort();
        else this.rl.close();
        done(undefined);
      };
      this.asking = true;
      this.rl.once('close', onClose);
      this.rl.once('SIGINT', onSigint);
      this.rl.question(question, { signal: ac.signal }, done);
    });
  }

  /**
   * Asks for a password: nothing typed is echoed (readline's output is filtered down to the
   * question itself and line ends), and the answer is removed from the Up/Down history.
   */
  async askSecret(question: string): Promise<string | undefined> {
    const rl = this.rl as unknown as { _writeToOutput(s: string): void; history: string[] };
    const original = rl._writeToOutput;
    rl._writeToOutput = (text: string): void => {
      original.call(rl, text.startsWith(question) ? question : /^[\r\n]+$/.test(text) ? text : '');
    };
    try {
      const answer = await this.ask(question);
      if (answer !== undefined && rl.history[0] === answer) rl.history.shift();
      return answer;
    } finally {
      rl._writeToOutput = original;
      if (this.active) this.rl.prompt(true);
    }
  }

  /** Shows the prompt and starts taking lines. */
  start(prompt: string, onLine: (line: string, isCommand: boolean) => void, onEnd: () => void): void {
    this.rl.setPrompt(prompt);
    this.rl.on('line', (line) => {
      const isCommand = line.startsWith('/') && !line.startsWith('//');
      // Plain text disappears from the input area: the server's echo shows it with time and
      // sender. Commands stay visible above their result.
      if (!isCommand && line.trim() !== '') this.eraseSubmitted();
      this.rl.prompt();
      onLine(line, isCommand);
    });
    this.rl.on('SIGINT', () => {
      if (this.asking) return;
      // Like a shell: Ctrl-C clears a half-typed line, and quits on an empty one.
      if (this.rl.line.length > 0) {
        this.rl.write(null, { ctrl: true, name: 'u' });
        this.rl.write(null, { ctrl: true, name: 'k' });
      } else {
        onEnd();
      }
    });
    this.rl.on('close', onEnd);
    this.active = true;
    this.rl.prompt();
  }

  setPrompt(prompt: string): void {
    this.rl.setPrompt(prompt);
    if (this.active) this.redraw(() => undefined);
  }

  /** Prints text (one or more lines) above the input line. */
  print(text: string): void {
    if (!this.active) {
      this.out.write(`${text}\n`);
      return;
    }
    this.redraw(() => this.out.write(`${text}\n`));
  }

  close(): void {
    if (this.active) {
      this.active = false;
      // Leave the cursor on a fresh line for the shell.
      this.eraseInput();
    }
    this.rl.close();
  }

  private redraw(write: () => void): void {
    this.eraseInput();
    write();
    this.rl.prompt(true);
  }

  /**
   * Moves to the first row of the input area and clears it. readline redraws the prompt
   * relative to the row it thinks the cursor is on (`prevRows`); after erasing, the cursor
   * is on the first row, so the redraw must not move up: keep its bookkeeping in step.
   */
  private eraseInput(): void {
    const rows = this.rl.getCursorPos().rows;
    if (rows > 0) moveCursor(this.out, 0, -rows);
    cursorTo(this.out, 0);
    clearScreenDown(this.out);
    (this.rl as unknown as { prevRows: number }).prevRows = 0;
  }

  /** After Enter the submitted line stays on screen above the new prompt; remove it. */
  private eraseSubmitted(): void {
    moveCursor(this.out, 0, -this.submittedRows);
    cursorTo(this.out, 0);
    clearScreenDown(this.out);
  }

  /** The row of the line's end, relative to the prompt's row, using readline's own width rules. */
  private rowsAtEnd(): number {
    const rl = this.rl as unknown as { cursor: number };
    const saved = rl.cursor;
    rl.cursor = this.rl.line.length;
    const { rows } = this.rl.getCursorPos();
    rl.cursor = saved;
    return rows;
  }

  /**
   * readline echoes typed characters directly, without updating `prevRows`, and a line that
   * ends exactly at the right margin leaves the terminal cursor in the "pending wrap" state
   * on the row above where readline believes it is. Either makes the next redraw (Home on a
   * wrapped line, an incoming message) start on the wrong row and garble the screen. After
   * each key: move a pending-wrap cursor onto the next row (" \b", as readline's own redraw
   * does) and record the cursor's row.
   */
  private settle(): void {
    if (!this.active) return;
    const pos = this.rl.getCursorPos();
    if (pos.cols === 0 && pos.rows > 0 && this.rl.cursor === this.rl.line.length) this.out.write(' \b');
    (this.rl as unknown as { prevRows: number }).prevRows = pos.rows;
  }
}
