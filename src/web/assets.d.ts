/** Stylesheets are bundled by Vite into an external CSS file (no inline styles; see the CSP). */
declare module '*.css';
