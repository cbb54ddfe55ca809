// @ts-check
import { builtinModules } from 'node:module'
import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

/**
 * Layer boundaries from docs/architecture.md, as errors:
 * core/ never reaches into electron/ or renderer/ (nor Electron or the DOM
 * libraries); renderer/ sees only core/api; electron/ sees core/api and core/host.
 */
const coreBoundary = {
  patterns: [
    { group: ['**/electron/**', '**/renderer/**'], message: 'core/ must not import electron/ or renderer/ (docs/architecture.md).' },
    { group: ['electron', 'electron/*', 'react', 'react/*', 'react-dom', 'react-dom/*'], message: 'core/ runs without Electron and without a DOM.' }
  ]
}
/**
 * core/api is imported by the renderer too, so it is browser code: no Node,
 * no `ws`, no libp2p, and nothing from core/ but itself, core/errors and the
 * wire limits (plain constants, so the UI counts with the engine's numbers).
 * It still obeys the core boundary (flat config replaces the rule's options).
 */
const apiMessage = 'core/api runs in the renderer: it may import only core/api, core/errors, core/wire/limits and browser-safe packages.'
const apiBoundary = {
  paths: builtinModules.map(name => ({ name, message: apiMessage })),
  patterns: [
    ...coreBoundary.patterns,
    { group: ['node:*', 'ws', 'ws/*', 'libp2p', 'libp2p/*', '@libp2p/*', '@chainsafe/*'], message: apiMessage },
    { group: ['**/core/*', '!**/core/api', '!**/core/api/**', '!**/core/errors.js', '!**/core/wire', '**/core/wire/*', '!**/core/wire/limits.js'], message: apiMessage },
    // From core/api/x.ts, any `../` leads out of core/api.
    { regex: '^\\.\\./(?!errors\\.js$|wire/limits\\.js$)', message: apiMessage }
  ]
}
// The DOM lib is in tsconfig for libp2p's typings only; core/ never touches a page.
const coreGlobals = ['window', 'document', 'localStorage', 'sessionStorage', 'navigator']
const rendererBoundary = {
  patterns: [
    { group: ['**/core/*', '!**/core/api', '!**/core/api/**'], message: 'renderer/ may import only core/api.' },
    { group: ['node:*', 'electron', 'electron/*', '**/electron/**'], message: 'renderer/ has no Node or Electron access.' }
  ]
}
const electronBoundary = {
  patterns: [
    { group: ['**/core/*', '!**/core/api', '!**/core/api/**', '!**/core/host', '!**/core/host/**'], message: 'electron/ may import only core/api and core/host.' },
    { group: ['**/renderer/**'], message: 'electron/ must not import renderer/.' }
  ]
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.tmp/**', 'core/wire/parley.ts', '.vite/**', 'out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname }
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // Implementations of async interfaces (libsignal stores, datastore) are often synchronous inside.
      '@typescript-eslint/require-await': 'off'
    }
  },
  {
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', coreBoundary],
      'no-restricted-globals': ['error', ...coreGlobals]
    }
  },
  {
    files: ['core/api/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', apiBoundary],
      'no-restricted-globals': ['error', ...coreGlobals, 'process', 'Buffer', 'require', '__dirname', '__filename', 'global']
    }
  },
  { files: ['renderer/**/*.{ts,tsx}'], rules: { 'no-restricted-imports': ['error', rendererBoundary] } },
  { files: ['electron/**/*.ts'], rules: { 'no-restricted-imports': ['error', electronBoundary] } },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  { files: ['scripts/**/*.js', 'bin/**', 'test/**/*.js'], languageOptions: { globals: globals.node } }
)
