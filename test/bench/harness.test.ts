/**
 * Self-test of the load generator (bench/lib/run.ts + bench/load-worker.ts) against a fake
 * server that speaks just enough of Banter's JSON protocol and injects known faults: it drops
 * some deliveries, duplicates others, echoes each message to its sender (as Banter does) and
 * holds every delivery for a known delay. The harness must count exactly the injected drops and
 * duplicates, ignore the echoes, and put the injected delays in the right latency range.
 * No timing assertions beyond generous bounds on the injected delays.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import test from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import { LoadRun } from '../../bench/lib/run.ts';

interface Fake { port: number; drops: number; dupes: number; delivered: number; logins: string[]; from: Map<string, string>; close(): Promise<void> }

/** seq % 10: 3 → dropped for the room's first other member; 5 → sent twice to the second; 9 → 600 ms late; else 100 ms. */
async function fakeServer(rooms = new Map<string, WebSocket[]>()): Promise<Fake> {
  const http = createServer();
  const wss = new WebSocketServer({ server: http, path: '/ws' });
  const fake: Fake = { port: 0, drops: 0, dupes: 0, delivered: 0, logins: [], from: new Map(), close: async () => {
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
    await new Promise<void>((r) => http.close(() => r()));
  } };
  wss.on('connection', (ws, req) => {
    ws.on('message', (raw) => {
      const m = JSON.parse(String(raw)) as { type: string; id: string; room?: string; to?: string; text?: string };
      if (m.type === 'login') fake.logins.push((m as { name?: string }).name ?? '');
      if (m.type === 'login') fake.from.set((m as { name?: string }).name ?? '', req.socket.remoteAddress ?? '');
      if (m.type === 'login') ws.send(JSON.stringify({ type: 'reply', id: m.id, data: { protocol: 1 } }));
      else if (m.type === 'join') {
        const list = rooms.get(m.room!) ?? [];
        list.push(ws);
        rooms.set(m.room!, list);
        ws.send(JSON.stringify({ type: 'reply', id: m.id, data: { room: m.room } }));
      } else if (m.type === 'send') {
        ws.send(JSON.stringify({ type: 'reply', id: m.id, data: { seq: 1 } }));
        const seq = Number(m.text!.split(':')[2]);
        const event = JSON.stringify({ type: 'message', msg: { from: 'x', to: m.to, text: m.text } });
        ws.send(event); // the echo to the sender must not count as a delivery
        const others = rooms.get(m.to!)!.filter((w) => w !== ws);
        const delay = seq % 10 === 9 ? 600 : 100;
        others.forEach((w, i) => {
          if (seq % 10 === 3 && i === 0) { fake.drops++; return; }
          const copies = seq % 10 === 5 && i === 1 ? 2 : 1;
          fake.dupes += copies - 1;
          fake.delivered++;
          setTimeout(() => { for (let k = 0; k < copies; k++) w.send(event); }, delay);
        });
      }
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  fake.port = (http.address() as { port: number }).port;
  return fake;
}

test('the load generator reports injected drops, duplicates and delays', async () => {
  const fake = await fakeServer();
  const run = new LoadRun({ proto: 'ws', host: '127.0.0.1', port: fake.port, wsPath: '/ws', clients: 6, channels: 1, senders: 3, size: 64, procs: 2, drainMs: 3000, connectTimeoutMs: 20_000 });
  try {
    await run.connect();
    const r = await run.step(40, 2);
    assert.ok(r.sent >= 200, `sent ${r.sent}`);
    assert.equal(r.expected, r.sent * 5, 'each message is expected at the 5 other members');
    assert.equal(r.lost, fake.drops, 'every injected drop is reported as lost');
    assert.ok(fake.drops > 0 && fake.dupes > 0);
    assert.equal(r.dupes, fake.dupes, 'every injected duplicate is reported');
    assert.equal(r.delivered, fake.delivered);
    assert.equal(r.bogus, 0);
    assert.equal(r.stale, 0);
    assert.equal(r.acked, r.sent);
    assert.equal(r.sustainable, false, 'loss and duplicates make a step unsustainable');
    // Only arrivals inside the window count towards deliveries/s; the last 100–600 ms arrive late.
    assert.equal(r.inWindow + r.late, r.delivered);
    assert.ok(r.late > 0, 'deliveries after the window are late, not counted');
    assert.equal(r.deliveriesPerSec, Math.round(r.inWindow / 2));
    // 90 % held 100 ms, 10 % held 600 ms: p50 in the 100 ms group, p99 in the 600 ms group.
    assert.ok(r.latencyMs.p50 >= 100 && r.latencyMs.p50 < 450, `p50 ${r.latencyMs.p50}`);
    assert.ok(r.latencyMs.p99 >= 600 && r.latencyMs.p99 < 1500, `p99 ${r.latencyMs.p99}`);
    assert.ok(r.latencyMs.max >= 600 && r.latencyMs.max < 3000, `max ${r.latencyMs.max}`);
    assert.ok(r.generator.cpuCoresTotal > 0, 'generator CPU is measured');
    // The second process has no senders: its CPU and ELU still cover the window, not a moment at its end.
    assert.ok(r.generator.measuredMinS >= 1.9, `generator CPU measured over ${r.generator.measuredMinS} s of a 2 s window`);
    // The tool's own (idle) process measured its timer lag over the window: a number, at most its max.
    assert.ok(Number.isFinite(r.generator.idleLagMs.p99) && r.generator.idleLagMs.p99 >= 0 && r.generator.idleLagMs.max >= r.generator.idleLagMs.p99, JSON.stringify(r.generator.idleLagMs));
  } finally {
    await run.close();
    await fake.close();
  }
});

test('the latency histogram has no cap and buckets within 2.2 %', async () => {
  const { Histogram } = await import('../../bench/lib/hist.ts');
  const h = new Histogram();
  for (let ms = 1; ms <= 1000; ms++) h.record(ms * 1000);
  h.record(187_000_000); // 187 s: reported as such, not clamped to a 10 s overflow bucket
  const p50 = h.quantileUs(0.5) / 1000;
  assert.ok(p50 >= 500 && p50 <= 500 * 1.023, `p50 ${p50}`);
  assert.equal(h.maxUs, 187_000_000);
  assert.equal(h.quantileUs(1), 187_000_000);
  const merged = Histogram.merge([h.toJSON(), h.toJSON()]);
  assert.equal(merged.count, 2002);
  assert.equal(merged.quantileUs(0.5), h.quantileUs(0.5));
});

test('with several ports (cluster nodes) client i connects to ports[i % n], and deliveries across them are counted', async () => {
  // Two fake "nodes" sharing one room table, as a cluster shares its rooms.
  const rooms = new Map<string, WebSocket[]>();
  const a = await fakeServer(rooms);
  const b = await fakeServer(rooms);
  const run = new LoadRun({ proto: 'ws', host: '127.0.0.1', port: 1, ports: [a.port, b.port], wsPath: '/ws', clients: 6, channels: 1, senders: 2, size: 64, procs: 2, drainMs: 3000, connectTimeoutMs: 20_000, prefix: 'p' });
  try {
    await run.connect();
    assert.deepEqual([a.logins.sort(), b.logins.sort()], [['p0', 'p2', 'p4'], ['p1', 'p3', 'p5']]);
    const r = await run.step(20, 1);
    assert.equal(r.delivered, a.delivered + b.delivered);
    assert.equal(r.lost, a.drops + b.drops);
    assert.equal(r.expected, r.sent * 5);
  } finally {
    await run.close();
    await a.close();
    await b.close();
  }
});

/**
 * IRC: the generator reads PRIVMSG lines in place in what it received, so the fake cuts its
 * output at arbitrary bytes (inside tags, texts and line endings), interleaves PINGs and
 * NOTICEs, and sends a few bogus texts besides its drops and duplicates.
 */
test('the load generator counts IRC deliveries cut at any byte, between other lines', async () => {
  const { createServer: createTcp } = await import('node:net');
  const members = new Map<string, import('node:net').Socket[]>();
  let drops = 0, dupes = 0, delivered = 0, bogus = 0, cut = 0;
  const server = createTcp((sock) => {
    let nick = '', buf = '', pending = '';
    let flushing = false;
    // Output leaves in pieces of 1..97 bytes, a few ms apart: every line boundary and field gets cut somewhere.
    const out = (text: string): void => {
      pending += text;
      if (flushing) return;
      flushing = true;
      const next = (): void => {
        if (pending === '' || sock.destroyed) { flushing = false; return; }
        const n = 1 + ((cut++ * 37) % 97);
        sock.write(pending.slice(0, n));
        pending = pending.slice(n);
        setTimeout(next, 1);
      };
      next();
    };
    sock.setEncoding('latin1');
    sock.on('error', () => undefined);
    sock.on('data', (d: string) => {
      buf += d;
      for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        const [cmd, arg] = line.split(' ');
        if (cmd === 'NICK') nick = arg!;
        else if (cmd === 'USER') out(`:fake 001 ${nick} :hi\r\n`);
        else if (cmd === 'JOIN') {
          members.set(arg!, [...(members.get(arg!) ?? []), sock]);
          out(`:${nick}!u@h JOIN ${arg}\r\n:fake 366 ${nick} ${arg} :End of /NAMES list.\r\n`);
        } else if (cmd === 'PRIVMSG') {
          const text = line.slice(line.indexOf(' :') + 2);
          const seq = Number(text.split(':')[2]);
          const others = members.get(arg!)!.filter((s) => s !== sock);
          others.forEach((s, i) => {
            if (seq % 10 === 3 && i === 0) { drops++; return; }
            const copies = seq % 10 === 5 && i === 1 ? 2 : 1;
            dupes += copies - 1;
            delivered++;
            const privmsg = `@time=2026-12-01T00:00:00.000Z;msgid=m${seq} :${nick}!u@h PRIVMSG ${arg} :${text}\r\n`;
            const extra = seq % 7 === 0 ? 'PING :fake\r\n' : seq % 7 === 1 ? `:fake NOTICE ${arg} :not a delivery\n` : '';
            const junk = seq % 10 === 7 && i === 0 ? `:x!u@h PRIVMSG ${arg} :garbage\r\n` : '';
            if (junk) bogus++;
            (s as unknown as { out: (t: string) => void }).out(extra + privmsg.repeat(copies) + junk);
          });
        }
      }
    });
    (sock as unknown as { out: (t: string) => void }).out = out;
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const run = new LoadRun({ proto: 'irc', host: '127.0.0.1', port, wsPath: '', clients: 6, channels: 1, senders: 3, size: 64, procs: 2, drainMs: 5000, connectTimeoutMs: 20_000 });
  try {
    await run.connect();
    const r = await run.step(20, 2);
    assert.ok(r.sent >= 100, `sent ${r.sent}`);
    assert.equal(r.expected, r.sent * 5);
    assert.ok(drops > 0 && dupes > 0 && bogus > 0);
    assert.equal(r.lost, drops, 'every injected drop is reported as lost');
    assert.equal(r.dupes, dupes, 'every injected duplicate is reported');
    assert.equal(r.delivered, delivered);
    assert.equal(r.bogus, bogus, 'every bogus text is reported');
    assert.equal(r.stale, 0);
    assert.equal(r.errors, 0);
    assert.equal(r.disconnected, 0);
  } finally {
    await run.close();
    for (const list of members.values()) for (const s of list) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

/**
 * WebSocket: the generator parses frames itself from the bytes it reads, so this fake speaks
 * RFC 6455 on a plain socket and makes every case happen: its output leaves in pieces of
 * 1..97 bytes (frames and headers cut anywhere; larger behind a backlog) or many frames in one write, with 7-, 16- and
 * 64-bit lengths, pings (which must be answered with pongs carrying the same payload),
 * fragmented messages with a ping between their fragments, other events and bogus texts
 * between the deliveries, besides its drops and duplicates.
 */
test('the load generator counts WebSocket deliveries in frames cut at any byte, packed, fragmented and between other frames', async () => {
  const { createHash } = await import('node:crypto');
  const { createServer: createTcp } = await import('node:net');
  const members = new Map<string, ((f: Buffer) => void)[]>();
  let drops = 0, dupes = 0, delivered = 0, bogus = 0, cut = 0, pings = 0, bigFrames = 0;
  const pongs: string[] = [];
  const frameOf = (opcode: number, payload: Buffer, fin = true): Buffer => {
    const len = payload.length;
    const head = len < 126 ? 2 : len < 65536 ? 4 : 10;
    const f = Buffer.alloc(head + len);
    f[0] = (fin ? 0x80 : 0) | opcode;
    if (len < 126) f[1] = len;
    else if (len < 65536) { f[1] = 126; f.writeUInt16BE(len, 2); }
    else { f[1] = 127; f.writeBigUInt64BE(BigInt(len), 2); }
    payload.copy(f, head);
    return f;
  };
  const text = (o: unknown): Buffer => frameOf(1, Buffer.from(JSON.stringify(o)));
  const server = createTcp((sock) => {
    let buf = Buffer.alloc(0);
    let upgraded = false;
    let pending: Buffer[] = [];
    let flushing = false;
    let n = 0;
    // Every third connection gets its output in one write per burst (many frames per read); the others in cut pieces.
    const packed = members.size % 3 === 0;
    const out = (f: Buffer): void => {
      pending.push(f);
      if (flushing) return;
      flushing = true;
      const next = (): void => {
        if (pending.length === 0 || sock.destroyed) { flushing = false; return; }
        let all = Buffer.concat(pending);
        pending = [];
        if (!packed) {
          // Pieces of 1..97 bytes; behind a backlog (the 70 kB frames), 4 kB more, so that the fake keeps up on a loaded machine.
          const k = 1 + ((cut++ * 37) % 97) + (all.length > 8192 ? 4096 : 0);
          if (k < all.length) { pending = [all.subarray(k)]; all = all.subarray(0, k); }
        }
        sock.write(all);
        setTimeout(next, packed ? 5 : 1);
      };
      next();
    };
    sock.on('error', () => undefined);
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!upgraded) {
        const h = buf.indexOf('\r\n\r\n');
        if (h < 0) return;
        const key = /sec-websocket-key: *(\S+)/i.exec(buf.subarray(0, h).toString())![1]!;
        const accept = createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
        sock.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
        upgraded = true;
        buf = buf.subarray(h + 4);
        out(text({ type: 'hello', protocol: 1 }));
      }
      while (buf.length >= 6) {
        assert.ok(buf[1]! & 0x80, 'client frames are masked');
        let len = buf[1]! & 0x7f, p = 2;
        if (len === 126) { len = buf.readUInt16BE(2); p = 4; }
        assert.notEqual(len, 127, 'the generator sends no huge frames');
        if (buf.length < p + 4 + len) break;
        const mask = buf.subarray(p, p + 4);
        const payload = Buffer.from(buf.subarray(p + 4, p + 4 + len));
        for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i % 4]!;
        const opcode = buf[0]! & 0x0f;
        buf = buf.subarray(p + 4 + len);
        if (opcode === 10) { pongs.push(payload.toString()); continue; }
        if (opcode !== 1) continue;
        const m = JSON.parse(payload.toString()) as { type: string; id: string; room?: string; to?: string; text?: string };
        if (m.type === 'login') out(text({ type: 'reply', id: m.id, data: { protocol: 1 } }));
        else if (m.type === 'join') {
          members.set(m.room!, [...(members.get(m.room!) ?? []), out]);
          out(text({ type: 'reply', id: m.id, data: { room: m.room } }));
          out(text({ type: 'joined', room: m.room, user: 'x' }));
        } else if (m.type === 'send') {
          out(text({ type: 'reply', id: m.id, data: { seq: ++n } }));
          const seq = Number(m.text!.split(':')[2]);
          const event = text({ type: 'message', msg: { id: `m${seq}`, seq, to: m.to, from: 'x', text: m.text, ts: 1 } });
          out(event); // the echo to the sender must not count
          const others = members.get(m.to!)!.filter((o) => o !== out);
          others.forEach((o, i) => {
            if (seq % 10 === 3 && i === 0) { drops++; return; }
            const copies = seq % 10 === 5 && i === 1 ? 2 : 1;
            dupes += copies - 1;
            delivered++;
            if (seq % 7 === 0) { o(frameOf(9, Buffer.from(`p${pings++}`))); }
            if (seq % 7 === 1) o(text({ type: 'notice', text: 'B0:0:0:0: not a delivery' }));
            if (seq % 11 === 2 && i === 2) {
              // 70,000 bytes: a 64-bit length.
              bigFrames++;
              o(text({ type: 'room_members', room: m.to, count: 6, pad: 'y'.repeat(70_000) }));
            }
            for (let k = 0; k < copies; k++) {
              if (seq % 10 === 6 && i === 3) {
                // Fragmented: three pieces, a ping between the first two.
                const whole = event.subarray(event[1] === 126 ? 4 : 2);
                const a = Math.floor(whole.length / 3), b = Math.floor((2 * whole.length) / 3);
                o(frameOf(1, whole.subarray(0, a), false));
                o(frameOf(9, Buffer.from(`p${pings++}`)));
                o(frameOf(0, whole.subarray(a, b), false));
                o(frameOf(0, whole.subarray(b), true));
              } else o(event);
            }
            if (seq % 10 === 7 && i === 0) {
              bogus++;
              o(text({ type: 'message', msg: { id: 'z', seq: 0, to: m.to, from: 'y', text: 'garbage', ts: 1 } }));
            }
          });
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const run = new LoadRun({ proto: 'ws', host: '127.0.0.1', port, wsPath: '/ws', clients: 6, channels: 1, senders: 3, size: 200, procs: 2, drainMs: 5000, connectTimeoutMs: 20_000 });
  try {
    await run.connect();
    const r = await run.step(20, 2);
    assert.ok(r.sent >= 100, `sent ${r.sent}`);
    assert.equal(r.expected, r.sent * 5);
    assert.ok(drops > 0 && dupes > 0 && bogus > 0 && pings > 0 && bigFrames > 0);
    assert.equal(r.lost, drops, 'every injected drop is reported as lost');
    assert.equal(r.dupes, dupes, 'every injected duplicate is reported');
    assert.equal(r.delivered, delivered);
    assert.equal(r.bogus, bogus, 'every bogus text is reported');
    // The drain ends when the deliveries are in; a sender's last replies may still be in the fake's piecemeal output then.
    assert.ok(r.acked <= r.sent && r.acked >= r.sent - 3 * 10, `acked ${r.acked} of ${r.sent}`);
    assert.equal(r.stale, 0);
    assert.equal(r.errors, 0);
    assert.equal(r.disconnected, 0);
    await run.quiet(300, 10_000);
    assert.deepEqual(pongs.sort(), Array.from({ length: pings }, (_, i) => `p${i}`).sort(), 'every ping was answered by a pong with its payload');
  } finally {
    await run.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

/**
 * Socket.IO: the baseline server (bench/peers/socketio.ts, the real socket.io package) faced by
 * the same raw WebSocket client as Banter, speaking Engine.IO 4 itself (open, connect, join
 * with an ack, pings answered). It relays each text to the room's other members, no echo: all
 * of them must be counted, none lost or doubled.
 */
test('the load generator speaks Socket.IO to the baseline server and counts its deliveries', async () => {
  const { startSocketio } = await import('../../bench/lib/servers.ts');
  const server = await startSocketio();
  const run = new LoadRun({ proto: 'sio', host: server.host, port: server.httpPort, wsPath: server.wsPath, clients: 8, channels: 2, senders: 4, size: 64, procs: 2, drainMs: 5000, connectTimeoutMs: 20_000 });
  try {
    await run.connect();
    const r = await run.step(20, 1);
    assert.ok(r.sent >= 60, `sent ${r.sent}`);
    assert.equal(r.expected, r.sent * 3, 'each message is expected at the 3 other members of its room');
    assert.equal(r.delivered, r.expected);
    assert.equal(r.lost, 0);
    assert.equal(r.dupes, 0);
    assert.equal(r.bogus, 0);
    assert.equal(r.stale, 0);
    assert.equal(r.errors, 0);
  } finally {
    await run.close();
    await server.stop();
  }
});

test('with senderProc the senders have a generator process (source address) of their own, the receivers share the others', async () => {
  const fake = await fakeServer();
  const run = new LoadRun({ proto: 'ws', host: '127.0.0.1', port: fake.port, wsPath: '/ws', clients: 7, channels: 1, senders: 2, size: 64, procs: 3, senderProc: true, drainMs: 3000, connectTimeoutMs: 20_000, prefix: 'q' });
  try {
    await run.connect();
    const by = (addr: string): string[] => [...fake.from].filter(([, a]) => a === addr).map(([n]) => n).sort();
    assert.deepEqual([by('127.0.0.2'), by('127.0.0.3'), by('127.0.0.4')], [['q0', 'q1'], ['q2', 'q3', 'q4'], ['q5', 'q6']]);
    const r = await run.step(20, 1);
    assert.equal(r.expected, r.sent * 6);
    assert.equal(r.lost, fake.drops);
    assert.equal(r.dupes, fake.dupes);
  } finally {
    await run.close();
    await fake.close();
  }
});

test('--warmup runs first at its own rate and is not counted in the result', async () => {
  const { execFile } = await import('node:child_process');
  const { startTestServer } = await import('../helpers/server.ts');
  const app = await startTestServer({ 'irc.autoJoinLobby': false });
  try {
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['bench/load.ts', '--proto', 'irc', '--target', `127.0.0.1:${app.ircPort!}`, '--clients', '4', '--senders', '2', '--rate', '10', '--duration', '1', '--warmup', '2', '--warmup-rate', '30', '--json'],
        { timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
    });
    const summary = JSON.parse(out.trim().split('\n').pop()!) as { steps: { ratePerSender: number; sent: number; lost: number; dupes: number }[] };
    // One counted step: 2 senders × 10/s × 1 s, not the warm-up's 2 × 30/s × 2 s as well.
    assert.equal(summary.steps.length, 1);
    assert.equal(summary.steps[0]!.ratePerSender, 10);
    assert.ok(summary.steps[0]!.sent >= 18 && summary.steps[0]!.sent <= 22, `sent ${summary.steps[0]!.sent}`);
    assert.equal(summary.steps[0]!.lost, 0);
    assert.equal(summary.steps[0]!.dupes, 0);
  } finally {
    await app.close();
  }
});
