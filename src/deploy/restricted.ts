import { checkRestricted, TMP_DIR } from '../pipeline/compile/index.js';

/**
 * bookml's own Pod Security `restricted` check over every pod spec a bundle object can produce
 * (Deployments, the predictor, EventSource/Sensor/EventBus pods, Argo workflows with the executor's
 * init/wait containers through `checkRestricted`), plus bookml's read-only-root rule for its own
 * containers: read-only root filesystem with an emptyDir at `/tmp`.
 */

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const ALLOWED_VOLUMES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

function checkPodLevel(sc: Obj, where: string, out: string[]): void {
  if (sc.runAsNonRoot !== true) out.push(`${where}.securityContext.runAsNonRoot must be true`);
  if (sc.runAsUser === 0) out.push(`${where}.securityContext.runAsUser must not be 0`);
  const seccomp = obj(sc.seccompProfile).type;
  if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
    out.push(`${where}.securityContext.seccompProfile.type must be RuntimeDefault or Localhost`);
}

function checkContainerSc(sc: Obj, where: string, out: string[]): void {
  if (sc.allowPrivilegeEscalation !== false) out.push(`${where}.allowPrivilegeEscalation must be false`);
  if (sc.privileged === true) out.push(`${where}.privileged must not be true`);
  if (sc.runAsNonRoot === false) out.push(`${where}.runAsNonRoot must not be false`);
  if (sc.runAsUser === 0) out.push(`${where}.runAsUser must not be 0`);
  const caps = obj(sc.capabilities);
  if (!list(caps.drop).includes('ALL')) out.push(`${where}.capabilities.drop must include ALL`);
  for (const a of list(caps.add))
    if (a !== 'NET_BIND_SERVICE') out.push(`${where}.capabilities.add ${String(a)}`);
  const seccomp = obj(sc.seccompProfile).type;
  if (seccomp === 'Unconfined') out.push(`${where}.seccompProfile must not be Unconfined`);
}

/** A core pod spec whose containers are all bookml's: restricted + read-only root + `/tmp` emptyDir. */
function checkBookmlPod(pod: Obj, where: string, out: string[]): void {
  checkPodLevel(obj(pod.securityContext), where, out);
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC'])
    if (pod[f] === true) out.push(`${where}.${f} must not be true`);
  const emptyDirs = new Set<string>();
  for (const v of list(pod.volumes).map(obj)) {
    for (const t of Object.keys(v).filter((k) => k !== 'name')) {
      if (!ALLOWED_VOLUMES.has(t)) out.push(`${where}.volumes[${String(v.name)}] uses ${t}`);
      if (t === 'emptyDir') emptyDirs.add(String(v.name));
    }
  }
  for (const key of ['initContainers', 'containers'] as const) {
    for (const c of list(pod[key]).map(obj)) {
      const at = `${where}.${key}[${String(c.name)}]`;
      const sc = obj(c.securityContext);
      checkContainerSc(sc, `${at}.securityContext`, out);
      if (sc.readOnlyRootFilesystem !== true)
        out.push(`${at}.securityContext.readOnlyRootFilesystem must be true`);
      const tmp = list(c.volumeMounts)
        .map(obj)
        .find((m) => m.mountPath === TMP_DIR);
      if (tmp === undefined || !emptyDirs.has(String(tmp.name)))
        out.push(`${at} must mount an emptyDir at ${TMP_DIR}`);
    }
  }
}

/** An Argo Events pod template (`spec.template`): the controller fills in the container. */
function checkEventsTemplate(t: Obj, where: string, out: string[]): void {
  checkPodLevel(obj(t.securityContext), where, out);
  const sc = obj(obj(t.container).securityContext);
  checkContainerSc(sc, `${where}.container.securityContext`, out);
  if (sc.readOnlyRootFilesystem !== true)
    out.push(`${where}.container.securityContext.readOnlyRootFilesystem must be true`);
}

/**
 * Every Pod Security `restricted` violation of one rendered object; `[]` when it passes or has no pods.
 * @example expect(checkBundleRestricted(deployment)).toEqual([]);
 */
export function checkBundleRestricted(manifest: unknown): string[] {
  const m = obj(manifest);
  const spec = obj(m.spec);
  const out: string[] = [];
  switch (m.kind) {
    case 'Deployment':
      checkBookmlPod(obj(obj(spec.template).spec), 'spec.template.spec', out);
      break;
    case 'InferenceService':
      checkBookmlPod(obj(spec.predictor), 'spec.predictor', out);
      break;
    case 'WorkflowTemplate':
    case 'Workflow':
      out.push(...checkRestricted(m));
      break;
    case 'CronWorkflow':
      if (list(obj(spec.workflowSpec).templates).length > 0)
        out.push(...checkRestricted({ spec: spec.workflowSpec }));
      break;
    case 'EventSource':
    case 'Sensor':
      checkEventsTemplate(obj(spec.template), 'spec.template', out);
      break;
    case 'EventBus': {
      const js = obj(spec.jetstream);
      checkPodLevel(obj(js.securityContext), 'spec.jetstream', out);
      for (const k of ['containerTemplate', 'reloaderContainerTemplate', 'metricsContainerTemplate'])
        checkContainerSc(obj(obj(js[k]).securityContext), `spec.jetstream.${k}.securityContext`, out);
      break;
    }
    default:
      break;
  }
  return out;
}
