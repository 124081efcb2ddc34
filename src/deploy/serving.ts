import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Service } from 'kubernetes-models/v1';
import { MODEL_NAME_ON_CLUSTER } from './model-ref.js';
import { COMMON_LABELS, componentLabels, NAMES, PORTS, serviceAccountName } from './names.js';
import type { ResolvedRenderOptions } from './options.js';
import { bookmlContainer, podBasics, serverEnv } from './pod.js';

/**
 * Serving: `bookml serve` in the one image, as a KServe InferenceService (Serverless, which canary needs,
 * or RawDeployment) or as a plain Deployment + Service + HPA for clusters without KServe.
 */

/** Annotation carrying the registry version the serving manifest names (what GitOps promotion changes). */
export const MODEL_VERSION_ANNOTATION = 'bookml.io/model-version';

/**
 * `bookml serve` arguments. Serving follows a registry alias (it hot-reloads when the alias moves). During a
 * canary the new revision serves the candidate (`staging`) while KServe keeps the last rolled-out revision,
 * which follows `production`, for the rest of the traffic; the version annotation makes each change a new
 * revision and names the version in Git.
 */
function serveArgs(o: ResolvedRenderOptions): string[] {
  const alias = o.canaryPercent === undefined ? 'production' : 'staging';
  const model = `${MODEL_NAME_ON_CLUSTER}@${alias}`;
  return ['serve', '--model', model, '--host', '0.0.0.0', '--port', String(PORTS.serving)];
}

function servingContainer(o: ResolvedRenderOptions, name: string, portName: string) {
  return bookmlContainer({
    name,
    image: o.image,
    args: serveArgs(o),
    env: serverEnv(o.image, { predictions: true }),
    port: PORTS.serving,
    portName,
    probePath: '/ready',
    resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '1Gi' } },
  });
}

/** The InferenceService: one custom predictor container (`kserve-container`) running `bookml serve`. */
export function inferenceService(o: ResolvedRenderOptions): Record<string, unknown> {
  const serverless = o.serving === 'kserve-serverless';
  const basics = podBasics(serviceAccountName('serving'));
  const annotations: Record<string, string> = {
    // The old mode names: every KServe release since 0.9 reads them (newer ones also say Knative/Standard).
    'serving.kserve.io/deploymentMode': serverless ? 'Serverless' : 'RawDeployment',
    ...(serverless ? { 'serving.kserve.io/enable-tag-routing': 'true' } : {}),
    ...(o.modelVersion === undefined ? {} : { [MODEL_VERSION_ANNOTATION]: String(o.modelVersion) }),
  };
  return {
    apiVersion: 'serving.kserve.io/v1beta1',
    kind: 'InferenceService',
    metadata: {
      name: NAMES.inferenceService,
      namespace: o.namespace,
      labels: { ...COMMON_LABELS, 'app.kubernetes.io/component': 'serving' },
      annotations,
    },
    spec: {
      predictor: {
        minReplicas: 2,
        maxReplicas: 6,
        ...(o.canaryPercent === undefined ? {} : { canaryTrafficPercent: o.canaryPercent }),
        labels: componentLabels('serving'),
        ...basics,
        containers: [servingContainer(o, 'kserve-container', 'http1')],
      },
    },
  };
}

/** Deployment + Service + HorizontalPodAutoscaler, for clusters without KServe. */
export function servingDeployment(
  o: ResolvedRenderOptions,
): (Deployment | Service | HorizontalPodAutoscaler)[] {
  const labels = componentLabels('serving');
  const metadata = { name: NAMES.serving, namespace: o.namespace, labels: { ...COMMON_LABELS, ...labels } };
  return [
    new Deployment({
      metadata: {
        ...metadata,
        ...(o.modelVersion === undefined
          ? {}
          : { annotations: { [MODEL_VERSION_ANNOTATION]: String(o.modelVersion) } }),
      },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
          metadata: { labels },
          spec: {
            ...podBasics(serviceAccountName('serving')),
            containers: [servingContainer(o, 'serve', 'http')],
          },
        },
      },
    }),
    new Service({
      metadata,
      spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
    }),
    new HorizontalPodAutoscaler({
      metadata,
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: NAMES.serving },
        minReplicas: 2,
        maxReplicas: 6,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
          },
        ],
      },
    }),
  ];
}
