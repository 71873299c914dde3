/**
 * Property-based fuzzing of the IRC line codec (fast-check, thousands of cases each):
 * arbitrary bytes never throw, byte-by-byte feeding yields exactly what whole-buffer
 * feeding does, parse∘serialize is the identity on valid messages (through bytes and the
 * line reader, as on the wire), and no serialised line ever contains CR, LF or NUL.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
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
