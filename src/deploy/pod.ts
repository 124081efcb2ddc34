import type { IContainer, IPodSpec } from 'kubernetes-models/v1';
import {
  containerSecurityContext,
  podSecurityContext,
  tmpVolume,
  tmpVolumeMount,
} from '../pipeline/compile/index.js';
import { NAMES, SECRETS } from './names.js';

/**
 * The pieces every bookml pod shares, so that all of them pass Pod Security `restricted` the same way the
 * pipeline's do: the compiler's pod and container security contexts (UID 65532, seccomp RuntimeDefault, no
 * privilege escalation, drop ALL, read-only root), and a `/tmp` emptyDir as the only writable path.
 */

type EnvVar = {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string };
    configMapKeyRef?: { name: string; key: string };
    fieldRef?: { fieldPath: string };
  };
};

/** An environment variable read from the bookml ConfigMap. */
export const fromConfig = (key: string): EnvVar => ({
  name: key,
  valueFrom: { configMapKeyRef: { name: NAMES.config, key } },
});

/** An environment variable read from a Secret. */
export const fromSecret = (name: string, ref: { name: string; key: string }): EnvVar => ({
  name,
  valueFrom: { secretKeyRef: { ...ref } },
});

/** What a pod that reads the artifact store needs: the store URI, the endpoint and the S3 keys. */
export function artifactEnv(): EnvVar[] {
  return [
    fromConfig('BOOKML_ARTIFACTS'),
    fromConfig('AWS_ENDPOINT_URL'),
    fromConfig('AWS_REGION'),
    fromSecret('AWS_ACCESS_KEY_ID', SECRETS.s3AccessKey),
    fromSecret('AWS_SECRET_ACCESS_KEY', SECRETS.s3SecretKey),
  ];
}

/** What a server pod that reaches the metadata database needs (api, serving, monitor; never a step). */
export function serverEnv(): EnvVar[] {
  return [
    fromConfig('BOOKML_HOME'),
    fromConfig('BOOKML_LOG_LEVEL'),
    fromSecret('BOOKML_DATABASE_URL', SECRETS.database),
    ...artifactEnv(),
    // Lineage names the image the pod runs when the kubelet knows it.
    { name: 'BOOKML_POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  ];
}

/** A bookml container: the image, `bookml <args>`, restricted security context, `/tmp` mounted. */
export function bookmlContainer(c: {
  name: string;
  image: string;
  args: string[];
  env: EnvVar[];
  port: number;
  portName?: string;
  /** HTTP path of the readiness and liveness probes; without it the probes open the port. */
  probePath?: string;
  extraMounts?: { name: string; mountPath: string; readOnly: boolean }[];
  resources?: { requests: Record<string, string>; limits: Record<string, string> };
}): IContainer {
  return {
    name: c.name,
    image: c.image,
    imagePullPolicy: 'IfNotPresent',
    command: ['bookml'],
    args: c.args,
    env: c.env,
    ports: [{ name: c.portName ?? 'http', containerPort: c.port, protocol: 'TCP' }],
    readinessProbe: { ...probe(c.port, c.probePath), periodSeconds: 5 },
    livenessProbe: { ...probe(c.port, c.probePath), periodSeconds: 20, failureThreshold: 6 },
    resources: c.resources ?? {
      requests: { cpu: '250m', memory: '256Mi' },
      limits: { memory: '1Gi' },
    },
    volumeMounts: [tmpVolumeMount(), ...(c.extraMounts ?? [])],
    securityContext: containerSecurityContext(),
  };
}

const probe = (port: number, path: string | undefined) =>
  path === undefined ? { tcpSocket: { port } } : { httpGet: { path, port } };

/** The pod-level parts: ServiceAccount, token automount, security context, the `/tmp` emptyDir. */
export function podBasics(
  serviceAccountName: string,
  extraVolumes: NonNullable<IPodSpec['volumes']> = [],
): Omit<IPodSpec, 'containers'> {
  return {
    serviceAccountName,
    automountServiceAccountToken: false,
    securityContext: podSecurityContext(),
    volumes: [tmpVolume(), ...extraVolumes],
  };
}
