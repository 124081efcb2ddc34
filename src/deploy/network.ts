import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { COMMON_LABELS, componentLabels, NAMES, PORTS } from './names.js';
import type { ResolvedRenderOptions } from './options.js';

/**
 * Deny by default, then allow the flows that exist: step pods → API; API, serving and monitor →
 * PostgreSQL and S3; monitor → NATS; webhook callers → EventSource; EventSources and Sensors ↔ EventBus;
 * Argo executor and Sensors → Kubernetes API; serving traffic in; Prometheus scrapes; DNS for all.
 */

type Peer = Record<string, unknown>;
type Port = { port: number; protocol: 'TCP' | 'UDP' };
const tcp = (...ports: number[]): Port[] => ports.map((port) => ({ port, protocol: 'TCP' }));

const PIPELINE_PODS = { podSelector: { matchLabels: { 'bookml.io/pipeline': 'recommender' } } };
const podsOf = (component: string): Peer => ({ podSelector: { matchLabels: componentLabels(component) } });
const EVENT_PODS: Peer[] = [
  { podSelector: { matchLabels: { 'owner-name': NAMES.webhookEventSource } } },
  { podSelector: { matchLabels: { 'owner-name': NAMES.driftEventSource } } },
  { podSelector: { matchLabels: { 'owner-name': NAMES.webhookSensor } } },
  { podSelector: { matchLabels: { 'owner-name': NAMES.driftSensor } } },
];
const EVENTBUS_PODS: Peer = { podSelector: { matchLabels: { 'eventbus-name': NAMES.eventBus } } };
const MONITORING_NS: Peer = {
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
};
/** Destinations outside the namespace whose addresses the bundle cannot know (database, S3, API server). */
const ANYWHERE: Peer = { ipBlock: { cidr: '0.0.0.0/0' } };
const POSTGRES = 5432;
const S3_PORTS = [443, 9000];
const KUBE_API = [443, 6443];
const JETSTREAM = [4222, 6222, 8222];

function policy(
  o: ResolvedRenderOptions,
  name: string,
  podSelector: Record<string, unknown>,
  rules: { ingress?: { from?: Peer[]; ports?: Port[] }[]; egress?: { to?: Peer[]; ports?: Port[] }[] },
): NetworkPolicy {
  const types: ('Ingress' | 'Egress')[] = [
    ...(rules.ingress ? (['Ingress'] as const) : []),
    ...(rules.egress ? (['Egress'] as const) : []),
  ];
  return new NetworkPolicy({
    metadata: { name, namespace: o.namespace, labels: { ...COMMON_LABELS } },
    spec: { podSelector, policyTypes: types, ...rules },
  });
}

/** API, serving and monitor reach the metadata database and S3. */
const SERVER_EGRESS = { egress: [{ to: [ANYWHERE], ports: tcp(POSTGRES, ...S3_PORTS) }] };

/** The NetworkPolicies of the namespace. */
export function networkPolicies(o: ResolvedRenderOptions): NetworkPolicy[] {
  return [
    policy(o, 'bookml-default-deny', {}, { ingress: [], egress: [] }),
    policy(
      o,
      'bookml-allow-dns',
      {},
      {
        egress: [
          {
            to: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
            ports: [
              { port: 53, protocol: 'UDP' },
              { port: 53, protocol: 'TCP' },
            ],
          },
        ],
      },
    ),
    policy(o, 'bookml-pipeline', PIPELINE_PODS.podSelector, {
      egress: [
        { to: [podsOf('api')], ports: tcp(PORTS.api) },
        { to: [ANYWHERE], ports: tcp(...S3_PORTS, ...KUBE_API) },
      ],
    }),
    policy(o, 'bookml-api', podsOf('api').podSelector as Peer, {
      ingress: [{ from: [PIPELINE_PODS, MONITORING_NS], ports: tcp(PORTS.api) }],
      ...SERVER_EGRESS,
    }),
    policy(o, 'bookml-serving', podsOf('serving').podSelector as Peer, {
      // Inference traffic comes from wherever the Bookstore's shop runs (and Knative's activator).
      ingress: [{ ports: tcp(PORTS.serving) }],
      ...SERVER_EGRESS,
    }),
    policy(o, 'bookml-monitor', podsOf('monitor').podSelector as Peer, {
      ingress: [{ from: [MONITORING_NS], ports: tcp(PORTS.monitor) }],
      egress: [{ to: [ANYWHERE], ports: tcp(POSTGRES, ...S3_PORTS, 4222) }],
    }),
    policy(
      o,
      'bookml-webhook',
      { matchLabels: { 'owner-name': NAMES.webhookEventSource } },
      {
        ingress: [{ ports: tcp(PORTS.webhook) }],
      },
    ),
    policy(
      o,
      'bookml-events-to-bus',
      { matchExpressions: [ownerIn()] },
      {
        egress: [
          { to: [EVENTBUS_PODS], ports: tcp(...JETSTREAM) },
          { to: [ANYWHERE], ports: tcp(4222, ...KUBE_API) },
        ],
      },
    ),
    policy(o, 'bookml-eventbus', EVENTBUS_PODS.podSelector as Peer, {
      ingress: [{ from: [...EVENT_PODS, EVENTBUS_PODS, MONITORING_NS], ports: tcp(...JETSTREAM) }],
      egress: [{ to: [EVENTBUS_PODS], ports: tcp(...JETSTREAM) }],
    }),
  ];
}

function ownerIn() {
  return {
    key: 'owner-name',
    operator: 'In',
    values: [NAMES.webhookEventSource, NAMES.driftEventSource, NAMES.webhookSensor, NAMES.driftSensor],
  };
}

/** PodDisruptionBudgets of the replicated servers: a drain never takes the last API or serving pod. */
export function disruptionBudgets(o: ResolvedRenderOptions): PodDisruptionBudget[] {
  const serving =
    o.serving === 'deployment'
      ? componentLabels('serving')
      : { 'serving.kserve.io/inferenceservice': NAMES.inferenceService };
  return [
    ['bookml-api', componentLabels('api')],
    ['bookml-serving', serving],
  ].map(
    ([name, matchLabels]) =>
      new PodDisruptionBudget({
        metadata: { name: name as string, namespace: o.namespace, labels: { ...COMMON_LABELS } },
        spec: { minAvailable: 1, selector: { matchLabels: matchLabels as Record<string, string> } },
      }),
  );
}
