import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { type Clock, isTerminalRunPhase, systemClock } from '../../core/index.js';
import type { PipelineCatalog, RunView } from '../../pipeline/executor/index.js';
import type { MetadataDb, RunRecord, Workspace } from '../../store/index.js';
import { appConfigOf, intOption, workspaceOf } from '../context.js';
import { emit, table } from '../output.js';

/**
 * `bookml run submit|list|get|watch|logs|retry|resubmit|stop|terminate|delete|explain|executor`, with the
 * argo CLI's habits: `@latest` names the newest run, `-p key=value` sets parameters, `--watch` follows the
 * run live, and every command has `--json`. Runs are executed by the background executor, which `submit`
 * (and `retry`, `resubmit`, `stop`, `terminate`) start when none is serving the workspace.
 */

interface OptionSpec {
  flags: string;
  description: string;
  parse?: (value: string, previous: unknown) => unknown;
  default?: unknown;
}

const collect = (v: string, prev: unknown) => [...((prev as string[] | undefined) ?? []), v];

const OPTIONS = {
  json: { flags: '--json', description: 'machine-readable output' },
  param: {
    flags: '-p, --parameter <key=value>',
    description: 'a pipeline parameter (repeatable)',
    parse: collect,
    default: [],
  },
  watch: {
    flags: '-w, --watch',
    description: 'follow the run until it ends; exit non-zero unless it Succeeded',
  },
  noCache: { flags: '--no-cache', description: 'run every step even when a cached result exists' },
  label: {
    flags: '-l, --label <key=value>',
    description: 'a label on the run (repeatable)',
    parse: collect,
    default: [],
  },
  node: { flags: '--node <id>', description: 'only this node (e.g. train.2)' },
  follow: { flags: '-f, --follow', description: 'keep printing new lines until the run ends' },
  pipeline: { flags: '--pipeline <name>', description: 'only runs of this pipeline' },
  phase: {
    flags: '--phase <phase>',
    description: 'only runs in this phase (Pending, Running, Succeeded, Failed, Error)',
  },
  limit: {
    flags: '--limit <n>',
    description: 'at most this many runs',
    parse: intOption('--limit'),
    default: 20,
  },
  idleExit: {
    flags: '--idle-exit-ms <ms>',
    description: 'exit after this long with nothing to run (default: never)',
    parse: intOption('--idle-exit-ms'),
  },
  parallelism: {
    flags: '--parallelism <n>',
    description: 'most steps running at once',
    parse: intOption('--parallelism'),
    default: 4,
  },
  reuse: {
    flags: '--reuse-processes',
    description: 'let a step process that succeeded run the next step (faster; steps share module state)',
  },
  heartbeat: {
    flags: '--heartbeat-ms <ms>',
    description: "how often the executor heartbeats (keep it well under watchers' --executor-timeout-ms)",
    parse: intOption('--heartbeat-ms'),
  },
  maxRuns: {
    flags: '--max-runs <n>',
    description:
      'most runs this executor owns at once; the rest are left to other executors on the store (default: 2 × parallelism)',
    parse: intOption('--max-runs'),
  },
  lease: {
    flags: '--lease-ms <ms>',
    description:
      "how long a run stays this executor's without a heartbeat; after that another executor takes it over (default: 15000)",
    parse: intOption('--lease-ms'),
  },
  executorTimeout: {
    flags: '--executor-timeout-ms <ms>',
    description:
      'a run with no live executor for this long is lost: watch exits with RUN_EXECUTOR_LOST, list marks it (default: 30000)',
    parse: intOption('--executor-timeout-ms'),
  },
} satisfies Record<string, OptionSpec>;

/** The CLI is the composition edge: the one place that picks the real clock. */
const clock: Clock = systemClock;

function withOptions(cmd: Command, specs: OptionSpec[]): Command {
  for (const o of specs) {
    if (o.parse) cmd.option(o.flags, o.description, o.parse as (v: string, p: unknown) => unknown, o.default);
    else cmd.option(o.flags, o.description);
  }
  return cmd;
}

/** The catalogue module: BOOKML_PIPELINES (a path or URL), else the built-in `pipelines/`. */
function catalogRef(): string {
  return process.env.BOOKML_PIPELINES ?? new URL('../../pipelines/index.js', import.meta.url).href;
}

