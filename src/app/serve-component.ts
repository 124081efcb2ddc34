import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BookmlError } from '../core/index.js';
import type { PredictionSink, ServeConfig, ServeServer } from '../serve/index.js';
import type { App } from './app.js';
import type { Component } from './host.js';
import { openPredictionSink, predictionLogLocation } from './prediction-log-target.js';

/** What to serve: each a registry alias, a bundle folder, or `latest`. */
export interface ServeModels {
  /** @default production when the registry has one, else latest */
  model?: string | undefined;
  canary?: string | undefined;
  shadow?: string | undefined;
}

/** Options of {@link serveComponent}. */
export interface ServeComponentOptions extends ServeModels {
  config: ServeConfig;
  /** Write sampled answers to the prediction log (`<workspace>/predictions/`, or the database with `BOOKML_PREDICTIONS=database`). @default true */
  predictionLog?: boolean;
  /** Where sampled answers go instead of a file sink in that folder (a `--workers` worker sends them to its primary). */
  predictionSink?: PredictionSink;
  /** Where loads, swaps and failures are logged (pino). */
  log?: import('pino').Logger;
}

/** The serving endpoint once listening. */
export interface ServeInfo {
  readonly url: string;
  /** A ready-to-paste request for the most popular book. */
  readonly curl: string;
  /** `serving`, or `waiting` when the workspace's latest model is not trained yet. */
  readonly status: 'serving' | 'waiting';
  /** What `--model` resolved to. */
  readonly model: string;
  readonly predictionLog: string | null;
}

/** The hosted server: its parts once started. */
export interface ServeComponent extends Component {
  readonly server: ServeServer | null;
  readonly info: ServeInfo | null;
}

/** `staging`, `recommender@staging` or `registry:recommender@staging` → model and alias. */
function parseAlias(spec: string): { model: string; alias: string } {
  const m = /^(?:registry:)?(?:([a-z0-9][a-z0-9._-]*)@)?([A-Za-z0-9][A-Za-z0-9._-]*)$/.exec(spec);
  return { model: m?.[1] ?? 'recommender', alias: m?.[2] ?? spec };
}

/**
 * Whether the registry holds `recommender@production`: then serving follows it by default, as a
 * Deployment would; a workspace without a registry serves its latest bundle. A registry that cannot be
 * read is an error, never "nothing in production".
 */
async function hasProduction(app: App): Promise<boolean> {
  if (!app.config.databaseUrl && !existsSync(join(app.workspace.root, 'bookml.db'))) return false;
  try {
    await (await app.stores.registry()).resolveAlias('recommender', 'production');
    return true;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'REGISTRY_MODEL_NOT_FOUND' || code === 'REGISTRY_ALIAS_NOT_FOUND') return false;
    throw e;
  }
}

/**
 * Serving (`/recommend`, KServe V1 and V2, `/metrics`) as a hosted component. Registry aliases open the
 * registry and artifact store on first use only, so serving a bundle folder needs neither; the server
 * follows an alias as it moves (hot reload, no restart).
 */
export function serveComponent(app: App, options: ServeComponentOptions): ServeComponent {
  let server: ServeServer | null = null;
  let info: ServeInfo | null = null;
  const { config } = options;
  return {
    name: 'serve',
    get server() {
      return server;
    },
    get info() {
      return info;
    },
    start: async () => {
      const serve = await import('../serve/index.js');
      const sources = {
        modelsDir: app.workspace.modelsDir,
        artifacts: () => app.stores.artifacts(),
        alias: (spec: string) => {
          const { model, alias } = parseAlias(spec);
          let inner: ReturnType<typeof serve.registryAliasSource> | null = null;
          return {
            description: `registry:${model}@${alias}`,
            // PostgreSQL pushes alias moves (LISTEN/NOTIFY): reload at once, not at the next poll.
            watch: (onChange: () => void) => {
              let off: (() => void) | null = null;
              let stopped = false;
              void app.stores
                .registry()
                .then((r) => {
                  if (!stopped) off = r.watchAlias(model, alias, onChange);
                })
                .catch(() => {}); // resolve() reports an unreachable registry
              return () => {
                stopped = true;
                off?.();
              };
            },
            resolve: async () => {
              inner ??= serve.registryAliasSource({
                registry: await app.stores.registry(),
                artifacts: await app.stores.artifacts(),
                model,
                alias,
              });
              return inner.resolve();
            },
          };
        },
      };
      const model = options.model ?? ((await hasProduction(app)) ? 'production' : 'latest');
      const primary = serve.modelSourceFrom(model, sources, 'model');
      const canary = options.canary ? serve.modelSourceFrom(options.canary, sources, 'canary') : undefined;
      const shadow = options.shadow ? serve.modelSourceFrom(options.shadow, sources, 'shadow') : undefined;
      const logDir = options.predictionLog === false ? null : predictionLogLocation(app);
      const s = serve.createServeServer({
        config,
        primary,
        canary,
        shadow,
        predictionSink:
          logDir === null ? undefined : (options.predictionSink ?? (await openPredictionSink(app))),
        clock: app.clock,
        // Customers' histories: the online store (Redis or the metadata database), opened at the first
        // customer request and closed with the app's stores.
        history: { history: async (ref, customer) => (await app.stores.online()).history(ref, customer) },
        ...(options.log ? { log: options.log, app: { loggerInstance: options.log } } : {}),
      });
      await s.start();
      const first = s.deployment.primary;
      // A fixed bundle that cannot load is a mistake to report now; the workspace's latest model may
      // simply not be trained yet, and the server picks it up when it is.
      if (first.current === null && model !== 'latest') {
        await s.app.close();
        const f = first.failure;
        // The load failure keeps its own code (MODEL_BUNDLE_NOT_FOUND, REGISTRY_ALIAS_NOT_FOUND, …).
        throw new BookmlError(f?.code ?? 'SERVE_MODEL_LOAD_FAILED', f?.message ?? 'the model did not load', {
          field: 'model',
        });
      }
      let address: string;
      try {
        address = await s.app.listen({ host: config.host, port: config.port });
      } catch (e) {
        await s.app.close();
        const code = (e as NodeJS.ErrnoException).code;
        const why = code === 'EADDRINUSE' ? 'is already in use' : `cannot be bound (${code ?? 'error'})`;
        throw new serve.ServeError(
          'SERVE_CANNOT_LISTEN',
          `${config.host}:${config.port} ${why}; pick another --port`,
          {
            field: 'port',
          },
        );
      }
      server = s;
      const host = config.host.includes(':') ? `[${config.host}]` : config.host;
      const port = (s.app.server.address() as { port: number }).port;
      const url = address.startsWith('http') ? `http://${host}:${port}` : address;
      const m = first.current;
      const book = m ? m.bundle.itemIds[m.bundle.model.popularOrder[0] ?? 0] : '1';
      info = {
        url,
        curl: `curl -s '${url}/recommend?book_id=${encodeURIComponent(book ?? '1')}&k=${config.defaultK}'`,
        status: m ? 'serving' : 'waiting',
        model,
        predictionLog: logDir,
      };
    },
    stop: async () => {
      await server?.app.close();
    },
  };
}
