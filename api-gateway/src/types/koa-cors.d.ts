// @koa/cors ships no type declarations; this covers the options the gateway uses.
declare module '@koa/cors' {
  import type { Context, Middleware } from 'koa';

  interface CorsOptions {
    origin?: string | ((ctx: Context) => string | Promise<string>);
    allowMethods?: string | string[];
    allowHeaders?: string | string[];
    exposeHeaders?: string | string[];
    maxAge?: number | string;
    credentials?: boolean | ((ctx: Context) => boolean | Promise<boolean>);
    keepHeadersOnError?: boolean;
    secureContext?: boolean;
    privateNetworkAccess?: boolean;
  }

  export default function cors(options?: CorsOptions): Middleware;
}
