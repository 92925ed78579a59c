import tseslint from 'typescript-eslint';

/**
 * Per service, http -> domain <- data (docs/service-shape.md): the domain owns its ports and imports nothing of
 * the service's adapters; http reaches data only through the domain; data implements the domain's ports and
 * knows nothing of HTTP. src/service.ts, the composition root, is the one place that sees them all.
 */
const ADAPTERS = 'data|http|events|upstream|senders';
const COMPOSITION_ROOT = {
  regex: '^(\\.\\./)+(service|main)\\.js$',
  message: 'Only main.ts imports the composition root.',
};
const serviceBoundaries = [
  {
    files: ['**/*-service/src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['koa', '@koa/router', 'better-sqlite3', 'amqplib', 'undici'].map((name) => ({
            name,
            message:
              'The domain knows no HTTP, SQL or broker library: declare a port in domain/ and implement it outside.',
          })),
          patterns: [
            {
              regex: '^(\\.\\./)+(?!domain/)',
              message:
                'The domain imports only the domain (and @shop/platform): declare a port in domain/ports.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*-service/src/http/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^(\\.\\./)+(${ADAPTERS.replace('http|', '')})/`,
              message:
                'http reaches data, events and other services only through the domain (http -> domain <- data).',
            },
            COMPOSITION_ROOT,
          ],
        },
      ],
    },
  },
  {
    files: ['**/*-service/src/data/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['koa', '@koa/router'].map((name) => ({ name, message: 'data knows nothing of HTTP.' })),
          patterns: [
            {
              regex: `^(\\.\\./)+(${ADAPTERS.replace('data|', '')})/`,
              message:
                "data implements the domain's ports and imports no other adapter (http -> domain <- data).",
            },
            COMPOSITION_ROOT,
          ],
        },
      ],
    },
  },
];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'data/**', 'coverage/**', 'grafana/**', 'k8s/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', '*.mjs', 'scripts/*.mjs', 'vitest.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/ban-ts-comment': 'error',
      'no-console': 'off',
    },
  },
  ...serviceBoundaries,
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
