/**
 * Property-based fuzzing of the IRC line codec (fast-check, thousands of cases each):
 * arbitrary bytes never throw, byte-by-byte feeding yields exactly what whole-buffer
 * feeding does, parse∘serialize is the identity on valid messages (through bytes and the
 * line reader, as on the wire), and no serialised line ever contains CR, LF or NUL.
 *
 * Then the whole listener over TCP: sessions of garbage bytes, invalid UTF-8, over-long and
 * unterminated lines and every verb with hostile parameters and tags, registered or not,
 * against one live server. It must stay up, never fail inside (no error logged, no
 * unhandled rejection), answer each fuzzing connection's final PING unless it hung up, and
 * keep serving a bystander.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { silentLogger } from '../../src/server/logger.ts';
import { CAPS } from '../../src/transports/irc/caps.ts';
import { VERBS } from '../../src/transports/irc/commands/index.ts';
import { IrcClient, SERVER } from '../helpers/irc.ts';
import { startTestServer } from '../helpers/server.ts';
import { decodePlain } from '../../src/transports/irc/commands/authenticate.ts';
import { globMatch } from '../../src/transports/irc/commands/util.ts';
import { MAX_LINE_BYTES, parse, serialize, type IrcMessage } from '../../src/transports/irc/message.ts';
import { LineReader } from '../../src/transports/irc/reader.ts';

const RUNS = 5000;

/** Bytes that look like IRC some of the time: random bytes mixed with line endings, spaces, ':' and '@'. */
const ircishBytes = fc.array(fc.oneof(
  fc.uint8Array({ maxLength: 40 }),
  fc.constantFrom(...['\r\n', '\n', '\r', ' ', ':', '@', ';', '=', '\\', 'PRIVMSG #c :', 'NICK ', '\0', '\xff'].map((s) => Uint8Array.from(Buffer.from(s, 'latin1')))),
  fc.string({ unit: 'grapheme', maxLength: 30 }).map((s) => Uint8Array.from(Buffer.from(s))),
  fc.constant(new Uint8Array(600).fill(0x61)),
), { maxLength: 60 }).map((parts) => Buffer.concat(parts));

/** Characters allowed in a parameter that is not the last (no space, CR, LF, NUL). */
const word = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((s) => !/[ \r\n\0]/.test(s) && !s.startsWith(':'));
const text = fc.string({ unit: 'grapheme', maxLength: 60 }).filter((s) => !/[\r\n\0]/.test(s));
const tagKey = fc.stringMatching(/^\+?[A-Za-z0-9][A-Za-z0-9./-]{0,15}$/);
const validMessage: fc.Arbitrary<IrcMessage> = fc.record({
  tags: fc.option(fc.dictionary(tagKey, fc.string({ unit: 'grapheme', maxLength: 20 }).filter((s) => !s.includes('\0')), { minKeys: 1, maxKeys: 4 }), { nil: undefined }),
  source: fc.option(word, { nil: undefined }),
  command: fc.oneof(fc.stringMatching(/^[A-Z]{1,12}$/), fc.stringMatching(/^[0-9]{3}$/)),
  middle: fc.array(word, { maxLength: 8 }),
  last: fc.option(text, { nil: undefined }),
}).map(({ tags, source, command, middle, last }) => {
  const m: IrcMessage = { command, params: last === undefined ? middle : [...middle, last] };
  if (tags) m.tags = Object.fromEntries(Object.entries(tags));
  if (source !== undefined) m.source = source;
  return m;
});

function feed(r: LineReader, buf: Buffer): ReturnType<LineReader['push']> {
  return r.push(buf);
}

