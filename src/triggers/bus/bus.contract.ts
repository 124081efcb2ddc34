/**
 * One suite for every event bus: the table bus on SQLite and PostgreSQL (`table-bus.test.ts`) and the
 * NATS JetStream bus (`nats-bus.test.ts`). Each test gets a fresh backend (temp database / schema, or
 * its own stream and subjects), so runs never see each other's events.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isBookmlError } from '../../core/index.js';
import type { BusEvent, EventBus, EventHandler, SubscribeOptions } from './event-bus.js';
import { TOPICS } from './topics.js';

/** What the suite needs from a backend. */
export interface BusHarness {
  /** A bus on a fresh, empty backend. */
  readonly bus: EventBus;
  /** Another bus on the same backend, as a second process (or a restart) would open it. */
  openAnother(): Promise<EventBus>;
  /** Lets a retry backoff pass: advances a manual clock, or waits a short real moment where the server keeps time. */
  tick(): Promise<void>;
  dispose(): Promise<void>;
}

interface Received {
  consumer: string;
  event: BusEvent<{ n: number }>;
}

/** Runs the bus contract against `create()`; `skip` names why this backend cannot run here. */
export function busContract(name: string, create: () => Promise<BusHarness>, skip?: string): void {
  describe.skipIf(skip !== undefined)(skip === undefined ? name : `${name} — skipped: ${skip}`, () => {
    let h: BusHarness;
    let got: Received[];
    const others: EventBus[] = [];

    beforeEach(async () => {
      h = await create();
      got = [];
    });
    afterEach(async () => {
      for (const b of others.splice(0)) await b.close();
      await h.bus.close();
      await h.dispose();
    });

    /** A handler that records what `consumer` got, then runs `then` (which may throw). */
    const recorder =
      (consumer: string, then?: EventHandler<{ n: number }>): EventHandler<{ n: number }> =>
      async (event, ctx) => {
        got.push({ consumer, event });
        await then?.(event, ctx);
      };
    const ns = (consumer: string) => got.filter((r) => r.consumer === consumer).map((r) => r.event.payload.n);
    const until = async (done: () => boolean, what: string): Promise<void> => {
      for (let i = 0; i < 1000; i++) {
        if (done()) return;
        await h.tick();
      }
      throw new Error(`gave up waiting for ${what}; received ${JSON.stringify(got.map((r) => r.event))}`);
    };
    const another = async (): Promise<EventBus> => {
      const b = await h.openAnother();
      others.push(b);
      return b;
    };
    const subscribe = (
      bus: EventBus,
      consumer: string,
      topics: string[],
      then?: EventHandler<{ n: number }>,
      options?: SubscribeOptions,
    ) => bus.subscribe(consumer, topics, recorder(consumer, then), options);

    it('delivers in publish order across topics, with growing ids, and resolves publish with the id', async () => {
      const ids = [
        (await h.bus.publish(TOPICS.datasetReady, { n: 1 })).id,
        (await h.bus.publish(TOPICS.mlDrift, { n: 2 })).id,
        (await h.bus.publish(TOPICS.datasetReady, { n: 3 })).id,
      ];
      await subscribe(h.bus, 'orders', [TOPICS.datasetReady, TOPICS.mlDrift]);
      ids.push((await h.bus.publish(TOPICS.mlDrift, { n: 4 })).id);
      ids.push((await h.bus.publish(TOPICS.datasetReady, { n: 5 })).id);

      await until(() => got.length === 5, 'five events');
      expect(ns('orders')).toEqual([1, 2, 3, 4, 5]);
      expect(got.map((r) => r.event.id)).toEqual(ids);
      const numeric = ids.map(Number);
      expect(numeric).toEqual([...numeric].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(5);
      expect(got.map((r) => r.event.topic)).toEqual([
        TOPICS.datasetReady,
        TOPICS.mlDrift,
        TOPICS.datasetReady,
        TOPICS.mlDrift,
        TOPICS.datasetReady,
      ]);
      for (const { event } of got) {
        expect(event.deliveryCount).toBe(1);
        expect(event.dedupeKey).toBeUndefined();
        expect(Number.isFinite(event.publishedAt)).toBe(true);
      }
    });

    it('delivers an event whose handler threw again, before any later event', async () => {
      const errors: unknown[] = [];
      let failed = false;
      await subscribe(
        h.bus,
        'flaky',
        [TOPICS.runFinished],
        (e) => {
          if (e.payload.n === 2 && !failed) {
            failed = true;
            throw new Error('handler failed once');
          }
        },
        { onError: (err) => errors.push(err) },
      );
      for (const n of [1, 2, 3]) await h.bus.publish(TOPICS.runFinished, { n });

      await until(() => ns('flaky').length === 4, 'the redelivery and the event after it');
      expect(ns('flaky')).toEqual([1, 2, 2, 3]);
      expect(got[1].event.id).toBe(got[2].event.id);
      expect(got[2].event.deliveryCount).toBe(2);
      expect(errors).toHaveLength(1);
      expect((errors[0] as Error).message).toBe('handler failed once');
    });

    it('gives an event the closed subscriber never acked to the next subscriber of the consumer', async () => {
      let aborted: AbortSignal | undefined;
      const sub = await subscribe(h.bus, 'crashy', [TOPICS.modelPromoted], (e, ctx) => {
        // Event 2's handler never finishes: as if the process died in it.
        if (e.payload.n === 2) {
          aborted = ctx.signal;
          return new Promise<void>(() => {});
        }
      });
      for (const n of [1, 2, 3]) await h.bus.publish(TOPICS.modelPromoted, { n });
      await until(() => ns('crashy').length === 2, 'event 2 to reach the stuck handler');
      await sub.close();
      expect(aborted?.aborted).toBe(true);

      const restarted = await another();
      got = [];
      await subscribe(restarted, 'crashy', [TOPICS.modelPromoted]);
      await until(() => ns('crashy').length === 2, 'events 2 and 3 on the new subscriber');
      expect(ns('crashy')).toEqual([2, 3]);
    });

    it('resumes a consumer after its last ack, on another bus', async () => {
      const first = await subscribe(h.bus, 'resumer', [TOPICS.mlDrift]);
      for (const n of [1, 2]) await h.bus.publish(TOPICS.mlDrift, { n });
      await until(() => ns('resumer').length === 2, 'the first two events');
      await first.close();
      for (const n of [3, 4]) await h.bus.publish(TOPICS.mlDrift, { n });

      await subscribe(await another(), 'resumer', [TOPICS.mlDrift]);
      await until(() => ns('resumer').length === 4, 'the two events published while closed');
      expect(ns('resumer')).toEqual([1, 2, 3, 4]);
    });

    it('stores one event for two publishes with one dedupeKey, and answers both with its id', async () => {
      const a = await h.bus.publish(TOPICS.datasetReady, { n: 1 }, { dedupeKey: 'webhook:abc' });
      const b = await h.bus.publish(TOPICS.datasetReady, { n: 99 }, { dedupeKey: 'webhook:abc' });
      expect(b.id).toBe(a.id);
      await h.bus.publish(TOPICS.datasetReady, { n: 2 });

      await subscribe(h.bus, 'deduper', [TOPICS.datasetReady]);
      await until(() => ns('deduper').includes(2), 'the event after the duplicate');
      expect(ns('deduper')).toEqual([1, 2]);
      expect(got[0].event.dedupeKey).toBe('webhook:abc');
    });

    it('gives every consumer every event', async () => {
      await subscribe(h.bus, 'sensor-a', [TOPICS.runFinished]);
      await subscribe(await another(), 'sensor-b', [TOPICS.runFinished]);
      for (const n of [1, 2, 3]) await h.bus.publish(TOPICS.runFinished, { n });

      await until(() => got.length === 6, 'three events for each consumer');
      expect(ns('sensor-a')).toEqual([1, 2, 3]);
      expect(ns('sensor-b')).toEqual([1, 2, 3]);
    });

    it('delivers only the topics a consumer subscribed to', async () => {
      await subscribe(h.bus, 'one-topic', [TOPICS.datasetReady]);
      await subscribe(h.bus, 'two-topics', [TOPICS.mlDrift, TOPICS.modelRegistered]);
      await h.bus.publish(TOPICS.mlDrift, { n: 1 });
      await h.bus.publish(TOPICS.datasetReady, { n: 2 });
      await h.bus.publish(TOPICS.modelPromoted, { n: 3 });
      await h.bus.publish(TOPICS.modelRegistered, { n: 4 });
      await h.bus.publish('events.bookstore', { n: 5 });
      await h.bus.publish(TOPICS.datasetReady, { n: 6 });
      await h.bus.publish(TOPICS.mlDrift, { n: 7 });

      // Delivery is in order, so once the last event of a topic arrived nothing earlier is still on its way.
      await until(
        () => ns('one-topic').includes(6) && ns('two-topics').includes(7),
        'the last event of each',
      );
      expect(ns('one-topic')).toEqual([2, 6]);
      expect(ns('two-topics')).toEqual([1, 4, 7]);
    });

    it('starts a new consumer at the latest event when asked, and a known one after its ack', async () => {
      await h.bus.publish(TOPICS.mlDrift, { n: 1 });
      const sub = await subscribe(h.bus, 'late', [TOPICS.mlDrift], undefined, { startAt: 'latest' });
      await h.bus.publish(TOPICS.mlDrift, { n: 2 });
      await until(() => ns('late').length === 1, 'the event after subscribing');
      await sub.close();
      await h.bus.publish(TOPICS.mlDrift, { n: 3 });
      await subscribe(h.bus, 'late', [TOPICS.mlDrift], undefined, { startAt: 'latest' });
      await until(() => ns('late').length === 2, 'the event published while closed');
      expect(ns('late')).toEqual([2, 3]);
    });

    it('gives up on an event after maxDeliveries, reports it, and moves on', async () => {
      const codes: string[] = [];
      await subscribe(
        h.bus,
        'giving-up',
        [TOPICS.runFinished],
        (e) => {
          if (e.payload.n === 1) throw new Error('always fails');
        },
        { maxDeliveries: 2, onError: (err) => codes.push(isBookmlError(err) ? err.code : 'handler') },
      );
      for (const n of [1, 2]) await h.bus.publish(TOPICS.runFinished, { n });
      await until(() => ns('giving-up').includes(2), 'the event after the poisoned one');
      expect(ns('giving-up')).toEqual([1, 1, 2]);
      expect(codes).toEqual(['handler', 'handler', 'TRIGGERS_EVENT_GAVE_UP']);
    });

    it('refuses bad topics, consumer names, payloads and a second subscription of one consumer, naming the field', async () => {
      const fails = async (p: Promise<unknown>) => p.then(() => undefined).catch((e: unknown) => e);
      const err = async (p: Promise<unknown>) => {
        const e = await fails(p);
        expect(isBookmlError(e)).toBe(true);
        return e as { code: string; field?: string; status: number };
      };
      expect(await err(h.bus.publish('Dataset Ready', {}))).toMatchObject({
        code: 'TRIGGERS_TOPIC_INVALID',
        field: 'topic',
      });
      expect(await err(h.bus.publish('dataset.*', {}))).toMatchObject({ code: 'TRIGGERS_TOPIC_INVALID' });
      expect(await err(h.bus.publish(TOPICS.mlDrift, { big: 1n }))).toMatchObject({
        code: 'TRIGGERS_PAYLOAD_INVALID',
        field: 'payload',
      });
      expect(await err(h.bus.publish(TOPICS.mlDrift, {}, { dedupeKey: '' }))).toMatchObject({
        field: 'dedupeKey',
      });
      expect(await err(subscribe(h.bus, 'has space', [TOPICS.mlDrift]))).toMatchObject({
        code: 'TRIGGERS_CONSUMER_INVALID',
        field: 'consumer',
      });
      expect(await err(subscribe(h.bus, 'ok', []))).toMatchObject({ code: 'TRIGGERS_TOPIC_INVALID' });
      await subscribe(h.bus, 'once', [TOPICS.mlDrift]);
      expect(await err(subscribe(h.bus, 'once', [TOPICS.mlDrift]))).toMatchObject({
        code: 'TRIGGERS_CONSUMER_BUSY',
        status: 409,
      });
      await h.bus.close();
      expect(await err(h.bus.publish(TOPICS.mlDrift, {}))).toMatchObject({ code: 'TRIGGERS_BUS_CLOSED' });
    });
  });
}
