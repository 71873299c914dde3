/**
 * IRC fan-out benchmark: N raw IRC clients in one channel, one of them sends M messages;
 * reports deliveries per second (a delivery = one PRIVMSG line arriving at one client).
 * The server runs as a separate `banter serve` process so client-side work does not
 * share its event loop.
 *
 *   node bench/irc-fanout.ts [clients=500] [messages=2000]
 */
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';

const clients = Number(process.argv[2] ?? 500);
const messages = Number(process.argv[3] ?? 2000);

async function startServer(): Promise<{ port: number; stop: () => void }> {
  const child = spawn(process.execPath, [...(process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []), 'src/cli.ts', 'serve'], {
    env: { ...process.env, BANTER_PORT: '0', BANTER_HOST: '127.0.0.1', BANTER_IRC_PORT: '0', BANTER_IRC_AUTO_JOIN_LOBBY: 'false', BANTER_IRC_FLOOD_RATE: '0', BANTER_FLOOD_BURST: '1000000', BANTER_LIMITS_CONNECT_BURST: '100000', BANTER_LOG_FORMAT: 'json', BANTER_IRC_SEND_QUEUE_BYTES: String(64 * 1024 * 1024) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /"irc":"irc:\/\/[^:]+:(\d+)"/.exec(buf);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', () => reject(new Error('server exited')));
  });
  return { port, stop: () => child.kill('SIGTERM') };
}

function client(port: number, nick: string, onLine: (n: number) => void): Promise<Socket> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.write(`NICK ${nick}\r\nUSER b 0 * :b\r\nJOIN #bench\r\nPING ready\r\n`);
    });
    let ready = false;
    let pending = '';
    s.on('data', (d: Buffer) => {
      if (!ready) {
        pending += d.toString('latin1');
        if (pending.includes('PONG')) { ready = true; resolve(s); }
        return;
      }
      let n = 0;
      for (let i = d.indexOf(10); i !== -1; i = d.indexOf(10, i + 1)) n++;
      onLine(n);
    });
  });
}

const server = await startServer();
let received = 0;
const sockets: Socket[] = [];
for (let i = 0; i < clients; i++) sockets.push(await client(server.port, `b${i}`, (n) => { received += n; }));
// Joins of later clients reach earlier ones: let them drain, then start counting.
await new Promise((r) => setTimeout(r, 500));
received = 0;
const expected = messages * (clients - 1);
const sender = sockets[0]!;
const start = performance.now();
const line = 'PRIVMSG #bench :the quick brown fox jumps over the lazy dog\r\n';
for (let i = 0; i < messages; i += 100) sender.write(line.repeat(Math.min(100, messages - i)));
await new Promise<void>((resolve) => {
  const t = setInterval(() => { if (received >= expected) { clearInterval(t); resolve(); } }, 5);
});
const secs = (performance.now() - start) / 1000;
console.log(JSON.stringify({ clients, messages, deliveries: expected, seconds: Number(secs.toFixed(3)), deliveriesPerSecond: Math.round(expected / secs) }));
for (const s of sockets) s.destroy();
server.stop();
