/** Message text tokenizing: only http(s) links, whole-word mentions, everything else plain text. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { mentions, tokenize, type Token } from '../../src/web/lib/richtext.ts';

it('links http and https URLs only, without trailing punctuation', () => {
  assert.deepEqual(tokenize('see https://example.com/a?b=1, ok', ''), [
    { t: 'text', s: 'see ' }, { t: 'link', s: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' }, { t: 'text', s: ', ok' },
  ]);
  assert.deepEqual(tokenize('(http://x.org/wiki/A_(b)) end.', ''), [
    { t: 'text', s: '(' }, { t: 'link', s: 'http://x.org/wiki/A_(b)', href: 'http://x.org/wiki/A_(b)' }, { t: 'text', s: ') end.' },
  ]);
  for (const bad of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'ftp://x.org', 'file:///etc/passwd', '<a href="javascript:x">']) {
    assert.ok(tokenize(bad, '').every((t) => t.t === 'text'), bad);
  }
  assert.equal(tokenize('<img src=x onerror=alert(1)>', '').map((t) => t.s).join(''), '<img src=x onerror=alert(1)>');
});

it('highlights the reader\'s name as a whole word, case-insensitively, with or without @', () => {
  assert.deepEqual(tokenize('hi @Alice and alice.', 'alice').filter((t) => t.t === 'mention').map((t) => t.s), ['@Alice', 'alice']);
  for (const no of ['malice', 'alice_b', 'alice2', 'bob', 'x@alice']) assert.equal(mentions(no, 'alice'), false, no);
  assert.equal(mentions('ping [x]!', '[x]'), true);
  assert.equal(mentions('anything', ''), false);
});

it('keeps every character of the text, in order', () => {
  const text = 'a https://b.c/d e @me f\nhttp://g.h i';
  assert.equal(tokenize(text, 'me').map((t) => t.s).join(''), text);
});

/**
 * The previous, regex-based tokenizer: correct but quadratic (a URL followed by 4,000 `)`
 * took 85 ms). Kept here as an oracle for the scanner's behaviour on short inputs.
 */
function oracle(text: string, me: string): Token[] {
  const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
  const NAME_CHAR = 'A-Za-z0-9_\\-\\[\\]\\\\^{}|';
  const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
  const linkOf = (raw: string): { s: string; href: string } | undefined => {
    let s = raw.replace(/[.,;:!?]+$/, '');
    while (/[)\]}]$/.test(s)) {
      const close = s.at(-1)!;
      const open = close === ')' ? '(' : close === ']' ? '[' : '{';
      if (s.split(open).length >= s.split(close).length) break;
      s = s.slice(0, -1);
    }
    try {
      const u = new URL(s);
      return u.protocol === 'http:' || u.protocol === 'https:' ? { s, href: u.href } : undefined;
    } catch {
      return undefined;
    }
  };
  const out: Token[] = [];
  const split = (t: string): void => {
    if (!me || t === '') {
      if (t) out.push({ t: 'text', s: t });
      return;
    }
    let last = 0;
    for (const m of t.matchAll(new RegExp(`(?<![${NAME_CHAR}@])@?${escapeRe(me)}(?![${NAME_CHAR}])`, 'gi'))) {
      if (m.index > last) out.push({ t: 'text', s: t.slice(last, m.index) });
      out.push({ t: 'mention', s: m[0] });
      last = m.index + m[0].length;
    }
    if (last < t.length) out.push({ t: 'text', s: t.slice(last) });
  };
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    const link = linkOf(m[0]);
    if (!link) continue;
    split(text.slice(last, m.index));
    out.push({ t: 'link', ...link });
    last = m.index + link.s.length;
  }
  split(text.slice(last));
  return out;
}

it('tokenizes exactly like the previous regex tokenizer on generated text (property)', () => {
  const piece = fc.constantFrom('http://', 'https://', 'HTTP://', 'hTtPs://', 'x.org', 'a', 'Me', '@me', '@', 'me2', '_', '-', '(', ')', '[', ']', '{', '}', '.', ',', '!', '?', ':', ' ', '\n', '\u00a0', '\u2028', '<', '"', "'", '`', '/', '%', '#', 'é', '\u202e', 'javascript:', '[x]');
  fc.assert(fc.property(fc.array(piece, { maxLength: 40 }), fc.constantFrom('me', 'Me', '[x]', 'a', ''), (parts, me) => {
    const text = parts.join('');
    assert.deepEqual(tokenize(text, me), oracle(text, me), JSON.stringify(text));
    // mentions() looks at the whole text, links included (a link to /me still pings me).
    assert.equal(mentions(text, me), oracle(text.replace(/h(?=ttps?:)/gi, '_'), me).some((t) => t.t === 'mention'));
  }), { numRuns: 5000 });
});

describe('tokenizer work is linear in the text (counted steps, not time)', () => {
  // Inputs that made the regex version quadratic, and other worst cases for a scanner.
  const families: Record<string, (n: number) => string> = {
    'a URL followed by closing brackets': (n) => 'http://a' + ')'.repeat(n - 8),
    'a URL followed by dots, then a letter': (n) => 'http://x' + '.'.repeat(n - 9) + 'a',
    'a URL followed by mixed punctuation and brackets': (n) => 'https://a/' + '.)]},;'.repeat(n / 6).slice(0, n - 10),
    'many http:// fragments without spaces': (n) => 'http://'.repeat(Math.ceil(n / 7)).slice(0, n),
    'many http:// fragments with spaces': (n) => 'http:// '.repeat(n / 8),
    'many dots': (n) => '.'.repeat(n),
    'a long run without spaces': (n) => 'ab'.repeat(n / 2),
    'near-misses of the reader\'s name': (n) => 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab '.repeat(n / 33).slice(0, n),
    'repeated mentions': (n) => '@me '.repeat(n / 4),
    'opening brackets in a URL': (n) => 'http://a/' + '('.repeat(n - 9),
  };
  const me = (family: string): string => (family.startsWith('near-misses') ? 'a'.repeat(32) : 'me');

  for (const [family, make] of Object.entries(families)) {
    it(family, () => {
      const small = make(10_000);
      const large = make(100_000);
      assert.ok(Math.abs(small.length - 10_000) <= 40 && Math.abs(large.length - 100_000) <= 40, `${small.length} / ${large.length}`);
      const s = { steps: 0 };
      const l = { steps: 0 };
      const ts = tokenize(small, me(family), s);
      const tl = tokenize(large, me(family), l);
      assert.equal(tl.map((t) => t.s).join(''), large, 'keeps every character');
      assert.equal(ts.map((t) => t.s).join(''), small);
      assert.ok(l.steps >= large.length, `every character is looked at (${l.steps} steps)`);
      // Linear: 10x the text costs about 10x the work (quadratic would be 100x), and a bounded amount per character.
      assert.ok(l.steps / s.steps < 12, `100k/10k step ratio ${(l.steps / s.steps).toFixed(2)}`);
      assert.ok(l.steps <= 40 * large.length, `${l.steps} steps for ${large.length} characters`);
    });
  }
});
