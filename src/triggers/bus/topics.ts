import { TriggersError } from '../errors.js';

/**
 * The topics the loop speaks on. A topic is dot-separated lowercase words; on NATS it becomes the
 * subject `<prefix>.<topic>` (`bookml.dataset.ready`).
 *
 * @example bus.publish(TOPICS.datasetReady, { dataset_uri: 'file:///data/orders.csv', path: '/data/orders.csv' });
 */
export const TOPICS = Object.freeze({
  /** A new dataset export is ready to ingest (the webhook's `/recommender-dataset-ready`). */
  datasetReady: 'dataset.ready',
  /** The drift monitor found the serving traffic drifted. */
  mlDrift: 'ml.drift',
  /** A pipeline run reached a terminal phase. */
  runFinished: 'run.finished',
  /** An alias (staging, production) moved to a version. */
  modelPromoted: 'model.promoted',
  /** A model version was registered. */
  modelRegistered: 'model.registered',
} as const);

/** One of the named {@link TOPICS}. */
export type Topic = (typeof TOPICS)[keyof typeof TOPICS];

/** Topics of the general webhook `POST /events/:source` start with this. */
export const SOURCE_TOPIC_PREFIX = 'events.';

const WORD = '[a-z0-9][a-z0-9_-]*';
const TOPIC_PATTERN = new RegExp(`^${WORD}(\\.${WORD})*$`);
const SOURCE_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const MAX_TOPIC_LENGTH = 200;

/**
 * Checks a topic and returns it.
 * @throws TriggersError `TRIGGERS_TOPIC_INVALID` (field `topic`) for anything but dot-separated
 * lowercase words of letters, digits, `_` and `-` (no NATS wildcards `*`/`>`, no spaces).
 */
export function requireTopic(topic: unknown, field = 'topic'): string {
  if (typeof topic !== 'string' || topic.length > MAX_TOPIC_LENGTH || !TOPIC_PATTERN.test(topic)) {
    throw new TriggersError(
      'TRIGGERS_TOPIC_INVALID',
      `${field} must be dot-separated lowercase words (letters, digits, _ and -), at most ${MAX_TOPIC_LENGTH} characters, like "dataset.ready"; got ${JSON.stringify(String(topic).slice(0, 80))}`,
      { field },
    );
  }
  return topic;
}

/** True when `source` can name a webhook source (`POST /events/:source`). */
export function isValidSource(source: string): boolean {
  return SOURCE_PATTERN.test(source);
}

/**
 * The topic the general webhook publishes a source's events on: `events.<source>`.
 * @throws TriggersError `TRIGGERS_BAD_REQUEST` (field `source`) when the source is not 1–64 lowercase
 * letters, digits, `_` or `-`, starting with a letter or digit.
 * @example sourceTopic('bookstore') // 'events.bookstore'
 */
export function sourceTopic(source: string): string {
  if (!isValidSource(source)) {
    throw new TriggersError(
      'TRIGGERS_BAD_REQUEST',
      'source must be 1–64 lowercase letters, digits, _ or -, starting with a letter or digit',
      { field: 'source' },
    );
  }
  return `${SOURCE_TOPIC_PREFIX}${source}`;
}
