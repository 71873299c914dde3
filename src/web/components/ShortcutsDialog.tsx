import { SHORTCUTS } from '../lib/shortcuts.ts';
import { SLASH_HELP } from '../state/slash.ts';
import { Dialog } from './Dialog.tsx';

/** The app's help: keyboard shortcuts and slash commands. */
export function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  return (
    <Dialog id="shortcuts" title="Keyboard shortcuts" onClose={onClose}>
      <table class="shortcuts">
        <caption class="sr-only">Keyboard shortcuts</caption>
        <thead><tr><th scope="col">Keys</th><th scope="col">What they do</th></tr></thead>
        <tbody>
          {SHORTCUTS.map((s) => <tr key={s.keys}><td><kbd>{s.keys}</kbd></td><td>{s.what}</td></tr>)}
        </tbody>
      </table>
      <h3 class="section-h">Commands in the message field</h3>
      <ul class="slash-help">{SLASH_HELP.split('\n').map((l) => <li key={l}><code>{l}</code></li>)}</ul>
    </Dialog>
  );
}
