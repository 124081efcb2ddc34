/**
 * Pod security for a PSA `restricted` namespace (spec/argo.md §11), in one place: what the compiler emits
 * and the check that every pod of a compiled WorkflowTemplate passes.
 *
 * - Pod level (`spec.securityContext`, all pods): runAsNonRoot, UID/GID/fsGroup 65532, seccomp
 *   RuntimeDefault.
 * - Our container (`main`): allowPrivilegeEscalation false, readOnlyRootFilesystem, runAsNonRoot, drop ALL;
 *   an `emptyDir` at `/tmp` is the only writable place (inputs, outputs, scratch).
 * - Argo's own `init` and `wait` containers: patched per workflow with `podSpecPatch` (legacy pod layout,
 *   the default). In 4.1's opt-in init-less layout those containers do not exist, and a patch naming them
 *   would add image-less containers and get the pod rejected (§1), so no patch is emitted; the executor's
 *   `supervisor` must then be secured in the controller's ConfigMap.
 */

/** UID and GID every pod runs as (distroless `nonroot`). */
export const RESTRICTED_UID = 65532;

/** Where the writable `emptyDir` is mounted. */
export const TMP_DIR = '/tmp';

/** Name of the `emptyDir` volume mounted at {@link TMP_DIR}. */
export const TMP_VOLUME_NAME = 'tmp';

/** Volume types PSA `restricted` allows. */
export const PSA_ALLOWED_VOLUME_TYPES: readonly string[] = [
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
];

/** The only capability `restricted` lets a container add. */
const ALLOWED_ADDED_CAPABILITY = 'NET_BIND_SERVICE';

/** Argo's containers in the legacy pod layout. */
export const ARGO_EXECUTOR_CONTAINERS = { init: 'init', wait: 'wait' } as const;

/** A Kubernetes PodSecurityContext, as far as bookml sets it. */
export interface PodSecurityContext {
  runAsNonRoot: true;
  runAsUser: number;
  runAsGroup: number;
  fsGroup: number;
  seccompProfile: { type: 'RuntimeDefault' };
}

/** A Kubernetes container SecurityContext, as far as bookml sets it. */
export interface ContainerSecurityContext {
  allowPrivilegeEscalation: false;
  readOnlyRootFilesystem: true;
  runAsNonRoot: true;
  capabilities: { drop: ['ALL'] };
}

/** `spec.securityContext`: applies to every pod of the workflow. */
export function podSecurityContext(): PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: RESTRICTED_UID,
    runAsGroup: RESTRICTED_UID,
    fsGroup: RESTRICTED_UID,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** `container.securityContext` of each step container. */
export function containerSecurityContext(): ContainerSecurityContext {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
  };
}

/** The `emptyDir` volume backing {@link TMP_DIR}. */
export function tmpVolume(): { name: string; emptyDir: Record<string, never> } {
  return { name: TMP_VOLUME_NAME, emptyDir: {} };
}

/** The mount of {@link tmpVolume} in a step container. */
export function tmpVolumeMount(): { name: string; mountPath: string } {
  return { name: TMP_VOLUME_NAME, mountPath: TMP_DIR };
}

/**
 * `spec.podSpecPatch` securing Argo's `init` and `wait` containers, or `undefined` for the init-less layout.
 * JSON (a subset of YAML, which Argo accepts) so the compiler needs no YAML library and the check below can
 * read it back.
 */
export function executorPodSpecPatch(legacyPodLayout: boolean): string | undefined {
  if (!legacyPodLayout) return undefined;
  const securityContext = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
  return JSON.stringify(
    {
      initContainers: [{ name: ARGO_EXECUTOR_CONTAINERS.init, securityContext }],
      containers: [{ name: ARGO_EXECUTOR_CONTAINERS.wait, securityContext }],
    },
    null,
    2,
  );
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function checkPodLevel(sc: Obj, where: string, problems: string[], inherited: Obj): void {
  const merged = { ...inherited, ...sc };
  if (merged.runAsNonRoot !== true) problems.push(`${where}.runAsNonRoot must be true`);
  if (typeof merged.runAsUser !== 'number' || merged.runAsUser === 0) {
    problems.push(`${where}.runAsUser must be a non-zero UID`);
  }
  const seccomp = obj(merged.seccompProfile).type;
  if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') {
    problems.push(`${where}.seccompProfile.type must be RuntimeDefault or Localhost`);
  }
}

