import { BookmlError, type Clock, systemClock, type Timer } from '../core/index.js';
import type { PredictionBatch, PredictionRecord, PredictionSink } from './prediction-log.js';
import { type MetricsMessage, mergeWorkerMetrics, type WorkerMetricsText } from './worker-metrics.js';

/** Longest the primary waits for a worker's metrics before answering a scrape without them. */
const METRICS_WAIT_MS = 2000;
/** The wait before replacing a worker whose predecessor also exited before it was ready; doubles up to the cap. */
const RESTART_FIRST_MS = 1000;
const RESTART_MAX_MS = 30_000;

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
  /** Worker process ids, in start order (a restarted worker takes its predecessor's place). */
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
  const handles: WorkerHandle[] = [];
  const readyTexts: (string | undefined)[] = [];
  let stopping = false;
  let writes: Promise<void> = Promise.resolve();
  let resolveReady: (text: string) => void = () => undefined;
  let failReady: (err: Error) => void = () => undefined;
  const ready = new Promise<string>((resolve, reject) => {
    resolveReady = resolve;
    failReady = reject;
  });
  const exited: Promise<void>[] = [];
  /** Whether every worker has been ready once (from then on, exits are replaced, not fatal). */
  let started = false;
  /** Replacements in a row per slot that exited before they were ready. */
  const restarts: number[] = Array.from({ length: opts.workers }, () => 0);
  const pending: (Timer | undefined)[] = [];
  const clock = opts.clock ?? systemClock;
  let scrapes = 0;
  const collecting = new Map<number, (slot: number, text: string) => void>();

  /** Every worker's own metrics, merged; a worker that does not answer in time is left out. */
  const collectMetrics = (): Promise<string> =>
    new Promise((resolve) => {
      const id = ++scrapes;
      const live = handles.map((_, slot) => slot).filter((slot) => readyTexts[slot] !== undefined);
      const got: WorkerMetricsText[] = [];
      const finish = () => {
        timer.cancel();
        collecting.delete(id);
        got.sort((a, b) => a.worker - b.worker);
        resolve(mergeWorkerMetrics(got));
      };
      const timer = clock.setTimeout(finish, METRICS_WAIT_MS, { unref: true });
      collecting.set(id, (slot, text) => {
        got.push({ worker: slot, text });
        if (got.length === live.length) finish();
      });
      for (const slot of live) handles[slot].send({ type: 'bookml:metrics-collect', id });
      if (live.length === 0) finish();
    });

  const start = (slot: number) => {
    const w = opts.fork();
    handles[slot] = w;
    // Until it says it is ready, a replacement is not asked for metrics nor counted as serving.
    readyTexts[slot] = undefined;
    w.on('message', (raw) => {
      const m = raw as WorkerMessage;
      if (m?.type === 'bookml:ready') {
        readyTexts[slot] = m.text;
        restarts[slot] = 0;
        if (!started && readyTexts.filter((t) => t !== undefined).length === opts.workers) {
          started = true;
          resolveReady(readyTexts[0] ?? '');
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
        void collectMetrics().then((text) => w.send({ type: 'bookml:metrics-merged', id: m.id, text }));
      } else if (m?.type === 'bookml:metrics-text') {
        collecting.get(m.id)?.(slot, m.text);
      } else if (m?.type === 'bookml:predictions' && opts.sink) {
        const sink = opts.sink;
        // One write at a time, in arrival order, as the sink expects.
        writes = writes.then(() => sink.write(textBatch(m.text, m.length))).catch(() => undefined);
      }
    });
    exited[slot] = new Promise((done) => {
      w.on('exit', (code, signal) => {
        done();
        readyTexts[slot] = undefined;
        if (stopping) return;
        if (!started) {
          // A worker that cannot start (a taken port, no model) would fail again: give up.
          failReady(new Error(`a serve worker exited before it was ready (${signal ?? code})`));
          return;
        }
        // A replacement that keeps failing (its model deleted, say) is retried ever more slowly,
        // never in a tight loop; one that becomes ready resets its slot's count.
        const inARow = restarts[slot]++;
        const delay = inARow === 0 ? 0 : Math.min(RESTART_MAX_MS, RESTART_FIRST_MS * 2 ** (inARow - 1));
        log(
          `serve worker ${w.process.pid} exited (${signal ?? code}); starting another${delay ? ` in ${delay} ms` : ''}`,
        );
        if (delay === 0) {
          start(slot);
          return;
        }
        pending[slot] = clock.setTimeout(() => {
          pending[slot] = undefined;
          if (!stopping) start(slot);
        }, delay);
      });
    });
  };
  for (let i = 0; i < opts.workers; i++) start(i);

  return {
    ready,
    pids: () => handles.map((h) => h.process.pid ?? 0),
    async stop() {
      stopping = true;
      for (const t of pending) t?.cancel();
      for (const h of handles) h.kill('SIGTERM');
      await Promise.all(exited);
      await writes;
      await opts.sink?.close();
    },
  };
}
