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

/**
 * The image a bookml pod runs, as lineage records it (`BOOKML_IMAGE`): the downward API cannot tell a
 * container its image digest, so the reference `deploy render --image` was given is passed on — pinned
 * (`repo@sha256:…`), it carries the digest.
 */
export const imageEnv = (image: string): EnvVar => ({ name: 'BOOKML_IMAGE', value: image });

/**
 * What a server pod that reaches the metadata database needs (api, serving, monitor; never a step). With
 * `predictions`, the prediction log is the database's table (`BOOKML_PREDICTIONS=database`): serving and
 * the monitor are different pods and share no folder.
 */
export function serverEnv(image: string, options: { predictions?: boolean } = {}): EnvVar[] {
  return [
    fromConfig('BOOKML_HOME'),
    fromConfig('BOOKML_LOG_LEVEL'),
    fromSecret('BOOKML_DATABASE_URL', SECRETS.database),
    ...artifactEnv(),
    imageEnv(image),
    ...(options.predictions ? [{ name: 'BOOKML_PREDICTIONS', value: 'database' }] : []),
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
