import type { EventSubscription, TriggerEvent, TriggerEventHandler, TriggerEventSource } from './ports.js';

/**
 * A {@link TriggerEventSource} in memory, for tests: {@link deliver} hands an event to every subscriber of
 * its topic and waits for the handlers; delivering the same event again is a redelivery. A handler that
 * throws makes `deliver` reject, as an unacked event would be retried.
 * @internal
 * @example
 * const source = new MemoryEventSource();
 * await sensors.start();            // subscribes
 * await source.deliver({ id: '1', topic: 'ml.drift', payload: { model: 'recommender' }, createdAt: 0 });
 */
export class MemoryEventSource implements TriggerEventSource {
  readonly #subs = new Map<
    number,
    { consumer: string; topics: readonly string[]; handler: TriggerEventHandler }
  >();
  #next = 0;

  subscribe(consumer: string, topics: readonly string[], handler: TriggerEventHandler): EventSubscription {
    const id = this.#next++;
    this.#subs.set(id, { consumer, topics, handler });
    return { close: () => void this.#subs.delete(id) };
  }

  /** The consumers currently subscribed. */
  consumers(): string[] {
    return [...this.#subs.values()].map((s) => s.consumer);
  }

  /** Delivers an event to every subscriber of its topic, one after the other. */
  async deliver(event: TriggerEvent): Promise<void> {
    for (const s of [...this.#subs.values()]) if (s.topics.includes(event.topic)) await s.handler(event);
  }
}
