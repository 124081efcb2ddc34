import { isBookmlError } from '../core/index.js';
import { AppError } from './errors.js';

/** One hosted service: the executor, the control-plane API, serving (and, next, scheduler and monitor). */
export interface Component {
  readonly name: string;
  /** Start serving; resolves once ready (listening, first model loaded, executor registered). */
  start(): Promise<void>;
  /** Stop: drain, flush, release. Called once, in reverse start order. */
  stop(): Promise<void>;
  /** Resolves if the component ends by itself (an executor that went idle); the host then stops. */
  readonly ended?: Promise<void>;
}

/** Options of {@link Host}. */
export interface HostOptions {
  /** Where progress lines go. @default nowhere */
  log?: (line: string) => void;
}

/**
 * Hosts components in one process: starts them in order (a failure stops the ones already started, in
 * reverse, and rethrows), stops them once in reverse order, and owns the process's one signal handler —
 * the first SIGINT/SIGTERM starts an ordered shutdown, later ones are ignored, so a terminal's Ctrl-C
 * that reaches both a parent and this process still means one drain.
 *
 * @example
 * const host = new Host([executor, api, serve]);
 * await host.start();
 * host.handleSignals();
 * await host.stopped;
 */
export class Host {
  readonly #components: Component[];
  readonly #log: (line: string) => void;
  readonly #started: Component[] = [];
  #stopping: Promise<void> | undefined;
  #resolveStopped!: () => void;
  /** Resolves once every component has stopped. */
  readonly stopped: Promise<void>;

  constructor(components: Component[], options: HostOptions = {}) {
    this.#components = components;
    this.#log = options.log ?? (() => {});
    this.stopped = new Promise((resolve) => {
      this.#resolveStopped = resolve;
    });
  }

  /** Start every component in order. */
  async start(): Promise<void> {
    for (const c of this.#components) await this.#startOne(c);
  }

  async #startOne(c: Component): Promise<void> {
    try {
      await c.start();
    } catch (e) {
      this.#log(`${c.name} failed to start: ${(e as Error).message}`);
      await this.stop();
      if (isBookmlError(e)) throw e;
      throw new AppError('APP_START_FAILED', `${c.name} could not start: ${(e as Error).message}`, {
        field: c.name,
        cause: e,
      });
    }
    this.#started.push(c);
    void c.ended?.then(() => {
      this.#log(`${c.name} ended`);
      void this.stop();
    });
  }

  /** Start one more component after the others (e.g. serving once the first model exists). */
  async add(component: Component): Promise<void> {
    if (this.#stopping) return;
    this.#components.push(component);
    await this.#startOne(component);
  }

  /** Stop every started component once, in reverse order. Safe to call many times. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      for (const c of [...this.#started].reverse()) {
        try {
          await c.stop();
        } catch (e) {
          this.#log(`${c.name} did not stop cleanly: ${(e as Error).message}`);
        }
      }
      this.#started.length = 0;
      this.#resolveStopped();
    })();
    return this.#stopping;
  }

  /** Stop on the first SIGINT or SIGTERM (later ones only log). Returns the uninstaller. */
  handleSignals(target: Pick<NodeJS.Process, 'on' | 'off'> = process): () => void {
    const onSignal = (signal: NodeJS.Signals) => {
      if (this.#stopping) return;
      this.#log(`${signal}: stopping`);
      void this.stop();
    };
    target.on('SIGINT', onSignal);
    target.on('SIGTERM', onSignal);
    return () => {
      target.off('SIGINT', onSignal);
      target.off('SIGTERM', onSignal);
    };
  }
}