async function openCatalog(): Promise<{ catalog: PipelineCatalog; url: string }> {
  const { catalogUrl, loadCatalog } = await import('../../pipeline/executor/index.js');
  const url = catalogUrl(catalogRef());
  return { catalog: await loadCatalog(url), url };
}

async function openDb(ws: Workspace): Promise<MetadataDb> {
  const { openMetadataDb } = await import('../../store/index.js');
  return openMetadataDb({ workspace: ws });
}

async function withDb<T>(cmd: Command, fn: (db: MetadataDb, ws: Workspace) => Promise<T>): Promise<T> {
  const ws = workspaceOf(cmd);
  const db = await openDb(ws);
  try {
    return await fn(db, ws);
  } finally {
    await db.close();
  }
}

/** Start the background executor unless one is live. */
async function ensureExecutor(db: MetadataDb, ws: Workspace): Promise<void> {
  const p = await import('../../pipeline/executor/index.js');
  const main = fileURLToPath(new URL('../main.js', import.meta.url));
  await p.ensureExecutor(db, {
    args: [main, '--home', ws.root, 'run', 'executor', '--idle-exit-ms', '5000'],
    logPath: p.executorLogPath(ws),
  });
}

function parseLabels(flags: string[]): Record<string, string> {
  return Object.fromEntries(
    flags.map((f) => {
      const eq = f.indexOf('=');
      return eq < 1 ? [f, 'true'] : [f.slice(0, eq), f.slice(eq + 1)];
    }),
  );
}

function brief(r: RunRecord, stale = false) {
  return {
    id: r.id,
    pipeline: r.pipeline,
    phase: r.phase,
    parameters: r.parameters,
    createdAt: r.createdAt,
    stale,
  };
}

/**
 * Follow a run until it ends: one line per node phase change as it happens, then the whole tree. Returns
 * the final view. Gives up with RUN_EXECUTOR_LOST / RUN_NO_EXECUTOR when nothing will move the run.
 */
async function watchRun(
  db: MetadataDb,
  ws: Workspace,
  runId: string,
  flags: { json?: boolean; executorTimeoutMs?: number },
): Promise<RunView> {
  const p = await import('../../pipeline/executor/index.js');
  const seen = new Map<string, string>();
  let lastRunPhase = '';
  const final = await p.watchRun(db, ws, runId, {
    clock,
    ...(flags.executorTimeoutMs === undefined ? {} : { executorTimeoutMs: flags.executorTimeoutMs }),
    onUpdate: (detail) => {
      if (flags.json) return;
      // Lines come in the order things happened: a change at the time it happened (a node's end, or
      // its start), so a group ends after its last child, and the run ends after its last node.
      const changes = detail.nodes
        .filter((n) => seen.get(n.nodeId) !== n.phase)
        .map((n) => ({ n, at: (n.phase === 'Running' ? null : n.finishedAt) ?? n.startedAt ?? Infinity }))
        // Times are whole milliseconds and one executor pass often ends a child, its group and the
        // next step's start in the same one: then a child's end, a step's or group's end, a step's or
        // group's start, a child's start; then the earlier-started first.
        .sort(
          (a, b) => a.at - b.at || tieRank(a.n) - tieRank(b.n) || (a.n.startedAt ?? 0) - (b.n.startedAt ?? 0),
        );
      const runLine = detail.phase === lastRunPhase ? null : `${stamp()}  ${detail.id}  ${detail.phase}\n`;
      lastRunPhase = detail.phase;
      const ended = isTerminalRunPhase(detail.phase);
      if (runLine !== null && !ended) process.stdout.write(runLine);
      for (const { n } of changes) {
        seen.set(n.nodeId, n.phase);
        if (n.phase === 'Pending') continue;
        const dur =
          n.startedAt !== null && n.finishedAt !== null
            ? ` ${p.formatDuration(n.finishedAt - n.startedAt)}`
            : '';
        const extra =
          n.phase === 'Cached' && n.cachedFrom
            ? ` (from ${n.cachedFrom.runId})`
            : n.message && n.phase !== 'Succeeded' && n.phase !== 'Running'
              ? ` (${n.message})`
              : '';
        process.stdout.write(`${stamp()}    ${n.nodeId.padEnd(20)} ${n.phase}${dur}${extra}\n`);
      }
      if (runLine !== null && ended) process.stdout.write(runLine);
    },
  });
  const view = p.runView(final, clock.now());
  if (!flags.json) process.stdout.write(`\n${p.renderRunView(view)}\n`);
  if (final.phase !== 'Succeeded') process.exitCode = 1;
  return view;
}

