import { fileURLToPath } from 'node:url';
import type { Clock } from '../../core/index.js';
import type { ArtifactStore, MetadataDb, Workspace } from '../../store/index.js';
import type { PipelineCatalog } from '../runner/catalog.js';
import { EXECUTOR_HEARTBEAT_TIMEOUT_MS } from './executor-daemon.js';

/** Options of {@link Engine}. */
export interface EngineOptions {
  db: MetadataDb;
  artifacts: ArtifactStore;
  workspace: Workspace;
  /** The pipelines this executor runs. */
  catalog: PipelineCatalog;
  /** URL of the module the step processes load the same catalogue from. */
  catalogUrl: string;
  /**
   * URL of the module that builds each step's runtime (`openStepRuntime`, see `pipeline/runner`). The
   * composition root passes bookml's own; without one, steps that call `ctx.registry` & co. fail clearly.
   */
  runtimeUrl?: string | undefined;
  /** Time and timers: polls, heartbeats, retry wake-ups, kill grace, timeouts. @default the database's clock */
  clock?: Clock;
  /** The step process entry. @default step-process.js beside this file */
  stepEntry?: string;
  /** Most steps running at once, over all runs. @default 4 */
  parallelism?: number;
  /** Step processes kept warm (started ahead of need, one job each). @default parallelism */
  spares?: number;
  /**
   * Let a step process that succeeded run another step instead of exiting (see `StepLauncherOptions`).
   * Faster, but steps then share module state. @default false: one process per step
   */
  reuseProcesses?: boolean;
  /** How often to look for new runs and control requests, in ms. @default 200 */
  pollMs?: number;
  /** How often to heartbeat the executor and its attempts, in ms. @default 2000 */
  heartbeatMs?: number;
  /** A Running attempt whose heartbeat is older than this is orphaned (other hosts), in ms. @default 30000 */
  orphanAfterMs?: number;
  /**
   * How long a claimed run stays this executor's without a heartbeat renewing it, in ms: after that another
   * executor on the same store takes the run over (and this one's writes to it are fenced off). @default 15000
   */
  leaseMs?: number;
  /**
   * Most runs this executor owns at once; the rest are left for other executors on the store (it takes
   * one more when every run it owns is waiting, e.g. on a mutex). @default parallelism × 2
   */
  maxRuns?: number;
  /** Between SIGTERM and SIGKILL when a step times out or is terminated, in ms. @default 2000 */
  killGraceMs?: number;
  /** Stop by itself after this long with nothing to do, in ms. @default never */
  idleExitMs?: number;
  /** Environment of the steps (and of their cache keys). @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Where diagnostics go. @default nowhere */
  log?: (line: string) => void;
}

// Resolved when an engine is built, not at import: a browser-like test environment (happy-dom) that
// imports the API's door through this module has no file: URLs.
const defaultStepEntry = () => fileURLToPath(new URL('../runner/step-process.js', import.meta.url));

/** Options with their defaults filled in. */
export type ResolvedEngineOptions = Required<
  Omit<EngineOptions, 'idleExitMs' | 'log' | 'runtimeUrl' | 'maxRuns'>
> & { maxRuns: number } & Pick<EngineOptions, 'idleExitMs' | 'log'>;

/** Fills in the defaults of {@link EngineOptions}. */
export function resolveEngineOptions(options: EngineOptions): ResolvedEngineOptions {
  const parallelism = options.parallelism ?? 4;
  return {
    clock: options.db.clock,
    stepEntry: defaultStepEntry(),
    parallelism,
    spares: parallelism,
    reuseProcesses: false,
    pollMs: 200,
    heartbeatMs: 2000,
    orphanAfterMs: EXECUTOR_HEARTBEAT_TIMEOUT_MS,
    leaseMs: 15_000,
    killGraceMs: 2000,
    env: process.env,
    ...options,
    maxRuns: options.maxRuns ?? parallelism * 2,
  };
}
