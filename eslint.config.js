// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', 'test-artifacts/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: {
      globals: { console: 'readonly', process: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', queueMicrotask: 'readonly', URL: 'readonly', Buffer: 'readonly', WebSocket: 'readonly', performance: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', AbortController: 'readonly', structuredClone: 'readonly', document: 'readonly', window: 'readonly', localStorage: 'readonly', navigator: 'readonly', Notification: 'readonly', fetch: 'readonly', globalThis: 'readonly', crypto: 'readonly' },
    },
    rules: {
      'no-restricted-syntax': ['error', { selector: "CallExpression[callee.name='eval']", message: 'eval is forbidden' }, { selector: "NewExpression[callee.name='Function']", message: 'Function constructor is forbidden' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
