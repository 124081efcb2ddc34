import { containerSecurityContext, podSecurityContext } from '../pipeline/compile/index.js';
import { COMMON_LABELS, NAMES, PORTS, SECRETS, serviceAccountName } from './names.js';
import type { ResolvedRenderOptions } from './options.js';

/**
 * Argo Events: the JetStream EventBus, the dataset-ready webhook and the drift EventSource, and the two
 * Sensors that submit the recommender WorkflowTemplate. Argo Events has no typed models on npm, so these
 * are plain objects, validated in tests against the official Events schema (closed mode).
 */

type Obj = Record<string, unknown>;
const ARGO_API = 'argoproj.io/v1alpha1';

/** The webhook body field the dataset-ready Sensor reads, and the pipeline parameter it fills. */
export const DATASET_FIELD = 'dataset_uri';
/** The WorkflowTemplate parameter the sensors set (the recommender's `datasetUri`). */
export const DATASET_PARAM = 'dataset-uri';
/** The subject the drift monitor publishes drift events on. */
export const DRIFT_SUBJECT = 'ml.drift';
/** Drift retrains are at most one per this many seconds (6 hours). */
export const DRIFT_WINDOW_SECONDS = 6 * 3600;

const meta = (name: string, o: ResolvedRenderOptions, component: string) => ({
  name,
  namespace: o.namespace,
  labels: { ...COMMON_LABELS, 'app.kubernetes.io/component': component },
});

/** The pod template of an EventSource or Sensor: restricted, read-only root, its own ServiceAccount. */
const eventsPod = (sa: string) => ({
  serviceAccountName: sa,
  securityContext: podSecurityContext(),
  container: {
    securityContext: containerSecurityContext(),
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
  },
});

/** The EventBus both EventSources publish to: JetStream, three replicas, restricted pods. */
export function eventBus(o: ResolvedRenderOptions): Obj {
  return {
    apiVersion: ARGO_API,
    kind: 'EventBus',
    metadata: meta(NAMES.eventBus, o, 'events'),
    spec: {
      jetstream: {
        version: '2.10.10',
        replicas: 3,
        persistence: { accessMode: 'ReadWriteOnce', volumeSize: '10Gi' },
        streamConfig: 'maxAge: 72h\nreplicas: 3\n',
        securityContext: { ...podSecurityContext() },
        containerTemplate: { securityContext: containerSecurityContext() },
        reloaderContainerTemplate: { securityContext: containerSecurityContext() },
        metricsContainerTemplate: { securityContext: containerSecurityContext() },
      },
    },
  };
}

/** The dataset-ready webhook: POST on port 12000 at `/recommender-dataset-ready`, bearer token from a Secret. */
export function webhookEventSource(o: ResolvedRenderOptions): Obj {
  return {
    apiVersion: ARGO_API,
    kind: 'EventSource',
    metadata: meta(NAMES.webhookEventSource, o, 'events'),
    spec: {
      eventBusName: NAMES.eventBus,
      template: eventsPod(serviceAccountName('events')),
      service: { ports: [{ port: PORTS.webhook, targetPort: PORTS.webhook }] },
      webhook: {
        'dataset-ready': {
          port: String(PORTS.webhook),
          endpoint: '/recommender-dataset-ready',
          method: 'POST',
          url: `http://${NAMES.webhookEventSource}-eventsource-svc.${o.namespace}.svc:${PORTS.webhook}`,
          maxPayloadSize: 65536,
          authSecret: { ...SECRETS.webhookToken },
        },
      },
    },
  };
}

/** Drift events: the `ml.drift` subject the drift monitor publishes on bookml's NATS. */
export function driftEventSource(o: ResolvedRenderOptions): Obj {
  return {
    apiVersion: ARGO_API,
    kind: 'EventSource',
    metadata: meta(NAMES.driftEventSource, o, 'events'),
    spec: {
      eventBusName: NAMES.eventBus,
      template: eventsPod(serviceAccountName('events')),
      nats: { drift: { url: o.natsUrl, subject: DRIFT_SUBJECT, jsonBody: true } },
    },
  };
}

