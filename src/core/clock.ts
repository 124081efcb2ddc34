/**
 * Time as a dependency: timestamps, sleeps, timeouts and intervals all come from a {@link Clock}, so
 * backoff, polling, leases and grace periods are tested by advancing a {@link ManualClock} instead of
 * waiting.
 */

/** A scheduled callback; `cancel()` stops it from firing (again). Cancelling twice is harmless. */
export interface Timer {
  cancel(): void;
}

/** Options of {@link Clock.setTimeout} and {@link Clock.setInterval}. */
export interface TimerOptions {
  /** Do not keep the process alive for this timer. @default false */
  unref?: boolean;
}

/**
 * Where time comes from. Pass one in (`systemClock` at the composition edge, a {@link ManualClock} in
 * tests); never read the global timers or `Date.now()` where a clock is at hand.
 *
 * @example
 * const timer = clock.setInterval(() => void poll(), 200, { unref: true });
 * await clock.sleep(1_000, signal);
 * timer.cancel();
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds; rejects with `signal.reason` when the signal aborts (at once if it already has). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Calls `fn` once, `ms` milliseconds from now; `now()` has reached that time when it runs. */
  setTimeout(fn: () => void, ms: number, options?: TimerOptions): Timer;
  /** Calls `fn` every `ms` milliseconds (at least 1) until cancelled. */
  setInterval(fn: () => void, ms: number, options?: TimerOptions): Timer;
}

/** `sleep` on top of a clock's `setTimeout`: one implementation of the abort rules for every clock. */
function sleepOn(clock: Pick<Clock, 'setTimeout'>, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      timer.cancel();
      reject(signal?.reason);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The wall clock and Node's timers.
 * @example const started = systemClock.now(); await systemClock.sleep(100);
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleepOn(systemClock, ms, signal),
  setTimeout(fn, ms, options) {
    // Node's timers run on a monotonic clock from a cached loop time, so one can fire a millisecond or
    // two before Date.now() reaches its due time; code that compares now() with a due time (a retry's
    // backoff) would then find it not yet due. Wait out such a small remainder; a larger one means the
    // wall clock was set back, and then firing beats waiting for it.
    const due = Date.now() + ms;
    let handle: NodeJS.Timeout;
    const arm = (delay: number) => {
      handle = setTimeout(check, delay);
      if (options?.unref) handle.unref();
    };
    const check = () => {
      const left = due - Date.now();
      if (left > 0 && left <= ms) arm(left);
      else fn();
    };
    arm(ms);
    return { cancel: () => clearTimeout(handle) };
  },
  setInterval(fn, ms, options) {
    const handle = setInterval(fn, ms);
    if (options?.unref) handle.unref();
    return { cancel: () => clearInterval(handle) };
  },
};

interface Scheduled {
  due: number;
  /** Creation order: breaks ties between timers due at the same time. */
  readonly seq: number;
  /** Period of an interval; undefined for a one-shot timer. */
  readonly every: number | undefined;
  readonly fn: () => void;
}

// Captured at load, so a test that fakes the global timers cannot stall advanceAsync.
const macrotask: () => Promise<void> = (() => {
  const immediate = setImmediate;
  return () => new Promise<void>((resolve) => immediate(resolve));
})();

/**
 * A clock that moves only when told to, for tests. Timers fire in (due time, creation order), with
 * `now()` set to each timer's due time while it runs; a timer created by a callback fires in the same
 * `advance` if it falls due within it.
 *
 * @example
 * const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
 * const done = clock.sleep(30_000);
 * await clock.advanceAsync(30_000); // `done` has resolved
 */
export class ManualClock implements Clock {
  #t: number;
  #seq = 0;
  readonly #timers = new Set<Scheduled>();

  /** @param startMs the initial `now()`, epoch ms. @default 0 */
  constructor(startMs = 0) {
    this.#t = startMs;
  }

  now(): number {
    return this.#t;
  }

  /**
   * Jump to `ms` without firing anything (as a wall-clock change would). Timers already overdue fire on
   * the next `advance`, at the time then current; time never runs backwards for a timer.
   */
  set(ms: number): void {
    this.#t = ms;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  setTimeout(fn: () => void, ms: number, _options?: TimerOptions): Timer {
    return this.#schedule(fn, Math.max(0, finite(ms)), undefined);
  }

  setInterval(fn: () => void, ms: number, _options?: TimerOptions): Timer {
    const every = Math.max(1, finite(ms));
    return this.#schedule(fn, every, every);
  }

  /**
   * Move time forward by `ms`, firing every timer due up to the new time, in order, synchronously.
   * Promise chains the callbacks start do not run until the caller yields; use {@link advanceAsync}
   * when code sleeps more than once.
   * @throws RangeError when `ms` is negative or not finite
   */
  advance(ms: number): void {
    const target = this.#target(ms);
    for (let t = this.#next(target); t !== undefined; t = this.#next(target)) this.#fire(t);
    this.#t = Math.max(this.#t, target);
  }

  /**
   * Like {@link advance}, but yields a macrotask turn before and after each firing, so promise chains
   * settle in between: `await clock.sleep(a); step(); await clock.sleep(b)` gets through both sleeps in
   * one call when `a + b ≤ ms`. Real I/O a callback starts is not waited for.
   * @throws RangeError when `ms` is negative or not finite
   */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.#target(ms);
    await macrotask();
    for (let t = this.#next(target); t !== undefined; t = this.#next(target)) {
      this.#fire(t);
      await macrotask();
    }
    this.#t = Math.max(this.#t, target);
  }

  /** How many timers are scheduled (intervals count once). */
  pendingTimers(): number {
    return this.#timers.size;
  }

  /** When the next timer falls due (epoch ms), or undefined when none is scheduled. */
  nextTimerAt(): number | undefined {
    return this.#next(Number.POSITIVE_INFINITY)?.due;
  }

  #schedule(fn: () => void, delay: number, every: number | undefined): Timer {
    const t: Scheduled = { due: this.#t + delay, seq: this.#seq++, every, fn };
    this.#timers.add(t);
    return { cancel: () => void this.#timers.delete(t) };
  }

  #target(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`ManualClock can only advance by a finite ms ≥ 0, got ${ms}`);
    }
    return this.#t + ms;
  }

  /** The earliest timer due at or before `limit`. */
  #next(limit: number): Scheduled | undefined {
    let best: Scheduled | undefined;
    for (const t of this.#timers) {
      if (t.due > limit) continue;
      if (best === undefined || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    }
    return best;
  }

  #fire(t: Scheduled): void {
    this.#t = Math.max(this.#t, t.due);
    if (t.every === undefined) this.#timers.delete(t);
    else t.due = this.#t + t.every;
    t.fn();
  }
}

function finite(ms: number): number {
  return Number.isFinite(ms) ? ms : 0;
}
