import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Context } from 'koa';
import { buildOpenApiDocument } from '@shop/platform/api-contract';
import type { RouteDefinition } from '../routing/route-dispatch.js';

/**
 * The API's contract and its reference page, answered by the gateway itself:
 * - `GET /openapi.json`: the OpenAPI 3.1 document, built from the same zod schemas the services validate
 *   requests with (@shop/platform/api-contract);
 * - `GET /docs`: Swagger UI from the swagger-ui-dist package, served from this process (no CDN), under a
 *   Content-Security-Policy that lets the page load nothing but this gateway's own files.
 */

const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** The only files of swagger-ui-dist the page uses, by the name it asks for. */
const ASSETS: Record<string, { file: string; type: string }> = {
  'swagger-ui.css': { file: 'swagger-ui.css', type: 'text/css; charset=utf-8' },
  'swagger-ui-bundle.js': { file: 'swagger-ui-bundle.js', type: 'text/javascript; charset=utf-8' },
  'favicon-32x32.png': { file: 'favicon-32x32.png', type: 'image/png' },
};

// Scripts and styles from this origin only; Swagger UI sets inline styles and shows data: images.
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>shop-platform API reference</title>
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" />
    <link rel="stylesheet" href="/docs/swagger-ui.css" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/swagger-ui-bundle.js"></script>
    <script src="/docs/init.js"></script>
  </body>
</html>
`;

// validatorUrl: null keeps Swagger UI from sending the document to an online validator.
const INIT_SCRIPT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  layout: 'BaseLayout',
  docExpansion: 'list',
  defaultModelsExpandDepth: 0,
});
`;

function answer(
  ctx: Context,
  type: string,
  body: string | NodeJS.ReadableStream,
  cache: string,
): Promise<void> {
  ctx.set('Content-Type', type);
  ctx.set('Cache-Control', cache);
  ctx.body = body;
  return Promise.resolve();
}

/** `GET /openapi.json`, `GET /docs` and the page's assets; the document is built on first use, then kept. */
export function openApiRoutes(version: string): RouteDefinition[] {
  let document: string | undefined;
  return [
    {
      path: '/openapi.json',
      methods: ['GET'],
      handler: (ctx) => {
        document ??= JSON.stringify(buildOpenApiDocument({ version }));
        return answer(ctx, 'application/json; charset=utf-8', document, 'no-cache');
      },
    },
    {
      path: '/docs',
      methods: ['GET'],
      handler: (ctx) => {
        ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
        return answer(ctx, 'text/html; charset=utf-8', PAGE, 'no-cache');
      },
    },
    {
      path: '/docs/:asset',
      methods: ['GET'],
      handler: (ctx) => {
        const name = String((ctx.params as Record<string, string>).asset);
        if (name === 'init.js') return answer(ctx, 'text/javascript; charset=utf-8', INIT_SCRIPT, 'no-cache');
        const asset = ASSETS[name];
        // Anything else is the usual 404: no file outside this list is ever read.
        if (asset === undefined) return Promise.resolve();
        return answer(
          ctx,
          asset.type,
          createReadStream(join(SWAGGER_UI_DIR, asset.file)),
          'public, max-age=3600',
        );
      },
    },
  ];
}
