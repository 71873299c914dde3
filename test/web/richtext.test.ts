/** Message text tokenizing: only http(s) links, whole-word mentions, everything else plain text. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { mentions, tokenize } from '../../src/web/lib/richtext.ts';

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
