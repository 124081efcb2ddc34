/**
 * What the triggers need from the rest of bookml, as ports the composition root implements: a way to
 * start, list and stop pipeline runs ({@link RunLauncher}) and a stream of events to react to
 * ({@link TriggerEventSource}). The scheduler and the sensors know nothing else about the executor or
 * the bus, so the same code drives local runs (the executor) and cluster runs (Argo), the table bus
 * and NATS.
 */

/** What made a run: a cron tick, a webhook, a drift event, or a person. */
export type TriggerKind = 'schedule' | 'webhook' | 'drift' | 'manual';

/** Every {@link TriggerKind}, for validation and help texts. */
export const TRIGGER_KINDS: readonly TriggerKind[] = Object.freeze([
  'schedule',
  'webhook',
  'drift',
  'manual',
]);

/**
 * The labels the triggers put on every run they submit (Argo workflow labels locally and on a
 * cluster). They are how a trigger finds its own runs again: `active({ labels: { 'bookml.io/schedule':
 * 'recommender-nightly' } })`, and how `bookml run get` shows what started a run.
 */
export const TRIGGER_LABELS = Object.freeze({
  /** The {@link TriggerKind}. */
  kind: 'bookml.io/trigger',
  /** The schedule whose tick (or `run now`) submitted the run. */
  schedule: 'bookml.io/schedule',
  /** The sensor whose rule submitted the run. */
  sensor: 'bookml.io/sensor',
  /** The id of the event a sensor reacted to. */
  eventId: 'bookml.io/event-id',
  /** The cron time (ISO 8601, UTC) a scheduled run stands for. */
  scheduledAt: 'bookml.io/scheduled-at',
});

/** Who and what asked for a run; stored with it so `bookml run get` can say why it exists. */
export interface TriggerRef {
  readonly kind: TriggerKind;
  /** The schedule or sensor name. */
  readonly name: string;
  /** The event a sensor reacted to. */
  readonly eventId?: string;
  /** One human line: which tick, which event, what was replaced. */
  readonly reason: string;
}

/** A run a trigger asks for. */
export interface RunRequest {
  readonly pipeline: string;
  /** Parameter values (typed, or text the pipeline parses). Missing ones take the pipeline's defaults. */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** Labels for the run; already include the {@link TRIGGER_LABELS} of `trigger`. */
  readonly labels: Readonly<Record<string, string>>;
  readonly trigger: TriggerRef;
  /**
   * The same key always means the same run: a second submit with it must return the first run's id and
   * create nothing (a tick or event replayed after a crash). Locally: the runs table's idempotency key.
   */
  readonly idempotencyKey: string;
}

/** Which runs {@link RunLauncher.active} returns. */
export interface ActiveRunQuery {
  readonly pipeline: string;
  /** Only runs carrying every one of these labels. @default every run of the pipeline */
  readonly labels?: Readonly<Record<string, string>>;
}

/** How a run ended, as far as history limits care. `unknown`: the launcher no longer knows the run. */
export type RunOutcome = 'active' | 'succeeded' | 'failed' | 'unknown';

/**
 * Starts, finds and stops pipeline runs for the triggers. The composition root implements it: locally
 * over the executor's `submitRun`/`requestShutdown` (recording the trigger on the run's labels), on a
 * cluster over Argo.
 *
 * @example
 * const launcher: RunLauncher = {
 *   submit: async (r) => ({ runId: (await submitRun(db, catalog, { pipeline: r.pipeline, params: r.parameters, labels: r.labels, idempotencyKey: r.idempotencyKey })).id }),
 *   active: async (q) => …, stop: async (id, reason) => …, outcomes: async (ids) => …,
 * };
 */
export interface RunLauncher {
  /**
   * Creates a Pending run, or returns the run already made with `request.idempotencyKey`.
   * Throws a retryable error when it may succeed later (database busy); any other error is final for
   * this request and is recorded as the trigger's decision.
   */
  submit(request: RunRequest): Promise<{ runId: string }>;
  /** Ids of the runs of `query.pipeline` (with its labels) that are Pending or Running. */
  active(query: ActiveRunQuery): Promise<string[]>;
  /** Asks a run to stop. Resolves once asked; a run that already ended is not an error. */
  stop(runId: string, reason: string): Promise<void>;
  /** How each run stands; ids the launcher does not know map to `unknown`. */
  outcomes(runIds: readonly string[]): Promise<Record<string, RunOutcome>>;
  /**
   * Deletes a finished run that a schedule's history limit dropped (Argo deletes the Workflow). Optional:
   * without it only the schedule's record of the run is dropped; the run stays.
   */
  prune?(runId: string): Promise<void>;
}

/**
 * One event as a sensor sees it; `id` is unique per event and stable across redeliveries. Sensors judge
 * rate limits and dedupe windows by their own clock when they handle the event, so the publish time is
 * only shown; it may come as `createdAt` (the event table) or `publishedAt` (the bus's `BusEvent`).
 */
export interface TriggerEvent {
  readonly id: string | number;
  readonly topic: string;
  readonly payload: unknown;
  /** When the event was published, epoch ms. */
  readonly createdAt?: number;
  /** Same as `createdAt`, under the bus's name. */
  readonly publishedAt?: number;
}

/**
 * Handles one event. Resolving acknowledges it; rejecting leaves it unacknowledged, so the source
 * delivers it again (at-least-once).
 */
export type TriggerEventHandler = (event: TriggerEvent) => Promise<void>;

/** A live subscription; `close()` stops deliveries to its handler. */
export interface EventSubscription {
  close(): Promise<void> | void;
}

/**
 * Where sensors get events: either event bus backend (the durable table or NATS JetStream) fits.
 * Each consumer name keeps its own position; an event delivered again carries the same id.
 */
export interface TriggerEventSource {
  subscribe(
    consumer: string,
    topics: readonly string[],
    handler: TriggerEventHandler,
  ): Promise<EventSubscription> | EventSubscription;
}

/**
 * The labels a run gets from its trigger: kind, plus the schedule or sensor, the event id and the
 * cron time when there are.
 * @example triggerLabels({ kind: 'drift', name: 'drift-retrain', eventId: '42', reason: '…' }, 'sensor')
 */
export function triggerLabels(
  trigger: TriggerRef,
  source: 'schedule' | 'sensor',
  scheduledAt?: number,
): Record<string, string> {
  const labels: Record<string, string> = {
    [TRIGGER_LABELS.kind]: trigger.kind,
    [source === 'schedule' ? TRIGGER_LABELS.schedule : TRIGGER_LABELS.sensor]: trigger.name,
  };
  if (trigger.eventId !== undefined) labels[TRIGGER_LABELS.eventId] = trigger.eventId;
  if (scheduledAt !== undefined) labels[TRIGGER_LABELS.scheduledAt] = new Date(scheduledAt).toISOString();
  return labels;
}
