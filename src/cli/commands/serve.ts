import type { Command } from 'commander';
import type { ArtifactStore } from '../../store/artifacts/index.js';
import { intOption, numberOption, workspaceOf } from '../context.js';

/** The registry and artifact-store calls an alias source makes (see serve's registryAliasSource). */
type RegistryLike = Parameters<typeof import('../../serve/index.js').registryAliasSource>[0]['registry'];
type FetcherLike = Parameters<typeof import('../../serve/index.js').registryAliasSource>[0]['artifacts'];

interface ServeFlags {
  model?: string;
  host?: string;
  port?: number;
  canary?: string;
  canaryPercent?: number;
  shadow?: string;
  defaultK?: number;
  sampleRate?: number;
  pollMs?: number;
  predictionLog: boolean;
  logLevel?: string;
  json?: boolean;
}

/**
 * Whether the registry holds a `recommender@production` version: then serving follows it by
 * default, as a Deployment would; a workspace without a registry serves its latest bundle.
 */
async function hasProduction(
  ws: { root: string },
  openRegistry: () => Promise<{ registry: RegistryLike }>,
): Promise<boolean> {
  const { existsSync } = await import('node:fs');
  const { join } = await import('node:path');
  if (!process.env.BOOKML_DATABASE_URL && !existsSync(join(ws.root, 'bookml.db'))) return false;
  try {
    await (await openRegistry()).registry.resolveAlias('recommender', 'production');
    return true;
  } catch (e) {
    // Only "nothing registered yet" means serve the latest bundle; a registry that cannot be read
    // is a failure to report, not a reason to serve something else.
    const code = (e as { code?: string }).code;
    if (code === 'REGISTRY_MODEL_NOT_FOUND' || code === 'REGISTRY_ALIAS_NOT_FOUND') return false;
    throw e;
  }
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'serve recommendations over HTTP: /recommend, KServe V1 and V2, /metrics; hot-reloads when the model moves',
    )
    .option(
      '--model <dir|latest|alias>',
      "what answers: a registry alias (staging, production, recommender@production), a bundle folder, or 'latest' (the workspace's latest model); default: production when the registry has one, else latest",
    )
    .option('--host <addr>', 'address to bind (default 127.0.0.1, or BOOKML_SERVE_HOST)')
    .option(
      '--port <n>',
      'TCP port, 0 for any free one (default 8080, or BOOKML_SERVE_PORT)',
      intOption('--port'),
    )
    .option('--canary <dir|latest|alias>', 'a second model that answers --canary-percent of the traffic')
    .option(
      '--canary-percent <n>',
      'whole percent of traffic for the canary, sticky per customer',
      intOption('--canary-percent'),
    )
    .option(
      '--shadow <dir|latest|alias>',
      'a model that recomputes requests for comparison and never answers',
    )
    .option('--default-k <n>', 'k when a request names none (default 5)', intOption('--default-k'))
    .option(
      '--sample-rate <r>',
      'share of answers written to the prediction log, 0–1 (default 1)',
      numberOption('--sample-rate'),
    )
    .option(
      '--poll-ms <ms>',
      'how often model sources are re-checked (default 2000; 0 = never)',
      intOption('--poll-ms'),
    )
    .option('--no-prediction-log', 'do not write <workspace>/predictions/*.jsonl')
    .option('--log-level <level>', 'fatal | error | warn | info | debug (default warn)')
    .option('--json', 'print the ready line as JSON')
    .action(async (flags: ServeFlags, cmd: Command) => {
      const { join } = await import('node:path');
      const { pino } = await import('pino');
      const serve = await import('../../serve/index.js');
      const ws = workspaceOf(cmd);
      const fromFlags: Record<string, unknown> = {
        host: flags.host,
        port: flags.port,
        canaryPercent: flags.canaryPercent,
        defaultK: flags.defaultK,
        sampleRate: flags.sampleRate,
        pollIntervalMs: flags.pollMs,
        logLevel: flags.logLevel,
      };
      // Flag > env (BOOKML_SERVE_*) > default; a canary without a share gets 10 %.
      const input = { ...serve.serveConfigFromEnv(process.env) } as Record<string, unknown>;
      for (const [key, v] of Object.entries(fromFlags)) if (v !== undefined) input[key] = v;
      if (flags.canary && input.canaryPercent === undefined) input.canaryPercent = 10;
      const config = serve.parseServeConfig(input);
      // Registry aliases open the metadata DB and artifact store on first use only, so serving a
      // bundle folder or the latest model needs neither.
      let artifactStore: Promise<ArtifactStore> | null = null;
      const openArtifacts = () => {
        artifactStore ??= import('../../store/artifacts/index.js').then((s) =>
          s.openArtifactStore({ workspace: ws }),
        );
        return artifactStore;
      };
      let registryDeps: Promise<{
        registry: RegistryLike;
        artifacts: FetcherLike;
        close(): Promise<void>;
      }> | null = null;
      const openRegistry = () => {
        registryDeps ??= (async () => {
          const store = await import('../../store/index.js');
          const { Registry } = await import('../../registry/index.js');
          const mdb = await store.openMetadataDb({ workspace: ws });
          return { registry: new Registry(mdb), artifacts: await openArtifacts(), close: () => mdb.close() };
        })();
        return registryDeps;
      };
      const closeRegistry = async (): Promise<void> => {
        await registryDeps?.then(
          (d) => d.close(),
          () => {},
        );
      };
      const sources = {
        modelsDir: ws.modelsDir,
        artifacts: openArtifacts,
        alias: (spec: string) => {
          // `staging`, or `registry:recommender@staging`.
          const m = /^(?:registry:)?(?:([a-z0-9][a-z0-9._-]*)@)?([A-Za-z0-9][A-Za-z0-9._-]*)$/.exec(spec);
          const model = m?.[1] ?? 'recommender';
          const alias = m?.[2] ?? spec;
          let inner: ReturnType<typeof serve.registryAliasSource> | null = null;
          return {
            description: `registry:${model}@${alias}`,
            resolve: async () => {
              inner ??= serve.registryAliasSource({ ...(await openRegistry()), model, alias });
              return inner.resolve();
            },
          };
        },
      };
      flags.model ??= (await hasProduction(ws, openRegistry)) ? 'production' : 'latest';
      const primary = serve.modelSourceFrom(flags.model, sources, 'model');
      const canary = flags.canary ? serve.modelSourceFrom(flags.canary, sources, 'canary') : undefined;
      const shadow = flags.shadow ? serve.modelSourceFrom(flags.shadow, sources, 'shadow') : undefined;
      const log = pino({ level: config.logLevel, base: { svc: 'bookml-serve' } }, pino.destination(2));
      const server = serve.createServeServer({
        config,
        primary,
        canary,
        shadow,
        predictionSink: flags.predictionLog ? serve.jsonlFileSink(join(ws.root, 'predictions')) : undefined,
        log,
        app: { loggerInstance: log },
      });
      await server.start();
      const first = server.deployment.primary;
      // A fixed bundle that cannot load is a mistake to report now; the workspace's latest model
      // may simply not be trained yet, and the server picks it up when it is.
      if (first.current === null && flags.model !== 'latest') {
        await server.app.close();
        const { BookmlError } = await import('../../core/index.js');
        const f = first.failure;
        throw new BookmlError(f?.code ?? 'SERVE_MODEL_LOAD_FAILED', f?.message ?? 'the model did not load', {
          field: 'model',
        });
      }
      let address: string;
      try {
        address = await server.app.listen({ host: config.host, port: config.port });
      } catch (e) {
        await server.app.close();
        await closeRegistry();
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
      const host = config.host.includes(':') ? `[${config.host}]` : config.host;
      const port = (server.app.server.address() as { port: number }).port;
      const url = address.startsWith('http') ? `http://${host}:${port}` : address;
      const m = first.current;
      const book = m ? m.bundle.itemIds[m.bundle.model.popularOrder[0] ?? 0] : '1';
      const curl = `curl -s '${url}/recommend?book_id=${encodeURIComponent(book ?? '1')}&k=${config.defaultK}'`;
      // One graceful shutdown however many signals arrive (a terminal's Ctrl-C can reach both this
      // process and a parent that forwards it): drain, flush the prediction log, close the registry.
      let closing = false;
      const shutdown = async () => {
        if (closing) return;
        closing = true;
        try {
          await server.app.close();
          await closeRegistry();
        } finally {
          process.exit(0);
        }
      };
      process.on('SIGINT', () => void shutdown());
      process.on('SIGTERM', () => void shutdown());
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({ status: m ? 'serving' : 'waiting', url, curl, models: server.deployment.status() })}\n`,
        );
        return;
      }
      const lines = server.deployment
        .status()
        .map((s) =>
          s.ready
            ? `  ${s.role.padEnd(7)} ${s.version} (${s.books} books) from ${s.source}`
            : `  ${s.role.padEnd(7)} not loaded: ${s.failure?.message ?? 'loading'}`,
        );
      process.stdout.write(
        `${m ? 'serving' : 'waiting for a model (run `bookml train`)'} on ${url}\n${lines.join('\n')}\n` +
          `  canary ${server.deployment.split.percent}% · prediction log ${flags.predictionLog ? join(ws.root, 'predictions') : 'off'}\n` +
          `ready: ${curl}\n`,
      );
    });
}
