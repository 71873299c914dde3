/** The safe Markdown subset (src/protocol/markdown.ts): what it renders, what it refuses, and that it stays linear. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { inlineText, parseInline, parseMarkdown, plainText, safeHref, type Block, type Inline } from '../../src/protocol/markdown.ts';

it('parses bold, italic, inline code and links', () => {
  assert.deepEqual(parseInline('a **b** *c* _d_ `e*f*` [g](https://x.org/p?q=1)'), [
    { t: 'text', s: 'a ' }, { t: 'strong', c: [{ t: 'text', s: 'b' }] }, { t: 'text', s: ' ' }, { t: 'em', c: [{ t: 'text', s: 'c' }] },
    { t: 'text', s: ' ' }, { t: 'em', c: [{ t: 'text', s: 'd' }] }, { t: 'text', s: ' ' }, { t: 'code', s: 'e*f*' }, { t: 'text', s: ' ' },
    { t: 'link', href: 'https://x.org/p?q=1', c: [{ t: 'text', s: 'g' }] },
  ]);
  assert.deepEqual(parseInline('**bold with *italic* inside**'), [
    { t: 'strong', c: [{ t: 'text', s: 'bold with ' }, { t: 'em', c: [{ t: 'text', s: 'italic' }] }, { t: 'text', s: ' inside' }] },
  ]);
});

it('leaves ordinary punctuation alone: snake_case, 2 * 3 * 4, unclosed markers, a lone backtick', () => {
  for (const s of ['snake_case_name here', '2 * 3 * 4', '**not closed', 'a ` b', '[x] (y)', 'price: *', '_', '**', '[](https://x.org)']) {
    assert.deepEqual(parseInline(s), [{ t: 'text', s }], s);
  }
});

it('splits code blocks, quotes and paragraphs, keeping newlines', () => {
  const blocks = parseMarkdown('hello\nworld\n```js\nconst a = "**x**";\n<script>\n```\n> quoted *it*\n> more\nafter');
  assert.deepEqual(blocks, [
    { t: 'para', c: [{ t: 'text', s: 'hello\nworld' }] },
    { t: 'code', s: 'const a = "**x**";\n<script>', lang: 'js' },
    { t: 'quote', c: [{ t: 'text', s: 'quoted ' }, { t: 'em', c: [{ t: 'text', s: 'it' }] }, { t: 'text', s: '\nmore' }] },
    { t: 'para', c: [{ t: 'text', s: 'after' }] },
  ] satisfies Block[]);
  // An unclosed fence runs to the end of the message.
  assert.deepEqual(parseMarkdown('```\nx\ny'), [{ t: 'code', s: 'x\ny', lang: '' }]);
  assert.equal(plainText('**a** and `b`\n> c'), 'a and b\nc');
});

it('links only to http, https and mailto targets (XSS payloads stay text)', () => {
  const payloads = [
    'javascript:alert(1)', 'JaVaScRiPt:alert(1)', ' javascript:alert(1)', 'java\tscript:alert(1)', 'javascript&#58;alert(1)',
    'data:text/html,<script>alert(1)</script>', 'vbscript:msgbox(1)', 'file:///etc/passwd', '//evil.example/x', '/relative',
    'https:evil.example', 'http://x.org/"onmouseover="alert(1)', "http://x.org/'><img src=x>", 'http://x.org/<script>',
    'https://x.org/\\u0000', '\u0000javascript:alert(1)',
  ];
  for (const p of payloads) {
    const nodes = parseInline(`[click](${p})`);
    assert.ok(!JSON.stringify(nodes).includes('"link"'), `${p} became a link: ${JSON.stringify(nodes)}`);
    assert.equal(safeHref(p), undefined, p);
  }
  assert.equal(safeHref('mailto:bob@example.com'), 'mailto:bob@example.com');
  assert.equal(safeHref('HTTPS://X.org/a b'.replace(' ', '%20')), 'https://x.org/a%20b');
  // HTML is never markup: it comes back as text, character for character.
  const html = '<img src=x onerror=alert(1)><script>alert(1)</script><a href="javascript:x">y</a>';
  assert.equal(inlineText(parseInline(html)), html);
});

it('keeps every character of text outside markers (property)', () => {
  fc.assert(fc.property(fc.string({ unit: fc.constantFrom('a', ' ', '*', '_', '`', '[', ']', '(', ')', '<', '>', '\n', 'h') , maxLength: 60 }), (s) => {
    const text = plainText(s);
    // Markers are dropped, never invented: the plain text is a subsequence of the input.
    let k = 0;
    for (const ch of text) {
      k = s.indexOf(ch, k);
      assert.notEqual(k, -1, `${JSON.stringify(s)} -> ${JSON.stringify(text)}`);
      k++;
    }
  }), { numRuns: 2000 });
});

function steps(text: string): number {
  const meter = { steps: 0 };
  parseMarkdown(text, meter);
  return meter.steps;
}

it('does work linear in the text, whatever it contains', () => {
  const attacks = [(n: number) => '['.repeat(n), (n: number) => '*'.repeat(n), (n: number) => '_a'.repeat(n), (n: number) => '**a'.repeat(n),
    (n: number) => '`'.repeat(n), (n: number) => '[a]('.repeat(n), (n: number) => '[a](https://x.org'.repeat(n), (n: number) => '*a _b **c '.repeat(n),
    (n: number) => '> '.repeat(n), (n: number) => '```\n'.repeat(n)];
  for (const attack of attacks) {
    const small = attack(500);
    const big = attack(4000);
    const ratio = steps(big) / Math.max(1, steps(small));
    const sizeRatio = big.length / small.length;
    assert.ok(ratio <= sizeRatio * 1.5, `${JSON.stringify(small.slice(0, 12))}…: ${steps(small)} -> ${steps(big)} steps for ${sizeRatio}x the text`);
  }
});

it('bounds nesting', () => {
  const deep = '**'.repeat(1) + '*a '.repeat(10) + '[x'.repeat(10);
  const depth = (ns: readonly Inline[]): number => Math.max(0, ...ns.map((n) => (n.t === 'text' || n.t === 'code' ? 0 : 1 + depth(n.c))));
  for (const b of parseMarkdown(deep)) if (b.t !== 'code') assert.ok(depth(b.c) <= 3);
});
