import { BookmlError, type Clock, systemClock, type Timer } from '../core/index.js';
import type { PredictionBatch, PredictionRecord, PredictionSink } from './prediction-log.js';
import { type MetricsMessage, mergeWorkerMetrics, type WorkerMetricsText } from './worker-metrics.js';

/** Longest the primary waits for a worker's metrics before answering a scrape without them. */
const METRICS_WAIT_MS = 2000;
/**
 * The wait before replacing a worker whose predecessor did not stay ready for STABLE_MS either;
 * it doubles with each such exit in a row, up to the cap.
 */
const RESTART_FIRST_MS = 1000;
const RESTART_MAX_MS = 30_000;
/** Ready this long, a worker that exits is replaced at once (its slot's count starts again). */
const STABLE_MS = 10_000;

/**
 * `bookml serve --workers N`: Node's cluster module runs N copies of the server on one port (the
 * primary accepts connections and hands them round-robin to the workers). Each worker is a whole
 * server: its own deployment polling the same sources, so a hot swap, a canary and a shadow work
 * in every worker, and the canary's routing key lands on the same side whichever worker answers
 * (the split is a hash of the key). The prediction log has one writer per folder: workers send
 * their sampled lines to the primary, which owns the file sink. A scrape of `/metrics` on any
 * worker returns every worker's metrics, gathered by the primary (`worker-metrics.ts`).
 */

/** What a worker tells the primary. */
export type WorkerMessage =
  | { type: 'bookml:ready'; text: string }
  | WorkerFailedMessage
  | { type: 'bookml:predictions'; text: string; length: number }
  | MetricsMessage;

/** A worker that could not start: its error, for the primary to report as its own. */
export interface WorkerFailedMessage {
  type: 'bookml:failed';
  /** Absent when the error was not a bookml one (a bug, not a refusal). */
  code?: string;
  message: string;
  field?: string;
  status?: number;
  exitCode?: number;
}

/** What a worker sends when it cannot start (a taken port, no model, a bad config). */
export function workerFailure(err: unknown): WorkerFailedMessage {
  const message = err instanceof Error ? err.message : String(err);
  if (!(err instanceof BookmlError)) return { type: 'bookml:failed', message };
  return {
    type: 'bookml:failed',
    code: err.code,
    message,
    ...(err.field === undefined ? {} : { field: err.field }),
    status: err.status,
    exitCode: err.exitCode,
  };
}

/** A prediction sink for a worker: each batch goes to the primary as its JSON lines. */
export function ipcPredictionSink(send: (message: WorkerMessage) => void): PredictionSink {
  return {
    async write(batch: PredictionBatch) {
      if (batch.length > 0)
        send({ type: 'bookml:predictions', text: batch.jsonLines(), length: batch.length });
    },
    async close() {},
  };
}

/** A batch whose records arrived as JSON lines (from a worker). */
export function textBatch(text: string, length: number): PredictionBatch {
  return {
    length,
    jsonLines: () => text,
    record: (i: number) => JSON.parse(text.split('\n')[i]) as PredictionRecord,
  };
}

/** The part of a cluster worker the supervisor uses (`cluster.fork()` returns one). */
export interface WorkerHandle {
  readonly process: { readonly pid?: number | undefined };
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number | null, signal: string | null) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  /** False once its IPC channel has closed (a send would then fail). */
  isConnected(): boolean;
  kill(signal?: string): void;
  send(message: MetricsMessage): unknown;
}

/** Options of {@link superviseWorkers}. */
export interface SuperviseOptions {
  workers: number;
  /** Starts one worker (`cluster.fork`). */
  fork: () => WorkerHandle;
  /** Where the workers' sampled answers go; none drops them. */
  sink?: PredictionSink;
  /** Loads, restarts and exits (never per request). */
  log?: (line: string) => void;
  /** Times the wait for workers' metrics. @default systemClock */
  clock?: Clock;
}

/** The running workers, as the primary sees them. */
export interface Supervisor {
  /**
   * Resolves with the first worker's ready text once every worker is ready; rejects when one
   * exits before, with the worker's own error when it sent one.
   */
  readonly ready: Promise<string>;
  /**
   * Worker process ids, in start order (a restarted worker takes its predecessor's place; 0 for a
   * slot waiting for its replacement).
   */
  pids(): number[];
  /** SIGTERM every worker, wait for them, flush the sink. */
  stop(): Promise<void>;
}

/**
 * Start `workers` servers and keep them running: a worker that exits unexpectedly is replaced. The
 * primary does no serving, so it holds no model.
 */
