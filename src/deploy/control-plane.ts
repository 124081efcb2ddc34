import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { DRIFT_WINDOW_SECONDS } from './events.js';
import { COMMON_LABELS, componentLabels, NAMES, PORTS, SECRETS, serviceAccountName } from './names.js';
import type { ResolvedRenderOptions } from './options.js';
import { bookmlContainer, fromConfig, podBasics, serverEnv } from './pod.js';

/** The ConfigMap every bookml pod reads its non-secret settings from. */
export function configMap(o: ResolvedRenderOptions): ConfigMap {
  return new ConfigMap({
    metadata: { name: NAMES.config, namespace: o.namespace, labels: { ...COMMON_LABELS } },
    data: {
      BOOKML_ARTIFACTS: o.artifacts,
      AWS_ENDPOINT_URL: o.s3Endpoint,
      AWS_REGION: o.s3Region,
      BOOKML_NATS_URL: o.natsUrl,
      BOOKML_LOG_LEVEL: 'info',
      BOOKML_HOME: '/tmp/bookml',
    },
  });
}

function server(
  o: ResolvedRenderOptions,
  c: {
    name: string;
    component: 'api' | 'monitor';
    replicas: number;
    args: string[];
    port: number;
    env?: ReturnType<typeof serverEnv>;
    volumes?: Parameters<typeof podBasics>[1];
    mounts?: { name: string; mountPath: string; readOnly: boolean }[];
  },
): [Deployment, Service] {
  const labels = componentLabels(c.component);
  const metadata = { name: c.name, namespace: o.namespace, labels: { ...COMMON_LABELS, ...labels } };
  return [
    new Deployment({
      metadata,
      spec: {
        replicas: c.replicas,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            ...podBasics(serviceAccountName(c.component), c.volumes),
            containers: [
              bookmlContainer({
                name: c.component,
                image: o.image,
                args: c.args,
                env: c.env ?? serverEnv(o.image),
                port: c.port,
                extraMounts: c.mounts,
              }),
            ],
          },
        },
      },
    }),
    new Service({
      metadata,
      spec: {
        selector: labels,
        ports: [{ name: 'http', port: c.port, targetPort: 'http', protocol: 'TCP' }],
      },
    }),
  ];
}

/** The control-plane API (registry, runs, approvals; what step pods call) and its Service. */
export function apiServer(o: ResolvedRenderOptions): [Deployment, Service] {
  return server(o, {
    name: NAMES.api,
    component: 'api',
    replicas: 2,
    port: PORTS.api,
    args: [
      'api',
      '--host',
      '0.0.0.0',
      '--port',
      String(PORTS.api),
      '--tokens-file',
      '/etc/bookml/tokens/tokens.yaml',
    ],
    volumes: [
      {
        name: 'tokens',
        secret: {
          secretName: SECRETS.apiTokens.name,
          items: [{ key: SECRETS.apiTokens.key, path: 'tokens.yaml' }],
        },
      },
    ],
    mounts: [{ name: 'tokens', mountPath: '/etc/bookml/tokens', readOnly: true }],
  });
}

/**
 * The drift monitor (reads the prediction log from the database, publishes `ml.drift`) and its metrics
 * Service. Its cool-down is the retrain window: Argo Events' trigger `rateLimit` delays excess triggers
 * rather than dropping them (../shared/spec/argo.md §17, "Rate limit semantics"), so "at most one retrain
 * per 6 hours" is enforced before the bus — the monitor publishes at most one event per 6 hours — and
 * again by the drift Sensor's per-window Workflow name (events.ts), which survives a monitor restart.
 */
export function monitorServer(o: ResolvedRenderOptions): [Deployment, Service] {
  return server(o, {
    name: NAMES.monitor,
    component: 'monitor',
    replicas: 1,
    port: PORTS.monitor,
    args: [
      'monitor',
      '--host',
      '0.0.0.0',
      '--port',
      String(PORTS.monitor),
      '--cooldown-ms',
      String(DRIFT_WINDOW_SECONDS * 1000),
    ],
    env: [...serverEnv(o.image, { predictions: true }), fromConfig('BOOKML_NATS_URL')],
  });
}
