import { z } from 'zod';
import { TriggersError } from '../errors.js';

// A dotted path into the event payload: `dataset_uri`, `body.rows`, `features.0.name`.
const FIELD_PATH = /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/;
const TOPIC = /^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*$/;
const SENSOR_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

const path = z.string().max(200).regex(FIELD_PATH, 'must be a dotted path like "dataset_uri" or "body.rows"');
const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const conditionSchema = z
  .object({
    path,
    /** The field equals this value (no type coercion: `"1"` is not `1`). */
    equals: scalar.optional(),
    /** The field equals one of these. */
    in: z.array(scalar).min(1).optional(),
    /** The field is present (`true`) or absent (`false`). */
    exists: z.boolean().optional(),
  })
  .strict()
  .refine(
    (c) => [c.equals !== undefined, c.in !== undefined, c.exists !== undefined].filter(Boolean).length === 1,
    {
      message: 'give exactly one of equals, in, exists',
    },
  );

const parameterSchema = z.union([
  z
    .object({
      /** The event field the parameter takes its value from. */
      from: path,
      /** Used when the field is missing; without it the event is recorded `failed`. */
      default: z.json().optional(),
    })
    .strict(),
  z.object({ /** A literal value. */ value: z.json() }).strict(),
]);

const rateLimitSchema = z
  .object({
    /** At most this many runs… */
    max: z.number().int().min(1).max(10_000),
    /** …in any window of this many seconds… */
    perSeconds: z
      .number()
      .int()
      .min(1)
      .max(366 * 24 * 3600),
    /** …per distinct value of these event fields (e.g. `['model']`). @default one limit for all events */
    key: z.array(path).default([]),
  })
  .strict();

const sensorSchema = z
  .object({
    name: z.string().regex(SENSOR_NAME, 'must be lowercase letters, digits and "-", at most 63 characters'),
    /** What the runs it starts say triggered them. */
    kind: z.enum(['webhook', 'drift', 'manual', 'schedule']).default('webhook'),
    topics: z
      .array(z.string().max(200).regex(TOPIC, 'must be dot-separated lowercase words like "ml.drift"'))
      .min(1),
    pipeline: z.string().min(1).max(128),
    filter: z.array(conditionSchema).default([]),
    parameters: z.record(z.string().min(1).max(128), parameterSchema).default({}),
    /** Extra labels on every run it starts. */
    labels: z.record(z.string().min(1).max(128), z.string().max(256)).default({}),
    rateLimit: rateLimitSchema.nullable().optional(),
    dedupeBy: z.array(path).min(1).optional(),
    dedupeWindowSeconds: z
      .number()
      .int()
      .min(1)
      .max(10 * 366 * 24 * 3600)
      .optional(),
    suppressWhileActive: z.boolean().default(false),
    policy: z.enum(['Allow', 'Forbid', 'Replace']).default('Allow'),
  })
  .strict();

/** A filter condition on one payload field; conditions of a sensor are ANDed. */
export type SensorCondition = z.infer<typeof conditionSchema>;
/** Where a pipeline parameter comes from: an event field (with an optional default) or a literal. */
export type ParameterSource = z.infer<typeof parameterSchema>;
/** At most `max` runs per `perSeconds` seconds per distinct `key` (a sliding window; excess events are dropped). */
export type RateLimit = z.infer<typeof rateLimitSchema>;

/**
 * A rule that turns events into pipeline runs (Argo Events Sensor semantics). Defaults:
 * - `kind` @default 'webhook'; `filter` @default [] (every event of its topics); `parameters` @default {}
 * - `rateLimit` @default none — for `kind: 'drift'`: one run per model per 6 hours
 *   (`{ max: 1, perSeconds: 21600, key: ['model'] }`); `null` turns it off
 * - `dedupeBy` (event fields) / `dedupeWindowSeconds` — an event whose fields equal those of an event
 *   that started a run (within the window; forever without one) is `deduplicated`. An event missing one
 *   of the fields is not deduplicated. With only a window, the mapped parameters are the key.
 * - `suppressWhileActive` @default false — no run while any run of the pipeline is active
 * - `policy` @default 'Allow' — toward a run *this sensor* started that is still active: Forbid drops
 *   the event, Replace stops that run and submits
 */
export interface SensorRule extends Omit<z.infer<typeof sensorSchema>, 'rateLimit'> {
  readonly rateLimit: RateLimit | null;
}

/** A sensor rule as written: `name`, `topics` and `pipeline` are required. */
export type SensorInput = z.input<typeof sensorSchema>;

/** The rate limit a drift sensor gets when it sets none: one retrain per model per 6 hours. */
export const DRIFT_RATE_LIMIT: RateLimit = Object.freeze({ max: 1, perSeconds: 6 * 3600, key: ['model'] });

/**
 * Validates a sensor rule and fills its defaults.
 * @throws TriggersError `TRIGGERS_SENSOR_INVALID` listing every bad key; `field` is the first
 * @example parseSensor({ name: 'retrain', kind: 'drift', topics: ['ml.drift'], pipeline: 'recommender' })
 */
export function parseSensor(input: unknown): SensorRule {
  const result = sensorSchema.safeParse(input ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    const name =
      typeof (input as { name?: unknown })?.name === 'string' ? ` "${(input as { name: string }).name}"` : '';
    throw new TriggersError('TRIGGERS_SENSOR_INVALID', `sensor${name} is invalid — ${problems.join('; ')}`, {
      field: result.error.issues[0]?.path.join('.') || 'sensor',
    });
  }
  const rule = result.data;
  const rateLimit =
    rule.rateLimit === undefined ? (rule.kind === 'drift' ? DRIFT_RATE_LIMIT : null) : rule.rateLimit;
  return { ...rule, rateLimit };
}

/**
 * The sensors `bookml up` installs:
 * - `dataset-ready`: a `dataset.ready` event (the webhook) with a `dataset_uri` trains the recommender
 *   on it (`datasetUri`); the same `dataset_uri` + `dataset_hash` never trains twice (an event without a
 *   hash is not deduplicated).
 * - `drift-retrain`: an `ml.drift` event retrains the recommender, at most once per model per 6 hours,
 *   and not while a run of the recommender pipeline is active.
 */
export const DEFAULT_SENSORS: readonly SensorInput[] = Object.freeze([
  Object.freeze({
    name: 'dataset-ready',
    kind: 'webhook',
    topics: ['dataset.ready'],
    pipeline: 'recommender',
    filter: [{ path: 'dataset_uri', exists: true }],
    parameters: { datasetUri: { from: 'dataset_uri' } },
    dedupeBy: ['dataset_uri', 'dataset_hash'],
  } satisfies SensorInput),
  Object.freeze({
    name: 'drift-retrain',
    kind: 'drift',
    topics: ['ml.drift'],
    pipeline: 'recommender',
    rateLimit: DRIFT_RATE_LIMIT,
    suppressWhileActive: true,
    policy: 'Forbid',
  } satisfies SensorInput),
]);