export function superviseWorkers(opts: SuperviseOptions): Supervisor {
  const log = opts.log ?? (() => undefined);
  const clock = opts.clock ?? systemClock;
  /** Each slot's live worker; undefined once it has ended, until its replacement is started. */
  const handles: (WorkerHandle | undefined)[] = [];
  /** What each slot's worker said when it became ready, and when (clock ms); undefined until then. */
  const readyOf: ({ text: string; at: number } | undefined)[] = [];
  /** Replacements in a row per slot that did not stay ready for {@link STABLE_MS}. */
  const restarts: number[] = Array.from({ length: opts.workers }, () => 0);
  const pending: (Timer | undefined)[] = [];
  const exited: Promise<void>[] = [];
  let stopping = false;
  /** Whether every worker has been ready once (from then on, every exit is replaced). */
  let started = false;
  let writes: Promise<void> = Promise.resolve();
  let resolveReady: (text: string) => void = () => undefined;
  let failReady: (err: Error) => void = () => undefined;
  const ready = new Promise<string>((resolve, reject) => {
    resolveReady = resolve;
    failReady = reject;
  });
  let scrapes = 0;
  /** Metrics collections in progress: a worker's text arrives, or its exit stops the wait for it. */
  const collecting = new Map<number, { got(slot: number, text: string): void; drop(slot: number): void }>();

  /** Every worker's own metrics, merged; a worker that does not answer in time is left out. */
  const collectMetrics = (): Promise<string> =>
    new Promise((resolve) => {
      const id = ++scrapes;
      const waiting = new Set<number>();
      const got: WorkerMetricsText[] = [];
      const finish = () => {
        timer.cancel();
        collecting.delete(id);
        got.sort((a, b) => a.worker - b.worker);
        resolve(mergeWorkerMetrics(got));
      };
      const timer = clock.setTimeout(finish, METRICS_WAIT_MS, { unref: true });
      const settle = (slot: number) => {
        if (waiting.delete(slot) && waiting.size === 0) finish();
      };
      collecting.set(id, {
        got: (slot, text) => {
          if (waiting.has(slot)) got.push({ worker: slot, text });
          settle(slot);
        },
        drop: settle,
      });
      for (let slot = 0; slot < handles.length; slot++) {
        if (readyOf[slot] !== undefined && handles[slot]?.isConnected()) waiting.add(slot);
      }
      for (const slot of waiting) handles[slot]?.send({ type: 'bookml:metrics-collect', id });
      if (waiting.size === 0) finish();
    });

  /**
   * After a slot's worker has ended (`what` it did, for the log): at start-up give up, else start a
   * replacement, at once or after a backoff.
   */
  const replace = (slot: number, readySince: number | undefined, what: string) => {
    if (stopping) return;
    if (!started && readySince === undefined) {
      // A worker that cannot start (a taken port, no model) would fail again: give up.
      failReady(new Error(`a serve worker ${what} before it was ready`));
      return;
    }
    // A worker that keeps dying (its model deleted, a crash on the first request) is replaced
    // ever more slowly, never in a tight loop; one that stayed up a while is replaced at once.
    if (readySince !== undefined && clock.now() - readySince >= STABLE_MS) restarts[slot] = 0;
    const inARow = restarts[slot]++;
    const delay = inARow === 0 ? 0 : Math.min(RESTART_MAX_MS, RESTART_FIRST_MS * 2 ** (inARow - 1));
    log(`serve worker ${what}; starting another${delay ? ` in ${delay} ms` : ''}`);
    if (delay === 0) {
      start(slot);
      return;
    }
    pending[slot] = clock.setTimeout(() => {
      pending[slot] = undefined;
      if (!stopping) start(slot);
    }, delay);
  };

  const start = (slot: number) => {
    let w: WorkerHandle;
    try {
      w = opts.fork();
    } catch (e) {
      replace(slot, undefined, `could not be started (${(e as Error).message})`);
      return;
    }
    handles[slot] = w;
    // IPC may deliver a message after the exit: a dead worker speaks no more for its slot.
    const current = () => handles[slot] === w;
    w.on('message', (raw) => {
      const m = raw as WorkerMessage;
      if (m?.type === 'bookml:predictions') {
        if (!opts.sink) return;
        const sink = opts.sink;
        // One write at a time, in arrival order, as the sink expects; a dead worker's lines count.
        writes = writes.then(() => sink.write(textBatch(m.text, m.length))).catch(() => undefined);
      } else if (m?.type === 'bookml:metrics-text') {
        collecting.get(m.id)?.got(slot, m.text);
      } else if (!current()) {
        return;
      } else if (m?.type === 'bookml:ready') {
        readyOf[slot] = { text: m.text, at: clock.now() };
        if (!started && readyOf.filter((r) => r !== undefined).length === opts.workers) {
          started = true;
          resolveReady(readyOf[0]?.text ?? '');
        }
      } else if (m?.type === 'bookml:failed') {
        const err =
          m.code === undefined
            ? new Error(`a serve worker failed to start: ${m.message}`)
            : new BookmlError(m.code, m.message, { field: m.field, status: m.status, exitCode: m.exitCode });
        // At start-up the first refusal is the answer: the others would refuse alike.
        if (!started) failReady(err);
        else log(`serve worker ${w.process.pid} could not start: ${m.message}`);
      } else if (m?.type === 'bookml:metrics-request') {
        void collectMetrics().then((text) => {
          if (current() && w.isConnected()) w.send({ type: 'bookml:metrics-merged', id: m.id, text });
        });
      }
    });
    let done: () => void = () => undefined;
    exited[slot] = new Promise<void>((resolve) => {
      done = resolve;
    });
    const onGone = (what: string) => {
      // 'exit' and 'error' may both report one end.
      if (!current()) return;
      handles[slot] = undefined;
      done();
      const readySince = readyOf[slot]?.at;
      // Until it says it is ready, a replacement is not asked for metrics nor counted as serving.
      readyOf[slot] = undefined;
      for (const c of collecting.values()) c.drop(slot);
      replace(slot, readySince, what);
    };
    w.on('exit', (code, signal) => onGone(`${w.process.pid} exited (${signal ?? code})`));
    // A send to a closed channel raises 'error' on the worker (unheard, it would end the primary);
    // a process the system would not start raises only 'error', never 'exit'.
    w.on('error', (e) => {
      log(`serve worker ${w.process.pid ?? '(not started)'}: ${e.message}`);
      if (w.process.pid === undefined) onGone(`could not be started (${e.message})`);
    });
  };
  for (let i = 0; i < opts.workers; i++) start(i);

  return {
    ready,
    pids: () => Array.from({ length: opts.workers }, (_, slot) => handles[slot]?.process.pid ?? 0),
    async stop() {
      stopping = true;
      for (const t of pending) t?.cancel();
      for (const h of handles) h?.kill('SIGTERM');
      await Promise.all(exited);
      await writes;
      await opts.sink?.close();
    },
  };
}
