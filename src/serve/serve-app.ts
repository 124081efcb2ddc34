import { createServer, type IncomingMessage, type ServerOptions, type ServerResponse } from 'node:http';
import Fastify, {
  type FastifyInstance,
  type FastifyServerOptions,
  LogController,
  type onResponseHookHandler,
} from 'fastify';
import {
  guardedJsonParser,
  httpClientErrorHandler,
  httpTimeoutOptions,
  limitConnectionsPerAddress,
} from '../core/index.js';
import { FastRecommend } from './fast-recommend.js';
import { healthRoutes } from './health-routes.js';
import {
  errorHandler,
  frameworkErrorHandler,
  notFoundHandler,
  SERVE_CLIENT_ERRORS,
  SERVE_HTTP_SURFACE,
} from './http-errors.js';
import { kserveV1Routes } from './kserve-v1-routes.js';
import { kserveV2Routes } from './kserve-v2-routes.js';
import { serveOpenApi } from './openapi.js';
import { recommendRoutes } from './recommend-routes.js';
import type { ServeContext } from './serve-context.js';

export interface ServeAppOptions {
  /** Fastify's logger: `false` (default) or a pino logger / options. */
  logger?: FastifyServerOptions['logger'];
  /** Fastify's `loggerInstance` (a ready pino logger). */
  loggerInstance?: FastifyServerOptions['loggerInstance'];
  /**
   * Answer well-formed `GET /recommend` requests for known books before Fastify routes them
   * ({@link FastRecommend}); everything else goes through Fastify. `app.inject` always takes
   * Fastify's route. @default true
   */
  fastPath?: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The `GET /recommend` fast path in front of the router; null when turned off. */
    bookmlFast: FastRecommend | null;
  }
}

/**
 * The serving app: one encapsulated plugin per surface (`/recommend`, KServe V1, KServe V2,
 * health + metrics) over one shared {@link ServeContext}. Building it does not listen and does not
 * load models: the caller owns the {@link Deployment} lifecycle, and closing the app stops it —
 * after in-flight requests finish — and flushes the prediction log.
 *
 * @example
 * const app = buildServeApp(ctx);
 * const res = await app.inject({ url: '/recommend?book_id=1&k=3' });
 */
export function buildServeApp(ctx: ServeContext, opts: ServeAppOptions = {}): FastifyInstance {
  const fast = opts.fastPath === false ? null : new FastRecommend(ctx);
  const app = Fastify({
    ...(fast ? { serverFactory: fastPathServer(fast) } : {}),
    ...(opts.loggerInstance ? { loggerInstance: opts.loggerInstance } : { logger: opts.logger ?? false }),
    // Nothing per request below warn: access logs would cost more than the answer.
    logController: new LogController({ disableRequestLogging: true }),
    // Book ids may be integers or names, depending on the dataset; unknown keys are refused,
    // not silently dropped (Fastify's default removes them).
    ajv: { customOptions: { allowUnionTypes: true, removeAdditional: false } },
    // Keep-alive clients (load balancers, wrk) get a clean close, not a reset, on shutdown.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true },
    frameworkErrors: frameworkErrorHandler,
    // A client that sends its request slowly (or never finishes it) is closed with a 408, not kept.
    ...httpTimeoutOptions(ctx.config.timeouts),
    clientErrorHandler: httpClientErrorHandler(SERVE_CLIENT_ERRORS),
  });
  ctx.metrics.trackConnections(limitConnectionsPerAddress(app.server, ctx.config.maxConnectionsPerAddress));
  // Every JSON body is checked for nesting before a route sees it: none walks a 10,000-level value.
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string' },
    guardedJsonParser(app, SERVE_HTTP_SURFACE),
  );
  app.decorateRequest('bookmlServed', null);
  app.decorate('bookmlFast', fast);
  if (fast) {
    app.addHook('preClose', (done) => {
      fast.closing = true;
      done();
    });
  }

  // Each route gets its own onResponse hook with its counter id closed over: no per-request
  // lookup (Fastify's `request.routeOptions` builds a fresh object on every read).
  const { metrics } = ctx;
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const id = metrics.registerRoute(methods.join(','), route.url);
    const count: onResponseHookHandler = (request, reply, done) => {
      (request.bookmlServed?.stats ?? metrics.none).route(id).observe(reply.statusCode, reply.elapsedTime);
      done();
    };
    const existing = route.onResponse;
    route.onResponse =
      existing === undefined ? [count] : [...(Array.isArray(existing) ? existing : [existing]), count];
  });
  const unmatched = metrics.none.route(metrics.registerRoute('ANY', '(unmatched)'));
  // Each surface sets its own style; this one catches what fails outside them (root hooks).
  app.setErrorHandler(errorHandler('bookml'));
  app.setNotFoundHandler((request, reply) => {
    reply.raw.once('finish', () => unmatched.observe(reply.statusCode, reply.elapsedTime));
    notFoundHandler(request, reply);
  });
  // The document collects every route registered after this, and is served at /openapi.json.
  serveOpenApi(app, ctx.serverVersion);
  for (const surface of [healthRoutes, recommendRoutes, kserveV1Routes, kserveV2Routes]) {
    app.register(async (scope) => surface(scope, ctx));
  }

  app.addHook('onClose', async () => {
    await ctx.deployment.stop();
    await ctx.shadow?.stop();
    await ctx.predictionLog?.close();
  });
  return app;
}

/**
 * Fastify's own HTTP/1 server (same options and timeouts: see its `getServerInstance`) with the
 * fast path in front of its handler.
 */
function fastPathServer(fast: FastRecommend): NonNullable<FastifyServerOptions['serverFactory']> {
  return (handler, options) => {
    const o = options as {
      http?: ServerOptions;
      keepAliveTimeout?: number;
      requestTimeout?: number;
      connectionTimeout?: number;
    };
    const server = createServer(o.http ?? {}, (req: IncomingMessage, res: ServerResponse) => {
      if (!fast.tryAnswer(req, res)) handler(req, res);
    });
    if (o.keepAliveTimeout !== undefined) server.keepAliveTimeout = o.keepAliveTimeout;
    if (o.requestTimeout !== undefined) server.requestTimeout = o.requestTimeout;
    server.setTimeout(o.connectionTimeout ?? 0);
    return server;
  };
}
