import type { Clock, Timer } from '../core/index.js';

/** What the dashboard refreshes when it changes; the SSE `change` event names one. */
export const LIVE_TOPICS = ['runs', 'models', 'approvals', 'events', 'decisions', 'drift'] as const;
export type LiveTopic = (typeof LIVE_TOPICS)[number];

/** A cheap fingerprint of one topic's state: equal strings mean nothing the dashboard shows changed. */
export type LiveProbe = () => Promise<string>;

/** Called with the topics that changed since the last poll. */
export type LiveListener = (topics: LiveTopic[]) => void;

/**
 * One poller shared by every open stream: it reads each topic's fingerprint every `intervalMs` (from
 * the injected clock) while at least one listener is subscribed, and tells the listeners which topics
 * changed. Reading the stores rather than hooking the writers sees every writer — this process's
 * executor, another process's, Argo steps reporting over the API — and costs a handful of small
 * queries a second, whatever the number of open dashboards.
 */
export class LiveFeed {
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #probes: Readonly<Record<LiveTopic, LiveProbe>>;
  readonly #listeners = new Set<LiveListener>();
  readonly #last = new Map<LiveTopic, string>();
  #timer: Timer | undefined;
  #polling = false;

  constructor(options: { clock: Clock; intervalMs: number; probes: Record<LiveTopic, LiveProbe> }) {
    this.#clock = options.clock;
    this.#intervalMs = options.intervalMs;
    this.#probes = options.probes;
  }

  /** Starts polling with the first listener; the returned function unsubscribes (and stops with the last). */
  subscribe(listener: LiveListener): () => void {
    this.#listeners.add(listener);
    if (this.#timer === undefined) {
      this.#timer = this.#clock.setInterval(() => void this.poll(), this.#intervalMs, { unref: true });
    }
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.stop();
    };
  }

  /** Stops polling (the app closing); listeners are dropped. */
  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#listeners.clear();
    this.#last.clear();
  }

  /** One pass: compares each topic's fingerprint with the last and notifies the changed ones. */
  async poll(): Promise<LiveTopic[]> {
    if (this.#polling) return [];
    this.#polling = true;
    try {
      const changed: LiveTopic[] = [];
      for (const topic of LIVE_TOPICS) {
        let print: string;
        try {
          print = await this.#probes[topic]();
        } catch (e) {
          // A store that fails now is retried next pass; the stream stays open.
          print = `error:${(e as Error).message}`;
        }
        const before = this.#last.get(topic);
        this.#last.set(topic, print);
        if (before !== undefined && before !== print) changed.push(topic);
      }
      if (changed.length > 0) for (const l of this.#listeners) l(changed);
      return changed;
    } finally {
      this.#polling = false;
    }
  }
}