/** Order of same-millisecond changes in `--watch` (see there). */
function tieRank(n: { phase: string; parentNodeId: string | null }): number {
  const child = n.parentNodeId !== null;
  if (n.phase === 'Running') return child ? 3 : 2;
  return child ? 0 : 1;
}

function stamp(): string {
  return new Date(clock.now()).toISOString().slice(11, 19);
}

/** Whether each run has lost its executor (see `isRunStale`), by run ID. */
async function staleRuns(
  db: MetadataDb,
  runs: readonly RunRecord[],
  executorTimeoutMs: number | undefined,
): Promise<Set<string>> {
  const p = await import('../../pipeline/executor/index.js');
  if (runs.every((r) => r.phase !== 'Pending' && r.phase !== 'Running')) return new Set();
  const presence = await p.executorPresence(db, executorTimeoutMs);
  const now = clock.now();
  return new Set(runs.filter((r) => p.isRunStale(r, presence, now, executorTimeoutMs)).map((r) => r.id));
}

/** After submit/retry/resubmit: print the run, or watch it. */
async function afterSubmit(
  db: MetadataDb,
  ws: Workspace,
  run: RunRecord,
  flags: { watch?: boolean; json?: boolean; executorTimeoutMs?: number },
): Promise<void> {
  await ensureExecutor(db, ws);
  if (!flags.watch) {
    emit(
      brief(run),
      flags.json,
      (r) =>
        `${r.id} submitted (${r.pipeline}); follow it with \`bookml run get ${r.id}\` or \`bookml run logs ${r.id} -f\``,
    );
    return;
  }
  if (!flags.json) process.stdout.write(`${run.id} submitted\n`);
  const view = await watchRun(db, ws, run.id, flags);
  if (flags.json) emit(view, true, () => '');
}