/** A Workflow of the recommender template, as a Sensor trigger creates it. */
function workflowFor(o: ResolvedRenderOptions, trigger: string, nameField: Obj): Obj {
  return {
    apiVersion: ARGO_API,
    kind: 'Workflow',
    metadata: { ...nameField, namespace: o.namespace, labels: { 'bookml.io/trigger': trigger } },
    spec: {
      workflowTemplateRef: { name: NAMES.workflowTemplate },
      arguments: { parameters: [{ name: DATASET_PARAM, value: 'current' }] },
    },
  };
}

const retry = { steps: 3, duration: '5s', factor: 2, jitter: 0.2 };

/**
 * Dataset ready → one run on that dataset: the body must name a dataset URI the pipeline accepts and a
 * positive row count; `dataset_uri` becomes the `dataset-uri` parameter; at most 4 runs an hour.
 */
export function webhookSensor(o: ResolvedRenderOptions): Obj {
  return {
    apiVersion: ARGO_API,
    kind: 'Sensor',
    metadata: meta(NAMES.webhookSensor, o, 'sensor'),
    spec: {
      eventBusName: NAMES.eventBus,
      template: eventsPod(serviceAccountName('sensor')),
      dependencies: [
        {
          name: 'dataset-ready',
          eventSourceName: NAMES.webhookEventSource,
          eventName: 'dataset-ready',
          filters: {
            dataLogicalOperator: 'and',
            data: [
              { path: `body.${DATASET_FIELD}`, type: 'string', value: ['^(s3|pvc|file)://.+'] },
              { path: 'body.rows', type: 'number', comparator: '>', value: ['0'] },
            ],
          },
        },
      ],
      triggers: [
        {
          template: {
            name: 'submit-recommender-pipeline',
            k8s: {
              operation: 'create',
              source: { resource: workflowFor(o, 'webhook', { generateName: `${NAMES.workflowTemplate}-` }) },
              parameters: [
                {
                  src: { dependencyName: 'dataset-ready', dataKey: `body.${DATASET_FIELD}` },
                  dest: 'spec.arguments.parameters.0.value',
                },
              ],
            },
          },
          rateLimit: { unit: 'Hour', requestsPerUnit: 4 },
          retryStrategy: retry,
          atLeastOnce: true,
        },
      ],
    },
  };
}

/**
 * Drift → a retrain on the current dataset, at most one per 6 hours. Argo Events has no native "drop
 * within N hours": a trigger's `rateLimit` (unit Second|Minute|Hour) delays excess triggers instead of
 * dropping them (../shared/spec/argo.md §17), and filters see one event, never the last trigger. So:
 * - the monitor publishes at most one drift event per 6 hours (its cool-down, control-plane.ts);
 * - the Workflow's name is the UTC 6-hour window of the event's time — a `contextTemplate` over the
 *   CloudEvent context (Go template + sprig: `toDate` parses the RFC 3339 `time`, `unixEpoch` gives
 *   seconds, `div` the window number; argoproj/argo-events pkg/sensors/triggers/params.go), so a second
 *   event in the same window is refused by the API server (AlreadyExists) even after a monitor restart;
 * - the trigger's rate limit spaces what is left to one an hour.
 * test/deploy-sensors.test.ts evaluates the rendered template for events 1 h and 7 h apart.
 */
export function driftSensor(o: ResolvedRenderOptions): Obj {
  const window = `{{ div (unixEpoch (toDate "2006-01-02T15:04:05Z07:00" .Input.time)) ${DRIFT_WINDOW_SECONDS} }}`;
  return {
    apiVersion: ARGO_API,
    kind: 'Sensor',
    metadata: meta(NAMES.driftSensor, o, 'sensor'),
    spec: {
      eventBusName: NAMES.eventBus,
      template: eventsPod(serviceAccountName('sensor')),
      dependencies: [{ name: 'drift', eventSourceName: NAMES.driftEventSource, eventName: 'drift' }],
      triggers: [
        {
          template: {
            name: 'retrain-on-drift',
            k8s: {
              operation: 'create',
              source: { resource: workflowFor(o, 'drift', { name: `${NAMES.workflowTemplate}-drift` }) },
              parameters: [
                {
                  src: {
                    dependencyName: 'drift',
                    contextTemplate: `${NAMES.workflowTemplate}-drift-${window}`,
                  },
                  dest: 'metadata.name',
                },
              ],
            },
          },
          rateLimit: { unit: 'Hour', requestsPerUnit: 1 },
          retryStrategy: { steps: 1 },
        },
      ],
    },
  };
}
