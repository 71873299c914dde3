import { useEffect, useState } from 'preact/hooks';
import { formatSize, isVideoType, type FileRef } from '../../protocol/index.ts';
import { fileLinks, type FileLink } from '../state/files.ts';

/**
 * The files of a message: image thumbnails that open full size, videos as their poster frame
 * that opens the video full size (a card when the server made no poster), other files as
 * cards. `canRevoke`: the message is mine or I operate the room, so a "Revoke links" button
 * is shown (the server checks again).
 */
export function Attachments({ files, canRevoke = false }: { files: readonly FileRef[]; canRevoke?: boolean }) {
  const [, setTick] = useState(0);
  const [status, setStatus] = useState<Record<string, string>>({});
  useEffect(() => {
    const off = fileLinks.subscribe(() => setTick((n) => n + 1));
    // Links that arrived between the first render and this subscription.
    setTick((n) => n + 1);
    return off;
  }, []);
  const revoke = (f: FileRef): void => {
    setStatus((s) => ({ ...s, [f.id]: 'Revoking…' }));
    fileLinks.revoke(f.id).then(
      () => setStatus((s) => ({ ...s, [f.id]: 'Links revoked: old links no longer work' })),
      (err: unknown) => setStatus((s) => ({ ...s, [f.id]: `Not revoked: ${err instanceof Error ? err.message.replace(/^[A-Z_]+: /, '') : String(err)}` })),
    );
  };
  return (
    <ul class="attachments" aria-label="Attachments">
      {files.map((f) => {
        const link = fileLinks.get(f.id);
        const extra = (
          <>
            {canRevoke && <button type="button" class="small-btn revoke" onClick={() => revoke(f)} aria-label={`Revoke links to ${f.name}`}>Revoke links</button>}
            {status[f.id] !== undefined && <span class="file-status" role="status">{status[f.id]}</span>}
          </>
        );
        return <li key={f.id} class={`attachment ${kindOf(f, link)}`}>{body(f, link)}{extra}</li>;
      })}
    </ul>
  );
}

function kindOf(f: FileRef, link: FileLink | undefined): string {
  if (f.thumb && link?.thumb) return isVideoType(f.type) ? 'image video-poster' : 'image';
  return isVideoType(f.type) ? 'card video-card' : 'card';
}

function body(f: FileRef, link: FileLink | undefined) {
  // A link the browser cannot load (revoked, expired early) is fetched again.
  const retry = (): void => fileLinks.refresh(f.id);
  const label = `${f.name} (${formatSize(f.size)})`;
  if (f.thumb && link?.thumb) {
    const video = isVideoType(f.type);
    return (
      <a href={link.url} target="_blank" rel="noopener noreferrer" title={video ? `Play ${label}` : label}>
        <img src={link.thumb} alt={video ? `${f.name} (video)` : f.name} loading="lazy" onError={retry} />
        {video && <span class="play-badge" aria-hidden="true">▶</span>}
      </a>
    );
  }
  return (
    <>
      <span class="file-name">{f.name}</span>
      <span class="file-meta">{formatSize(f.size)} · {f.type}</span>
      {!link && <span class="muted">…</span>}
      {link && isVideoType(f.type) && <a class="small-btn" href={link.url} target="_blank" rel="noopener noreferrer" aria-label={`Play ${f.name}`}>Play</a>}
      {link && <a class="small-btn" href={`${link.url}&download=1`} download={f.name}>Download</a>}
    </>
  );
}
