import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { ApiConfig, DatasetInsights, DriftWindows, ServingMetricsSource } from '../api/index.js';
import type { App } from './app.js';
import type { Component } from './host.js';
import { localGateEvidence } from './local-runtime.js';
import { localRunLauncher } from './run-launcher.js';

/** The control plane once listening. */
export interface ApiInfo {
  readonly url: string;
  readonly docs: string;
  /** The dashboard's path (`/ui/`); it answers 404 naming the build when the UI was not built. */
  readonly ui: string;
  readonly mlflow: string;
  readonly auth: string;
  readonly database: string;
}

/** The hosted control plane: its Fastify app and address once started. */
export interface ApiComponent extends Component {
  readonly app: FastifyInstance | null;
  readonly info: ApiInfo | null;
}

/**
 * The control-plane API (`/api/v1`, MLflow routes, OpenAPI) as a hosted component, on the app's stores.
 * Node logs come from the local executor's files in the workspace.
 */
export function apiComponent(
  app: App,
  options: {
    config: ApiConfig;
    logLevel?: string;
    extraMetrics?: { metrics(): Promise<string> };
    /** The serving process's metrics when it runs beside the API (`bookml up`). */
    serving?: ServingMetricsSource;
  },
): ApiComponent {
  let fastify: FastifyInstance | null = null;
  let info: ApiInfo | null = null;
  const { config } = options;
  return {
    name: 'api',
    get app() {
      return fastify;
    },
    get info() {
      return info;
    },
    start: async () => {
      const [
        { buildControlPlane },
        { RunStore },
        executorOps,
        data,
        { readDriftStatus, MONITOR_FILES },
        { Scheduler },
        db,
        artifacts,
      ] = await Promise.all([
        import('../api/index.js'),
        import('../store/index.js'),
        import('../pipeline/executor/index.js'),
        import('../data/index.js'),
        import('../monitor/index.js'),
        import('../triggers/index.js'),
        app.stores.db(),
        app.stores.artifacts(),
      ]);
      const runLogs = {
        read: async (runId: string, nodeId?: string) => {
          const run = await new RunStore(db).getRun(runId);
          if (run === undefined) return undefined;
          return (await executorOps.readRunLogs(app.workspace, run, nodeId)).map(
            (l) => `${l.node}\t${l.line}`,
          );
        },
      };
      // What remote steps reach over /api/v1: the same ports the local runtime gives in-process steps.
      const services = app.stepServices();
      const f = await buildControlPlane({
        db,
        config,
        runLogs,
        artifacts,
        datasets: {
          ...services.datasets,
          list: async () =>
            data.listDatasets(app.workspace).map((d) => ({
              hash: d.hash,
              dir: d.dir,
              source: d.manifest.source,
              counts: d.manifest.counts,
              current: d.current,
            })),
        },
        events: services.events,
        online: () => app.stores.online(),
        gateEvidence: () => localGateEvidence(app.stores),
        extraMetrics: options.extraMetrics,
        serving: options.serving,
        datasetInsights: datasetInsights(app, data),
        cacheExplain: {
          explain: (runId, nodeId) => executorOps.explainNode(db, runId, nodeId),
        },
        ui: builtUi(),
        runControl: {
          retry: async (runId) => executorOps.retryRun(db, (await app.catalog()).catalog, runId),
          resubmit: async (runId, o) =>
            executorOps.resubmitRun(db, (await app.catalog()).catalog, runId, { noCache: o.noCache }),
          stop: (runId) => executorOps.requestShutdown(db, runId, 'stop'),
        },
        drift: {
          status: () => readDriftStatus(join(app.workspace.root, 'monitor')),
          windows: () => readDriftWindows(join(app.workspace.root, 'monitor', MONITOR_FILES.state)),
        },
        // Reads only: this scheduler is never started (the one `bookml up` hosts ticks).
        schedules: new Scheduler({ db, launcher: localRunLauncher(app), clock: app.clock }),
        // Logs go to stderr, as `bookml serve`'s do: stdout carries what the command prints (`--json`).
        logger: {
          level: options.logLevel ?? app.config.logLevel,
          redact: ['req.headers.authorization'],
          stream: process.stderr,
        },
      });
      try {
        await f.listen({ host: config.host, port: config.port });
      } catch (e) {
        await f.close();
        throw e;
      }
      fastify = f;
      const address = f.server.address();
      const port = typeof address === 'object' && address !== null ? address.port : config.port;
      info = {
        url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
        docs: '/api/docs',
        ui: '/ui/',
        mlflow: '/api/2.0/mlflow',
        auth:
          config.tokens.length > 0
            ? `${config.tokens.length} token(s)`
            : 'none — loopback only, every caller acts as "local" (approver)',
        database: db.location,
      };
    },
    stop: async () => {
      await fastify?.close();
    },
  };
}

/**
 * The dashboard `npm run build` put beside the compiled code (`dist/ui` next to `dist/app`); from the
 * sources (tests run them) the same build under `dist/ui`. None when the UI was not built.
 */
function builtUi(): { root: string } | undefined {
  for (const rel of ['../ui', '../../dist/ui']) {
    const root = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(join(root, 'index.html'))) return { root };
  }
  return undefined;
}

/**
 * The reference and test windows the drift monitor saved (`state.json`: `{reference, test}`, each
 * `{columns: {feature: values}}`); null when it saved none or the file is not of that shape.
 */
async function readDriftWindows(path: string): Promise<DriftWindows | null> {
  let saved: { reference?: { columns?: unknown }; test?: { columns?: unknown } };
  try {
    saved = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return null;
  }
  const columns = (w: { columns?: unknown } | undefined) =>
    w !== null && typeof w === 'object' && w.columns !== null && typeof w.columns === 'object'
      ? (w.columns as DriftWindows['reference'])
      : null;
  const reference = columns(saved?.reference);
  const test = columns(saved?.test);
  return reference === null || test === null ? null : { reference, test };
}

/**
 * Reports and distributions of the workspace's datasets. Datasets are immutable, so each answer is
 * kept by content hash (a few, newest kept): the Data page reloads without re-reading the files.
 */
function datasetInsights(app: App, data: typeof import('../data/index.js')): DatasetInsights {
  const memo = new Map<string, Promise<unknown>>();
  const once = <T>(key: string, make: () => Promise<T>): Promise<T> => {
    let p = memo.get(key) as Promise<T> | undefined;
    if (p === undefined) {
      p = make();
      memo.set(key, p);
      p.catch(() => memo.delete(key));
      while (memo.size > 16) memo.delete(memo.keys().next().value as string);
    }
    return p;
  };
  const dir = (ref: string) => data.resolveDataset(app.workspace, ref, app.clock);
  return {
    report: async (ref, against) => {
      const now = dir(ref);
      const before = against === undefined ? undefined : dir(against);
      return once(`report:${now.manifest.hash}:${before?.manifest.hash ?? ''}`, () =>
        data.validateDataset(now.dir, { againstDir: before?.dir }),
      );
    },
    distributions: async (ref) => {
      const d = dir(ref);
      return once(`dist:${d.manifest.hash}`, async () =>
        data.datasetDistributions((await data.loadDataset(d.dir, { strict: false })).interactions),
      );
    },
  };
}
