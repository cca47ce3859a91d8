// ESLint (flat config) for the TypeScript and JavaScript under src/, webview/, test/, bench/ and scripts/.
// Type-aware rules (typescript-eslint's recommendedTypeChecked) on the .ts files, which tsconfig.json covers;
// the plain recommended rules on the .mjs/.js scripts. eslint-config-prettier last, so formatting is Prettier's
// alone (`npm run lint` runs both).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'dist-test/',
      'dist-bench/',
      'node_modules/',
      'examples/',
      'sdk/',
      'media/',
      'docs/',
      '**/.lineage/',
      '.vscode-test/',
      '.code-server/',
      'out/',
      'test/webview/.h*.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_name` marks a parameter or binding kept on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      // Empty catch blocks are how best-effort clean-up is written here (a missing file is not an error).
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  // Tests and benchmarks read JSON (CLI output, events files, fixtures) into `any` and check it with asserts;
  // the no-unsafe-* family would flag every such read. node:test's test()/describe() return promises the
  // runner itself awaits. Async test callbacks without an await and `${x}` in assert messages are fine.
  {
    files: ['test/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] },
          ],
        },
      ],
    },
  },
  // Plain JavaScript (build scripts, test drivers): no type information.
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  // Code that runs in a webview, or is handed to a browser page by the test drivers.
  {
    files: ['webview/**', 'test/webview/**', 'test/vscode/ui/**', 'bench/*.mjs'],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
  },
  // Tests in the real VS Code host run under mocha.
  {
    files: ['test/vscode/**'],
    languageOptions: { globals: { ...globals.mocha } },
  },
  prettier,
);
