// ESLint, flat config: typescript-eslint's type-checked recommended rules for the typed client
// and the web app, ESLint's recommended rules for the Node scripts. `npm run lint` (part of
// `npm run check`) allows no warnings. Generated files and the committed build are not linted.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['node_modules/', 'web/dist/', 'client/schema.d.ts', 'miniprogram/dist/', 'partner-client/dist/'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    files: ['**/*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { globals: { console: 'readonly', process: 'readonly' } },
  },
  {
    // The mini-program's tests (CommonJS, as the package miniprogram-simulate loads).
    files: ['**/*.cjs'],
    extends: [js.configs.recommended],
    languageOptions: {
      sourceType: 'commonjs',
      globals: Object.fromEntries(['require', 'module', '__dirname', 'console', 'process', 'setTimeout', 'globalThis', 'fetch',
        'AbortController', 'URL', 'document', 'wx'].map((g) => [g, 'readonly'])),
    },
  },
  {
    // Views call the API only through the shared core (core/ via web/src/api.ts, or the
    // mini-program's lib/): no fetch, XMLHttpRequest, wx.request, openapi-fetch or API path
    // outside a typed `api.GET/POST/...` call. The platform adapters themselves are exempt.
    files: ['web/src/**/*.ts', 'miniprogram/src/**/*.ts'],
    ignores: ['web/src/api.ts', 'miniprogram/src/lib/**'],
    rules: {
      'no-restricted-globals': ['error',
        { name: 'fetch', message: 'Call the API through the shared core (api.GET/POST...), not fetch.' },
        { name: 'XMLHttpRequest', message: 'Call the API through the shared core (api.GET/POST...).' }],
      'no-restricted-imports': ['error', { paths: [{ name: 'openapi-fetch', message: 'Use the shared core (core/), not a client of its own.' }] }],
      'no-restricted-syntax': ['error',
        { selector: 'MemberExpression[property.name=/^(fetch|request|uploadFile|downloadFile|connectSocket)$/][object.name=/^(wx|window|globalThis|self)$/]', message: 'Call the API through the shared core (api.GET/POST...), not the platform.' },
        { selector: 'Literal[value=/\\/api\\/v1\\//]:not(CallExpression[callee.object.name="api"] > Literal)', message: 'API paths belong in a typed api.GET/POST/... call of the shared core.' },
        { selector: 'TemplateElement[value.raw=/\\/api\\/v1\\//]', message: 'API paths belong in a typed api.GET/POST/... call of the shared core.' }],
    },
  },
);
