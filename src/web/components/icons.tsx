/** Small inline SVG icons (DOM elements, so the CSP's style/script rules do not apply). */
import type { ComponentChildren } from 'preact';

function Svg({ children, size = 20 }: { children: ComponentChildren; size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">
      {children}
    </svg>
  );
}

export const Logo = ({ size = 28 }: { size?: number }) => (
  <svg class="logo" width={size} height={size} viewBox="0 0 64 64" aria-hidden="true" focusable="false">
    <rect width="64" height="64" rx="14" fill="currentColor" />
    <path d="M16 20a6 6 0 0 1 6-6h20a6 6 0 0 1 6 6v14a6 6 0 0 1-6 6H30l-9 8v-8h1a6 6 0 0 1-6-6z" fill="#fff" />
  </svg>
);
export const SendIcon = () => <Svg size={18}><path d="M22 2 11 13" /><path d="M22 2 15 22l-4-9-9-4z" /></Svg>;
export const CalcIcon = () => <Svg size={18}><rect x="4" y="2" width="16" height="20" rx="2" /><path d="M8 6h8M8 11h.01M12 11h.01M16 11h.01M8 15h.01M12 15h.01M16 15h.01M8 19h8" /></Svg>;
export const DmIcon = () => <Svg size={18}><path d="M4 4h16v12H8l-4 4z" /><path d="M9 9h6" /></Svg>;
export const UsersIcon = () => <Svg size={18}><circle cx="9" cy="8" r="3.5" /><path d="M2.5 20a6.5 6.5 0 0 1 13 0" /><path d="M16 4.5a3.5 3.5 0 0 1 0 7M18 14a6 6 0 0 1 3.5 6" /></Svg>;
export const MenuIcon = () => <Svg><path d="M4 6h16M4 12h16M4 18h16" /></Svg>;
export const CloseIcon = () => <Svg size={18}><path d="M6 6l12 12M18 6 6 18" /></Svg>;
export const HashIcon = () => <Svg size={16}><path d="M5 9h14M5 15h14M10 3 8 21M16 3l-2 18" /></Svg>;
export const BellIcon = () => <Svg size={18}><path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" /><path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" /></Svg>;
export const MembersIcon = () => <Svg size={18}><circle cx="12" cy="8" r="4" /><path d="M4 21a8 8 0 0 1 16 0" /></Svg>;
export const LockIcon = () => <Svg size={14}><rect x="4" y="11" width="16" height="10" rx="2" /><path d="M8 11V7a4 4 0 0 1 8 0v4" /></Svg>;
export const DownIcon = () => <Svg size={16}><path d="M12 5v14M5 12l7 7 7-7" /></Svg>;
export const SignOutIcon = () => <Svg size={18}><path d="M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4" /><path d="m16 17 5-5-5-5M21 12H9" /></Svg>;
export const KeyIcon = () => <Svg size={18}><circle cx="7.5" cy="15.5" r="4.5" /><path d="m10.7 12.3 9.3-9.3M16 7l3 3M14 9l2 2" /></Svg>;
export const ShieldIcon = () => <Svg size={18}><path d="M12 3 4.5 6v5.5c0 4.6 3.2 8.2 7.5 9.5 4.3-1.3 7.5-4.9 7.5-9.5V6L12 3z" /><path d="m9 12 2 2 4-4" /></Svg>;
export const HelpIcon = () => <Svg size={18}><circle cx="12" cy="12" r="9.5" /><path d="M9.5 9a2.5 2.5 0 0 1 4.9.7c0 1.7-2.4 2.3-2.4 3.8M12 17h.01" /></Svg>;
export const SearchIcon = () => <Svg size={16}><circle cx="11" cy="11" r="7" /><path d="m20 20-3.5-3.5" /></Svg>;