/** Check one container's securityContext against `restricted` (+ bookml's read-only root FS rule). */
function checkContainer(c: Obj, where: string, problems: string[], requireReadOnly: boolean): void {
  const sc = obj(c.securityContext);
  const at = `${where}.securityContext`;
  if (sc.allowPrivilegeEscalation !== false) problems.push(`${at}.allowPrivilegeEscalation must be false`);
  if (sc.privileged === true) problems.push(`${at}.privileged must not be true`);
  if (sc.runAsNonRoot === false) problems.push(`${at}.runAsNonRoot must not be false`);
  if (sc.runAsUser === 0) problems.push(`${at}.runAsUser must not be 0`);
  const caps = obj(sc.capabilities);
  if (!list(caps.drop).includes('ALL')) problems.push(`${at}.capabilities.drop must include ALL`);
  for (const add of list(caps.add)) {
    if (add !== ALLOWED_ADDED_CAPABILITY) problems.push(`${at}.capabilities.add must not add ${String(add)}`);
  }
  const seccomp = obj(sc.seccompProfile).type;
  if (seccomp !== undefined && seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') {
    problems.push(`${at}.seccompProfile.type must be RuntimeDefault or Localhost`);
  }
  if (requireReadOnly) {
    if (sc.readOnlyRootFilesystem !== true) problems.push(`${at}.readOnlyRootFilesystem must be true`);
    const tmp = list(c.volumeMounts).some((m) => obj(m).mountPath === TMP_DIR);
    if (!tmp) problems.push(`${where}.volumeMounts must mount a writable volume at ${TMP_DIR}`);
  }
}

/**
 * Every way a compiled WorkflowTemplate (or Workflow) would be rejected by a PSA `restricted` namespace,
 * or break bookml's read-only-root rule; `[]` when it passes. Checks the workflow- and template-level pod
 * security contexts, every container (ours, init containers, sidecars), the `podSpecPatch` for Argo's own
 * containers, volume types, and host namespaces.
 *
 * @example
 * expect(checkRestricted(compileToArgo(spec, { image }))).toEqual([]);
 */
export function checkRestricted(manifest: unknown, options: { legacyPodLayout?: boolean } = {}): string[] {
  const legacy = options.legacyPodLayout ?? true;
  const problems: string[] = [];
  const spec = obj(obj(manifest).spec);
  const podSc = obj(spec.securityContext);
  checkPodLevel(podSc, 'spec.securityContext', problems, {});
  for (const host of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (spec[host] === true) problems.push(`spec.${host} must not be true`);
  }
  const tmpVolumes = new Set<string>();
  for (const [i, v] of list(spec.volumes).entries()) {
    const vol = obj(v);
    const types = Object.keys(vol).filter((k) => k !== 'name');
    for (const t of types) {
      if (!PSA_ALLOWED_VOLUME_TYPES.includes(t))
        problems.push(`spec.volumes[${i}] (${String(vol.name)}) uses ${t}, not allowed`);
    }
    if (types.includes('emptyDir')) tmpVolumes.add(String(vol.name));
  }

  const patch = spec.podSpecPatch;
  let patched: Obj = {};
  if (patch !== undefined) {
    try {
      patched = obj(JSON.parse(String(patch)));
    } catch {
      problems.push('spec.podSpecPatch must be JSON (bookml emits JSON so it can be checked)');
    }
  }
  const named = (key: string, name: string): Obj | undefined =>
    list(patched[key])
      .map(obj)
      .find((c) => c.name === name);
  if (legacy) {
    for (const [key, name] of [
      ['initContainers', ARGO_EXECUTOR_CONTAINERS.init],
      ['containers', ARGO_EXECUTOR_CONTAINERS.wait],
    ] as const) {
      const c = named(key, name);
      if (c === undefined) problems.push(`spec.podSpecPatch must secure Argo's "${name}" container (${key})`);
      else checkContainer(c, `spec.podSpecPatch.${key}[${name}]`, problems, false);
    }
  } else {
    for (const [key, name] of [
      ['initContainers', ARGO_EXECUTOR_CONTAINERS.init],
      ['containers', ARGO_EXECUTOR_CONTAINERS.wait],
    ] as const) {
      if (named(key, name) !== undefined) {
        problems.push(
          `spec.podSpecPatch names "${name}", which the init-less pod layout does not have (the pod would be rejected)`,
        );
      }
    }
  }
  for (const key of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (patched[key] === true) problems.push(`spec.podSpecPatch sets ${key}`);
  }

  for (const t of list(spec.templates).map(obj)) {
    const name = String(t.name);
    if (t.securityContext !== undefined) {
      checkPodLevel(obj(t.securityContext), `templates[${name}].securityContext`, problems, podSc);
    }
    if (t.podSpecPatch !== undefined)
      problems.push(`templates[${name}].podSpecPatch would replace the workflow's patch; not allowed`);
    for (const host of ['hostNetwork'])
      if (t[host] === true) problems.push(`templates[${name}].${host} must not be true`);
    if (t.container !== undefined) {
      const c = obj(t.container);
      checkContainer(c, `templates[${name}].container`, problems, true);
      for (const m of list(c.volumeMounts).map(obj)) {
        if (m.mountPath === TMP_DIR && !tmpVolumes.has(String(m.name))) {
          problems.push(
            `templates[${name}].container mounts ${String(m.name)} at ${TMP_DIR}, which is not an emptyDir`,
          );
        }
      }
    }
    for (const key of ['initContainers', 'sidecars'] as const) {
      for (const c of list(t[key]).map(obj)) {
        checkContainer(c, `templates[${name}].${key}[${String(c.name)}]`, problems, false);
      }
    }
    for (const key of ['script', 'containerSet'] as const) {
      if (t[key] !== undefined)
        problems.push(`templates[${name}].${key} is not emitted by bookml and is not checked`);
    }
  }
  return problems;
}
