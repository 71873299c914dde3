import type { ComponentChildren } from 'preact';
import { parseMarkdown, type Inline } from '../../protocol/index.ts';
import { tokenize } from '../lib/richtext.ts';

/** Message text as text nodes plus safe links and mention highlights; never parsed as HTML. */
export function RichText({ text, me }: { text: string; me: string }) {
  return (
    <>
      {tokenize(text, me).map((t, i) => {
        if (t.t === 'link') return <a key={i} href={t.href} target="_blank" rel="noopener noreferrer nofollow">{t.s}</a>;
        if (t.t === 'mention') return <mark key={i} class="mention">{t.s}</mark>;
        return t.s;
      })}
    </>
  );
}

function inlines(nodes: readonly Inline[], me: string): ComponentChildren[] {
  return nodes.map((n, i) => {
    switch (n.t) {
      case 'text': return <RichText key={i} text={n.s} me={me} />;
      case 'code': return <code key={i} class="md-code">{n.s}</code>;
      case 'strong': return <strong key={i}>{inlines(n.c, me)}</strong>;
      case 'em': return <em key={i}>{inlines(n.c, me)}</em>;
      case 'link': return <a key={i} href={n.href} target="_blank" rel="noopener noreferrer nofollow">{inlines(n.c, me)}</a>;
    }
  });
}

/**
 * A message body in the safe Markdown subset (src/protocol/markdown.ts): paragraphs, quotes,
 * code blocks, bold, italic, inline code and links with http/https/mailto targets only. Every
 * piece of user text becomes a text node; the only attribute it reaches is a checked href.
 */
export function Markdown({ text, me }: { text: string; me: string }) {
  return (
    <>
      {parseMarkdown(text).map((b, i) => {
        if (b.t === 'code') return <pre key={i} class="md-pre" tabIndex={0} aria-label={b.lang ? `Code (${b.lang})` : 'Code'}><code>{b.s}</code></pre>;
        if (b.t === 'quote') return <blockquote key={i} class="md-quote">{inlines(b.c, me)}</blockquote>;
        return <div key={i} class="md-p">{inlines(b.c, me)}</div>;
      })}
    </>
  );
}
