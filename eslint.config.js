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
  {
    // An ESM value import of node:http loads undici (≈ 12 MB at start): see createHttpServer in src/server/http.ts.
    files: ['src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', ...['node:http', 'http'].map((name) => ({
        name, allowTypeImports: true, message: 'use createHttpServer from src/server/http.ts (an ESM import of node:http loads undici at start)',
      }))],
    },
  },
);
