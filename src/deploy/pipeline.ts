import { ConfigMap } from 'kubernetes-models/v1';
import {
  type ArgoCronWorkflow,
  type ArgoWorkflowTemplate,
  compileCronWorkflow,
  compileToArgo,
  toArgoDialect,
} from '../pipeline/compile/index.js';
import type { PipelineSpec } from '../pipeline/index.js';
import { COMMON_LABELS, NAMES, PORTS, SECRETS, serviceAccountName } from './names.js';
import type { ResolvedRenderOptions } from './options.js';
import { imageEnv } from './pod.js';

/** The control-plane URL the step pods call (BOOKML_API_URL): the API's Service in the namespace. */
export const apiUrlOf = (o: ResolvedRenderOptions): string =>
  `http://${NAMES.api}.${o.namespace}.svc:${PORTS.api}`;

/**
 * The recommender's WorkflowTemplate in the chosen Argo dialect. Steps use the remote runtime: the API URL
 * and a token from a Secret, never database credentials; artifacts go to the S3 repository named by
 * `artifactRepositoryRef`; every writable path is the `/tmp` emptyDir the compiler mounts.
 */
export function workflowTemplate(spec: PipelineSpec, o: ResolvedRenderOptions): ArgoWorkflowTemplate {
  const wt = compileToArgo(spec, {
    image: o.image,
    name: NAMES.workflowTemplate,
    namespace: o.namespace,
    serviceAccountName: serviceAccountName('pipeline'),
    apiUrl: apiUrlOf(o),
    apiTokenSecret: { ...SECRETS.stepToken },
    artifactRepository: { configMap: NAMES.artifactRepositories, key: NAMES.artifactRepositoryKey },
    resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '2Gi' } },
    labels: { 'bookml.io/argo-version': o.argoVersion.replace('.', '-') },
  });
  return withDialectNote(toArgoDialect(withImageEnv(wt, o.image), o.argoVersion), o);
}

/**
 * Every step container also learns its image (`BOOKML_IMAGE`), so a version it registers records the
 * image and its digest in lineage. Not a compile option: it is no step's input and no cache key part.
 */
function withImageEnv(wt: ArgoWorkflowTemplate, image: string): ArgoWorkflowTemplate {
  for (const t of wt.spec.templates) {
    const c = t.container as { env?: unknown[] } | undefined;
    if (c === undefined) continue;
    c.env = [...(c.env ?? []), imageEnv(image)];
  }
  return wt;
}

/** The nightly CronWorkflow: 02:00 UTC, Replace, a missed run still starts within 10 minutes. */
export function cronWorkflow(spec: PipelineSpec, o: ResolvedRenderOptions): ArgoCronWorkflow {
  const cron = compileCronWorkflow(spec, {
    name: NAMES.cronWorkflow,
    schedule: '0 2 * * *',
    timezone: 'UTC',
    concurrencyPolicy: 'Replace',
    startingDeadlineSeconds: 600,
    namespace: o.namespace,
    templateName: NAMES.workflowTemplate,
  });
  return withDialectNote(toArgoDialect(cron, o.argoVersion), o);
}

/** Records which Argo dialect an object was rendered in (`bookml.io/argo-version`). */
function withDialectNote<T extends { metadata: { labels: Record<string, string> } }>(
  m: T,
  o: ResolvedRenderOptions,
): T {
  m.metadata.labels = { ...m.metadata.labels, 'bookml.io/argo-version': o.argoVersion.replace('.', '-') };
  return m;
}

/** The S3 artifact repository the WorkflowTemplate's `artifactRepositoryRef` names (Argo's ConfigMap form). */
export function artifactRepositories(o: ResolvedRenderOptions): ConfigMap {
  const endpoint = new URL(o.s3Endpoint);
  const repo = {
    archiveLogs: false,
    s3: {
      bucket: o.s3.bucket,
      keyFormat: `${o.s3.prefix === '' ? '' : `${o.s3.prefix}/`}argo/{{workflow.name}}/{{pod.name}}`,
      endpoint: endpoint.host,
      insecure: endpoint.protocol === 'http:',
      region: o.s3Region,
      accessKeySecret: { ...SECRETS.s3AccessKey },
      secretKeySecret: { ...SECRETS.s3SecretKey },
    },
  };
  return new ConfigMap({
    metadata: {
      name: NAMES.artifactRepositories,
      namespace: o.namespace,
      labels: { ...COMMON_LABELS, 'app.kubernetes.io/component': 'pipeline' },
      annotations: { 'workflows.argoproj.io/default-artifact-repository': NAMES.artifactRepositoryKey },
    },
    // Argo reads each key as YAML; JSON is YAML, and needs no serializer here.
    data: { [NAMES.artifactRepositoryKey]: JSON.stringify(repo, null, 2) },
  });
}
