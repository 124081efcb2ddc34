import { Worker } from 'node:worker_threads';
import { workerScript } from '../core/index.js';
import type { TrialParams } from './space.js';
import { scoreTrial, type TrialData, type TrialScore } from './trial.js';
import type { TrialReply, TrialRequest } from './trial-worker.js';

/**
 * Runs trials side by side: one worker thread per slot, each holding its own copy of the validation
 * split (sent once), taking the next trial as it frees up. With one thread, trials run in this thread.
 * Which slot ran a trial never changes its score: every trial is a pure function of its parameters.
 */
export class TrialPool {
  readonly #data: TrialData;
  readonly #workers: Worker[] = [];
  readonly #pending = new Map<
    number,
    { params: TrialParams; resolve: (s: TrialOutcome) => void; reject: (e: Error) => void }
  >();
  readonly #idle: Worker[] = [];
  readonly #queue: TrialRequest[] = [];
  #next = 0;

  constructor(data: TrialData, threads: number) {
    this.#data = data;
    if (threads <= 1) return;
    const url = workerScript('trial-worker.js', import.meta.url);
    for (let t = 0; t < threads; t++) {
      const w = new Worker(url, { workerData: data });
      w.on('message', (msg: TrialReply) => this.#reply(w, msg));
      w.on('error', (e) => this.#failAll(e));
      this.#workers.push(w);
      this.#idle.push(w);
    }
  }

  /**
   * Score one trial. A trial that cannot be trained or scored (EASE past its catalogue limit, …) is
   * an outcome, not an exception: the search records it and goes on. Only a crashed worker rejects.
   */
  run(params: TrialParams): Promise<TrialOutcome> {
    if (this.#workers.length === 0) {
      return scoreTrial(this.#data, params).then(
        (score) => ({ score }),
        (e: unknown) => ({ error: trialFailure(e) }),
      );
    }
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { params, resolve, reject });
      this.#queue.push({ id, params });
      this.#pump();
    });
  }

  /** Stop the workers. */
  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
    this.#workers.length = 0;
  }

  #pump(): void {
    while (this.#idle.length > 0 && this.#queue.length > 0) {
      this.#idle.pop()!.postMessage(this.#queue.shift()!);
    }
  }

  #reply(w: Worker, msg: TrialReply): void {
    const p = this.#pending.get(msg.id);
    this.#pending.delete(msg.id);
    this.#idle.push(w);
    this.#pump();
    if (!p) return;
    if ('score' in msg) p.resolve({ score: msg.score });
    else p.resolve({ error: trialFailure(msg.error) });
  }

  #failAll(e: Error): void {
    for (const p of this.#pending.values()) p.reject(e);
    this.#pending.clear();
  }
}

/** Why a trial failed: the cause's stable code (TUNE_TRIAL_FAILED when it has none) and message. */
export interface TrialFailure {
  readonly code: string;
  readonly message: string;
}

/** A trial's result: its validation score, or why it could not be scored. */
export type TrialOutcome = { readonly score: TrialScore } | { readonly error: TrialFailure };

function trialFailure(e: unknown): TrialFailure {
  const err = e as { message?: string; code?: unknown };
  return {
    code: typeof err.code === 'string' && /^[A-Z]+_[A-Z_]+$/.test(err.code) ? err.code : 'TUNE_TRIAL_FAILED',
    message: err.message ?? String(e),
  };
}
