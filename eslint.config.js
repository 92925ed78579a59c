import tseslint from 'typescript-eslint';

/**
 * Per service, http -> domain <- data (docs/service-shape.md): the domain owns its ports and imports nothing of
 * the service's adapters; every other folder of src/ (http, data, events, upstream, cache, senders, and any
 * folder added later) is an adapter that reaches the others only through the domain; a module beside
 * service.ts (metrics, a worker's timer) is shared by the adapters and imports only the domain.
 * src/service.ts, the composition root (with main.ts and config.ts), is the one place that sees them all; a command's entry point (cli/)
 * composes the domain with data the same way.
 */
const SERVICE_SRC = '**/*-service/src';
/** The platform's names before the entry points (decision 0073): gone from its exports, kept out by lint. */
const OLD_PLATFORM_NAMES = [
  ['@shop/platform', '@shop/platform/runtime or @shop/platform/contracts'],
  ['@shop/platform/testing', '@shop/platform/tools/testing'],
  ['@shop/platform/cli', '@shop/platform/tools'],
  ['@shop/platform/cli/backup', '@shop/platform/tools/backup'],
].map(([name, instead]) => ({
  name,
  message: `Import ${instead} (docs/service-shape.md#platform-entry-points).`,
}));
const COMPOSITION_ROOT = {
  regex: '^(\\.\\./)+(service|main)\\.js$',
  message: 'Only main.ts imports the composition root.',
};
/** An import of a sibling folder of src/ other than `allowed` (the domain). */
function otherFolders(allowed, message) {
  return { regex: `^(\\.\\./)+(?!(${allowed.join('|')})/)[^./][^/]*/`, message };
}
const ADAPTER_MESSAGE =
  'An adapter imports the domain (and its own folder), never another adapter or folder: http -> domain <- data. Declare a port in domain/ports.ts and wire it in src/service.ts.';
const adapterRule = (extra = {}, allowed = ['domain']) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: [...OLD_PLATFORM_NAMES, ...(extra.paths ?? [])],
      patterns: [otherFolders(allowed, ADAPTER_MESSAGE), COMPOSITION_ROOT],
    },
  ],
});
const serviceBoundaries = [
  {
    files: [`${SERVICE_SRC}/domain/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...OLD_PLATFORM_NAMES,
            ...['koa', '@koa/router', 'better-sqlite3', 'amqplib', 'undici', 'ioredis'].map((name) => ({
              name,
              message:
                'The domain knows no HTTP, SQL, cache or broker library: declare a port in domain/ and implement it outside.',
            })),
          ],
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
    // Every adapter folder, including ones no rule names yet.
    files: [`${SERVICE_SRC}/*/**/*.ts`],
    ignores: [`${SERVICE_SRC}/domain/**`, `${SERVICE_SRC}/data/**`, `${SERVICE_SRC}/cli/**`],
    rules: adapterRule(),
  },
  {
    files: [`${SERVICE_SRC}/data/**/*.ts`],
    rules: adapterRule({
      paths: ['koa', '@koa/router'].map((name) => ({ name, message: 'data knows nothing of HTTP.' })),
    }),
  },
  {
    // A command (npm run admin) builds the domain over data, as service.ts does, and serves no HTTP.
    files: [`${SERVICE_SRC}/cli/**/*.ts`],
    rules: adapterRule({}, ['domain', 'data']),
  },
  {
    files: [`${SERVICE_SRC}/*.ts`],
    // service.ts and main.ts compose; config.ts turns the environment into the adapters' settings for service.ts.
    ignores: [`${SERVICE_SRC}/service.ts`, `${SERVICE_SRC}/main.ts`, `${SERVICE_SRC}/config.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: OLD_PLATFORM_NAMES,
          patterns: [
            {
              regex: '^\\./(?!domain/)[^./][^/]*/',
              message:
                'A module beside service.ts is shared by the adapters, so it imports only the domain: wiring lives in src/service.ts.',
            },
            { regex: '^\\./(service|main)\\.js$', message: COMPOSITION_ROOT.message },
          ],
        },
      ],
    },
  },
];

/**
 * A service keys its per-client budgets on the address the gateway vouched for (vouchedClientAddress in
 * platform auth), never on a header its caller writes: rotating X-Forwarded-For would buy a new budget per
 * request (docs/security.md#what-each-layer-checks). Only the gateway, which sets those headers, reads them.
 */
const CLIENT_ADDRESS_HEADERS = {
  files: [`${SERVICE_SRC}/**/*.ts`, 'platform/src/**/*.ts'],
  rules: {
    'no-restricted-syntax': [
      'error',
      {
        selector: 'Literal[value=/^x-(forwarded-for|real-ip|client-ip)$/i]',
        message:
          'A service never believes a client address header its caller can write: use vouchedClientAddress(ctx, tokens).',
      },
      {
        selector: 'MemberExpression[property.name=/^ips?$/]',
        message:
          "Koa's ctx.ip/ips read X-Forwarded-For when proxy is on: use vouchedClientAddress(ctx, tokens).",
      },
    ],
  },
};

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
      // Service folders set this rule again below, each with OLD_PLATFORM_NAMES.
      'no-restricted-imports': ['error', { paths: OLD_PLATFORM_NAMES }],
      'no-console': 'off',
    },
  },
  ...serviceBoundaries,
  CLIENT_ADDRESS_HEADERS,
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
