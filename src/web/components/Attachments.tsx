import { useEffect, useState } from 'preact/hooks';
import { formatSize, type FileRef } from '../../protocol/index.ts';
import { fileLinks } from '../state/files.ts';

const INLINE_VIDEO = new Set(['video/mp4', 'video/webm']);

/** The files of a message: image thumbnails that open full size, short videos inline, other files as cards. */
export function Attachments({ files }: { files: readonly FileRef[] }) {
  const [, setTick] = useState(0);
  useEffect(() => {
    const off = fileLinks.subscribe(() => setTick((n) => n + 1));
    // Links that arrived between the first render and this subscription.
    setTick((n) => n + 1);
    return off;
  }, []);
  return (
    <ul class="attachments" aria-label="Attachments">
      {files.map((f) => {
        const link = fileLinks.get(f.id);
        if (f.thumb && link?.thumb) {
          return (
            <li key={f.id} class="attachment image">
              <a href={link.url} target="_blank" rel="noopener noreferrer" title={`${f.name} (${formatSize(f.size)})`}>
                <img src={link.thumb} alt={f.name} loading="lazy" />
              </a>
            </li>
          );
        }
        if (INLINE_VIDEO.has(f.type) && link) {
          return <li key={f.id} class="attachment video"><video src={link.url} controls preload="metadata" aria-label={f.name} /></li>;
        }
        return (
          <li key={f.id} class="attachment card">
            <span class="file-name">{f.name}</span>
            <span class="file-meta">{formatSize(f.size)} · {f.type}</span>
            {link ? <a class="small-btn" href={`${link.url}&download=1`} download={f.name}>Download</a> : <span class="muted">…</span>}
          </li>
        );
      })}
    </ul>
  );
}
