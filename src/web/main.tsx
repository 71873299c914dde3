/** Entry point: the chat app at every path except /admin, which loads the admin page on demand. */
import { render } from 'preact';
import { App } from './components/App.tsx';
import './styles.css';

const root = document.getElementById('app')!;
if (location.pathname === '/admin' || location.pathname.startsWith('/admin/')) {
  void import('./admin/Admin.tsx').then(({ Admin }) => render(<Admin />, root));
} else {
  render(<App />, root);
}
