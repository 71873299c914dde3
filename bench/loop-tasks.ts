/**
 * `node bench/loop-tasks.ts` — the longest event-loop turn that single heavy requests cause on
 * an otherwise idle Banter (default SQLite store, its own process): a 1,000- and a 500-message
 * history page, a join with 1,000 messages of history, IRC CHATHISTORY (100 lines), a search,
 * and a login while `--members` IRC clients sit in #lobby. The goal is no synchronous task
 * over 10 ms (issue #17).
 *
 * Each request runs `--runs` times (default 5): /metrics is scraped before (which starts a
 * fresh period of the loop monitor) and after it, and `banter_event_loop_longest_turn_seconds`
 * is that request's longest turn. On a shared machine a turn also holds the time the process
 * waited for a CPU, so the minimum over the runs is the request's own cost and the maximum
 * shows the noise; the server's CPU time per request (from /proc) is printed beside them.
 *
 *   node bench/loop-tasks.ts [--messages 1000] [--members 1000] [--runs 5] [--store sqlite|memory]
 */
import { connect, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { cpuSeconds, loadAverage, startServer } from './lib/servers.ts';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '1000' }, members: { type: 'string', default: '1000' }, runs: { type: 'string', default: '5' }, store: { type: 'string', default: 'sqlite' } } });
const MESSAGES = Number(values.messages);
const MEMBERS = Number(values.members);
const RUNS = Number(values.runs);
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

class Ws {
  private readonly ws: WebSocket;
  private next = 1;
  private readonly waiting = new Map<string, (m: Record<string, unknown>) => void>();
  readonly open: Promise<void>;
  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.open = new Promise((resolve, reject) => { this.ws.once('open', () => resolve()); this.ws.once('error', reject); });
    this.ws.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString()) as Record<string, unknown>;
      const id = typeof m.id === 'string' ? m.id : undefined;
      if (id && this.waiting.has(id)) { this.waiting.get(id)!(m); this.waiting.delete(id); }
    });
  }
  request(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = String(this.next++);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no reply to ${String(body.type)}`)), 60_000);
      this.waiting.set(id, (m) => { clearTimeout(t); if (m.type === 'error') reject(new Error(JSON.stringify(m))); else resolve(m); });
      this.ws.send(JSON.stringify({ ...body, id }));
    });
  }
  close(): void { this.ws.close(); }
}

/** An IRC client: registers, joins #lobby, and can wait for a line. */
function irc(port: number, nick: string, channels: string[]): Promise<{ sock: Socket; waitLine: (re: RegExp) => Promise<string> }> {
  return new Promise((resolve, reject) => {
    const sock = connect({ port, host: '127.0.0.1' });
    let buf = '';
    const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).replace(/\r$/, '');
        buf = buf.slice(i + 1);
        if (line.startsWith('PING')) sock.write(`PONG ${line.slice(5)}\r\n`);
        const w = waiters.findIndex((x) => x.re.test(line));
        if (w >= 0) waiters.splice(w, 1)[0]!.resolve(line);
      }
    });
    sock.once('error', reject);
    const waitLine = (re: RegExp): Promise<string> => new Promise((r) => waiters.push({ re, resolve: r }));
    sock.write(`CAP REQ :batch server-time message-tags draft/chathistory\r\nNICK ${nick}\r\nUSER ${nick} 0 * :${nick}\r\nCAP END\r\n`);
    void waitLine(/ 001 /).then(async () => {
      for (const c of channels) { sock.write(`JOIN ${c}\r\n`); await waitLine(new RegExp(` 366 \\S+ ${c} `)); }
      resolve({ sock, waitLine });
    });
  });
}

async function main(): Promise<void> {
  const server = await startServer('banter', { store: values.store as 'sqlite' | 'memory' });
  const metrics = `http://127.0.0.1:${server.httpPort}/metrics`;
  const scrape = async (): Promise<number> => {
    const text = await (await fetch(metrics)).text();
    return Number(/^banter_event_loop_longest_turn_seconds ([0-9.e+-]+)/m.exec(text)?.[1] ?? NaN) * 1000;
  };
  const url = `ws://127.0.0.1:${server.httpPort}/ws`;
  const sockets: Socket[] = [];
  try {
    console.log(`Banter (${values.store}): ${MESSAGES} messages in #big, ${MEMBERS} IRC clients in #lobby, ${RUNS} runs (load ${loadAverage()})`);
    const seed = new Ws(url);
    await seed.open;
    await seed.request({ type: 'login', name: 'seed' });
    await seed.request({ type: 'join', room: '#big' });
    for (let i = 0; i < MESSAGES; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, MESSAGES - i) }, (_, k) => seed.request({ type: 'send', to: '#big', text: `history line ${i + k} deploy ${'x'.repeat(40)}` })));
    }
    for (let i = 0; i < MEMBERS; i += 50) {
      const batch = await Promise.all(Array.from({ length: Math.min(50, MEMBERS - i) }, (_, k) => irc(server.ircPort, `m${i + k}`, ['#lobby'])));
      sockets.push(...batch.map((b) => b.sock));
    }
    const reader = await irc(server.ircPort, 'reader', ['#big']);
    sockets.push(reader.sock);
    const ws = new Ws(url);
    await ws.open;
    await ws.request({ type: 'login', name: 'probe' });
    await ws.request({ type: 'join', room: '#big', history: 0 });
    const joiner = new Ws(url);
    await joiner.open;
    await joiner.request({ type: 'login', name: 'joiner' });

    let loginNo = 0;
    const ops: [string, () => Promise<unknown>][] = [
      ['idle (no request)', () => pause(1)],
      ['WS history, 1,000 messages', () => ws.request({ type: 'history', to: '#big', limit: 1000 })],
      ['WS history, 500 messages', () => ws.request({ type: 'history', to: '#big', limit: 500 })],
      ['WS join with 1,000 messages of history', async () => { await joiner.request({ type: 'join', room: '#big', history: 1000 }); await joiner.request({ type: 'part', room: '#big' }); }],
      ['IRC CHATHISTORY LATEST, 100 lines', () => { reader.sock.write('CHATHISTORY LATEST #big * 100\r\n'); return reader.waitLine(/^(@\S+ )?:\S+ BATCH -/); }],
      ['WS search "deploy", 100 results', () => ws.request({ type: 'search', query: 'deploy', limit: 100 })],
      [`WS login with ${MEMBERS} in #lobby`, async () => { const c = new Ws(url); await c.open; await c.request({ type: 'login', name: `late${loginNo++}` }); c.close(); }],
    ];
    console.log('| request | longest turn, min of runs (ms) | max of runs (ms) | server CPU per request (ms) |');
    console.log('| --- | --- | --- | --- |');
    for (const [name, op] of ops) {
      const turns: number[] = [];
      let cpu = 0;
      for (let r = 0; r < RUNS; r++) {
        await scrape();
        await pause(50); // the monitor's first sample of the new period
        const c0 = cpuSeconds(server.pid);
        await op();
        await pause(20);
        cpu += cpuSeconds(server.pid) - c0;
        turns.push(await scrape());
      }
      console.log(`| ${name} | ${Math.min(...turns).toFixed(1)} | ${Math.max(...turns).toFixed(1)} | ${((cpu / RUNS) * 1000).toFixed(0)} |`);
    }
    console.log(`(load ${loadAverage()}; the loop monitor samples every 2 ms, so an idle turn reads about 2 ms)`);
    ws.close();
    joiner.close();
    seed.close();
  } finally {
    for (const s of sockets) s.destroy();
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
