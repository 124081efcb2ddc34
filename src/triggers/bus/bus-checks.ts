/**
 * Argument checks and option defaults both bus backends share, so a bad consumer name or option fails
 * the same way on either.
 */
import { TriggersError } from '../errors.js';
import type { BusEvent, SubscribeOptions } from './event-bus.js';
import { requireTopic } from './topics.js';

// Letters, digits, `_`, `-`, `:` — what a JetStream durable name accepts (no `.`, `*`, `>`, spaces).
const CONSUMER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_:-]{0,99}$/;

/** Checks a consumer name and returns it. */
export function requireConsumer(consumer: unknown): string {
  if (typeof consumer !== 'string' || !CONSUMER_PATTERN.test(consumer)) {
    throw new TriggersError(
      'TRIGGERS_CONSUMER_INVALID',
      'consumer must be 1–100 letters, digits, _, - or :, starting with a letter or digit (like "sensor:retrain")',
      { field: 'consumer' },
    );
  }
  return consumer;
}

/** Checks a non-empty list of topics; returns it without repeats. */
export function requireTopics(topics: unknown): string[] {
  if (!Array.isArray(topics) || topics.length === 0) {
    throw new TriggersError('TRIGGERS_TOPIC_INVALID', 'topics must be a non-empty list of topics', {
      field: 'topics',
    });
  }
  return [...new Set(topics.map((t, i) => requireTopic(t, `topics[${i}]`)))];
}

/** Checks an optional dedupe key (1–256 characters). */
export function requireDedupeKey(key: unknown): string | undefined {
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || key.length === 0 || key.length > 256) {
    throw new TriggersError('TRIGGERS_CONFIG_INVALID', 'dedupeKey must be a string of 1–256 characters', {
      field: 'dedupeKey',
    });
  }
  return key;
}

/** The payload as JSON text; both backends store exactly this. */
export function encodePayload(payload: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(payload);
  } catch (cause) {
    throw new TriggersError(
      'TRIGGERS_PAYLOAD_INVALID',
      'payload cannot be encoded as JSON (a cycle or a BigInt)',
      {
        field: 'payload',
        cause,
      },
    );
  }
  if (text === undefined) {
    throw new TriggersError(
      'TRIGGERS_PAYLOAD_INVALID',
      'payload must be a JSON value (not undefined or a function)',
      {
        field: 'payload',
      },
    );
  }
  return text;
}

/** Checks a duration or count option: a whole number ≥ `min`, or the default when absent. */
export function intOption(value: unknown, fallback: number, field: string, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new TriggersError(
      'TRIGGERS_CONFIG_INVALID',
      `${field} must be a whole number ≥ ${min} (got ${value})`,
      {
        field,
      },
    );
  }
  return value;
}

/** {@link SubscribeOptions} with defaults filled in. */
export interface ResolvedSubscribeOptions {
  startAt: 'earliest' | 'latest';
  maxDeliveries: number;
  onError: (error: unknown, event: BusEvent | undefined) => void;
}

/** Checks subscribe options and fills in defaults. */
export function resolveSubscribeOptions(options: SubscribeOptions = {}): ResolvedSubscribeOptions {
  const startAt = options.startAt ?? 'earliest';
  if (startAt !== 'earliest' && startAt !== 'latest') {
    throw new TriggersError('TRIGGERS_CONFIG_INVALID', 'startAt must be "earliest" or "latest"', {
      field: 'startAt',
    });
  }
  const onError = options.onError ?? (() => {});
  if (typeof onError !== 'function') {
    throw new TriggersError('TRIGGERS_CONFIG_INVALID', 'onError must be a function', { field: 'onError' });
  }
  return {
    startAt,
    maxDeliveries: intOption(options.maxDeliveries, Number.POSITIVE_INFINITY, 'maxDeliveries', 1),
    onError: (error, event) => {
      // A reporting hook that throws must not take the delivery loop down with it.
      try {
        onError(error, event);
      } catch {}
    },
  };
}

/** Backoff before delivery `attempt + 1`: doubling from `baseMs`, capped at `maxMs`. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
}

/** The error a consumer reports when it gives up on an event. */
export function gaveUp(consumer: string, event: BusEvent, cause: unknown): TriggersError {
  return new TriggersError(
    'TRIGGERS_EVENT_GAVE_UP',
    `consumer ${consumer} gave up on event ${event.id} (${event.topic}) after ${event.deliveryCount} deliveries`,
    { cause },
  );
}

/** Consumers with an open subscription on one bus instance (one delivery loop per consumer). */
export class OpenConsumers {
  readonly #open = new Set<string>();

  claim(consumer: string): void {
    if (this.#open.has(consumer)) {
      throw new TriggersError(
        'TRIGGERS_CONSUMER_BUSY',
        `consumer ${consumer} is already subscribed on this bus; close that subscription first`,
        { field: 'consumer' },
      );
    }
    this.#open.add(consumer);
  }

  release(consumer: string): void {
    this.#open.delete(consumer);
  }
}
