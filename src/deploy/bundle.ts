import type { PipelineSpec } from '../pipeline/index.js';
import { argoCdApplication } from './argocd.js';
import { apiServer, configMap, monitorServer } from './control-plane.js';
import { DeployError } from './errors.js';
import { driftEventSource, driftSensor, eventBus, webhookEventSource, webhookSensor } from './events.js';
import { prometheusRule, serviceMonitor } from './monitoring.js';
import { disruptionBudgets, networkPolicies } from './network.js';
import { type RenderOptions, type ResolvedRenderOptions, resolveRenderOptions } from './options.js';
import { artifactRepositories, cronWorkflow, workflowTemplate } from './pipeline.js';
import { namespace, rolesAndBindings, serviceAccounts } from './rbac.js';
import { checkBundleRestricted } from './restricted.js';
import { inferenceService, servingDeployment } from './serving.js';

/** A Kubernetes object as plain JSON. */
export type Manifest = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
};

/** One file of the bundle: its name and the object it holds. */
export interface BundleFile {
  file: string;
  manifest: Manifest;
}

/** What {@link renderBundle} produces. */
export interface Bundle {
  options: ResolvedRenderOptions;
  /** The objects `kustomization.yaml` lists, one file each. */
  resources: BundleFile[];
  /** Applied once by hand into Argo CD's namespace (not part of the kustomization). */
  argoCd: BundleFile;
  kustomization: Record<string, unknown>;
}

/** The serving manifest's file name for each serving mode (what GitOps promotion edits). */
export const SERVING_FILE = 'serving.yaml';

type Typed = { validate?: () => void; toJSON?: () => unknown };

/** A typed model (validated by its schema) or a plain object, as plain JSON. */
function plain(x: object): Manifest {
  const t = x as Typed;
  if (typeof t.validate === 'function') {
    try {
      t.validate();
    } catch (e) {
      const m = x as Manifest;
      throw new DeployError(
        'DEPLOY_INVALID_BUNDLE',
        `${m.kind} ${m.metadata?.name}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }
  const json = typeof t.toJSON === 'function' ? t.toJSON() : x;
  return JSON.parse(JSON.stringify(json)) as Manifest;
}

const fileOf = (m: Manifest): string => `${m.kind.toLowerCase()}-${m.metadata.name}.yaml`;

/**
 * Every object of the cluster form for one Argo version and serving mode: namespace and RBAC, the
 * pipeline (WorkflowTemplate, CronWorkflow, artifact repository), Argo Events, serving, the API and the
 * drift monitor, network policies, disruption budgets, Prometheus objects and configuration. Secrets are
 * referenced, never rendered. Every pod spec passes Pod Security `restricted` or this throws.
 *
 * @example
 * const bundle = renderBundle(getPipeline('recommender').spec, { argoVersion: '3.5' }, '0.1.0');
 */
export function renderBundle(spec: PipelineSpec, options: RenderOptions, packageVersion: string): Bundle {
  const o = resolveRenderOptions(options, packageVersion);
  const serving = o.serving === 'deployment' ? servingDeployment(o).map(plain) : [plain(inferenceService(o))];
  const objects: Manifest[] = [
    plain(namespace(o)),
    ...serviceAccounts(o).map(plain),
    ...rolesAndBindings(o).map(plain),
    plain(configMap(o)),
    plain(artifactRepositories(o)),
    plain(workflowTemplate(spec, o)),
    plain(cronWorkflow(spec, o)),
    plain(eventBus(o)),
    plain(webhookEventSource(o)),
    plain(driftEventSource(o)),
    plain(webhookSensor(o)),
    plain(driftSensor(o)),
    ...apiServer(o).map(plain),
    ...monitorServer(o).map(plain),
    ...networkPolicies(o).map(plain),
    ...disruptionBudgets(o).map(plain),
    plain(serviceMonitor(o)),
    plain(prometheusRule(o)),
  ];
  const resources: BundleFile[] = objects.map((m) => ({ file: fileOf(m), manifest: m }));
  // The serving objects share one file so that a promotion is one file's change.
  const servingFile = serving.map((m) => ({ file: SERVING_FILE, manifest: m }));
  const all = [...resources, ...servingFile];
  const problems = all.flatMap((f) => checkBundleRestricted(f.manifest).map((p) => `${f.file}: ${p}`));
  if (problems.length > 0)
    throw new DeployError(
      'DEPLOY_INVALID_BUNDLE',
      `rendered pods break Pod Security restricted: ${problems.join('; ')}`,
    );
  const files = [...new Set(all.map((f) => f.file))];
  return {
    options: o,
    resources: all,
    argoCd: { file: 'argocd-application.yaml', manifest: plain(argoCdApplication(o)) },
    kustomization: {
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      labels: [
        { pairs: { 'bookml.io/argo-version': o.argoVersion.replace('.', '-') }, includeSelectors: false },
      ],
      resources: files,
    },
  };
}
