import type { FastifyInstance } from 'fastify';
import { type MetricPoint, RegistryError, type TrackingStore } from '../../registry/index.js';
import type { MlflowArgs } from './args.js';
import { experimentJson, runInfoJson, runJson } from './mlflow-json.js';
import { mlflowRoute } from './mlflow-route.js';

const VIEW_TYPES = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'] as const;
const STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const;

/** MLflow tracking: experiments, runs, params, metrics, tags (spec §3–4). */
export async function trackingRoutes(app: FastifyInstance, opts: { tracking: TrackingStore }): Promise<void> {
  const t = opts.tracking;

  mlflowRoute(app, 'POST', '/experiments/create', async (a) => {
    const e = await t.createExperiment({
      name: a.str('name', true),
      artifactLocation: a.str('artifact_location'),
      tags: tagsOf(a),
    });
    return { experiment_id: String(e.id) };
  });
  mlflowRoute(app, 'GET', '/experiments/get', async (a) => ({
    experiment: experimentJson(await t.getExperiment(a.str('experiment_id', true))),
  }));
  mlflowRoute(app, 'GET', '/experiments/get-by-name', async (a) => ({
    experiment: experimentJson(await t.getExperimentByName(a.str('experiment_name', true))),
  }));
  // Removed from MLflow 2 servers, but the npm `mlflow` client still calls it.
  mlflowRoute(app, 'GET', '/experiments/list', async (a) => ({
    experiments: (await t.listExperiments(viewType(a, 'view_type'))).map(experimentJson),
  }));
  mlflowRoute(
    app,
    ['POST', 'GET'],
    '/experiments/search',
    async (a) => {
      const all = (await t.listExperiments(viewType(a, 'view_type'))).map(experimentJson);
      const filtered = filterExperiments(all, a.str('filter'));
      return paged('experiments', filtered, a, 1000);
    },
    { read: true },
  );
  mlflowRoute(app, 'POST', '/experiments/update', async (a) => {
    await t.renameExperiment(a.str('experiment_id', true), a.str('new_name', true));
  });
  mlflowRoute(app, 'POST', '/experiments/delete', async (a) => {
    await t.setExperimentLifecycle(a.str('experiment_id', true), 'deleted');
  });
  mlflowRoute(app, 'POST', '/experiments/restore', async (a) => {
    await t.setExperimentLifecycle(a.str('experiment_id', true), 'active');
  });
  mlflowRoute(app, 'POST', '/experiments/set-experiment-tag', async (a) => {
    await t.setExperimentTag(a.str('experiment_id', true), a.str('key', true), a.str('value') ?? '');
  });

  mlflowRoute(app, 'POST', '/runs/create', async (a, req) => {
    const run = await t.createRun({
      // The run's owner is who authenticated, not the `user_id` a client claims (it is the client's
      // OS user name at best): it is what approver-is-not-author checks against.
      experimentId: a.str('experiment_id') ?? '0',
      userId: req.actor.id,
      runName: a.str('run_name'),
      startTime: a.int('start_time'),
      tags: tagsOf(a),
    });
    return { run: runJson(run) };
  });
  mlflowRoute(app, 'GET', '/runs/get', async (a) => ({ run: runJson(await t.getRun(runId(a))) }));
  mlflowRoute(app, 'POST', '/runs/update', async (a) => {
    const status = a.str('status');
    if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) {
      throw new RegistryError(
        'REGISTRY_INVALID_INPUT',
        `Invalid value "${status}" for parameter 'status' supplied.`,
        { field: 'status' },
      );
    }
    const run = await t.updateRun(runId(a), {
      status: status as (typeof STATUSES)[number] | undefined,
      endTime: a.int('end_time'),
      runName: a.str('run_name'),
    });
    return { run_info: runInfoJson(run) };
  });
  mlflowRoute(app, 'POST', '/runs/log-parameter', async (a) => {
    await t.logBatch(runId(a), { params: [{ key: a.str('key', true), value: a.str('value') ?? '' }] });
  });
  mlflowRoute(app, 'POST', '/runs/log-metric', async (a) => {
    const point = {
      key: a.str('key', true),
      value: a.num('value', true) as number,
      timestamp: a.int('timestamp', true) as number,
      step: a.int('step') ?? 0,
    };
    await t.logBatch(runId(a), { metrics: [point] });
  });
  mlflowRoute(app, 'POST', '/runs/log-batch', async (a) => {
    await t.logBatch(runId(a), {
      metrics: metricsOf(a.raw('metrics')),
      params: a.keyValues('params'),
      tags: a.keyValues('tags'),
    });
  });
  mlflowRoute(app, 'POST', '/runs/set-tag', async (a) => {
    await t.logBatch(runId(a), { tags: [{ key: a.str('key', true), value: a.str('value') ?? '' }] });
  });
  mlflowRoute(app, 'POST', '/runs/delete-tag', async (a) => {
    await t.deleteTag(runId(a), a.str('key', true));
  });
  mlflowRoute(app, 'POST', '/runs/delete', async (a) => {
    await t.setRunLifecycle(runId(a), 'deleted');
  });
  mlflowRoute(app, 'POST', '/runs/restore', async (a) => {
    await t.setRunLifecycle(runId(a), 'active');
  });
  mlflowRoute(
    app,
    'POST',
    '/runs/search',
    async (a) => {
      const found = await t.searchRuns({
        experimentIds: a.list('experiment_ids'),
        filter: a.str('filter'),
        viewType: viewType(a, 'run_view_type'),
        maxResults: a.int('max_results'),
        orderBy: a.list('order_by'),
        pageToken: a.str('page_token'),
      });
      // Both fields are omitted when empty, as MLflow does.
      return {
        ...(found.runs.length > 0 ? { runs: found.runs.map(runJson) } : {}),
        ...(found.nextPageToken ? { next_page_token: found.nextPageToken } : {}),
      };
    },
    { read: true },
  );
  mlflowRoute(app, 'GET', '/metrics/get-history', async (a) => ({
    metrics: await t.metricHistory(runId(a), a.str('metric_key', true)),
  }));
  // bookml keeps model artifacts in its own store, not per tracking run: the listing is empty.
  mlflowRoute(app, 'GET', '/artifacts/list', async (a) => {
    const run = await t.getRun(runId(a));
    return { root_uri: run.artifactUri ?? '', files: [] };
  });
}

