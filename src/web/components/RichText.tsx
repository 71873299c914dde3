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
