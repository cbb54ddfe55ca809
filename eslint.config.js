// @ts-check
import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

/**
 * Layer boundaries from ARCHITECTURE.md, as errors:
 * core/ never reaches into electron/ or renderer/ (nor Electron or the DOM
 * libraries); renderer/ sees only core/api; electron/ sees core/api and core/host.
 */
const coreBoundary = {
  patterns: [
    { group: ['**/electron/**', '**/renderer/**'], message: 'core/ must not import electron/ or renderer/ (ARCHITECTURE.md).' },
    { group: ['electron', 'electron/*', 'react', 'react/*', 'react-dom', 'react-dom/*'], message: 'core/ runs without Electron and without a DOM.' }
  ]
}
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
      // The DOM lib is in tsconfig for libp2p's typings only; core/ never touches a page.
      'no-restricted-globals': ['error', 'window', 'document', 'localStorage', 'sessionStorage', 'navigator']
    }
  },
  { files: ['renderer/**/*.{ts,tsx}'], rules: { 'no-restricted-imports': ['error', rendererBoundary] } },
  { files: ['electron/**/*.ts'], rules: { 'no-restricted-imports': ['error', electronBoundary] } },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  { files: ['scripts/**/*.js', 'bin/**', 'test/**/*.js'], languageOptions: { globals: globals.node } }
)
