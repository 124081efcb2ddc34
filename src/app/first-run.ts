import type { App } from './app.js';
import { AppError } from './errors.js';
import type { ExecutorComponent } from './executor-component.js';

/** Options of {@link ensureProduction}. */
export interface FirstRunOptions {
  /** Who approves the first production version (recorded with the local-demo reason). */
  approver: string;
  /** Progress lines (the run's node phases as they change). */
  log: (line: string) => void;
}

/** What {@link ensureProduction} did. */
export interface FirstRunOutcome {
  /** Whether the pipeline had to run (an empty workspace). */
  readonly ran: boolean;
  readonly runId: string | null;
  /** The production version now. */
  readonly version: number;
}

async function aliasVersion(app: App, alias: string): Promise<number | null> {
  try {
    return (await (await app.stores.registry()).resolveAlias('recommender', alias)).version;
  } catch (e) {
    // Only "nothing registered under it yet" means none; a registry that cannot be read must not look
    // empty, or up would run the pipeline and approve a production version nobody asked for.
    const code = (e as { code?: string }).code;
    if (code === 'REGISTRY_MODEL_NOT_FOUND' || code === 'REGISTRY_ALIAS_NOT_FOUND') return null;
    throw e;
  }
}

/**
 * `bookml up`'s first start: when the registry has no `recommender@production`, run the recommender
 * pipeline on the hosted executor (which generates the synthetic Bookstore in an empty workspace), then
 * approve the version it moved to staging for production — as a local-demo approval, recorded with the
 * approver's identity and that reason. Does nothing when production exists.
 */
export async function ensureProduction(
  app: App,
  executor: ExecutorComponent,
  options: FirstRunOptions,
): Promise<FirstRunOutcome> {
  const current = await aliasVersion(app, 'production');
  if (current !== null) return { ran: false, runId: null, version: current };
  options.log('no recommender@production yet: running the recommender pipeline');
  const [p, { catalog }, db] = await Promise.all([
    import('../pipeline/executor/index.js'),
    app.catalog(),
    app.stores.db(),
  ]);
  const run = await p.submitRun(db, catalog, { pipeline: 'recommender' });
  executor.engine?.wake();
  const seen = new Map<string, string>();
  for (;;) {
    const detail = await p.getRunDetail(db, run.id);
    for (const n of detail.nodes) {
      if (seen.get(n.nodeId) === n.phase || n.phase === 'Pending') continue;
      seen.set(n.nodeId, n.phase);
      options.log(
        `  ${n.nodeId.padEnd(20)} ${n.phase}${n.message && n.phase !== 'Succeeded' ? ` (${n.message})` : ''}`,
      );
    }
    if (detail.phase !== 'Pending' && detail.phase !== 'Running') {
      if (detail.phase !== 'Succeeded') {
        throw new AppError(
          'APP_FIRST_RUN_FAILED',
          `the first pipeline run ${run.id} ended ${detail.phase}; see \`bookml run get ${run.id}\``,
          { field: 'run' },
        );
      }
      break;
    }
    await app.clock.sleep(200);
  }
  const staged = await aliasVersion(app, 'staging');
  if (staged === null) {
    throw new AppError(
      'APP_NOTHING_STAGED',
      `the pipeline moved no version to staging (see \`bookml run get ${run.id}\`); nothing to serve`,
      { field: 'staging' },
    );
  }
  const registry = await app.stores.registry();
  await registry.approve('recommender', staged, {
    actor: { id: options.approver, roles: ['approver'] },
    reason: 'local demo: first production version, approved by bookml up',
    alias: 'production',
  });
  options.log(`approved recommender v${staged} for production as ${options.approver} (local demo)`);
  return { ran: true, runId: run.id, version: staged };
}
