import type { AuditEntry } from '../../protocol/index.ts';

/** The moderation audit log, newest first: the administrators' section (all of it) and a room's settings panel (its operators: that room's). */
export function AuditTable({ entries, label, room = true }: { entries: readonly AuditEntry[]; label: string; room?: boolean }) {
  const cols = room ? 6 : 5;
  return (
    <table class="audit" aria-label={label}>
      <thead><tr><th>When</th><th>Who</th><th>What</th>{room && <th>Where</th>}<th>On whom</th><th>Why</th></tr></thead>
      <tbody>
        {entries.length === 0 && <tr><td colSpan={cols} class="muted">No moderation yet.</td></tr>}
        {[...entries].reverse().map((e, i) => (
          <tr key={`${e.ts}-${i}`}><td>{new Date(e.ts).toLocaleString()}</td><td>{e.actor}</td><td>{e.action}</td>{room && <td>{e.room ?? ''}</td>}<td>{e.target ?? ''}</td><td>{e.reason ?? ''}</td></tr>
        ))}
      </tbody>
    </table>
  );
}