export function registerRunCommands(program: Command): void {
  const run = program
    .command('run')
    .description('submit pipeline runs and inspect, retry, stop or delete them');

  withOptions(
    run.command('submit <pipeline>').description('submit a run of a pipeline (see `bookml pipeline list`)'),
    [OPTIONS.param, OPTIONS.noCache, OPTIONS.label, OPTIONS.watch, OPTIONS.executorTimeout, OPTIONS.json],
  ).action(
    async (
      pipeline: string,
      flags: {
        parameter: string[];
        cache: boolean;
        label: string[];
        watch?: boolean;
        executorTimeoutMs?: number;
        json?: boolean;
      },
      cmd: Command,
    ) => {
      const p = await import('../../pipeline/executor/index.js');
      const { catalog } = await openCatalog();
      await withDb(cmd, async (db, ws) => {
        const created = await p.submitRun(db, catalog, {
          pipeline,
          params: p.parseParamFlags(flags.parameter),
          noCache: flags.cache === false,
          labels: parseLabels(flags.label),
          // The OS user, recorded as such: the author of record approver-is-not-author checks against.
          submittedBy: (await import('../local-identity.js')).localIdentity(),
        });
        await afterSubmit(db, ws, created, flags);
      });
    },
  );

  withOptions(run.command('list').description('list runs, newest first'), [
    OPTIONS.pipeline,
    OPTIONS.phase,
    OPTIONS.limit,
    OPTIONS.executorTimeout,
    OPTIONS.json,
  ]).action(
    async (
      flags: { pipeline?: string; phase?: string; limit: number; executorTimeoutMs?: number; json?: boolean },
      cmd: Command,
    ) => {
      const { RunStore } = await import('../../store/index.js');
      const p = await import('../../pipeline/executor/index.js');
      await withDb(cmd, async (db) => {
        const runs = await new RunStore(db).listRuns({
          limit: flags.limit,
          ...(flags.pipeline ? { pipeline: flags.pipeline } : {}),
          ...(flags.phase ? { phase: flags.phase as RunRecord['phase'] } : {}),
        });
        const stale = await staleRuns(db, runs, flags.executorTimeoutMs);
        const now = clock.now();
        emit(
          runs.map((r) => brief(r, stale.has(r.id))),
          flags.json,
          () =>
            runs.length === 0
              ? 'no runs yet; submit one with `bookml run submit <pipeline>`'
              : table(
                  ['NAME', 'PIPELINE', 'STATUS', 'AGE', 'DURATION', 'MESSAGE'],
                  runs.map((r) => [
                    r.id,
                    r.pipeline,
                    stale.has(r.id) ? `${r.phase} (no executor)` : r.phase,
                    p.formatDuration(now - r.createdAt),
                    p.formatDuration(r.startedAt === null ? null : (r.finishedAt ?? now) - r.startedAt),
                    r.message ?? '',
                  ]),
                ),
        );
      });
    },
  );

  withOptions(
    run
      .command('get <run>')
      .description('show a run as a tree: phases, durations, outputs, cache hits (`@latest` for the newest)'),
    [OPTIONS.executorTimeout, OPTIONS.json],
  ).action(async (ref: string, flags: { executorTimeoutMs?: number; json?: boolean }, cmd: Command) => {
    const p = await import('../../pipeline/executor/index.js');
    await withDb(cmd, async (db) => {
      const detail = await p.getRunDetail(db, ref);
      const stale = (await staleRuns(db, [detail], flags.executorTimeoutMs)).has(detail.id);
      const view = p.runView(detail, clock.now(), { stale });
      emit(view, flags.json, p.renderRunView);
    });
  });

  withOptions(
    run
      .command('watch <run>')
      .description('follow a run until it ends; exit 2 with RUN_EXECUTOR_LOST if its executor dies'),
    [OPTIONS.executorTimeout, OPTIONS.json],
  ).action(async (ref: string, flags: { executorTimeoutMs?: number; json?: boolean }, cmd: Command) => {
    const p = await import('../../pipeline/executor/index.js');
    await withDb(cmd, async (db, ws) => {
      const view = await watchRun(db, ws, (await p.getRunDetail(db, ref)).id, flags);
      if (flags.json) emit(view, true, () => '');
    });
  });

  withOptions(run.command('logs <run>').description("print a run's step logs (all nodes, or --node)"), [
    OPTIONS.node,
    OPTIONS.follow,
    OPTIONS.json,
  ]).action(async (ref: string, flags: { node?: string; follow?: boolean; json?: boolean }, cmd: Command) => {
    const p = await import('../../pipeline/executor/index.js');
    await withDb(cmd, async (db, ws) => {
      const detail = await p.getRunDetail(db, ref);
      const print = (node: string, line: string) =>
        process.stdout.write(
          flags.json
            ? `${JSON.stringify({ node, line })}\n`
            : flags.node
              ? `${line}\n`
              : `${node}: ${line}\n`,
        );
      if (flags.follow) {
        await p.followRunLogs(db, ws, detail.id, {
          ...(flags.node ? { nodeId: flags.node } : {}),
          write: print,
          clock,
        });
        return;
      }
      for (const { node, line } of await p.readRunLogs(ws, detail, flags.node)) print(node, line);
    });
  });

  withOptions(
    run
      .command('retry <run>')
      .description('retry a Failed or Error run from where it failed, reusing what succeeded'),
    [OPTIONS.watch, OPTIONS.executorTimeout, OPTIONS.json],
  ).action(
    async (
      ref: string,
      flags: { watch?: boolean; executorTimeoutMs?: number; json?: boolean },
      cmd: Command,
    ) => {
      const p = await import('../../pipeline/executor/index.js');
      const { catalog } = await openCatalog();
      await withDb(cmd, async (db, ws) => afterSubmit(db, ws, await p.retryRun(db, catalog, ref), flags));
    },
  );

  withOptions(
    run
      .command('resubmit <run>')
      .description("run a run's pipeline again with its parameters (override with -p)"),
    [OPTIONS.param, OPTIONS.noCache, OPTIONS.watch, OPTIONS.executorTimeout, OPTIONS.json],
  ).action(
    async (
      ref: string,
      flags: {
        parameter: string[];
        cache: boolean;
        watch?: boolean;
        executorTimeoutMs?: number;
        json?: boolean;
      },
      cmd: Command,
    ) => {
      const p = await import('../../pipeline/executor/index.js');
      const { catalog } = await openCatalog();
      await withDb(cmd, async (db, ws) => {
        const created = await p.resubmitRun(db, catalog, ref, {
          params: p.parseParamFlags(flags.parameter),
          noCache: flags.cache === false,
        });
        await afterSubmit(db, ws, created, flags);
      });
    },
  );

  for (const [name, action, what] of [
    ['stop', 'stop', 'start no new steps, let running ones finish, run the exit handler'],
    ['terminate', 'terminate', 'kill running steps now; the exit handler does not run'],
  ] as const) {
    withOptions(run.command(`${name} <run>`).description(`${name} a run: ${what}`), [OPTIONS.json]).action(
      async (ref: string, flags: { json?: boolean }, cmd: Command) => {
        const p = await import('../../pipeline/executor/index.js');
        await withDb(cmd, async (db, ws) => {
          const r = await p.requestShutdown(db, ref, action);
          await ensureExecutor(db, ws);
          emit({ id: r.id, requested: action }, flags.json, () => `${r.id}: ${action} requested`);
        });
      },
    );
  }

  withOptions(
    run.command('delete <run>').description('delete a finished run with its nodes, lineage and logs'),
    [OPTIONS.json],
  ).action(async (ref: string, flags: { json?: boolean }, cmd: Command) => {
    const p = await import('../../pipeline/executor/index.js');
    await withDb(cmd, async (db, ws) => {
      const r = await p.deleteRun(db, ws, ref);
      emit({ id: r.id, deleted: true }, flags.json, () => `${r.id} deleted`);
    });
  });

  withOptions(
    run
      .command('explain <run> <node>')
      .description("explain a node's cache key: each component, and on a miss what changed"),
    [OPTIONS.json],
  ).action(async (ref: string, node: string, flags: { json?: boolean }, cmd: Command) => {
    const p = await import('../../pipeline/executor/index.js');
    await withDb(cmd, async (db) =>
      emit(await p.explainNode(db, ref, node), flags.json, p.renderExplanation),
    );
  });

  withOptions(
    run
      .command('executor')
      .description(
        'run the local executor in the foreground (submit starts one in the background when none is live)',
      ),
    [
      OPTIONS.idleExit,
      OPTIONS.parallelism,
      OPTIONS.reuse,
      OPTIONS.heartbeat,
      OPTIONS.maxRuns,
      OPTIONS.lease,
      OPTIONS.json,
    ],
  ).action(
    async (
      flags: {
        idleExitMs?: number;
        parallelism: number;
        reuseProcesses?: boolean;
        heartbeatMs?: number;
        maxRuns?: number;
        leaseMs?: number;
        json?: boolean;
      },
      cmd: Command,
    ) => {
      const { createApp, executorComponent, Host } = await import('../../app/index.js');
      const app = createApp(await appConfigOf(cmd), { clock });
      const executor = executorComponent(app, {
        env: process.env,
        parallelism: flags.parallelism,
        reuseProcesses: flags.reuseProcesses === true,
        ...(flags.idleExitMs === undefined ? {} : { idleExitMs: flags.idleExitMs }),
        ...(flags.heartbeatMs === undefined ? {} : { heartbeatMs: flags.heartbeatMs }),
        ...(flags.maxRuns === undefined ? {} : { maxRuns: flags.maxRuns }),
        ...(flags.leaseMs === undefined ? {} : { leaseMs: flags.leaseMs }),
        // --json: the log lines as JSON objects, one per line, for a log collector.
        log: (line) => {
          const time = new Date(clock.now()).toISOString();
          process.stderr.write(flags.json ? `${JSON.stringify({ time, msg: line })}\n` : `${time} ${line}\n`);
        },
      });
      const host = new Host([executor]);
      host.handleSignals();
      try {
        await host.start();
        if (executor.engine !== null) await host.stopped;
      } finally {
        await host.stop();
        await app.close();
      }
    },
  );
}