describe('IRC codec fuzzing', () => {
  it('arbitrary bytes never throw, in the reader or the parser', () => {
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 4000 }).map((u) => Buffer.from(u)), ircishBytes), (buf) => {
      const r = new LineReader();
      const items = feed(r, buf);
      for (const item of items) {
        if ('line' in item) {
          const m = parse(item.line);
          if (m) {
            assert.ok(m.command.length > 0);
            assert.ok(!/[\r\n]/.test(m.command + m.params.join('')), 'no line ending survives into a message');
          }
        }
      }
      assert.ok(r.held <= 8191 + 512, 'an unfinished line holds at most one line of memory');
      // Every byte that is not a line ending is charged to a line or to the unfinished one.
      const charged = items.reduce((n, i) => n + i.bytes, 0) + r.pending;
      const content = buf.filter((b) => b !== 0x0d && b !== 0x0a).length;
      assert.ok(charged >= content && charged <= buf.length, `charged ${charged} of ${buf.length} bytes (${content} not line endings)`);
    }), { numRuns: RUNS });
  });

  it('byte-by-byte feeding yields exactly what whole-buffer feeding does', () => {
    fc.assert(fc.property(ircishBytes, (buf) => {
      const whole = new LineReader();
      const all = whole.push(buf);
      const bytewise = new LineReader();
      const got = [];
      for (let i = 0; i < buf.length; i++) got.push(...bytewise.push(buf.subarray(i, i + 1)));
      assert.deepEqual(got, all);
      assert.equal(bytewise.pending, whole.pending);
    }), { numRuns: RUNS });
  });

  it('lines at the length bounds read the same in one chunk (the ASCII fast path) as byte by byte', () => {
    // Body lengths around 510 (MAX_LINE_BYTES less CRLF) and tag sections around MAX_TAG_BYTES,
    // space-less tags included, ASCII and not: the fast path must report what the slow one does.
    const lens = [509, 510, 511];
    const tagLens = [8190, 8191, 8192];
    const lines: string[] = [];
    for (const n of lens) lines.push('P'.repeat(n), `${'P'.repeat(n - 1)}\xe9`);
    for (const t of tagLens) lines.push(`@${'t'.repeat(t - 2)} PING x`, `@${'t'.repeat(t)}`, `@${'t'.repeat(t - 2)} ${'P'.repeat(510)}`);
    for (const line of lines) {
      for (const end of ['\r\n', '\n', '\r']) {
        const buf = Buffer.concat([Buffer.from(`PING a${end}`), Buffer.from(line, 'latin1'), Buffer.from(`${end}PING b${end}`)]);
        const all = new LineReader().push(buf);
        const bytewise = new LineReader();
        const got = [];
        for (let i = 0; i < buf.length; i++) got.push(...bytewise.push(buf.subarray(i, i + 1)));
        assert.deepEqual(all, got, `a line of ${line.length} bytes ending in ${JSON.stringify(end)}`);
        assert.equal(all.length, 3);
      }
    }
  });

  it('parse(serialize(m)) = m for valid messages, through bytes and the line reader', () => {
    fc.assert(fc.property(validMessage, (m) => {
      const line = serialize(m);
      const body = line.slice(m.tags ? line.indexOf(' ') + 1 : 0);
      fc.pre(Buffer.byteLength(body) <= MAX_LINE_BYTES);
      const items = new LineReader().push(Buffer.from(line));
      assert.equal(items.length, 1);
      const item = items[0]!;
      assert.ok('line' in item);
      assert.deepEqual(parse(item.line), m);
    }), { numRuns: RUNS });
  });

  it('serialised lines never contain CR, LF or NUL, end in CRLF and keep the body within 512 bytes', () => {
    const any = fc.string({ unit: 'binary', maxLength: 80 });
    fc.assert(fc.property(
      fc.record({ tags: fc.dictionary(any, any, { maxKeys: 3 }), source: any, command: any, params: fc.array(fc.string({ unit: 'binary', maxLength: 300 }), { maxLength: 6 }), trailing: fc.boolean() }),
      (m) => {
        const line = serialize(m);
        assert.ok(line.endsWith('\r\n'));
        assert.ok(!/[\r\n\0]/.test(line.slice(0, -2)), JSON.stringify(line));
        const tagEnd = Object.keys(m.tags).length ? line.indexOf(' ') + 1 : 0;
        assert.ok(Buffer.byteLength(line) - Buffer.byteLength(line.slice(0, tagEnd)) <= MAX_LINE_BYTES);
      },
    ), { numRuns: RUNS });
  });

  it('globMatch agrees with the regular expression a mask stands for', () => {
    const alphabet = fc.constantFrom('a', 'b', '*', '?', '.', '[', '\\');
    fc.assert(fc.property(fc.string({ unit: alphabet, maxLength: 12 }), fc.string({ unit: fc.constantFrom('a', 'b', '.', '['), maxLength: 12 }), (mask, s) => {
      const re = new RegExp(`^${mask.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
      assert.equal(globMatch(mask, s), re.test(s), `${mask} ~ ${s}`);
    }), { numRuns: RUNS });
  });

  it('the SASL PLAIN decoder never throws and only accepts authzid = authcid or empty', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.tuple(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), fc.string({ maxLength: 60 })).map(([a, b, c]) => Buffer.from(`${a}\0${b}\0${c}`).toString('base64'))), (s) => {
      const r = decodePlain(s);
      if (r) {
        const [authzid, authcid] = Buffer.from(s, 'base64').toString('utf8').split('\0') as [string, string];
        assert.equal(r.authcid, authcid);
        assert.ok(authzid === '' || authzid.toLowerCase() === authcid.toLowerCase());
      }
    }), { numRuns: RUNS });
  });
});

// ---------------------------------------------------------------- live server over TCP

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Parameters that mean something to some verb, plus anything at all. */
const param = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(
    '#lobby', '#fz', '#', '##', '#a,#b,#c', '*', '0', '-1', '', ':', ',', ',,,', 'Calc', 'NickServ', 'Bystander', 'bystander,calc',
    '*!*@*', '*a*a*a*a*a*a*a*a*?', 'msgid=x', 'msgid=', 'timestamp=2020-01-01T00:00:00Z', 'timestamp=nope', 'LATEST', 'BEFORE', 'AFTER',
    'AROUND', 'BETWEEN', 'TARGETS', '+o', '-o', '+ooo', '+i', '-i', '+b', '+beI', '+k', 'PLAIN', '+', 'LS', 'REQ', 'END', 'LIST', '302',
    '99999999999999999999', '1e400', 'NaN', 'REGISTER', 'IDENTIFY', 'STATUS', '\x01ACTION waves\x01', '\x01VERSION\x01', '\x01',
    'AGFsaWNlAHBhc3N3b3Jk', '=', '\u202e', '\u0000', 'x'.repeat(400),
  ) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
);

const verb = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...VERBS.keys()) },
  { weight: 1, arbitrary: fc.constantFrom('privmsg', 'Join', 'FOO', '001', 'ERROR', 'BATCH', 'GET') },
);

const tags = fc.option(fc.array(fc.oneof(
  fc.constantFrom('label=l1', 'label=', '+typing=active', '+draft/reply=abc', 'batch=b1', 'msgid=m', 'time=2020', '+x', '=v', ';', 'a=\\', `+big=${'t'.repeat(5000)}`),
  fc.string({ maxLength: 12 }),
), { minLength: 1, maxLength: 4 }).map((t) => `@${t.join(';')} `), { nil: '' });

/** One IRC-shaped line (verb, parameters, maybe a trailing one and tags), as bytes. */
const ircLine = fc.record({ tags, verb, params: fc.array(param, { maxLength: 6 }), trailing: fc.option(param, { nil: undefined }) })
  .map(({ tags: t, verb: v, params, trailing }) => Buffer.from(`${t}${[v, ...params].join(' ')}${trailing === undefined ? '' : ` :${trailing}`}`));

/** Bytes that are not a good line: random, invalid UTF-8, NUL, or far too long. */
const badLine = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((u) => Buffer.from(u)),
  fc.constantFrom(latin1('PRIVMSG #lobby :caf\xe9'), latin1('\xff\xfe'), latin1('NICK \xc3'), latin1('PRIVMSG #lobby :\xed\xa0\x80'), latin1('\xc0\x80'), latin1('JOIN #\x00x')),
  fc.integer({ min: 511, max: 20_000 }).map((n) => Buffer.concat([Buffer.from('PRIVMSG #lobby :'), Buffer.alloc(n, 'x')])),
  fc.integer({ min: 8000, max: 12_000 }).map((n) => Buffer.from(`@${'k'.repeat(n)} PING x`)),
);

const ending = fc.constantFrom('\r\n', '\n', '\r', '\r\n\r\n', '');

/** A fuzzing session: maybe register first, then lines (each with an ending, maybe none: lines run together or stay unterminated). */
const fuzzSession = fc.record({
  register: fc.boolean(),
  caps: fc.subarray([...CAPS]),
  lines: fc.array(fc.tuple(fc.oneof({ weight: 3, arbitrary: ircLine }, { weight: 1, arbitrary: badLine }), ending), { minLength: 1, maxLength: 25 }),
  split: fc.integer({ min: 1, max: 600 }),
});

describe('IRC fuzzing over TCP', () => {
  it('hostile sessions never crash the server or fail inside it, and a bystander is served throughout', async () => {
    const errors: unknown[] = [];
    const log = { ...silentLogger(), error: (obj: object, msg?: string) => { errors.push({ msg, err: String((obj as { err?: unknown }).err) }); } };
    const unhandled = (err: unknown): void => { errors.push({ msg: 'unhandled rejection', err: String(err) }); };
    process.on('unhandledRejection', unhandled);
    const app = await startTestServer({ 'auth.scryptLog2N': 10, 'calc.timeoutMs': 200 }, { log });
    try {
      const bystander = await IrcClient.register(app, 'Bystander', [...CAPS].filter((c) => c !== 'sasl'));
      bystander.autoPong = true;
      let n = 0;
      await fc.assert(fc.asyncProperty(fuzzSession, async ({ register, caps, lines, split }) => {
        const nick = `Fz${++n}`;
        const c = await IrcClient.connect(app.ircPort!);
        if (register) {
          if (caps.length) c.send(`CAP REQ :${caps.join(' ')}`);
          c.send('CAP END');
          c.send(`NICK ${nick}`);
          c.send(`USER ${nick.toLowerCase()} 0 * :Fuzz ${n}`);
          await c.waitLine(/ (376|422|433|432|904) /, 10_000).catch(() => undefined);
        }
        // The session's bytes, cut into chunks at arbitrary points.
        const bytes = Buffer.concat(lines.flatMap(([line, end]) => [line, Buffer.from(end)]));
        for (let i = 0; i < bytes.length && !c.closed; i += split) c.write(bytes.subarray(i, i + split));
        // Whatever state the session left (an unterminated line, a half SASL exchange), the
        // server still answers a PING, unless it hung up on the client.
        c.write(`\r\nPING :fuzz-end-${n}\r\n`);
        await Promise.race([c.waitLine(new RegExp(`PONG \\S+ :fuzz-end-${n}$`), 15_000), c.waitClosed(15_000)]).catch((err: unknown) => {
          if (!c.closed) throw err;
        });
        c.close();
        await bystander.sync();
      }), { numRuns: 120 });
      // (The last fuzzing connection's QUIT may arrive around it.)
      assert.ok((await bystander.command(`PING ${SERVER}-alive`)).includes(`:${SERVER} PONG ${SERVER} :${SERVER}-alive`));
      assert.deepEqual(errors, [], 'nothing failed inside the server');
      bystander.close();
    } finally {
      process.off('unhandledRejection', unhandled);
      await app.close();
    }
  });
});