function runId(a: MlflowArgs): string {
  const id = a.str('run_id') ?? a.str('run_uuid');
  if (id === undefined) a.str('run_id', true);
  return id as string;
}

function tagsOf(a: MlflowArgs): Record<string, string> {
  return Object.fromEntries(a.keyValues('tags').map((t) => [t.key, t.value]));
}

function viewType(a: MlflowArgs, name: string): (typeof VIEW_TYPES)[number] {
  const v = a.str(name) ?? 'ACTIVE_ONLY';
  if (!(VIEW_TYPES as readonly string[]).includes(v)) {
    throw new RegistryError(
      'REGISTRY_INVALID_INPUT',
      `Invalid value "${v}" for parameter '${name}' supplied.`,
      { field: name },
    );
  }
  return v as (typeof VIEW_TYPES)[number];
}

function metricsOf(raw: unknown): MetricPoint[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw))
    throw new RegistryError('REGISTRY_INVALID_INPUT', "Invalid value for parameter 'metrics' supplied.", {
      field: 'metrics',
    });
  return raw.map((m, i) => {
    const x = m as Record<string, unknown>;
    const value = typeof x.value === 'string' ? Number(x.value) : x.value;
    const timestamp = typeof x.timestamp === 'string' ? Number(x.timestamp) : x.timestamp;
    if (typeof x.key !== 'string' || typeof value !== 'number' || typeof timestamp !== 'number') {
      throw new RegistryError('REGISTRY_INVALID_INPUT', `metrics[${i}] needs key, value and timestamp`, {
        field: `metrics[${i}]`,
      });
    }
    return { key: x.key, value, timestamp, step: x.step === undefined ? 0 : Number(x.step) };
  });
}

/** `name LIKE 'rec%'`, `name = 'x'`, `tags.team = 'books'`, joined by `and`. */
function filterExperiments(
  all: Record<string, unknown>[],
  filter: string | undefined,
): Record<string, unknown>[] {
  if (!filter) return all;
  const clauses = filter.split(/\s+and\s+/i).map((c) => {
    const m =
      /^\s*(name|attributes\.name|tags\.(?:`[^`]+`|[\w.-]+))\s*(=|!=|LIKE|ILIKE)\s*'([^']*)'\s*$/i.exec(c);
    if (!m?.[1] || !m[2] || m[3] === undefined) {
      throw new RegistryError('REGISTRY_INVALID_INPUT', `Invalid filter '${c.trim()}'`, { field: 'filter' });
    }
    return { field: m[1], op: m[2].toUpperCase(), value: m[3] };
  });
  return all.filter((e) =>
    clauses.every((c) => {
      const tags = Object.fromEntries(
        ((e.tags as { key: string; value: string }[]) ?? []).map((x) => [x.key, x.value]),
      );
      const v =
        c.field.toLowerCase().endsWith('name') && !c.field.startsWith('tags.')
          ? (e.name as string)
          : tags[c.field.slice(5).replace(/`/g, '')];
      return v !== undefined && likeMatch(v, c.op, c.value);
    }),
  );
}

/** SQL-ish comparison used by the MLflow filters: `=`, `!=`, `LIKE`, `ILIKE` (`%` any, `_` one). */
export function likeMatch(v: string, op: string, pattern: string): boolean {
  if (op === '=') return v === pattern;
  if (op === '!=') return v !== pattern;
  const re = new RegExp(
    `^${pattern
      .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      .replace(/%/g, '.*')
      .replace(/_/g, '.')}$`,
    op === 'ILIKE' ? 'i' : '',
  );
  return re.test(v);
}

/** One page of `items` under `key`, MLflow-style (`max_results`, `page_token`, `next_page_token`). */
export function paged(
  key: string,
  items: unknown[],
  a: MlflowArgs,
  defaultMax: number,
  limit = 50_000,
): Record<string, unknown> {
  const max = a.int('max_results') ?? defaultMax;
  if (max < 1 || max > limit) {
    throw new RegistryError(
      'REGISTRY_INVALID_INPUT',
      `Invalid value ${max} for parameter 'max_results' supplied. It must be at most ${limit}.`,
      {
        field: 'max_results',
      },
    );
  }
  const token = a.str('page_token');
  let offset = 0;
  if (token) {
    offset = Number(Buffer.from(token, 'base64').toString('utf8'));
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new RegistryError('REGISTRY_INVALID_INPUT', 'Invalid page token', { field: 'page_token' });
    }
  }
  const page = items.slice(offset, offset + max);
  const next = offset + max < items.length ? Buffer.from(String(offset + max)).toString('base64') : undefined;
  return { [key]: page, ...(next ? { next_page_token: next } : {}) };
}
